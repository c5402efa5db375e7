/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Records to features: which record gives which feature of which process (docs/PROFILES.md). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "profile-sink-private.h"

const char *const profile_record_columns[_PC_MAX] = {
        [PC_PID] = "pid", [PC_PPID] = "ppid", [PC_EXE] = "exe", [PC_COMM] = "comm", [PC_PATH] = "path",
        [PC_TYPE] = "type", [PC_READS] = "reads", [PC_WRITES] = "writes", [PC_WRITE] = "write",
        [PC_DADDR] = "daddr", [PC_DPORT] = "dport", [PC_SPORT] = "sport", [PC_SYSCALL] = "syscall",
        [PC_NEW_UID] = "new_uid", [PC_NEW_EUID] = "new_euid", [PC_NSTYPE] = "nstype", [PC_FSTYPE] = "fstype",
        [PC_REQUEST] = "request", [PC_BPF_CMD] = "bpf_cmd", [PC_NAME] = "name", [PC_LADDR] = "laddr",
        [PC_LPORT] = "lport", [PC_FAMILY] = "family", [PC_SOCK_TYPE] = "type",
};
const size_t profile_record_n_columns = _PC_MAX;
_Static_assert(_PC_MAX <= COLUMN_INDEX_MAX_NAMES, "column index holds them");

static enum event_kind event_kind_of(const char *ev)
{
        static const struct {
                const char *name;
                enum event_kind kind;
        } kinds[] = {
                { "exec", EV_EXEC }, { "fork", EV_FORK }, { "exit", EV_EXIT }, { "file_io", EV_FILE_IO },
                { "open", EV_OPEN }, { "connect", EV_CONNECT }, { "tcp_failed", EV_CONNECT },
                { "accept", EV_ACCEPT }, { "syscall", EV_SYSCALL }, { "unix_connect", EV_UNIX_CONNECT },
                { "listen", EV_LISTEN }, { "raw_socket", EV_RAW_SOCKET },
        };

        for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
                if (streq(ev, kinds[i].name))
                        return kinds[i].kind;
        return EV_OTHER;
}

static enum event_kind event_kind_cached(struct profile_sink *k, const char *ev)
{
        enum event_kind kind;

        for (unsigned i = 0; i < MIN(k->n_kinds, ELEMENTSOF(k->kinds)); i++)
                if (k->kinds[i].event == ev)
                        return k->kinds[i].kind;
        kind = event_kind_of(ev);
        k->kinds[k->n_kinds++ % ELEMENTSOF(k->kinds)].event = ev;
        k->kinds[(k->n_kinds - 1) % ELEMENTSOF(k->kinds)].kind = kind;
        return kind;
}

static const struct value *str_value(const struct record *r, int col)
{
        const struct value *v = record_value(r, col);

        return v && v->str && r->schema->columns[col].type == VALUE_STR ? v : NULL;
}

static uint64_t u64_value(const struct record *r, int col, uint64_t dflt)
{
        const struct value *v = record_value(r, col);

        return v && r->schema->columns[col].type != VALUE_STR && r->schema->columns[col].type != VALUE_STRV ? v->u
                                                                                                            : dflt;
}

static void observe_path(struct profile_sink *k, struct proc_state *ps, const struct record *r,
                         enum feature_relation rel, const struct value *path, uint32_t now)
{
        char buf[FEATURE_OBJECT_MAX];
        size_t n;

        if (!path)
                return;
        n = feature_generalise_path(path->str, path->len, buf, sizeof(buf));
        profile_sink_observe(k, ps, r, rel, buf, n, now);
}

static void observe_text(struct profile_sink *k, struct proc_state *ps, const struct record *r,
                         enum feature_relation rel, const char *fmt, ...) _printf_(5, 6);

static void observe_text(struct profile_sink *k, struct proc_state *ps, const struct record *r,
                         enum feature_relation rel, const char *fmt, ...)
{
        char buf[FEATURE_OBJECT_MAX];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (n >= 0)
                profile_sink_observe(k, ps, r, rel, buf, MIN((size_t) n, sizeof(buf) - 1), now_of(r));
}

static void on_exec(struct profile_sink *k, const struct record *r, const int *c, uint32_t pid, uint32_t now)
{
        const struct value *exe = str_value(r, c[PC_EXE]), *comm = str_value(r, c[PC_COMM]);
        uint32_t ppid = u64_value(r, c[PC_PPID], 0);
        struct proc_state *ps = u64map_get(&k->procs, pid), *parent;
        struct profile *p, *pp;
        char path[4096];

        if (!exe || exe->len == 0 || exe->len >= sizeof(path))
                return;
        memcpy(path, exe->str, exe->len);
        path[exe->len] = 0;
        if (!ps && !(ps = profile_sink_proc_new(k, pid)))
                return;
        ps->exited = 0;
        if (ppid)
                ps->ppid = ppid;
        if (comm)
                profile_sink_set_comm(ps, comm->str, comm->len);
        p = profile_sink_attach(k, ps, path, r, now);
        if (!p)
                return;
        if (profile_update_mode(k->set, p, now))
                k->stats.to_detecting++;
        parent = ps->ppid ? profile_sink_proc_of(k, ps->ppid, r, now) : NULL;
        pp = parent ? profile_sink_profile_of(k, parent) : NULL;
        observe_path(k, parent, r, REL_EXEC_CHILD, exe, now);
        if (pp)
                observe_text(k, ps, r, REL_EXEC_PARENT, "%s", pp->exe);
        if (memmem(exe->str, exe->len, "memfd:", 6))
                observe_text(k, ps, r, REL_MEMFD_EXEC, "exec");
}

static void on_syscall(struct profile_sink *k, struct proc_state *ps, const struct record *r, const int *c)
{
        const struct value *sc = str_value(r, c[PC_SYSCALL]), *v;
        char name[32];

        if (!sc || sc->len >= sizeof(name))
                return;
        memcpy(name, sc->str, sc->len);
        name[sc->len] = 0;
        if (strstr(name, "setuid") || strstr(name, "setreuid") || strstr(name, "setresuid")) {
                bool root = u64_value(r, c[PC_NEW_UID], 1) == 0 || u64_value(r, c[PC_NEW_EUID], 1) == 0;

                observe_text(k, ps, r, REL_SETUID, "%s", root ? "root" : "user");
        } else if (strstr(name, "gid"))
                observe_text(k, ps, r, REL_SETUID, "%s", name);
        else if (streq(name, "setns") || streq(name, "unshare")) {
                v = str_value(r, c[PC_NSTYPE]);
                observe_text(k, ps, r, REL_SETNS, "%s %.*s", name, v ? (int) MIN(v->len, 64u) : 0, v ? v->str : "");
        } else if (streq(name, "mount") || streq(name, "umount2")) {
                v = str_value(r, c[PC_FSTYPE]);
                observe_text(k, ps, r, REL_MOUNT, "%s %.*s", name, v ? (int) MIN(v->len, 32u) : 0, v ? v->str : "");
        } else if (streq(name, "ptrace")) {
                v = str_value(r, c[PC_REQUEST]);
                observe_text(k, ps, r, REL_PTRACE, "%.*s", v ? (int) MIN(v->len, 32u) : 0, v ? v->str : "");
        } else if (streq(name, "memfd_create") || streq(name, "execveat"))
                observe_text(k, ps, r, REL_MEMFD_EXEC, "%s", name);
        else if (streq(name, "bpf")) {
                v = str_value(r, c[PC_BPF_CMD]);
                observe_text(k, ps, r, REL_BPF, "%.*s", v ? (int) MIN(v->len, 32u) : 0, v ? v->str : "");
        } else if (strstr(name, "module")) {
                v = str_value(r, c[PC_NAME]);
                observe_text(k, ps, r, REL_MODULE, "%s %.*s", name, v ? (int) MIN(v->len, 64u) : 0, v ? v->str : "");
        } else if (strstr(name, "chmod"))
                observe_text(k, ps, r, REL_CHMOD, "%s", name);
}

static void on_peer(struct profile_sink *k, struct proc_state *ps, const struct record *r, enum feature_relation rel,
                    const struct value *addr, uint64_t port)
{
        char buf[FEATURE_OBJECT_MAX];
        size_t n = feature_generalise_peer("tcp", addr ? addr->str : NULL, addr ? addr->len : 0, (uint16_t) port,
                                           buf, sizeof(buf));

        profile_sink_observe(k, ps, r, rel, buf, n, now_of(r));
}

int profile_sink_on_record(struct profile_sink *k, const struct record *r)
{
        enum event_kind kind = event_kind_cached(k, record_event(r));
        const int *c;
        struct proc_state *ps;
        uint32_t pid, now = now_of(r);
        const struct value *v;

        if (kind == EV_OTHER)
                return 0;
        c = column_index_get(&k->columns, r->schema);
        if (!c || c[PC_PID] < 0)
                return 0;
        pid = u64_value(r, c[PC_PID], 0);
        if (pid == 0)
                return 0;
        k->stats.records++;
        switch (kind) {
        case EV_EXEC:
                on_exec(k, r, c, pid, now);
                return 0;
        case EV_FORK: {
                uint32_t ppid = u64_value(r, c[PC_PPID], 0);
                struct proc_state *parent = ppid ? profile_sink_proc_of(k, ppid, r, now) : NULL;

                ps = u64map_get(&k->procs, pid);
                if (ps && !ps->exited)
                        return 0;
                if (ps)
                        profile_sink_proc_forget(k, ps);     /* the pid was reused */
                if (!parent || !(ps = profile_sink_proc_new(k, pid)))
                        return 0;
                ps->ppid = ppid;
                ps->cgroup_id = r->cgroup_id;
                ps->subject = parent->subject;
                ps->profile = parent->profile;
                ps->removals = parent->removals;
                memcpy(ps->comm, parent->comm, sizeof(ps->comm));
                return 0;
        }
        case EV_EXIT:
                ps = u64map_get(&k->procs, pid);
                if (ps) {
                        ps->exited = now ?: 1;
                        profile_sink_sample_window(k, ps, now);
                }
                return 0;
        default:
                break;
        }
        ps = profile_sink_proc_of(k, pid, r, now);
        if (!ps)
                return 0;
        switch (kind) {
        case EV_FILE_IO:
                if ((v = str_value(r, c[PC_TYPE])) && !(v->len == 1 && v->str[0] == 'R'))
                        return 0;
                if (u64_value(r, c[PC_READS], 0) > 0)
                        observe_path(k, ps, r, REL_READ, str_value(r, c[PC_PATH]), now);
                if (u64_value(r, c[PC_WRITES], 0) > 0)
                        observe_path(k, ps, r, REL_WRITE, str_value(r, c[PC_PATH]), now);
                break;
        case EV_OPEN:
                observe_path(k, ps, r, u64_value(r, c[PC_WRITE], 0) ? REL_WRITE : REL_READ, str_value(r, c[PC_PATH]),
                             now);
                break;
        case EV_CONNECT:
                on_peer(k, ps, r, REL_CONNECT, str_value(r, c[PC_DADDR]), u64_value(r, c[PC_DPORT], 0));
                break;
        case EV_ACCEPT:
                on_peer(k, ps, r, REL_ACCEPT, str_value(r, c[PC_DADDR]), u64_value(r, c[PC_SPORT], 0));
                break;
        case EV_SYSCALL:
                on_syscall(k, ps, r, c);
                break;
        case EV_UNIX_CONNECT: {
                char buf[FEATURE_OBJECT_MAX] = "unix ";
                size_t n = 5;

                v = str_value(r, c[PC_PATH]);
                if (v)
                        n += feature_generalise_path(v->str, v->len, buf + n, sizeof(buf) - n);
                profile_sink_observe(k, ps, r, REL_CONNECT, buf, n, now);
                break;
        }
        case EV_LISTEN:
                on_peer(k, ps, r, REL_LISTEN, str_value(r, c[PC_LADDR]), u64_value(r, c[PC_LPORT], 0));
                break;
        case EV_RAW_SOCKET: {
                const struct value *fam = str_value(r, c[PC_FAMILY]), *type = str_value(r, c[PC_SOCK_TYPE]);

                observe_text(k, ps, r, REL_RAW_SOCKET, "%.*s %.*s", fam ? (int) MIN(fam->len, 16u) : 0,
                             fam ? fam->str : "", type ? (int) MIN(type->len, 16u) : 0, type ? type->str : "");
                break;
        }
        default:
                break;
        }
        return 0;
}

static int sink_on_record(void *userdata, const struct record *r)
{
        return profile_sink_on_record(userdata, r);
}

struct record_sink profile_sink_record_sink(struct profile_sink *k)
{
        return (struct record_sink) { .name = "profiles", .on_record = sink_on_record, .userdata = k };
}
