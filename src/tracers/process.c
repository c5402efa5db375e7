/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The process tracer: exec, fork and exit. */
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "tracer.h"
#include "process-schema.h"
#include "decode.h"
#include "process.h"
#include "process.skel.h"
#include "script-path.h"
#include "shared/argv.h"
#include "shared/log.h"

static const char *fd_kind_name(uint8_t kind)
{
        static const char *const names[] = {
                [CW_FD_NONE] = "none", [CW_FD_FILE] = "file", [CW_FD_PIPE] = "pipe",
                [CW_FD_SOCKET] = "socket", [CW_FD_TTY] = "tty", [CW_FD_OTHER] = "other",
        };

        return kind < ELEMENTSOF(names) ? names[kind] : "other";
}

static void fill_header(struct value *v, const struct cw_event_header *h)
{
        value_set_u64(&v[COL_PID], h->pid);
        value_set_u64(&v[COL_TID], h->tid);
        value_set_pid_scope(&v[COL_PID_SCOPE], h->flags & CW_EVENT_HOST_PIDS);
        value_set_u64(&v[COL_UID], h->uid);
        value_set_u64(&v[COL_GID], h->gid);
        value_set_str(&v[COL_COMM], h->comm, strnlen(h->comm, sizeof(h->comm)));
        value_set_u64(&v[COL_CGROUP_ID], h->cgroup_id);
}

/* Whether entry (len bytes) is "NAME=..." for a variable the kernel captures. */
static bool env_entry_valid(const char *entry, size_t len)
{
        static const char *const names[] = { "LD_PRELOAD=", "LD_LIBRARY_PATH=", "HISTFILE=", "HISTSIZE=",
                                             "HISTFILESIZE=" };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (len >= strlen(names[i]) && memcmp(entry, names[i], strlen(names[i])) == 0)
                        return true;
        return false;
}

/* The captured environment entries, NUL-separated, the ones that are not what the kernel sends left
 * out; into out (at least len bytes). */
static size_t env_filter(char *out, const char *env, size_t len)
{
        size_t o = 0;

        for (const char *p = env, *end = env + len; p < end;) {
                size_t n = strnlen(p, end - p);

                if (env_entry_valid(p, n)) {
                        memcpy(out + o, p, n);
                        o += n;
                        out[o++] = '\0';
                }
                p += n + 1;
        }
        return o;
}

/* The script the exec runs (proc.script): the file the kernel was asked to run when an interpreter
 * was swapped in (#!), else the script argument of a known interpreter; made absolute against the
 * working directory the kernel captured. Empty when there is none. */
static size_t exec_script(char *buf, const struct cw_exec_event *e, const char *exe, size_t exe_len,
                          const struct argv_view *args, const char *script, const char *cwd, size_t cwd_len,
                          bool *ret_stdin_code)
{
        const char *name, *a;
        size_t name_len, first, len = 0;
        bool cut;
        int i;

        *ret_stdin_code = false;
        if (e->flags & CW_EXE_CWD_TRUNCATED)
                cwd_len = 0;    /* no prefix of a directory resolves anything */
        if (e->script_len > 0)
                return script_path_absolute(buf, cwd, cwd_len, script, strnlen(script, e->script_len), &cut);
        name = script_program_name(exe, exe_len, args, &name_len, &first);
        i = script_argv_index(name, name_len, args, first);
        *ret_stdin_code = i == SCRIPT_FROM_STDIN;
        if (i < 0 || !(a = argv_view_get(args, i, &len)))
                return 0;
        return script_path_absolute(buf, cwd, cwd_len, a, len, &cut);
}

static int process_decode_exec(struct tracer *t, const struct cw_exec_event *e, size_t size)
{
        struct value v[_COL_MAX] = {};
        struct record r = { .schema = &process_schema, .event = "exec", .values = v,
                          .cgroup_id = e->hdr.cgroup_id };
        struct argv_view args;
        size_t fixed = offsetof(struct cw_exec_event, data), script_len, env_len;
        bool stdin_code;
        char exe[CUT_PATH_TEXT_MAX(CW_PATH_MAX, CW_EXE_NAME_MAX)];
        char script[SCRIPT_PATH_MAX], env[CW_ENV_VARS * CW_ENV_ENTRY_MAX];
        const char *name, *script_name, *cwd, *env_data;

        if (size < fixed || (size_t) e->path_len + e->args_len + e->name_len + e->script_len + e->cwd_len +
                            e->env_len > size - fixed ||
            e->path_len >= CW_PATH_MAX || e->args_len > CW_ARGS_MAX || e->name_len >= CW_EXE_NAME_MAX ||
            e->script_len >= CW_PATH_MAX || e->cwd_len >= CW_PATH_MAX || e->env_len > sizeof(env))
                return -EBADMSG;
        name = e->data + e->path_len + e->args_len;
        script_name = name + e->name_len;
        cwd = script_name + e->script_len;
        env_data = cwd + e->cwd_len;

        r.time_ns = tracer_realtime(t, e->hdr.time_ns);
        fill_header(v, &e->hdr);
        value_set_u64(&v[COL_PPID], e->ppid);
        value_set_u64(&v[COL_EUID], e->euid);
        if (e->flags & CW_EXE_PATH_TRUNCATED)
                /* marked where it was cut, "/.../"; exe_truncated says so */
                value_set_str(&v[COL_EXE], exe, format_cut_path(exe, e->data, strnlen(e->data, e->path_len),
                                                                name, strnlen(name, e->name_len)));
        else
                value_set_str(&v[COL_EXE], e->data, strnlen(e->data, e->path_len));
        value_set_bool(&v[COL_EXE_TRUNCATED], e->flags & CW_EXE_PATH_TRUNCATED);

        argv_view_init(&args, e->data + e->path_len, e->args_len, e->args_total);
        value_set_str(&v[COL_ARGS], args.data, args.len);
        script_len = exec_script(script, e, v[COL_EXE].str, v[COL_EXE].len, &args, script_name, cwd,
                                 strnlen(cwd, e->cwd_len), &stdin_code);
        value_set_bool(&v[COL_STDIN_CODE], stdin_code);
        if (script_len > 0)
                value_set_str(&v[COL_SCRIPT], script, script_len);
        if (e->cwd_len > 0)
                value_set_str(&v[COL_CWD], cwd, strnlen(cwd, e->cwd_len));
        env_len = env_filter(env, env_data, e->env_len);
        if (env_len > 0)
                value_set_str(&v[COL_ENV], env, env_len);
        value_set_bool(&v[COL_ENV_TRUNCATED],
                       e->env_flags & (CW_ENV_SCAN_CUT | CW_ENV_VALUE_CUT | CW_ENV_FAULT));
        if (e->stdin_pipe)
                value_set_u64(&v[COL_STDIN_PIPE], e->stdin_pipe);
        if (e->stdout_pipe)
                value_set_u64(&v[COL_STDOUT_PIPE], e->stdout_pipe);
        v[COL_ARGS].truncated = args.truncated;
        value_set_u64(&v[COL_ARGC], e->argc);
        value_set_bool(&v[COL_ARGS_TRUNCATED], args.truncated);
        value_set_bool(&v[COL_EXE_DELETED], e->flags & CW_EXE_DELETED);
        value_set_bool(&v[COL_EXE_MEMFD], e->flags & CW_EXE_MEMFD);
        value_set_bool(&v[COL_EXE_SETUID], e->flags & (CW_EXE_SETUID | CW_EXE_SETGID));
        value_set_cstr(&v[COL_STDIN], fd_kind_name(e->stdio[0]));
        value_set_cstr(&v[COL_STDOUT], fd_kind_name(e->stdio[1]));
        value_set_cstr(&v[COL_STDERR], fd_kind_name(e->stdio[2]));
        value_set_u64(&v[COL_MNT_NS], e->mnt_ns);
        value_set_u64(&v[COL_PID_NS], e->pid_ns);
        value_set_u64(&v[COL_NET_NS], e->net_ns);
        return tracer_emit(t, &r);
}

static int process_decode_fork(struct tracer *t, const struct cw_fork_event *e, size_t size)
{
        struct value v[_COL_MAX] = {};
        struct record r = { .schema = &process_schema, .event = "fork", .values = v,
                          .cgroup_id = e->hdr.cgroup_id };

        if (size < sizeof(*e))
                return -EBADMSG;
        r.time_ns = tracer_realtime(t, e->hdr.time_ns);
        fill_header(v, &e->hdr);
        /* the event is the child's: its pid, and the forking process as parent */
        value_set_u64(&v[COL_PID], e->child_pid);
        value_set_u64(&v[COL_TID], e->child_pid);
        value_set_u64(&v[COL_PPID], e->hdr.pid);
        return tracer_emit(t, &r);
}

static int process_decode_exit(struct tracer *t, const struct cw_exit_event *e, size_t size)
{
        struct value v[_COL_MAX] = {};
        struct record r = { .schema = &process_schema, .event = "exit", .values = v,
                          .cgroup_id = e->hdr.cgroup_id };

        if (size < sizeof(*e))
                return -EBADMSG;
        r.time_ns = tracer_realtime(t, e->hdr.time_ns);
        fill_header(v, &e->hdr);
        value_set_u64(&v[COL_PPID], e->ppid);
        if (e->signal == 0)
                value_set_s64(&v[COL_EXIT_CODE], e->exit_code);
        else {
                value_set_u64(&v[COL_SIGNAL], e->signal);
                value_set_bool(&v[COL_CORE_DUMPED], e->core_dumped);
        }
        value_set_u64(&v[COL_LIFETIME_NS], e->lifetime_ns);
        return tracer_emit(t, &r);
}

static int process_on_event(struct tracer *t, const void *data, size_t size)
{
        const struct cw_event_header *h = data;

        switch (h->type) {
        case CW_EV_EXEC:
                return process_decode_exec(t, data, size);
        case CW_EV_FORK:
                return process_decode_fork(t, data, size);
        case CW_EV_EXIT:
                return process_decode_exit(t, data, size);
        default:
                return -EBADMSG;
        }
}

static int process_start(struct tracer *t)
{
        struct process_bpf *skel;
        int r;

        skel = process_bpf__open();
        if (!skel)
                return log_debug_errno(errno, "process: failed to open the BPF object: %m");
        r = tracer_load_skeleton(t, skel->skeleton);
        if (r >= 0)
                r = tracer_attach_skeleton(t, skel->skeleton, "sched_process_{exec,fork,exit}");
        if (r < 0) {
                process_bpf__destroy(skel);
                return r;
        }
        t->data = skel;
        return 0;
}

static void process_stop(struct tracer *t)
{
        process_bpf__destroy(t->data);
        t->data = NULL;
}

const struct tracer_ops process_tracer_ops = {
        .info = &process_tracer_info,
        .start = process_start,
        .stop = process_stop,
        .on_event = process_on_event,
};
