/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-id128.h>
#include "builtin-exec.h"
#include "shared/log.h"
#include "shared/strbuf.h"

bool path_in_dirs(const char *path, size_t len, char *const *dirs, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                size_t l = strlen(dirs[i]);

                while (l > 1 && dirs[i][l - 1] == '/')
                        l--;
                if (len > l && memcmp(path, dirs[i], l) == 0 && (path[l] == '/' || l == 1))
                        return true;
        }
        return false;
}

enum {
        BC_PID, BC_PPID, BC_UID, BC_COMM, BC_EXE, BC_ARGS, BC_EXE_MEMFD, BC_EXE_DELETED, BC_EXE_TRUNCATED,
        _BC_MAX,
};
static const char *const builtin_columns[_BC_MAX] = {
        [BC_PID] = "pid", [BC_PPID] = "ppid", [BC_UID] = "uid", [BC_COMM] = "comm", [BC_EXE] = "exe",
        [BC_ARGS] = "args", [BC_EXE_MEMFD] = "exe_memfd", [BC_EXE_DELETED] = "exe_deleted",
        [BC_EXE_TRUNCATED] = "exe_truncated",
};

static uint64_t column_u64(const struct record *r, int i)
{
        const struct value *v = record_value(r, i);

        return v ? v->u : 0;
}

/* The value of a string column, NUL-terminated and printable, in buf. */
static const char *column_str(const struct record *r, int column, struct strbuf *buf)
{
        const struct value *v = record_value(r, column);

        if (!v || !v->str)
                return NULL;
        strbuf_reset(buf);
        for (size_t i = 0; i < v->len; i++)
                strbuf_putc(buf, v->str[i] == 0 ? ' ' : v->str[i]);
        return buf->oom ? NULL : buf->data ?: "";
}

void builtin_exec_init(struct builtin_exec *b, int (*raise)(const struct alert *a, void *userdata), void *userdata)
{
        *b = (struct builtin_exec) { .exec_from_temporary = true, .raise = raise, .userdata = userdata };
        column_index_init(&b->columns, builtin_columns, _BC_MAX);
}

static int builtin_exec_on_record(void *userdata, const struct record *r)
{
        struct builtin_exec *b = userdata;
        static char *const default_dirs[] = { (char *) "/tmp", (char *) "/dev/shm", (char *) "/var/tmp" };
        char *const *dirs = default_dirs;
        size_t n_dirs = ELEMENTSOF(default_dirs);
        struct strbuf exe = {}, comm = {}, cmdline = {}, message = {};
        const struct value *exe_value;
        struct alert a = {};
        sd_id128_t id;
        const char *where;
        const int *c;
        int ret;

        if (!b->exec_from_temporary || !streq(r->schema->event, "process") || !streq(record_event(r), "exec"))
                return 0;
        c = column_index_get(&b->columns, r->schema);
        if (!c)
                return 0;
        if (b->dirs) {
                dirs = b->dirs;
                n_dirs = b->n_dirs;
        }
        exe_value = record_value(r, c[BC_EXE]);
        if (column_u64(r, c[BC_EXE_MEMFD])) {
                a.rule = "exec-memfd";
                a.message_id = MESSAGE_ID_EXEC_MEMFD;
                a.severity = SEVERITY_ERROR;
                a.mitre = "T1620";
                where = "a memfd (fileless)";
        } else if (exe_value && exe_value->str && path_in_dirs(exe_value->str, exe_value->len, dirs, n_dirs)) {
                a.rule = "exec-from-tmp";
                a.message_id = MESSAGE_ID_EXEC_FROM_TMP;
                a.severity = SEVERITY_WARNING;
                a.mitre = "T1059";
                where = "a temporary directory";
        } else if (column_u64(r, c[BC_EXE_DELETED])) {
                a.rule = "exec-deleted";
                a.message_id = MESSAGE_ID_EXEC_DELETED;
                a.severity = SEVERITY_WARNING;
                a.mitre = "T1070.004";
                where = "a deleted file";
        } else
                return 0;

        if (sd_id128_randomize(&id) >= 0)
                sd_id128_to_string(id, a.id);
        a.time_ns = a.first_seen_ns = a.last_seen_ns = r->time_ns;
        a.count = 1;
        a.process = (struct alert_process) {
                .pid = column_u64(r, c[BC_PID]),
                .ppid = column_u64(r, c[BC_PPID]),
                .uid = column_u64(r, c[BC_UID]),
                .comm = column_str(r, c[BC_COMM], &comm),
                .exe = column_str(r, c[BC_EXE], &exe),
                .cmdline = column_str(r, c[BC_ARGS], &cmdline),
                .exe_truncated = column_u64(r, c[BC_EXE_TRUNCATED]),
        };
        a.cgroup_id = r->cgroup_id;
        a.identity = r->identity;
        a.event = r;
        strbuf_printf(&message, "%s: %s executed from %s (pid %" PRIu32 ", uid %" PRIu32 "%s%s)",
                      a.rule, a.process.exe ?: "?", where, a.process.pid, a.process.uid,
                      a.identity && a.identity->container_name ? ", container " : "",
                      a.identity && a.identity->container_name ? a.identity->container_name : "");
        a.message = message.oom ? a.rule : message.data;

        ret = b->raise(&a, b->userdata);
        strbuf_free(&exe);
        strbuf_free(&comm);
        strbuf_free(&cmdline);
        strbuf_free(&message);
        return ret;
}

struct record_sink builtin_exec_record_sink(struct builtin_exec *b)
{
        return (struct record_sink) { .name = "builtin-exec", .on_record = builtin_exec_on_record, .userdata = b };
}
