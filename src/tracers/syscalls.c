/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The syscalls tracer: security-relevant system calls with decoded arguments and result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "tracer.h"
#include "syscalls-schema.h"
#include "decode.h"
#include "syscall-names.h"
#include "syscalls.h"
#include "syscalls.skel.h"
#include "shared/log.h"
#include "shared/strbuf.h"

#define XATTR_NAME_CAPS "security.capability"

struct syscalls_tracer {
        struct syscalls_bpf *skel;
        struct bpf_link *links[2 * _CW_SC_MAX + 3];
        size_t n_links;
        /* traced calls that have no trace events on this kernel: through raw_tp, or not at all */
        bool raw[_CW_SC_MAX];
        size_t n_raw;
};

/* Text the decoded values point to, alive until the record is emitted. */
struct syscall_text {
        struct strbuf flags, summary, caps;
        char mode[MODE_TEXT_MAX];
        char number[32];
};

static void set_str_field(struct value *v, const char *s, uint16_t len, size_t max)
{
        if (len > 0)
                value_set_str(v, s, strnlen(s, MIN((size_t) len, max)));
}

static void set_id(struct value *v, uint64_t arg)
{
        /* (uid_t) -1 leaves the id unchanged */
        if ((uint32_t) arg != UINT32_MAX)
                value_set_u64(v, (uint32_t) arg);
}

static void set_flags(struct value *v, struct syscall_text *text, uint64_t flags, const struct flag_name *names)
{
        value_set_u64(&v[COL_FLAGS], flags);
        format_flags(&text->flags, flags, names);
        value_set_str(&v[COL_FLAGS_TEXT], text->flags.data, text->flags.len);
}

static void set_mode(struct value *v, struct syscall_text *text, uint64_t mode)
{
        value_set_u64(&v[COL_MODE], mode);
        format_mode(text->mode, mode);
        value_set_cstr(&v[COL_MODE_TEXT], text->mode);
}

static void set_named_value(struct value *v, struct syscall_text *text, uint64_t value,
                            const struct flag_name *names)
{
        const char *name = value_name(value, names);

        if (!name) {
                snprintf(text->number, sizeof(text->number), "%" PRIu64, value);
                name = text->number;
        }
        value_set_cstr(v, name);
}

/* A security.capability value: the capability sets, by name for rules. Bad or short values
 * leave the columns out. */
static void set_file_caps(struct value *v, struct syscall_text *text, const struct cw_syscall_event *e)
{
        struct file_caps caps;

        if (parse_file_caps(e->value, MIN((size_t) e->value_len, sizeof(e->value)), &caps) < 0)
                return;
        value_set_bool(&v[COL_CAP_EFFECTIVE], caps.effective);
        value_set_u64(&v[COL_CAP_PERMITTED], caps.permitted);
        value_set_u64(&v[COL_CAP_INHERITABLE], caps.inheritable);
        if (caps.has_rootid)
                value_set_u64(&v[COL_CAP_ROOTID], caps.rootid);
        format_caps(&text->caps, caps.permitted);
        value_set_str(&v[COL_CAPS], text->caps.data ?: "", text->caps.len);
}

static void decode_arguments(const struct cw_syscall_event *e, struct value *v, struct syscall_text *text)
{
        const uint64_t *a = e->args;

        switch (e->kind) {
        case CW_SC_PTRACE:
                set_named_value(&v[COL_REQUEST], text, a[0], ptrace_request_names);
                value_set_u64(&v[COL_TARGET_PID], (uint32_t) a[1]);
                break;
        case CW_SC_SETNS:
                value_set_s64(&v[COL_FD], (int) a[0]);
                value_set_u64(&v[COL_FLAGS], (uint32_t) a[1]);
                if ((uint32_t) a[1] == 0)
                        strbuf_puts(&text->flags, "any");
                else
                        format_flags(&text->flags, (uint32_t) a[1], clone_flag_names);
                value_set_str(&v[COL_NSTYPE], text->flags.data, text->flags.len);
                break;
        case CW_SC_UNSHARE:
                set_flags(v, text, a[0], clone_flag_names);
                break;
        case CW_SC_MOUNT:
                set_str_field(&v[COL_SOURCE], e->str, e->str_len, sizeof(e->str));
                set_str_field(&v[COL_TARGET], e->path, e->path_len, sizeof(e->path));
                set_str_field(&v[COL_FSTYPE], e->fstype, e->fstype_len, sizeof(e->fstype));
                set_flags(v, text, a[3], mount_flag_names);
                break;
        case CW_SC_UMOUNT2:
                set_str_field(&v[COL_TARGET], e->path, e->path_len, sizeof(e->path));
                set_flags(v, text, a[1], umount_flag_names);
                break;
        case CW_SC_INIT_MODULE:
                value_set_u64(&v[COL_LENGTH], a[1]);
                set_str_field(&v[COL_PARAMS], e->str, e->str_len, sizeof(e->str));
                break;
        case CW_SC_FINIT_MODULE:
                value_set_s64(&v[COL_FD], (int) a[0]);
                set_str_field(&v[COL_PATH], e->path, e->path_len, sizeof(e->path));
                set_str_field(&v[COL_PARAMS], e->str, e->str_len, sizeof(e->str));
                set_flags(v, text, (uint32_t) a[2], finit_module_flag_names);
                break;
        case CW_SC_DELETE_MODULE:
                set_str_field(&v[COL_NAME], e->str, e->str_len, sizeof(e->str));
                set_flags(v, text, a[1], delete_module_flag_names);
                break;
        case CW_SC_BPF:
                set_named_value(&v[COL_BPF_CMD], text, (uint32_t) a[0], bpf_cmd_names);
                break;
        case CW_SC_SETUID:
                set_id(&v[COL_NEW_UID], a[0]);
                break;
        case CW_SC_SETGID:
                set_id(&v[COL_NEW_GID], a[0]);
                break;
        case CW_SC_SETREUID:
        case CW_SC_SETRESUID:
                set_id(&v[COL_NEW_UID], a[0]);
                set_id(&v[COL_NEW_EUID], a[1]);
                if (e->kind == CW_SC_SETRESUID)
                        set_id(&v[COL_NEW_SUID], a[2]);
                break;
        case CW_SC_SETREGID:
        case CW_SC_SETRESGID:
                set_id(&v[COL_NEW_GID], a[0]);
                set_id(&v[COL_NEW_EGID], a[1]);
                if (e->kind == CW_SC_SETRESGID)
                        set_id(&v[COL_NEW_SGID], a[2]);
                break;
        case CW_SC_MEMFD_CREATE:
                set_str_field(&v[COL_NAME], e->str, e->str_len, sizeof(e->str));
                set_flags(v, text, (uint32_t) a[1], memfd_flag_names);
                break;
        case CW_SC_EXECVEAT:
                value_set_s64(&v[COL_FD], (int) a[0]);
                set_str_field(&v[COL_NAME], e->path, e->path_len, sizeof(e->path));
                set_flags(v, text, (uint32_t) a[4], execveat_flag_names);
                break;
        case CW_SC_CHMOD:
                set_str_field(&v[COL_PATH], e->path, e->path_len, sizeof(e->path));
                set_mode(v, text, (uint32_t) a[1]);
                break;
        case CW_SC_FCHMOD:
                value_set_s64(&v[COL_FD], (int) a[0]);
                set_str_field(&v[COL_PATH], e->path, e->path_len, sizeof(e->path));
                set_mode(v, text, (uint32_t) a[1]);
                break;
        case CW_SC_FCHMODAT:
        case CW_SC_FCHMODAT2:
                value_set_s64(&v[COL_FD], (int) a[0]);
                set_str_field(&v[COL_PATH], e->path, e->path_len, sizeof(e->path));
                set_mode(v, text, (uint32_t) a[2]);
                if (e->kind == CW_SC_FCHMODAT2)
                        set_flags(v, text, (uint32_t) a[3], execveat_flag_names);
                break;
        case CW_SC_PROCESS_VM_READV:
        case CW_SC_PROCESS_VM_WRITEV:
                value_set_u64(&v[COL_TARGET_PID], (uint32_t) a[0]);
                value_set_bool(&v[COL_TARGET_SELF], e->flags & CW_SC_TARGET_SELF);
                break;
        case CW_SC_SETXATTR:
        case CW_SC_LSETXATTR:
        case CW_SC_FSETXATTR:
        case CW_SC_SETXATTRAT:
                if (e->kind == CW_SC_FSETXATTR || e->kind == CW_SC_SETXATTRAT)
                        value_set_s64(&v[COL_FD], (int) a[0]);
                set_str_field(&v[COL_PATH], e->path, e->path_len, sizeof(e->path));
                set_str_field(&v[COL_XATTR], e->str, e->str_len, sizeof(e->str));
                value_set_u64(&v[COL_VALUE_SIZE], e->value_size);
                set_flags(v, text, e->xattr_flags, xattr_flag_names);
                if (v[COL_XATTR].present && v[COL_XATTR].len == strlen(XATTR_NAME_CAPS) &&
                    memcmp(v[COL_XATTR].str, XATTR_NAME_CAPS, v[COL_XATTR].len) == 0)
                        set_file_caps(v, text, e);
                break;
        default:
                break;
        }
}

/* "name=value ..." of the decoded arguments, for the table. */
static void build_summary(struct strbuf *b, const struct value *v)
{
        for (int i = COL_REQUEST; i <= COL_FLAGS_TEXT; i++) {
                const struct column *c = &syscalls_schema.columns[i];

                if (!v[i].present)
                        continue;
                strbuf_printf(b, "%s%s=", b->len ? " " : "", c->name);
                if (c->type == VALUE_STR)
                        strbuf_put(b, v[i].str, v[i].len);
                else if (c->type == VALUE_S64)
                        strbuf_printf(b, "%" PRIi64, v[i].i);
                else
                        strbuf_printf(b, "%" PRIu64, v[i].u);
        }
}

static int syscalls_on_event(struct tracer *t, const void *data, size_t size)
{
        const struct cw_syscall_event *e = data;
        const struct traced_syscall *sc;
        struct value v[_COL_MAX] = {};
        struct record r = { .schema = &syscalls_schema, .values = v };
        struct syscall_text text = {};
        int ret;

        if (size < sizeof(*e) || e->hdr.type != CW_EV_SYSCALL_CALL)
                return -EBADMSG;
        sc = traced_syscall_by_kind(e->kind);
        if (!sc)
                return -EBADMSG;

        r.time_ns = tracer_realtime(t, e->hdr.time_ns);
        r.cgroup_id = e->hdr.cgroup_id;
        value_set_u64(&v[COL_PID], e->hdr.pid);
        value_set_u64(&v[COL_TID], e->hdr.tid);
        value_set_pid_scope(&v[COL_PID_SCOPE], e->hdr.flags & CW_EVENT_HOST_PIDS);
        value_set_u64(&v[COL_PPID], e->ppid);
        value_set_u64(&v[COL_UID], e->hdr.uid);
        value_set_u64(&v[COL_GID], e->hdr.gid);
        value_set_str(&v[COL_COMM], e->hdr.comm, strnlen(e->hdr.comm, sizeof(e->hdr.comm)));
        value_set_u64(&v[COL_CGROUP_ID], e->hdr.cgroup_id);
        value_set_cstr(&v[COL_SYSCALL], sc->name);
        value_set_s64(&v[COL_RET], e->ret);
        value_set_cstr(&v[COL_HOOK], e->flags & CW_SC_RAW_TP ? "raw_tp" : "tracepoint");
        if (e->ret < 0 && e->ret > -4096)
                value_set_cstr(&v[COL_ERROR_NAME], errno_name((int) -e->ret));

        decode_arguments(e, v, &text);
        if (e->flags & CW_SC_PATH_RESOLVED)
                value_set_bool(&v[COL_PATH_TRUNCATED], e->flags & CW_SC_PATH_TRUNCATED);
        build_summary(&text.summary, v);
        if (text.summary.len > 0)
                value_set_str(&v[COL_SUMMARY], text.summary.data, text.summary.len);

        ret = text.flags.oom || text.summary.oom || text.caps.oom ? -ENOMEM : tracer_emit(t, &r);
        strbuf_free(&text.flags);
        strbuf_free(&text.summary);
        strbuf_free(&text.caps);
        return ret;
}

/* The syscalls trace events directory of tracefs, or NULL when there is none (tracefs not
 * mounted, or a kernel built without syscall trace events). */
static const char *syscall_events_dir(void)
{
        static const char *const dirs[] = { "/sys/kernel/tracing/events/syscalls",
                                            "/sys/kernel/debug/tracing/events/syscalls" };

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                if (access(dirs[i], F_OK) == 0)
                        return dirs[i];
        return NULL;
}

static bool syscall_event_exists(const char *dir, const char *event)
{
        char path[256];

        if (!dir)
                return false;
        snprintf(path, sizeof(path), "%s/sys_enter_%s", dir, event);
        return access(path, F_OK) == 0;
}

static void syscalls_stop(struct tracer *t)
{
        struct syscalls_tracer *st = t->data;

        if (!st)
                return;
        tracer_destroy_links(st->links, st->n_links);
        syscalls_bpf__destroy(st->skel);
        free(st);
        t->data = NULL;
}

/* Which traced calls have no trace events here: those go to the raw_tp fallback (marked in
 * rodata, before load), or, without a number on this architecture, are not traced. The fallback's
 * programs are not even loaded when every call has its events. */
static void syscalls_plan(struct syscalls_tracer *st)
{
        _cleanup_(strbuf_free) struct strbuf raw = {}, none = {};
        const char *dir = syscall_events_dir();

        for (size_t i = 0; i < n_traced_syscalls; i++) {
                const struct traced_syscall *sc = &traced_syscalls[i];

                if (sc->nr < 0 || sc->nr >= CW_SYSCALL_NR_MAX) {
                        strbuf_printf(&none, " %s", sc->name);
                        continue;
                }
                st->skel->rodata->cw_syscall_kind[sc->nr] = sc->kind;
                if (syscall_event_exists(dir, sc->event))
                        continue;
                /* e.g. the module calls on a kernel built without modules */
                st->skel->rodata->cw_syscall_raw[sc->nr] = 1;
                st->raw[sc->kind] = true;
                st->n_raw++;
                strbuf_printf(&raw, " %s", sc->name);
        }
        bpf_program__set_autoload(st->skel->progs.handle_raw_sys_enter, st->n_raw > 0);
        bpf_program__set_autoload(st->skel->progs.handle_raw_sys_exit, st->n_raw > 0);
        if (!dir)
                log_info("syscalls: no syscall trace events (tracefs not mounted, or a kernel without "
                         "them): every call traced through raw_tp/sys_enter and raw_tp/sys_exit");
        else if (raw.len > 0)
                log_info("syscalls: no trace events for%s on this kernel: traced through raw_tp/sys_enter "
                         "and raw_tp/sys_exit", raw.data);
        if (none.len > 0)
                log_info("syscalls: this architecture has no%s, not traced", none.data);
}

static int syscalls_attach(struct tracer *t, struct syscalls_tracer *st)
{
        struct bpf_program *raw_progs[2] = { st->skel->progs.handle_raw_sys_enter,
                                             st->skel->progs.handle_raw_sys_exit };
        struct bpf_link *link;
        char event[64];

        link = bpf_program__attach(st->skel->progs.handle_exec);
        if (!link)
                return log_debug_errno(errno, "syscalls: failed to attach to sched_process_exec: %m");
        st->links[st->n_links++] = link;

        for (size_t i = 0; i < n_traced_syscalls; i++) {
                const struct traced_syscall *sc = &traced_syscalls[i];
                struct bpf_program *progs[2] = { st->skel->progs.handle_sys_enter, st->skel->progs.handle_sys_exit };

                if (sc->nr < 0 || sc->nr >= CW_SYSCALL_NR_MAX || st->raw[sc->kind])
                        continue;
                for (int j = 0; j < 2; j++) {
                        snprintf(event, sizeof(event), "sys_%s_%s", j == 0 ? "enter" : "exit", sc->event);
                        link = bpf_program__attach_tracepoint(progs[j], "syscalls", event);
                        if (!link)
                                return log_debug_errno(errno, "syscalls: failed to attach to syscalls/%s: %m", event);
                        st->links[st->n_links++] = link;
                }
        }
        for (int j = 0; j < 2 && st->n_raw > 0; j++) {
                link = bpf_program__attach(raw_progs[j]);
                if (!link)
                        return log_debug_errno(errno, "syscalls: failed to attach to raw_tp/sys_%s: %m",
                                               j == 0 ? "enter" : "exit");
                st->links[st->n_links++] = link;
        }
        return 0;
}

static int syscalls_start(struct tracer *t)
{
        struct syscalls_tracer *st;
        int r;

        st = calloc(1, sizeof(*st));
        if (!st)
                return log_debug_errno(ENOMEM, "syscalls: %m");
        t->data = st;
        st->skel = syscalls_bpf__open();
        if (!st->skel) {
                r = log_debug_errno(errno, "syscalls: failed to open the BPF object: %m");
                goto fail;
        }
        syscalls_plan(st);
        r = tracer_load_skeleton(t, st->skel->skeleton);
        if (r < 0)
                goto fail;
        r = syscalls_attach(t, st);
        if (r < 0)
                goto fail;
        return 0;
fail:
        syscalls_stop(t);
        return r;
}

const struct tracer_ops syscalls_tracer_ops = {
        .info = &syscalls_tracer_info,
        .needs_tracefs = true,
        .start = syscalls_start,
        .stop = syscalls_stop,
        .on_event = syscalls_on_event,
};
