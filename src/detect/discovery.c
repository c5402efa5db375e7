/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "discovery.h"
#include "shared/hash.h"
#include "shared/macro.h"
#include "shared/strbuf.h"

/* Slots of the name table: a power of two, at least twice DISCOVERY_COMMANDS_MAX. */
#define DISCOVERY_NAME_SLOTS 256
/* How many neighbouring slots a subject lookup probes. */
#define DISCOVERY_PROBE 8
#define DISCOVERY_LABEL_MAX 28

_Static_assert((DISCOVERY_SUBJECTS & (DISCOVERY_SUBJECTS - 1)) == 0, "DISCOVERY_SUBJECTS is a power of two");
_Static_assert((DISCOVERY_NAME_SLOTS & (DISCOVERY_NAME_SLOTS - 1)) == 0,
               "DISCOVERY_NAME_SLOTS is a power of two");
_Static_assert(DISCOVERY_NAME_SLOTS >= 2 * DISCOVERY_COMMANDS_MAX, "the name table is at most half full");
_Static_assert(DISCOVERY_COMMANDS_MAX <= 255, "a command index fits a uint8_t");

const char *const discovery_default_commands[] = {
        /* the system (T1082) */
        "uname", "hostname", "hostnamectl", "uptime", "lscpu", "lsblk", "lspci", "lsusb", "dmidecode", "lsmod",
        "mount (none)", "findmnt", "df", "env (none)", "printenv", "systemd-detect-virt", "virt-what",
        "cat /etc/os-release", "cat /etc/issue", "cat /etc/lsb-release", "cat /proc/version",
        "cat /proc/cpuinfo",
        "getcap", "find -perm", "find -writable", "find -user", "crontab -l",
        /* the owner and the users (T1033, T1087) */
        "id", "whoami", "groups", "w", "who", "users", "last", "lastlog", "getent", "sudo -l",
        "cat /etc/passwd", "cat /etc/group", "cat /etc/sudoers",
        /* processes (T1057) */
        "ps", "pstree", "pgrep",
        /* the network (T1016, T1049) */
        "netstat", "ss", "ip", "ifconfig", "arp", "route", "iptables -L", "iptables -S", "nft list",
        "cat /etc/hosts", "cat /etc/resolv.conf",
        NULL,
};

struct discovery_command {
        char *name;
        char *arg;              /* NULL: any arguments */
        size_t name_len, arg_len;
        bool arg_prefix;        /* arg ended in "*": an argument starting with it */
        bool no_args;           /* "(none)": only without arguments */
        int next;               /* the next command of the same name, -1 */
};

struct name_slot {
        uint64_t hash;
        int first;              /* the first command of this name; -1: an empty slot */
};

/* One distinct command in a subject's window. */
struct discovery_entry {
        uint64_t time_ns;       /* its latest run */
        uint8_t command;
        char label[DISCOVERY_LABEL_MAX];        /* "uname -a", "cat /etc/passwd" */
};

/* A container, unit or parent process, and the distinct commands of its window (oldest first). */
struct discovery_subject {
        uint64_t key;           /* hash of kind and id; 0: a free slot */
        uint64_t last_ns;       /* its last discovery command */
        bool raised;            /* alerted: quiet until a window passes without discovery commands */
        uint8_t n;
        struct discovery_entry entries[DISCOVERY_THRESHOLD_MAX];
};

enum subject_kind {
        SUBJECT_CONTAINER = 1,
        SUBJECT_UNIT,
        SUBJECT_PARENT,
};

enum { DC_PID, DC_PPID, DC_UID, DC_COMM, DC_EXE, DC_ARGS, _DC_MAX };
static const char *const discovery_columns[_DC_MAX] = {
        [DC_PID] = "pid", [DC_PPID] = "ppid", [DC_UID] = "uid", [DC_COMM] = "comm", [DC_EXE] = "exe",
        [DC_ARGS] = "args",
};
static const enum value_type discovery_column_types[_DC_MAX] = {
        [DC_PID] = VALUE_U64, [DC_PPID] = VALUE_U64, [DC_UID] = VALUE_U64, [DC_COMM] = VALUE_STR,
        [DC_EXE] = VALUE_STR, [DC_ARGS] = VALUE_STRV,
};

struct discovery {
        struct discovery_limits limits;
        const struct schema *process_schema;
        int columns[_DC_MAX];
        const struct proctable *procs;
        discovery_raise_fn raise;
        void *userdata;
        struct discovery_stats stats;
        struct discovery_command commands[DISCOVERY_COMMANDS_MAX];
        size_t n_commands;
        struct name_slot names[DISCOVERY_NAME_SLOTS];
        struct strbuf scratch;
        struct discovery_subject subjects[DISCOVERY_SUBJECTS];
};

static bool limits_valid(const struct discovery_limits *l)
{
        return l->threshold == 0 ||
               (l->threshold >= DISCOVERY_THRESHOLD_MIN && l->threshold <= DISCOVERY_THRESHOLD_MAX &&
                l->window_ns >= DISCOVERY_WINDOW_MIN_NS && l->window_ns <= DISCOVERY_WINDOW_MAX_NS);
}

/* The first command named name (len bytes), or -1. */
static int command_find(const struct discovery *d, const char *name, size_t len)
{
        uint64_t h = hash_bytes64(0, name, len);

        for (size_t i = 0; i < DISCOVERY_NAME_SLOTS; i++) {
                const struct name_slot *slot = &d->names[(h + i) & (DISCOVERY_NAME_SLOTS - 1)];
                const struct discovery_command *c;

                if (slot->first < 0)
                        return -1;
                c = &d->commands[slot->first];
                if (slot->hash == h && c->name_len == len && memcmp(c->name, name, len) == 0)
                        return slot->first;
        }
        return -1;
}

/* "name" or "name arg": a name without '/' or blanks, one optional argument. */
static int command_add(struct discovery *d, const char *spec)
{
        struct discovery_command *c = &d->commands[d->n_commands];
        const char *blank = strchr(spec, ' ');
        size_t len = blank ? (size_t) (blank - spec) : strlen(spec);
        int first;

        if (d->n_commands >= DISCOVERY_COMMANDS_MAX || len == 0 || memchr(spec, '/', len) ||
            (blank && (!blank[1] || strchr(blank + 1, ' '))))
                return -EINVAL;
        *c = (struct discovery_command) { .name = strndup(spec, len), .name_len = len, .next = -1 };
        if (!c->name)
                return -ENOMEM;
        if (blank) {
                c->arg = strdup(blank + 1);
                if (!c->arg) {
                        free(c->name);
                        return -ENOMEM;
                }
                c->arg_len = strlen(c->arg);
                c->no_args = streq(c->arg, "(none)");
                if (c->arg[c->arg_len - 1] == '*') {
                        c->arg_prefix = true;
                        c->arg[--c->arg_len] = '\0';
                }
        }
        first = command_find(d, c->name, len);
        if (first >= 0) {
                /* chained after the others of its name: the first listed is tried first */
                while (d->commands[first].next >= 0)
                        first = d->commands[first].next;
                d->commands[first].next = (int) d->n_commands;
        } else {
                uint64_t h = hash_bytes64(0, c->name, len);

                for (size_t i = 0;; i++) {
                        struct name_slot *slot = &d->names[(h + i) & (DISCOVERY_NAME_SLOTS - 1)];

                        if (slot->first < 0) {
                                *slot = (struct name_slot) { .hash = h, .first = (int) d->n_commands };
                                break;
                        }
                }
        }
        d->n_commands++;
        return 0;
}

struct discovery *discovery_free(struct discovery *d)
{
        if (!d)
                return NULL;
        for (size_t i = 0; i < d->n_commands; i++) {
                free(d->commands[i].name);
                free(d->commands[i].arg);
        }
        strbuf_free(&d->scratch);
        free(d);
        return NULL;
}

int discovery_new(struct discovery **ret, const struct discovery_limits *limits, const char *const *commands,
                  const struct schema *process_schema, const struct proctable *procs, discovery_raise_fn raise,
                  void *userdata)
{
        _cleanup_(discovery_freep) struct discovery *d = NULL;
        int r;

        if (!limits || !process_schema || !raise || !limits_valid(limits))
                return -EINVAL;
        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        *d = (struct discovery) {
                .limits = *limits, .process_schema = process_schema, .procs = procs, .raise = raise,
                .userdata = userdata,
        };
        for (size_t i = 0; i < DISCOVERY_NAME_SLOTS; i++)
                d->names[i].first = -1;
        for (size_t i = 0; i < _DC_MAX; i++) {
                int c = schema_find_column(process_schema, discovery_columns[i]);

                d->columns[i] = c >= 0 && process_schema->columns[c].type == discovery_column_types[i] ? c : -1;
        }
        if (d->columns[DC_PID] < 0 || d->columns[DC_EXE] < 0 || d->columns[DC_ARGS] < 0)
                return -EINVAL;
        for (const char *const *c = commands ?: discovery_default_commands; *c; c++) {
                r = command_add(d, *c);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(d);
        return 0;
}

int discovery_set_limits(struct discovery *d, const struct discovery_limits *limits)
{
        if (!limits_valid(limits))
                return -EINVAL;
        d->limits = *limits;
        return 0;
}

void discovery_get_stats(const struct discovery *d, struct discovery_stats *ret)
{
        *ret = d->stats;
}

/* The next NUL-separated argument of args after *pos; false at the end. */
static bool next_arg(const struct value *args, size_t *pos, const char **ret, size_t *ret_len)
{
        const char *s = args->str + *pos, *nul;

        if (*pos >= args->len)
                return false;
        nul = memchr(s, '\0', args->len - *pos);
        *ret = s;
        *ret_len = nul ? (size_t) (nul - s) : args->len - *pos;
        *pos += *ret_len + 1;
        return true;
}

static const char *basename_of(const char *s, size_t len, size_t *ret_len)
{
        const char *slash = len > 0 ? memrchr(s, '/', len) : NULL;

        *ret_len = slash ? len - (size_t) (slash + 1 - s) : len;
        return slash ? slash + 1 : s;
}

/* The discovery command the exec record r runs, with its label; -1 when it is none. */
static int command_match(const struct discovery *d, const struct value *exe, const struct value *args,
                         char label[static DISCOVERY_LABEL_MAX])
{
        const char *name, *a0 = NULL, *a;
        size_t len, a0_len = 0, a_len, pos = 0;
        int i;

        name = basename_of(exe->str, exe->len, &len);
        if (args && args->str)
                (void) next_arg(args, &pos, &a0, &a0_len);
        /* multi-call binaries: the applet is argv[0]'s name */
        if (a0 && ((len == 7 && memcmp(name, "busybox", 7) == 0) ||
                   (len == 6 && memcmp(name, "toybox", 6) == 0)))
                name = basename_of(a0, a0_len, &len);
        for (i = command_find(d, name, len); i >= 0; i = d->commands[i].next) {
                const struct discovery_command *c = &d->commands[i];
                size_t p = pos;

                if (c->no_args) {
                        if (args && args->str && next_arg(args, &p, &a, &a_len))
                                continue;
                        snprintf(label, DISCOVERY_LABEL_MAX, "%s", c->name);
                        return i;
                }
                if (!c->arg) {
                        if (args && args->str && next_arg(args, &p, &a, &a_len) && a_len > 0)
                                snprintf(label, DISCOVERY_LABEL_MAX, "%s %.*s", c->name, (int) a_len, a);
                        else
                                snprintf(label, DISCOVERY_LABEL_MAX, "%s", c->name);
                        return i;
                }
                while (args && args->str && next_arg(args, &p, &a, &a_len))
                        if (a_len >= c->arg_len && memcmp(a, c->arg, c->arg_len) == 0 &&
                            (c->arg_prefix || a_len == c->arg_len)) {
                                snprintf(label, DISCOVERY_LABEL_MAX, "%s %.*s", c->name, (int) a_len, a);
                                return i;
                        }
        }
        return -1;
}

static bool subject_idle(const struct discovery *d, const struct discovery_subject *sub, uint64_t now)
{
        return sub->key == 0 || (now > sub->last_ns && now - sub->last_ns > d->limits.window_ns);
}

/* The subject of key: found, or in a free or idle slot of its neighbourhood, or in place of the least
 * recently active one there. A raised subject that was idle for a window starts again. */
static struct discovery_subject *subject_get(struct discovery *d, uint64_t key, uint64_t now)
{
        struct discovery_subject *reuse = NULL, *oldest = NULL;

        for (size_t i = 0; i < DISCOVERY_PROBE; i++) {
                struct discovery_subject *sub = &d->subjects[(key + i) & (DISCOVERY_SUBJECTS - 1)];

                if (sub->key == key) {
                        if (sub->raised && subject_idle(d, sub, now))
                                *sub = (struct discovery_subject) { .key = key, .last_ns = now };
                        return sub;
                }
                if (!reuse && subject_idle(d, sub, now))
                        reuse = sub;
                if (!oldest || sub->last_ns < oldest->last_ns)
                        oldest = sub;
        }
        if (!reuse) {
                d->stats.subjects_evicted++;
                reuse = oldest;
        }
        *reuse = (struct discovery_subject) { .key = key, .last_ns = now };
        return reuse;
}

static void entry_remove(struct discovery_subject *sub, size_t i)
{
        memmove(&sub->entries[i], &sub->entries[i + 1], (sub->n - i - 1) * sizeof(sub->entries[0]));
        sub->n--;
}

/* Adds command to the subject's window at now: the entries older than a window go, a command already
 * there moves to the end. Returns the number of distinct commands in the window. */
static size_t subject_add(struct discovery *d, struct discovery_subject *sub, int command, const char *label,
                          uint64_t now)
{
        size_t i = 0;

        while (i < sub->n)
                if (now > sub->entries[i].time_ns && now - sub->entries[i].time_ns > d->limits.window_ns)
                        entry_remove(sub, i);
                else if (sub->entries[i].command == command)
                        entry_remove(sub, i);
                else
                        i++;
        if (sub->n == DISCOVERY_THRESHOLD_MAX)
                entry_remove(sub, 0);
        sub->entries[sub->n] = (struct discovery_entry) { .time_ns = now, .command = (uint8_t) command };
        snprintf(sub->entries[sub->n].label, sizeof(sub->entries[0].label), "%s", label);
        sub->n++;
        sub->last_ns = MAX(sub->last_ns, now);
        return sub->n;
}

static void fill_process(struct alert_process *p, const struct proc_entry *e)
{
        *p = (struct alert_process) {
                .pid = e->pid, .ppid = e->ppid, .uid = e->uid, .comm = e->comm, .exe = e->exe,
                .cmdline = e->cmdline, .exe_truncated = e->flags & PROC_EXE_TRUNCATED,
                .cmdline_truncated = e->flags & PROC_CMDLINE_TRUNCATED,
        };
}

static int discovery_raise(struct discovery *d, const struct record *r, const struct discovery_subject *sub,
                           const char *where)
{
        const struct value *pid = record_value(r, d->columns[DC_PID]), *v;
        const struct proc_entry *self = d->procs ? proctable_get(d->procs, pid->u) : NULL, *e;
        _cleanup_free_ char *exe = NULL, *comm = NULL, *cmdline = NULL, *message = NULL;
        uint64_t first = sub->entries[0].time_ns, last = sub->entries[sub->n - 1].time_ns;
        struct strbuf list = {};
        struct alert a = {
                .time_ns = r->time_ns,
                .count = 1,
                .rule = DISCOVERY_RULE_NAME,
                .message_id = CWATCH_MESSAGE_DISCOVERY_ALERT,
                .severity = SEVERITY_NOTICE,
                .mitre = DISCOVERY_MITRE,
                .identity = r->identity,
                .cgroup_id = r->cgroup_id,
                .event = r,
        };
        int k;

        if (self)
                fill_process(&a.process, self);
        a.process.pid = pid->u;
        if ((v = record_value(r, d->columns[DC_PPID])))
                a.process.ppid = v->u;
        if ((v = record_value(r, d->columns[DC_UID])))
                a.process.uid = v->u;
        if ((v = record_value(r, d->columns[DC_COMM])) && v->str && (comm = strndup(v->str, v->len)))
                a.process.comm = comm;
        if ((v = record_value(r, d->columns[DC_EXE])) && v->str && (exe = strndup(v->str, v->len)))
                a.process.exe = exe;
        if ((v = record_value(r, d->columns[DC_ARGS])) && v->str) {
                strbuf_reset(&d->scratch);
                argv_join(&d->scratch, v->str, v->len, PROCTABLE_CMDLINE_MAX);
                if (!d->scratch.oom && (cmdline = strdup(d->scratch.data ?: ""))) {
                        a.process.cmdline = cmdline;
                        a.process.cmdline_truncated = v->truncated || v->len > PROCTABLE_CMDLINE_MAX;
                }
        }
        e = d->procs ? proctable_get(d->procs, a.process.ppid) : NULL;
        for (; e && a.n_ancestors < ALERT_MAX_ANCESTORS; e = proctable_get(d->procs, e->ppid)) {
                fill_process(&a.ancestors[a.n_ancestors++], e);
                if (e->ppid == e->pid)
                        break;
        }

        for (size_t i = 0; i < sub->n; i++)
                strbuf_printf(&list, "%s%s", i > 0 ? ", " : "", sub->entries[i].label);
        k = list.oom ? -1 : asprintf(&message, "Discovery burst: %s (%u distinct commands in %.1f s) by uid %"
                                     PRIu32 " in %s", list.data ?: "", sub->n,
                                     last > first ? (last - first) / 1e9 : 0.0, a.process.uid, where);
        strbuf_free(&list);
        if (k < 0)
                return -ENOMEM;
        a.message = message;
        d->stats.bursts++;
        k = d->raise(&a, where, d->userdata);
        if (k < 0)
                d->stats.raise_errors++;
        return k;
}

int discovery_on_record(struct discovery *d, const struct record *r)
{
        const struct value *exe, *args, *ppid;
        struct discovery_subject *sub;
        char label[DISCOVERY_LABEL_MAX], where[192];
        uint64_t key, now = r->time_ns;
        int command;

        if (r->schema != d->process_schema || d->limits.threshold == 0 || !streq(record_event(r), "exec"))
                return 0;
        exe = record_value(r, d->columns[DC_EXE]);
        args = record_value(r, d->columns[DC_ARGS]);
        if (!exe || !exe->str || !record_value(r, d->columns[DC_PID]))
                return 0;
        command = command_match(d, exe, args, label);
        if (command < 0)
                return 0;
        d->stats.commands++;

        /* the container, else the unit or session scope, else the process that runs the commands */
        if (r->identity && r->identity->container_id) {
                const char *id = r->identity->container_id;

                key = hash_bytes64(SUBJECT_CONTAINER, id, strlen(id));
                snprintf(where, sizeof(where), "container %s", r->identity->container_name ?: id);
        } else if (r->identity && r->identity->unit) {
                key = hash_bytes64(SUBJECT_UNIT, r->identity->unit, strlen(r->identity->unit));
                snprintf(where, sizeof(where), "unit %s", r->identity->unit);
        } else {
                ppid = record_value(r, d->columns[DC_PPID]);
                if (!ppid)
                        return 0;
                key = hash_mix64(((uint64_t) SUBJECT_PARENT << 56) ^ ppid->u);
                snprintf(where, sizeof(where), "the children of pid %" PRIu64, ppid->u);
        }
        key = key ?: 1;

        sub = subject_get(d, key, now);
        if (sub->raised) {
                sub->last_ns = MAX(sub->last_ns, now);
                return 0;
        }
        if (subject_add(d, sub, command, label, now) < d->limits.threshold)
                return 0;
        sub->raised = true;
        return discovery_raise(d, r, sub, where);
}

static int discovery_sink_on_record(void *userdata, const struct record *r)
{
        return discovery_on_record(userdata, r);
}

struct record_sink discovery_record_sink(struct discovery *d)
{
        return (struct record_sink) {
                .name = "discovery", .on_record = discovery_sink_on_record, .userdata = d,
        };
}
