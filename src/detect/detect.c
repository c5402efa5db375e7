/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "detect.h"
#include "rules-check.h"
#include "daemon/config.h"
#include "daemon/manager.h"
#include "metrics/metrics.h"
#include "shared/log.h"
#include "shared/timeutil.h"
#include "tracers/tracer.h"
#include "tracers/files.h"

struct detect {
        struct manager *manager;
        struct detect_engine *engine;
        struct proctable *procs;
        char **dirs;
        size_t n_dirs;
        uint64_t records, matches;
        uint64_t *rule_matches;         /* per rule of engine, by index; kept by name across reloads */
        size_t n_rule_matches;
        struct strbuf scratch;
};

static const char *const default_dirs[] = { RULES_DIR_ADMIN, RULES_DIR_RUNTIME, RULES_DIR_VENDOR };
const struct rules_paths rules_paths_default = { default_dirs, 3 };

static void count_held_back(const char *rule, void *userdata)
{
        struct manager *m = userdata;

        metrics_observe_rate_limited(m->metrics, rule);
}

static int deliver_to_sinks(const struct alert *a, void *userdata)
{
        return manager_raise_alert(userdata, a);
}

static void report_inactive(const struct detect_engine *e)
{
        const char *const *ev;
        size_t n = detect_engine_inactive_events(e, &ev);

        for (size_t i = 0; i < n; i++)
                log_notice("No tracer provides event '%s': rules on it are inactive", ev[i]);
}

static void apply_watched_paths(struct detect *d)
{
        struct tracer *files;
        char **paths = NULL;
        size_t n = 0;
        int r;

        if (detect_engine_watched_paths(d->engine, &paths, &n) < 0)
                return;
        /* and the operator's own, [Files] WatchPaths= of cwatchd.conf */
        if (d->manager->config && d->manager->config->watch_paths.n > 0) {
                const struct conf_strv *extra = &d->manager->config->watch_paths;
                char **more = realloc(paths, (n + extra->n) * sizeof(char *));

                if (more) {
                        paths = more;
                        for (size_t i = 0; i < extra->n; i++)
                                if ((paths[n] = strdup(extra->items[i])))
                                        n++;
                }
        }
        for (size_t i = 0; i < n; i++)
                log_debug("rules watch opens under %s", paths[i]);
        /* kept by the manager for a files tracer that starts later; a running one takes them now */
        manager_set_watched_paths(d->manager, paths, n);
        files = manager_find_tracer(d->manager, "files");
        if (files && files->running) {
                r = files_tracer_set_watched_paths(files, paths, n);
                if (r < 0)
                        log_warning_errno(r, "Failed to watch the paths the rules need, ignoring: %m");
        }
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

size_t detect_engine_swap(struct detect *d, struct detect_engine *e)
{
        size_t n;
        uint64_t *counts = carry_rule_matches(d, e, &n);

        /* without memory for counters the rules still run; they just count nothing */
        free(d->rule_matches);
        d->rule_matches = counts;
        d->n_rule_matches = n;
        detect_engine_free(d->engine);
        d->engine = e;
        apply_watched_paths(d);
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
        int r;

        r = detect_engine_load(&e, &paths, detect_registry_catalog(), errors);
        if (r < 0)
                return r;
        report_inactive(e);
        log_info("Loaded %zu rules", detect_engine_swap(d, e));
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

int detect_enable(struct manager *m, const struct rules_paths *paths,
                  const struct alert_pipeline_config *pipeline, struct strbuf *errors)
{
        struct detect *d;
        int r;

        if (!paths)
                paths = &rules_paths_default;
        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->manager = m;
        d->dirs = calloc(paths->n_dirs ?: 1, sizeof(*d->dirs));
        r = d->dirs ? proctable_new(&d->procs, PROCTABLE_DEFAULT_MAX) : -ENOMEM;
        for (size_t i = 0; r >= 0 && i < paths->n_dirs; i++) {
                d->dirs[i] = strdup(paths->dirs[i]);
                d->n_dirs = i + 1;
                if (!d->dirs[i])
                        r = -ENOMEM;
        }
        if (r >= 0)
                r = detect_reload(d, errors);
        if (r >= 0 && (r = proctable_scan(d->procs, "/proc")) < 0)
                log_warning_errno(r, "Failed to scan /proc, ignoring: %m");
        if (r >= 0 && !m->alert_pipeline)
                r = alert_pipeline_new(&m->alert_pipeline, m->event, pipeline, deliver_to_sinks, m);
        if (r >= 0 && m->alert_pipeline)
                alert_pipeline_set_held_back_callback(m->alert_pipeline, count_held_back, m);
        if (r < 0) {
                detect_free(d);
                return r;
        }
        detect_free(m->detect);
        m->detect = d;
        return 0;
}

static const struct value *col(const struct record *r, const char *name)
{
        int i = schema_find_column(r->schema, name);

        return i >= 0 && r->values[i].present ? &r->values[i] : NULL;
}

static char *value_strdup(const struct value *v)
{
        return v && v->str ? strndup(v->str, v->len) : NULL;
}

/* What an alert is about, for its signature: a path, a peer, a syscall target, else the command. */
static char *record_object(const struct record *r, const char *cmdline)
{
        static const char *const keys[] = { "path", "filename", "target", "source" };
        const struct value *v, *port;
        char *s = NULL;

        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if ((v = col(r, keys[i])) && v->str && r->schema->columns[schema_find_column(r->schema, keys[i])].type == VALUE_STR)
                        return value_strdup(v);
        if ((v = col(r, "daddr")) && v->str) {
                port = col(r, "dport");
                if (asprintf(&s, "%.*s:%" PRIu64, (int) v->len, v->str, port ? port->u : 0) < 0)
                        return NULL;
                return s;
        }
        if ((v = col(r, "syscall")) && v->str) {
                const struct value *t = col(r, "target_pid");

                if (asprintf(&s, "%.*s:%s", (int) v->len, v->str, t ? "pid" : "") < 0)
                        return NULL;
                return s;
        }
        return cmdline ? strdup(cmdline) : NULL;
}

struct match_ctx {
        struct detect *d;
        const struct identity *identity;
};

static void fill_process(struct alert_process *p, const struct proc_entry *e)
{
        *p = (struct alert_process) {
                .pid = e->pid, .ppid = e->ppid, .uid = e->uid, .comm = e->comm, .exe = e->exe, .cmdline = e->cmdline,
        };
}

static int on_match(const struct detect_match *match, const struct record *r, void *userdata)
{
        struct match_ctx *mc = userdata;
        struct detect *d = mc->d;
        const struct value *pid = col(r, "pid"), *v;
        const struct proc_entry *self = pid ? proctable_get(d->procs, pid->u) : NULL, *e;
        _cleanup_free_ char *exe = NULL, *comm = NULL, *cmdline = NULL, *object = NULL;
        struct alert a = {
                .time_ns = r->time_ns ?: now_realtime_ns(),
                .count = 1,
                .rule = match->rule,
                .message_id = CWATCH_MESSAGE_RULE_ALERT,
                .severity = match->severity,
                .mitre = match->mitre,
                .message = match->message,
                .identity = mc->identity,
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
        if ((v = col(r, "ppid")))
                a.process.ppid = v->u;
        if ((v = col(r, "uid")))
                a.process.uid = v->u;
        if ((v = col(r, "comm")) && (comm = value_strdup(v)))
                a.process.comm = comm;
        if ((v = col(r, "exe")) && (exe = value_strdup(v)))
                a.process.exe = exe;
        if ((v = col(r, "args")) && v->str) {
                strbuf_reset(&d->scratch);
                argv_join(&d->scratch, v->str, v->len, PROCTABLE_CMDLINE_MAX);
                if (!d->scratch.oom && (cmdline = strdup(d->scratch.data ?: "")))
                        a.process.cmdline = cmdline;
        }
        e = proctable_get(d->procs, a.process.ppid);
        for (; e && a.n_ancestors < ALERT_MAX_ANCESTORS; e = proctable_get(d->procs, e->ppid)) {
                fill_process(&a.ancestors[a.n_ancestors++], e);
                if (e->ppid == e->pid)
                        break;
        }
        object = record_object(r, a.process.cmdline);
        if (!mc->d->manager->alert_pipeline)
                return manager_raise_alert(d->manager, &a);
        return alert_pipeline_submit(d->manager->alert_pipeline, &a, object);
}

int detect_on_record(struct detect *d, const struct record *r)
{
        struct manager *m = d->manager;
        struct match_ctx mc = { .d = d };
        uint64_t now = now_monotonic_ns();
        int k;

        d->records++;
        proctable_update(d->procs, r, now);
        proctable_expire(d->procs, now);
        if (!d->engine)
                return 0;
        if (r->cgroup_id && m->identity)
                mc.identity = identity_lookup(m->identity, r->cgroup_id);
        k = detect_engine_eval(d->engine, r, d->procs, on_match, &mc);
        return k < 0 ? k : 0;
}

void detect_get_stats(const struct detect *d, struct detect_stats *ret)
{
        *ret = (struct detect_stats) {
                .records = d->records, .matches = d->matches, .rules = detect_engine_n_rules(d->engine),
        };
        proctable_get_stats(d->procs, &ret->procs);
        if (d->manager->alert_pipeline)
                alert_pipeline_get_stats(d->manager->alert_pipeline, &ret->alerts);
}

uint64_t detect_rule_matches(const struct detect *d, size_t index)
{
        return index < d->n_rule_matches ? d->rule_matches[index] : 0;
}

struct proctable *detect_get_proctable(struct detect *d)
{
        return d->procs;
}
