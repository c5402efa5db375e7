/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scan.h"
#include "shared/hash.h"
#include "shared/macro.h"

/* How many neighbouring slots a lookup in either table probes. */
#define SCAN_PROBE 16
#define SCAN_ADDR_MAX 46        /* INET6_ADDRSTRLEN */

_Static_assert((SCAN_SUBJECTS & (SCAN_SUBJECTS - 1)) == 0, "SCAN_SUBJECTS is a power of two");
_Static_assert((SCAN_PAIRS & (SCAN_PAIRS - 1)) == 0, "SCAN_PAIRS is a power of two");

enum scan_subject_kind {
        SUBJECT_PROCESS = 1,
        SUBJECT_CONTAINER,
        SUBJECT_UNIT,
};

/* A process or a group of processes, and its current window. */
struct scan_subject {
        uint64_t key;                   /* hash of kind and id */
        uint64_t generation;            /* of its current window, never reused; 0: a free slot */
        uint64_t window_start_ns;
        uint64_t last_ns;               /* its last connection attempt */
        uint32_t distinct;              /* distinct pairs in the window */
        bool raised;                    /* alerted: quiet until a window passes without attempts */
        bool one_addr;                  /* every pair so far is to first_addr */
        char first_addr[SCAN_ADDR_MAX];
};

/* One (address, port) pair seen by a subject in its current window. */
struct scan_pair {
        uint64_t key;                   /* hash of address, port and the window's generation */
        uint64_t generation;            /* live while its subject's window has this generation */
        uint32_t subject;               /* index in subjects */
};

enum { SC_PID, SC_UID, SC_COMM, SC_DADDR, SC_DPORT, _SC_MAX };
static const char *const scan_columns[_SC_MAX] = {
        [SC_PID] = "pid", [SC_UID] = "uid", [SC_COMM] = "comm", [SC_DADDR] = "daddr", [SC_DPORT] = "dport",
};
static const enum value_type scan_column_types[_SC_MAX] = {
        [SC_PID] = VALUE_U64, [SC_UID] = VALUE_U64, [SC_COMM] = VALUE_STR, [SC_DADDR] = VALUE_STR,
        [SC_DPORT] = VALUE_U64,
};

struct scan_detector {
        struct scan_limits limits;
        const struct schema *tcp_schema;
        int columns[_SC_MAX];
        const struct proctable *procs;
        scan_raise_fn raise;
        void *userdata;
        uint64_t next_generation;
        struct scan_stats stats;
        struct scan_subject subjects[SCAN_SUBJECTS];
        struct scan_pair pairs[SCAN_PAIRS];
};

static bool limits_valid(const struct scan_limits *l)
{
        return l->threshold == 0 ||
               (l->threshold >= SCAN_THRESHOLD_MIN && l->threshold <= SCAN_THRESHOLD_MAX &&
                l->window_ns >= SCAN_WINDOW_MIN_NS && l->window_ns <= SCAN_WINDOW_MAX_NS);
}

int scan_detector_new(struct scan_detector **ret, const struct scan_limits *limits,
                      const struct schema *tcp_schema, const struct proctable *procs, scan_raise_fn raise,
                      void *userdata)
{
        struct scan_detector *s;

        if (!limits || !tcp_schema || !raise || !limits_valid(limits))
                return -EINVAL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->limits = *limits;
        s->tcp_schema = tcp_schema;
        s->procs = procs;
        s->raise = raise;
        s->userdata = userdata;
        s->next_generation = 1;
        for (size_t i = 0; i < _SC_MAX; i++) {
                int c = schema_find_column(tcp_schema, scan_columns[i]);

                s->columns[i] = c >= 0 && tcp_schema->columns[c].type == scan_column_types[i] ? c : -1;
        }
        /* without an address, a port and a pid there is nothing to count */
        if (s->columns[SC_DADDR] < 0 || s->columns[SC_DPORT] < 0 || s->columns[SC_PID] < 0) {
                free(s);
                return -EINVAL;
        }
        *ret = s;
        return 0;
}

struct scan_detector *scan_detector_free(struct scan_detector *s)
{
        free(s);
        return NULL;
}

int scan_detector_set_limits(struct scan_detector *s, const struct scan_limits *limits)
{
        if (!limits_valid(limits))
                return -EINVAL;
        s->limits = *limits;
        return 0;
}

void scan_detector_get_stats(const struct scan_detector *s, struct scan_stats *ret)
{
        *ret = s->stats;
}

static bool subject_expired(const struct scan_detector *s, const struct scan_subject *sub, uint64_t now)
{
        return sub->generation == 0 || (now > sub->last_ns && now - sub->last_ns > s->limits.window_ns);
}

static void subject_start_window(struct scan_detector *s, struct scan_subject *sub, uint64_t key, uint64_t now)
{
        *sub = (struct scan_subject) {
                .key = key, .generation = s->next_generation++, .window_start_ns = now, .last_ns = now,
                .one_addr = true,
        };
}

/* The subject of key with its window brought up to now: found, or in a free or expired slot of its
 * neighbourhood, or in place of the least recently active one there. */
static struct scan_subject *subject_get(struct scan_detector *s, uint64_t key, uint64_t now)
{
        struct scan_subject *reuse = NULL, *oldest = NULL;

        for (size_t i = 0; i < SCAN_PROBE; i++) {
                struct scan_subject *sub = &s->subjects[(key + i) & (SCAN_SUBJECTS - 1)];

                if (sub->generation != 0 && sub->key == key) {
                        /* a scan ends after a window without attempts; a window ends when it is over */
                        if ((sub->raised && subject_expired(s, sub, now)) ||
                            (!sub->raised && now > sub->window_start_ns &&
                             now - sub->window_start_ns > s->limits.window_ns))
                                subject_start_window(s, sub, key, now);
                        sub->last_ns = MAX(sub->last_ns, now);
                        return sub;
                }
                if (!reuse && subject_expired(s, sub, now))
                        reuse = sub;
                if (!oldest || sub->last_ns < oldest->last_ns)
                        oldest = sub;
        }
        if (!reuse) {
                s->stats.subjects_evicted++;
                reuse = oldest;
        }
        subject_start_window(s, reuse, key, now);
        return reuse;
}

/* Adds the pair (hash pair_hash) to the subject's window: true when it is new there. */
static bool subject_add_pair(struct scan_detector *s, struct scan_subject *sub, uint64_t pair_hash)
{
        uint32_t index = sub - s->subjects;
        uint64_t key = hash_mix64(pair_hash ^ sub->generation);
        struct scan_pair *free_slot = NULL;

        for (size_t i = 0; i < SCAN_PROBE; i++) {
                struct scan_pair *p = &s->pairs[(key + i) & (SCAN_PAIRS - 1)];
                bool live = p->generation != 0 && s->subjects[p->subject].generation == p->generation;

                if (live && p->key == key && p->subject == index)
                        return false;
                if (!live && !free_slot)
                        free_slot = p;
        }
        if (free_slot)
                *free_slot = (struct scan_pair) { .key = key, .generation = sub->generation, .subject = index };
        else
                s->stats.pairs_unplaced++;
        return true;
}

/* Counts the attempt for sub: true when it makes the subject's count reach the threshold. */
static bool subject_count(struct scan_detector *s, struct scan_subject *sub, uint64_t pair_hash,
                          const struct value *daddr, uint64_t now)
{
        sub->last_ns = now;
        if (sub->raised || !subject_add_pair(s, sub, pair_hash))
                return false;
        if (sub->distinct++ == 0)
                snprintf(sub->first_addr, sizeof(sub->first_addr), "%.*s", (int) MIN(daddr->len, 45), daddr->str);
        else if (sub->one_addr && (strlen(sub->first_addr) != daddr->len ||
                                   memcmp(sub->first_addr, daddr->str, daddr->len) != 0))
                sub->one_addr = false;
        /* >=: a threshold lowered by a reload below a window's count still raises, once */
        return sub->distinct >= s->limits.threshold;
}

static void fill_process(struct alert_process *p, const struct proc_entry *e)
{
        *p = (struct alert_process) {
                .pid = e->pid, .ppid = e->ppid, .uid = e->uid,
                .comm = e->comm, .exe = e->exe, .cmdline = e->cmdline,
        };
}

static int scan_raise(struct scan_detector *s, const struct record *r, const struct scan_subject *sub,
                      enum scan_subject_kind kind, const char *group, uint64_t now)
{
        const struct value *pid = record_value(r, s->columns[SC_PID]);
        const struct value *uid = record_value(r, s->columns[SC_UID]);
        const struct value *comm = record_value(r, s->columns[SC_COMM]);
        const struct proc_entry *self = s->procs ? proctable_get(s->procs, pid->u) : NULL, *e;
        uint64_t elapsed = now > sub->window_start_ns ? now - sub->window_start_ns : 0;
        char comm_buf[64], where[160] = "", what[128], *message = NULL;
        struct alert a = {
                .time_ns = r->time_ns,
                .count = 1,
                .rule = SCAN_RULE_NAME,
                .message_id = CWATCH_MESSAGE_SCAN_ALERT,
                .severity = SEVERITY_WARNING,
                .mitre = SCAN_MITRE,
                .identity = r->identity,
                .cgroup_id = r->cgroup_id,
                .event = r,
        };
        int k;

        if (self)
                fill_process(&a.process, self);
        snprintf(comm_buf, sizeof(comm_buf), "%.*s", comm && comm->str ? (int) MIN(comm->len, 63) : 0,
                 comm && comm->str ? comm->str : "");
        if (comm_buf[0])
                a.process.comm = comm_buf;
        a.process.pid = pid->u;
        if (uid)
                a.process.uid = uid->u;
        e = s->procs ? proctable_get(s->procs, a.process.ppid) : NULL;
        for (; e && a.n_ancestors < ALERT_MAX_ANCESTORS; e = proctable_get(s->procs, e->ppid)) {
                fill_process(&a.ancestors[a.n_ancestors++], e);
                if (e->ppid == e->pid)
                        break;
        }

        if (sub->one_addr)
                snprintf(what, sizeof(what), "%" PRIu32 " distinct ports of %s", sub->distinct, sub->first_addr);
        else
                snprintf(what, sizeof(what), "%" PRIu32 " distinct addresses and ports (first %s)", sub->distinct,
                         sub->first_addr);
        if (kind == SUBJECT_PROCESS) {
                if (r->identity && r->identity->container_name)
                        snprintf(where, sizeof(where), ", container %s", r->identity->container_name);
                else if (r->identity && r->identity->unit)
                        snprintf(where, sizeof(where), ", unit %s", r->identity->unit);
                k = asprintf(&message, "%s (pid %" PRIu32 "%s) connected to %s in %.1f s", a.process.comm ?: "?",
                             a.process.pid, where, what, elapsed / 1e9);
        } else
                k = asprintf(&message,
                             "Processes of %s %s connected to %s in %.1f s (the last: %s, pid %" PRIu32 ")",
                             kind == SUBJECT_CONTAINER ? "container" : "unit", group, what, elapsed / 1e9,
                             a.process.comm ?: "?", a.process.pid);
        if (k < 0)
                return -ENOMEM;
        a.message = message;
        s->stats.scans++;
        k = s->raise(&a, sub->first_addr, s->userdata);
        if (k < 0)
                s->stats.raise_errors++;
        free(message);
        return k;
}

int scan_detector_on_record(struct scan_detector *s, const struct record *r)
{
        const struct value *pid, *daddr, *dport;
        struct scan_subject *proc, *group = NULL;
        enum scan_subject_kind group_kind = 0;
        const char *group_name = NULL, *event;
        uint64_t now = r->time_ns, pair_hash;
        bool proc_crossed, group_crossed;

        if (r->schema != s->tcp_schema || s->limits.threshold == 0)
                return 0;
        /* one record per attempt: "connect" when it was established, "tcp_failed" when it never was */
        event = record_event(r);
        if (!event || (!streq(event, "connect") && !streq(event, "tcp_failed")))
                return 0;
        pid = record_value(r, s->columns[SC_PID]);
        daddr = record_value(r, s->columns[SC_DADDR]);
        dport = record_value(r, s->columns[SC_DPORT]);
        if (!pid || !daddr || !daddr->str || !dport)
                return 0;
        s->stats.attempts++;

        pair_hash = hash_bytes64(dport->u, daddr->str, daddr->len);
        proc = subject_get(s, hash_mix64(((uint64_t) SUBJECT_PROCESS << 56) ^ (pid->u << 20) ^ r->cgroup_id),
                           now);
        if (r->identity && r->identity->container_id) {
                group_kind = SUBJECT_CONTAINER;
                group_name = r->identity->container_name ?: r->identity->container_id;
                group = subject_get(s, hash_bytes64(SUBJECT_CONTAINER, r->identity->container_id,
                                                  strlen(r->identity->container_id)), now);
        } else if (r->identity && r->identity->unit) {
                group_kind = SUBJECT_UNIT;
                group_name = r->identity->unit;
                group = subject_get(s, hash_bytes64(SUBJECT_UNIT, r->identity->unit, strlen(r->identity->unit)),
                                    now);
        }
        /* the group's lookup may have evicted proc's slot (a full neighbourhood of subjects all
         * active this instant): the attempt then counts for the group only */
        if (group == proc)
                proc = NULL;

        /* one alert per scan: a process that scans alone tips its group at the same attempt, and a
         * group or process already raised keeps the other quiet */
        proc_crossed = proc && subject_count(s, proc, pair_hash, daddr, now);
        group_crossed = group && subject_count(s, group, pair_hash, daddr, now);
        if (proc_crossed)
                proc->raised = true;
        if (group_crossed)
                group->raised = true;
        if (proc_crossed && !(group && group->raised && !group_crossed))
                return scan_raise(s, r, proc, SUBJECT_PROCESS, NULL, now);
        if (group_crossed && !(proc && proc->raised))
                return scan_raise(s, r, group, group_kind, group_name, now);
        return 0;
}

static int scan_sink_on_record(void *userdata, const struct record *r)
{
        return scan_detector_on_record(userdata, r);
}

struct record_sink scan_detector_record_sink(struct scan_detector *s)
{
        return (struct record_sink) { .name = "scan", .on_record = scan_sink_on_record, .userdata = s };
}
