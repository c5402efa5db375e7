/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "profile-sink.h"
#include "shared/log.h"
#include "shared/strbuf.h"

#define DEFAULT_WINDOW_NS (UINT64_C(5) * 1000000000)
#define DEFAULT_MAX_PROCESSES 32768
/* an exited process is kept this long: the files tracer reports its I/O an interval later */
#define EXIT_GRACE_S 15
/* a learned feature seen this often or more is not news (novelty 1/(1+count) below 1/4) */
#define RARE_COUNT 3
#define STORY_MAX_ITEMS 16
#define ANCESTOR_DEPTH 8

enum {
        PC_PID, PC_PPID, PC_EXE, PC_COMM, PC_PATH, PC_TYPE, PC_READS, PC_WRITES, PC_WRITE, PC_DADDR, PC_DPORT,
        PC_SPORT, PC_SYSCALL, PC_NEW_UID, PC_NEW_EUID, PC_NSTYPE, PC_FSTYPE, PC_REQUEST, PC_BPF_CMD, PC_NAME,
        PC_LADDR, PC_LPORT, PC_FAMILY, PC_SOCK_TYPE,
        _PC_MAX,
};
static const char *const profile_columns[_PC_MAX] = {
        [PC_PID] = "pid", [PC_PPID] = "ppid", [PC_EXE] = "exe", [PC_COMM] = "comm", [PC_PATH] = "path",
        [PC_TYPE] = "type", [PC_READS] = "reads", [PC_WRITES] = "writes", [PC_WRITE] = "write",
        [PC_DADDR] = "daddr", [PC_DPORT] = "dport", [PC_SPORT] = "sport", [PC_SYSCALL] = "syscall",
        [PC_NEW_UID] = "new_uid", [PC_NEW_EUID] = "new_euid", [PC_NSTYPE] = "nstype", [PC_FSTYPE] = "fstype",
        [PC_REQUEST] = "request", [PC_BPF_CMD] = "bpf_cmd", [PC_NAME] = "name", [PC_LADDR] = "laddr",
        [PC_LPORT] = "lport", [PC_FAMILY] = "family", [PC_SOCK_TYPE] = "type",
};
_Static_assert(_PC_MAX <= COLUMN_INDEX_MAX_NAMES, "column index holds them");

enum event_kind {
        EV_OTHER, EV_EXEC, EV_FORK, EV_EXIT, EV_FILE_IO, EV_OPEN, EV_CONNECT, EV_ACCEPT, EV_SYSCALL,
        EV_UNIX_CONNECT, EV_LISTEN, EV_RAW_SOCKET,
};

struct story_item {
        uint64_t subject;
        uint64_t key;
};

struct story {
        uint32_t root_pid;
        uint64_t subject;
        uint64_t cgroup_id;
        uint64_t first_ns, deadline_ns;
        double score;
        struct story_item items[STORY_MAX_ITEMS];
        unsigned n_items;
        char comm[16];
        char object[FEATURE_OBJECT_MAX + 16];
        struct strbuf text;
        struct story *next;
};

struct proc_state {
        uint32_t pid, ppid;
        uint64_t subject;               /* 0: not profiled */
        struct profile *profile;        /* the subject's profile, valid while set->removals == removals */
        uint64_t removals;
        uint64_t cgroup_id;             /* a story never crosses into another cgroup (unit, container) */
        uint32_t exited;                /* seconds; 0: running */
        bool active;                    /* did something this window (learning samples) */
        float window_score;             /* learning: this window's score */
        struct story *story;            /* the story rooted here, while it is open */
        char comm[16];
};

struct profile_sink {
        struct profile_set *set;
        struct profile_sink_config config;
        profile_lookup_fn lookup;
        profile_raise_fn raise;
        void *userdata;
        struct column_index columns;
        struct u64map procs;            /* pid -> struct proc_state */
        /* event name pointers (the tracers' static strings) already classified: a record of an
         * event the profiles do not use costs pointer compares */
        struct {
                const char *event;
                enum event_kind kind;
        } kinds[16];
        unsigned n_kinds;
        /* open stories, oldest first: deadlines are in order, and they close (and raise) in the
         * order they opened, so the first of a repeated behaviour is the alert the pipeline keeps */
        struct story *stories, *stories_tail;
        uint64_t last_sample_ns;
        struct profile_sink_stats stats;
};

static uint32_t now_of(const struct record *r)
{
        return (uint32_t) (r->time_ns / 1000000000);
}

int profile_scope_of(const struct identity *id, char *buf, size_t size)
{
        if (id && id->runtime && id->image && *id->image)
                return snprintf(buf, size, "image:%s", id->image);
        if (id && id->runtime && id->container_name)
                return snprintf(buf, size, "container:%s", id->container_name);
        if (id && id->unit)
                return snprintf(buf, size, "unit:%s", id->unit);
        return snprintf(buf, size, "host");
}

int profile_sink_new(struct profile_sink **ret, struct profile_set *set, const struct profile_sink_config *config,
                     profile_lookup_fn lookup, profile_raise_fn raise, void *userdata)
{
        struct profile_sink *k = calloc(1, sizeof(*k));

        if (!k) {
                profile_set_free(set);
                return -ENOMEM;
        }
        *k = (struct profile_sink) { .set = set, .lookup = lookup, .raise = raise, .userdata = userdata };
        if (config)
                k->config = *config;
        if (k->config.window_ns == 0)
                k->config.window_ns = DEFAULT_WINDOW_NS;
        if (k->config.max_processes == 0)
                k->config.max_processes = DEFAULT_MAX_PROCESSES;
        column_index_init(&k->columns, profile_columns, _PC_MAX);
        *ret = k;
        return 0;
}

static void story_free(struct story *st)
{
        strbuf_free(&st->text);
        free(st);
}

static void forget_processes(struct profile_sink *k)
{
        size_t pos = 0;
        uint64_t key;
        void *v;

        while (u64map_next(&k->procs, &pos, &key, &v))
                free(v);
        u64map_clear(&k->procs);
        for (struct story *st = k->stories, *next; st; st = next) {
                next = st->next;
                story_free(st);
        }
        k->stories = k->stories_tail = NULL;
}

struct profile_sink *profile_sink_free(struct profile_sink *k)
{
        if (!k)
                return NULL;
        forget_processes(k);
        profile_set_free(k->set);
        free(k);
        return NULL;
}

struct profile_set *profile_sink_get_set(struct profile_sink *k)
{
        return k->set;
}

struct profile_set *profile_sink_replace_set(struct profile_sink *k, struct profile_set *set)
{
        struct profile_set *old = k->set;

        forget_processes(k);
        k->set = set;
        return old;
}

void profile_sink_get_stats(const struct profile_sink *k, struct profile_sink_stats *ret)
{
        *ret = k->stats;
}

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

static struct proc_state *proc_new(struct profile_sink *k, uint32_t pid)
{
        struct proc_state *ps;

        if (k->procs.n >= k->config.max_processes) {
                k->stats.untracked++;
                return NULL;
        }
        ps = calloc(1, sizeof(*ps));
        if (!ps)
                return NULL;
        ps->pid = pid;
        if (u64map_put(&k->procs, pid, ps) < 0) {
                free(ps);
                return NULL;
        }
        return ps;
}

static void proc_forget(struct profile_sink *k, struct proc_state *ps)
{
        u64map_remove(&k->procs, ps->pid);
        if (ps->story)
                ps->story->root_pid = 0;        /* the story still closes and reports */
        free(ps);
}

/* The profile of a process: the cached pointer while no profile was removed since, else a lookup. */
static struct profile *profile_of(struct profile_sink *k, struct proc_state *ps)
{
        if (!ps->subject)
                return NULL;
        if (ps->profile && ps->removals == k->set->removals && ps->profile->subject == ps->subject)
                return ps->profile;
        ps->profile = profile_set_find(k->set, ps->subject);
        ps->removals = k->set->removals;
        return ps->profile;
}

static void set_comm(struct proc_state *ps, const char *s, size_t len)
{
        len = MIN(len, sizeof(ps->comm) - 1);
        memcpy(ps->comm, s, len);
        ps->comm[len] = 0;
}

/* The profile of a process that runs exe with the identity of r: found or created, an instance more. */
static struct profile *attach_profile(struct profile_sink *k, struct proc_state *ps, const char *exe,
                                      const struct record *r, uint32_t now)
{
        char scope[256];
        struct profile *p;

        (void) profile_scope_of(r->identity, scope, sizeof(scope));
        ps->cgroup_id = r->cgroup_id;
        p = profile_set_get(k->set, exe, scope, now, true);
        ps->subject = p ? p->subject : 0;
        ps->profile = p;
        ps->removals = k->set->removals;
        if (p)
                p->instances++;
        return p;
}

/* The state of the record's process: known, or looked up once (a process older than cwatchd). */
static struct proc_state *proc_of(struct profile_sink *k, uint32_t pid, const struct record *r, uint32_t now)
{
        struct proc_state *ps = u64map_get(&k->procs, pid);
        struct profile_process_info info = {};

        if (ps || pid == 0)
                return ps;
        if (!k->lookup || !k->lookup(pid, &info, k->userdata) || !info.exe)
                return NULL;
        ps = proc_new(k, pid);
        if (!ps)
                return NULL;
        ps->ppid = info.ppid;
        if (info.comm)
                set_comm(ps, info.comm, strlen(info.comm));
        (void) attach_profile(k, ps, info.exe, r, now);
        return ps;
}

/* A learning profile takes the process's window score as a sample for its threshold, from the second
 * half of its learning period on: the first processes' burst is the learning itself. */
static void sample_window(struct profile_sink *k, struct proc_state *ps, uint32_t now)
{
        struct profile *p = ps->active ? profile_of(k, ps) : NULL;

        if (p && p->mode == PROFILE_LEARNING && (uint64_t) now >= p->created + k->set->config.learning_period_s / 2)
                profile_add_learning_score(p, ps->window_score);
        ps->window_score = 0;
        ps->active = false;
}

static struct story *story_open(struct profile_sink *k, struct proc_state *ps, const struct record *r,
                                uint64_t now_ns)
{
        struct story *st = calloc(1, sizeof(*st));

        if (!st)
                return NULL;
        st->root_pid = ps->pid;
        st->subject = ps->subject;
        st->cgroup_id = r->cgroup_id;
        st->first_ns = now_ns;
        st->deadline_ns = now_ns + k->config.window_ns;
        memcpy(st->comm, ps->comm, sizeof(st->comm));
        if (k->stories_tail)
                k->stories_tail->next = st;
        else
                k->stories = st;
        k->stories_tail = st;
        ps->story = st;
        return st;
}

/* The open story of the process or of its nearest ancestor with one in the same cgroup: what a unit's
 * processes do never joins a story of the service manager or a shell that started the unit. */
static struct story *story_of(struct profile_sink *k, struct proc_state *ps)
{
        uint64_t cgroup_id = ps ? ps->cgroup_id : 0;

        for (int depth = 0; ps && depth < ANCESTOR_DEPTH && ps->cgroup_id == cgroup_id; depth++) {
                if (ps->story)
                        return ps->story;
                if (ps->ppid == ps->pid)
                        break;
                ps = u64map_get(&k->procs, ps->ppid);
        }
        return NULL;
}

static void story_add(struct profile_sink *k, struct story *st, struct proc_state *ps, const struct profile *p,
                      const struct feature *f, const struct observation *o, double contribution)
{
        const char *comm = ps->comm[0] ? ps->comm : "?";

        for (unsigned i = 0; i < st->n_items; i++)
                if (st->items[i].key == f->key && st->items[i].subject == p->subject)
                        return;
        if (st->n_items >= STORY_MAX_ITEMS)
                return;
        st->items[st->n_items++] = (struct story_item) { p->subject, f->key };
        st->score += contribution;
        if (st->n_items == 1) {
                const char *colon = strchr(p->scope, ':');

                snprintf(st->object, sizeof(st->object), "%s %s", feature_relation_name(f->relation), f->object);
                if (colon)
                        strbuf_printf(&st->text, "%s (%.*s %s) ", comm, (int) (colon - p->scope), p->scope,
                                      colon + 1);
                else
                        strbuf_printf(&st->text, "%s (%s) ", comm, p->scope);
        } else if (st->text.len < PROFILE_ANOMALY_TEXT_MAX)
                strbuf_printf(&st->text, "; %s ", comm);
        if (st->text.len < PROFILE_ANOMALY_TEXT_MAX)
                strbuf_printf(&st->text, "%s %s%s", feature_relation_verb(f->relation), f->object,
                              o->added ? " for the first time" : o->learned ? " (rare)" : " (not yet learned)");
}

/* Counts one feature of process ps; in detection what is new or rare joins a story. */
static void observe(struct profile_sink *k, struct proc_state *ps, const struct record *r, enum feature_relation rel,
                    const char *object, size_t len, uint32_t now)
{
        struct profile *p;
        struct observation o;
        struct feature f;
        struct story *st;
        double contribution;

        p = ps ? profile_of(k, ps) : NULL;
        if (!p)
                return;
        feature_set(&f, rel, object, len);
        if (profile_observe(k->set, p, &f, now, &o) < 0)
                return;
        k->stats.features++;
        ps->active = true;
        if (o.learned && o.novelty < 1.0 / (1.0 + RARE_COUNT))
                return;
        /* the IDF weight only now: most features are learned and common, and the sketch is a cache miss */
        contribution = profile_set_weight(k->set, f.key) * o.novelty / profile_damping(p);
        if (p->mode == PROFILE_LEARNING) {
                ps->window_score += contribution;
                return;
        }
        st = story_of(k, ps);
        if (!st) {
                st = story_open(k, ps, r, r->time_ns);
                if (!st)
                        return;
        }
        story_add(k, st, ps, p, &f, &o, contribution);
}

static void observe_path(struct profile_sink *k, struct proc_state *ps, const struct record *r,
                         enum feature_relation rel, const struct value *path, uint32_t now)
{
        char buf[FEATURE_OBJECT_MAX];
        size_t n;

        if (!path)
                return;
        n = feature_generalise_path(path->str, path->len, buf, sizeof(buf));
        observe(k, ps, r, rel, buf, n, now);
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
                observe(k, ps, r, rel, buf, MIN((size_t) n, sizeof(buf) - 1), now_of(r));
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
        if (!ps && !(ps = proc_new(k, pid)))
                return;
        ps->exited = 0;
        if (ppid)
                ps->ppid = ppid;
        if (comm)
                set_comm(ps, comm->str, comm->len);
        p = attach_profile(k, ps, path, r, now);
        if (!p)
                return;
        if (profile_update_mode(k->set, p, now))
                k->stats.to_detecting++;
        parent = ps->ppid ? proc_of(k, ps->ppid, r, now) : NULL;
        pp = parent ? profile_of(k, parent) : NULL;
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

        observe(k, ps, r, rel, buf, n, now_of(r));
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
                struct proc_state *parent = ppid ? proc_of(k, ppid, r, now) : NULL;

                ps = u64map_get(&k->procs, pid);
                if (ps && !ps->exited)
                        return 0;
                if (ps)
                        proc_forget(k, ps);     /* the pid was reused */
                if (!parent || !(ps = proc_new(k, pid)))
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
                        sample_window(k, ps, now);
                }
                return 0;
        default:
                break;
        }
        ps = proc_of(k, pid, r, now);
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
                observe(k, ps, r, REL_CONNECT, buf, n, now);
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

static void story_close(struct profile_sink *k, struct story *st)
{
        struct profile *p = profile_set_find(k->set, st->subject);
        double threshold = p ? profile_threshold(k->set, p) : k->set->config.threshold;
        struct proc_state *root = st->root_pid ? u64map_get(&k->procs, st->root_pid) : NULL;

        if (root && root->story == st)
                root->story = NULL;
        if (st->score < threshold || !p) {
                k->stats.below_threshold++;
                log_debug("Story of pid %" PRIu32 " closed with score %.2f below the threshold %.2f: %s",
                          st->root_pid, st->score, threshold, st->text.data ?: "");
                return;
        }
        /* what was part of an alert is not learned on the days it alerts */
        for (unsigned i = 0; i < st->n_items; i++) {
                struct profile *q = profile_set_find(k->set, st->items[i].subject);

                if (q)
                        profile_mark_alerted(q, st->items[i].key);
        }
        p->alerts++;
        k->stats.anomalies++;
        log_debug("Story of pid %" PRIu32 " raised with score %.2f (threshold %.2f) about %s: %s", st->root_pid,
                  st->score, threshold, st->object, st->text.data ?: "");
        if (k->raise)
                (void) k->raise(&(struct profile_anomaly) {
                        .time_ns = st->first_ns, .pid = st->root_pid, .comm = st->comm, .exe = p->exe,
                        .scope = p->scope, .cgroup_id = st->cgroup_id, .score = st->score, .threshold = threshold,
                        .n_features = st->n_items, .text = st->text.data ?: "", .object = st->object,
                }, k->userdata);
}

void profile_sink_tick(struct profile_sink *k, uint64_t now_ns)
{
        uint32_t now = (uint32_t) (now_ns / 1000000000);
        bool sample = now_ns >= k->last_sample_ns + k->config.window_ns || now_ns < k->last_sample_ns;
        uint32_t doomed[256];
        size_t pos = 0, n_doomed = 0;
        uint64_t key;
        void *v;

        while (k->stories && k->stories->deadline_ns <= now_ns) {
                struct story *st = k->stories;

                k->stories = st->next;
                if (!k->stories)
                        k->stories_tail = NULL;
                story_close(k, st);
                story_free(st);
        }
        /* the passes over every process and profile are for sampling, forgetting and learning's end:
         * once a window is enough, and keeps a tick cheap with thousands of them */
        if (!sample)
                return;
        k->last_sample_ns = now_ns;
        while (u64map_next(&k->procs, &pos, &key, &v)) {
                struct proc_state *ps = v;

                sample_window(k, ps, now);
                /* the map must not change while iterating: forget after (the rest next tick) */
                if (ps->exited && ps->exited + EXIT_GRACE_S < now && !ps->story && n_doomed < ELEMENTSOF(doomed))
                        doomed[n_doomed++] = ps->pid;
        }
        for (size_t i = 0; i < n_doomed; i++)
                proc_forget(k, u64map_get(&k->procs, doomed[i]));
        for (struct profile *p = k->set->lru_head; p; p = p->lru_next)
                if (profile_update_mode(k->set, p, now))
                        k->stats.to_detecting++;
}
