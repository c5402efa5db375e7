/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "detect.h"
#include "rules-dirs.h"
#include "shared/log.h"
#include "shared/timeutil.h"

/* The columns detection reads from records besides the rules' own (which the engine resolves
 * once per rule). */
enum {
        DC_PID, DC_PPID, DC_UID, DC_COMM, DC_EXE, DC_EXE_TRUNCATED, DC_ARGS,
        DC_PATH, DC_FILENAME, DC_TARGET, DC_SOURCE, DC_DADDR, DC_DPORT, DC_SYSCALL, DC_TARGET_PID,
        DC_PID_SCOPE,
        _DC_MAX,
};
static const char *const detect_columns[_DC_MAX] = {
        [DC_PID] = "pid", [DC_PPID] = "ppid", [DC_UID] = "uid", [DC_COMM] = "comm", [DC_EXE] = "exe",
        [DC_EXE_TRUNCATED] = "exe_truncated",
        [DC_ARGS] = "args", [DC_PATH] = "path", [DC_FILENAME] = "filename", [DC_TARGET] = "target",
        [DC_SOURCE] = "source", [DC_DADDR] = "daddr", [DC_DPORT] = "dport", [DC_SYSCALL] = "syscall",
        [DC_TARGET_PID] = "target_pid", [DC_PID_SCOPE] = "pid_scope",
};

struct detect {
        const struct detect_catalog *catalog;
        struct detect_lookup lookup;
        detect_deliver_fn deliver;
        void *userdata;
        struct column_index columns;
        struct detect_engine *engine;
        struct proctable *procs;
        char **dirs;
        size_t n_dirs;
        uint64_t records, matches;
        uint64_t *rule_matches;         /* per rule of engine, by index; kept by name across reloads */
        size_t n_rule_matches;
        struct strbuf scratch;
};

static void report_inactive(const struct detect_engine *e)
{
        const char *const *ev;
        size_t n = detect_engine_inactive_events(e, &ev);

        for (size_t i = 0; i < n; i++)
                log_notice("No tracer provides event '%s': rules on it are inactive", ev[i]);
}

int detect_watched_paths(const struct detect *d, const struct detect_path_filter *f, struct strv *ret)
{
        return detect_engine_watched_paths(d->engine, f, ret);
}

/* Counters of the new engine's rules: a rule keeps its count when the old set had its name (same
 * index first, the usual case of an unchanged set, else a search). */
static uint64_t *carry_rule_matches(const struct detect *d, const struct detect_engine *e, size_t *ret_n)
{
        size_t n_old = d->engine ? detect_engine_n_rules(d->engine) : 0, n = detect_engine_n_rules(e);
        struct detect_rule_info *old = NULL, *new = NULL;
        uint64_t *counts = calloc(n ?: 1, sizeof(uint64_t));

        *ret_n = 0;
        if (!counts)
                return NULL;
        *ret_n = n;
        if (n_old == 0 || n == 0 || !d->rule_matches)
                return counts;
        old = calloc(n_old, sizeof(*old));
        new = calloc(n, sizeof(*new));
        if (old && new) {
                detect_engine_rules(d->engine, old, n_old);
                detect_engine_rules(e, new, n);
                for (size_t i = 0; i < n; i++) {
                        if (i < n_old && i < d->n_rule_matches && streq(old[i].name, new[i].name)) {
                                counts[i] = d->rule_matches[i];
                                continue;
                        }
                        for (size_t j = 0; j < n_old && j < d->n_rule_matches; j++)
                                if (streq(old[j].name, new[i].name)) {
                                        counts[i] = d->rule_matches[j];
                                        break;
                                }
                }
        }
        free(old);
        free(new);
        return counts;
}

static size_t detect_engine_swap(struct detect *d, struct detect_engine *e)
{
        size_t n;
        uint64_t *counts = carry_rule_matches(d, e, &n);

        /* without memory for counters the rules still run; they just count nothing */
        free(d->rule_matches);
        d->rule_matches = counts;
        d->n_rule_matches = n;
        detect_engine_free(d->engine);
        d->engine = e;
        return detect_engine_n_rules(e);
}

const struct detect_engine *detect_get_engine(const struct detect *d)
{
        return d->engine;
}

int detect_reload(struct detect *d, struct strbuf *errors)
{
        struct rules_paths paths = { (const char *const *) d->dirs, d->n_dirs };
        struct detect_engine *e = NULL;
        struct strbuf from = {};
        size_t n;
        int r;

        r = detect_engine_load(&e, &paths, d->catalog, errors);
        if (r < 0)
                return r;
        report_inactive(e);
        n = detect_engine_swap(d, e);
        for (size_t i = 0; i < d->n_dirs; i++)
                if (access(d->dirs[i], F_OK) == 0)
                        strbuf_printf(&from, "%s%s", from.len ? ", " : "", d->dirs[i]);
        log_info("Loaded %zu rules from %s", n, from.data ?: "no directory (none of them exists)");
        strbuf_free(&from);
        return 0;
}

struct detect *detect_free(struct detect *d)
{
        if (!d)
                return NULL;
        detect_engine_free(d->engine);
        free(d->rule_matches);
        proctable_free(d->procs);
        for (size_t i = 0; i < d->n_dirs; i++)
                free(d->dirs[i]);
        free(d->dirs);
        strbuf_free(&d->scratch);
        free(d);
        return NULL;
}

int detect_new(struct detect **ret, const struct rules_paths *paths, const struct detect_catalog *catalog,
               const struct detect_lookup *lookup, detect_deliver_fn deliver, void *userdata,
               struct strbuf *errors)
{
        _cleanup_(detect_freep) struct detect *d = NULL;
        const char *default_dirs[RULES_DIRS_DEFAULT_N];
        struct rules_paths default_paths = { default_dirs, 0 };
        int r;

        if (!paths) {
                default_paths.n_dirs = rules_dirs_default(default_dirs);
                paths = &default_paths;
        }
        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        *d = (struct detect) { .catalog = catalog, .lookup = lookup ? *lookup : (struct detect_lookup) {},
                               .deliver = deliver, .userdata = userdata };
        column_index_init(&d->columns, detect_columns, _DC_MAX);
        d->dirs = calloc(paths->n_dirs ?: 1, sizeof(*d->dirs));
        if (!d->dirs)
                return -ENOMEM;
        for (size_t i = 0; i < paths->n_dirs; i++) {
                d->dirs[i] = strdup(paths->dirs[i]);
                if (!d->dirs[i])
                        return -ENOMEM;
                d->n_dirs = i + 1;
        }
        r = proctable_new(&d->procs, PROCTABLE_DEFAULT_MAX);
        if (r < 0)
                return r;
        r = detect_reload(d, errors);
        if (r < 0)
                return r;
        r = proctable_scan(d->procs, "/proc");
        if (r < 0)
                log_warning_errno(r, "Failed to scan /proc, ignoring: %m");
        *ret = TAKE_PTR(d);
        return 0;
}

static char *value_strdup(const struct value *v)
{
        return v && v->str ? strndup(v->str, v->len) : NULL;
}

/* What an alert is about, for its signature: a path, a peer, a syscall target, else the command. */
static char *record_object(const struct record *r, const int *c, const char *cmdline)
{
        static const int keys[] = { DC_PATH, DC_FILENAME, DC_TARGET, DC_SOURCE };
        const struct value *v, *port;
        char *s = NULL;

        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if ((v = record_value(r, c[keys[i]])) && v->str && r->schema->columns[c[keys[i]]].type == VALUE_STR)
                        return value_strdup(v);
        if ((v = record_value(r, c[DC_DADDR])) && v->str) {
                port = record_value(r, c[DC_DPORT]);
                if (asprintf(&s, "%.*s:%" PRIu64, (int) v->len, v->str, port ? port->u : 0) < 0)
                        return NULL;
                return s;
        }
        if ((v = record_value(r, c[DC_SYSCALL])) && v->str) {
                const struct value *t = record_value(r, c[DC_TARGET_PID]);

                if (asprintf(&s, "%.*s:%s", (int) v->len, v->str, t ? "pid" : "") < 0)
                        return NULL;
                return s;
        }
        return cmdline ? strdup(cmdline) : NULL;
}

struct match_ctx {
        struct detect *d;
        const int *columns;
};

static void fill_process(struct alert_process *p, const struct proc_entry *e)
{
        *p = (struct alert_process) {
                .pid = e->pid, .ppid = e->ppid, .uid = e->uid, .comm = e->comm, .exe = e->exe, .cmdline = e->cmdline,
                .exe_truncated = e->flags & PROC_EXE_TRUNCATED,
                .cmdline_truncated = e->flags & PROC_CMDLINE_TRUNCATED,
        };
}

static int on_match(const struct detect_match *match, const struct record *r, void *userdata)
{
        struct match_ctx *mc = userdata;
        struct detect *d = mc->d;
        const int *c = mc->columns;
        const struct value *pid = record_value(r, c[DC_PID]), *v;
        const struct proc_entry *self = pid ? proctable_get(d->procs, pid->u) : NULL, *e;
        _cleanup_free_ char *exe = NULL, *comm = NULL, *cmdline = NULL, *object = NULL;
        struct alert a = {
                .time_ns = r->time_ns ?: now_realtime_ns(),
                .count = 1,
                .rule = match->rule,
                .message_id = CWATCH_MESSAGE_RULE_ALERT,
                .severity = match->severity,
                .action = match->action,
                .mitre = match->mitre,
                .message = match->message,
                .identity = r->identity,
                .cgroup_id = r->cgroup_id,
                .event = r,
        };

        d->matches++;
        if (match->index < d->n_rule_matches)
                d->rule_matches[match->index]++;
        if (self)
                fill_process(&a.process, self);
        a.process.pid = pid ? pid->u : 0;
        /* the event's own values are fresher than the table's */
        if ((v = record_value(r, c[DC_PPID])))
                a.process.ppid = v->u;
        if ((v = record_value(r, c[DC_UID])))
                a.process.uid = v->u;
        a.process.pid_host = value_is_pid_host(record_value(r, c[DC_PID_SCOPE]));
        if ((v = record_value(r, c[DC_COMM])) && (comm = value_strdup(v)))
                a.process.comm = comm;
        if ((v = record_value(r, c[DC_EXE])) && (exe = value_strdup(v))) {
                a.process.exe = exe;
                v = record_value(r, c[DC_EXE_TRUNCATED]);
                a.process.exe_truncated = v && v->u;
        }
        if ((v = record_value(r, c[DC_ARGS])) && v->str) {
                /* the whole argv the kernel captured, not the process table's shorter copy */
                strbuf_reset(&d->scratch);
                argv_join(&d->scratch, v->str, v->len, v->len);
                if (!d->scratch.oom && (cmdline = strdup(d->scratch.data ?: ""))) {
                        a.process.cmdline = cmdline;
                        a.process.cmdline_truncated = v->truncated;
                }
        }
        e = proctable_get(d->procs, a.process.ppid);
        for (; e && a.n_ancestors < ALERT_MAX_ANCESTORS; e = proctable_get(d->procs, e->ppid)) {
                fill_process(&a.ancestors[a.n_ancestors++], e);
                if (e->ppid == e->pid)
                        break;
        }
        object = record_object(r, c, a.process.cmdline);
        return d->deliver(&a, object, d->userdata);
}

int detect_on_record(struct detect *d, const struct record *r)
{
        struct match_ctx mc = { .d = d, .columns = column_index_get(&d->columns, r->schema) };
        uint64_t now = now_monotonic_ns();
        int k;

        d->records++;
        proctable_update(d->procs, r, now);
        proctable_expire(d->procs, now);
        if (!d->engine || !mc.columns)
                return 0;
        k = detect_engine_eval_with(d->engine, r, d->procs, &d->lookup, on_match, &mc);
        return k < 0 ? k : 0;
}

static int detect_sink_on_record(void *userdata, const struct record *r)
{
        return detect_on_record(userdata, r);
}

struct record_sink detect_record_sink(struct detect *d)
{
        return (struct record_sink) { .name = "rules", .on_record = detect_sink_on_record, .userdata = d };
}

void detect_get_stats(const struct detect *d, struct detect_stats *ret)
{
        *ret = (struct detect_stats) {
                .records = d->records, .matches = d->matches, .rules = detect_engine_n_rules(d->engine),
        };
        proctable_get_stats(d->procs, &ret->procs);
}

uint64_t detect_rule_matches(const struct detect *d, size_t index)
{
        return index < d->n_rule_matches ? d->rule_matches[index] : 0;
}

struct proctable *detect_get_proctable(struct detect *d)
{
        return d->procs;
}
