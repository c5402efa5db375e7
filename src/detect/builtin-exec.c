/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-id128.h>
#include "builtin-exec.h"
#include "daemon/config.h"
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

static const struct value *column(const struct record *r, const char *name)
{
        int i = schema_find_column(r->schema, name);

        return i >= 0 && r->values[i].present ? &r->values[i] : NULL;
}

static uint64_t column_u64(const struct record *r, const char *name)
{
        const struct value *v = column(r, name);

        return v ? v->u : 0;
}

/* "NAME" of a string column, NUL-terminated and printable, in buf. */
static const char *column_str(const struct record *r, const char *name, struct strbuf *buf)
{
        const struct value *v = column(r, name);

        if (!v || !v->str)
                return NULL;
        strbuf_reset(buf);
        for (size_t i = 0; i < v->len; i++)
                strbuf_putc(buf, v->str[i] == 0 ? ' ' : v->str[i]);
        return buf->oom ? NULL : buf->data ?: "";
}

static int builtin_exec_on_record(struct manager *m, const struct record *r, void *userdata)
{
        static char *const default_dirs[] = { (char *) "/tmp", (char *) "/dev/shm", (char *) "/var/tmp" };
        char *const *dirs = default_dirs;
        size_t n_dirs = ELEMENTSOF(default_dirs);
        struct strbuf exe = {}, comm = {}, cmdline = {}, message = {};
        const struct value *exe_value;
        struct alert a = {};
        sd_id128_t id;
        const char *where;
        int ret;

        if (!streq(r->schema->event, "process") || !streq(record_event(r), "exec"))
                return 0;
        if (m->config) {
                if (!m->config->exec_from_temporary)
                        return 0;
                dirs = m->config->temporary_dirs.items;
                n_dirs = m->config->temporary_dirs.n;
        }
        exe_value = column(r, "exe");
        if (column_u64(r, "exe_memfd")) {
                a.rule = "exec-memfd";
                a.message_id = MESSAGE_ID_EXEC_MEMFD;
                a.severity = SEVERITY_ERROR;
                a.mitre = "T1620";
                a.score = 80;
                where = "a memfd (fileless)";
        } else if (exe_value && exe_value->str && path_in_dirs(exe_value->str, exe_value->len, dirs, n_dirs)) {
                a.rule = "exec-from-tmp";
                a.message_id = MESSAGE_ID_EXEC_FROM_TMP;
                a.severity = SEVERITY_WARNING;
                a.mitre = "T1059";
                a.score = 50;
                where = "a temporary directory";
        } else if (column_u64(r, "exe_deleted")) {
                a.rule = "exec-deleted";
                a.message_id = MESSAGE_ID_EXEC_DELETED;
                a.severity = SEVERITY_WARNING;
                a.mitre = "T1070.004";
                a.score = 60;
                where = "a deleted file";
        } else
                return 0;

        if (sd_id128_randomize(&id) >= 0)
                sd_id128_to_string(id, a.id);
        a.time_ns = a.first_seen_ns = a.last_seen_ns = r->time_ns;
        a.count = 1;
        a.process = (struct alert_process) {
                .pid = column_u64(r, "pid"),
                .ppid = column_u64(r, "ppid"),
                .uid = column_u64(r, "uid"),
                .comm = column_str(r, "comm", &comm),
                .exe = column_str(r, "exe", &exe),
                .cmdline = column_str(r, "args", &cmdline),
        };
        a.cgroup_id = r->cgroup_id;
        if (r->cgroup_id && m->identity)
                a.identity = identity_lookup(m->identity, r->cgroup_id);
        a.event = r;
        strbuf_printf(&message, "%s: %s executed from %s (pid %" PRIu32 ", uid %" PRIu32 "%s%s)",
                      a.rule, a.process.exe ?: "?", where, a.process.pid, a.process.uid,
                      a.identity && a.identity->container_name ? ", container " : "",
                      a.identity && a.identity->container_name ? a.identity->container_name : "");
        a.message = message.oom ? a.rule : message.data;

        ret = manager_raise_alert(m, &a);
        strbuf_free(&exe);
        strbuf_free(&comm);
        strbuf_free(&cmdline);
        strbuf_free(&message);
        return ret;
}

const struct detector builtin_exec_detector = {
        .name = "builtin-exec",
        .on_record = builtin_exec_on_record,
};
