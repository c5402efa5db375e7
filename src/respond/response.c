/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "response.h"
#include "alert/pipeline.h"
#include "shared/log.h"
#include "shared/timeutil.h"

#define RESPONSE_RATE_WINDOW_NS (60 * NSEC_PER_SEC)
#define RESPONSE_MAX_INCIDENTS 64

struct response {
        struct response_config config;
        char *own_unit;
        response_execute_fn execute;
        response_notify_fn notify;
        void *userdata;

        struct response_entry entries[RESPONSE_MAX_ENTRIES];    /* a ring, oldest at first */
        size_t first, n;
        uint64_t next_seq;

        uint64_t *action_times;         /* monotonic times of the last actions, a ring of max_per_minute */
        size_t n_action_times, action_times_pos;

        char incidents[RESPONSE_MAX_INCIDENTS][33];     /* incidents acted on, a ring */
        size_t incidents_pos;

        struct strv frozen;
};

static const char *const result_names[_RESPONSE_RESULT_MAX] = {
        [RESPONSE_PENDING] = "pending",
        [RESPONSE_DONE] = "done",
        [RESPONSE_DRY_RUN] = "dry-run",
        [RESPONSE_REFUSED] = "refused",
        [RESPONSE_HELD_BACK] = "held-back",
        [RESPONSE_FAILED] = "failed",
};

static const char *const origin_names[_RESPONSE_ORIGIN_MAX] = {
        [RESPONSE_ORIGIN_RULE] = "rule",
        [RESPONSE_ORIGIN_CONFIG] = "config",
        [RESPONSE_ORIGIN_INCIDENT] = "incident",
        [RESPONSE_ORIGIN_MANUAL] = "manual",
};

const char *response_result_to_string(enum response_result res)
{
        return res < _RESPONSE_RESULT_MAX ? result_names[res] : NULL;
}

const char *response_origin_to_string(enum response_origin o)
{
        return o < _RESPONSE_ORIGIN_MAX ? origin_names[o] : NULL;
}

static void entry_done(struct response_entry *e)
{
        free(e->unit);
        free(e->alert_id);
        free(e->incident_id);
        free(e->rule);
        free(e->caller);
        free(e->reason);
        *e = (struct response_entry) {};
}

static int rate_resize(struct response *r, uint64_t max)
{
        uint64_t *t = calloc(MAX(max, 1), sizeof(*t));

        if (!t)
                return -ENOMEM;
        free(r->action_times);
        r->action_times = t;
        r->n_action_times = max;
        r->action_times_pos = 0;
        return 0;
}

int response_new(struct response **ret, const struct response_config *config, response_execute_fn execute,
                 response_notify_fn notify, void *userdata)
{
        _cleanup_(response_freep) struct response *r = calloc(1, sizeof(*r));
        int k;

        if (!r)
                return -ENOMEM;
        r->execute = execute;
        r->notify = notify;
        r->userdata = userdata;
        r->next_seq = 1;
        k = response_set_config(r, config);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(r);
        return 0;
}

struct response *response_free(struct response *r)
{
        if (!r)
                return NULL;
        for (size_t i = 0; i < RESPONSE_MAX_ENTRIES; i++)
                entry_done(&r->entries[i]);
        response_config_done(&r->config);
        strv_done(&r->frozen);
        free(r->action_times);
        free(r->own_unit);
        free(r);
        return NULL;
}

int response_set_config(struct response *r, const struct response_config *config)
{
        struct response_config c = {};
        int k;

        k = response_config_copy(&c, config);
        if (k < 0)
                return k;
        if (!r->action_times || c.max_per_minute != r->n_action_times) {
                k = rate_resize(r, c.max_per_minute);
                if (k < 0) {
                        response_config_done(&c);
                        return k;
                }
        }
        response_config_done(&r->config);
        r->config = c;
        return 0;
}

const struct response_config *response_get_config(const struct response *r)
{
        return &r->config;
}

int response_set_own_unit(struct response *r, const char *unit)
{
        char *u = unit ? strdup(unit) : NULL;

        if (unit && !u)
                return -ENOMEM;
        free(r->own_unit);
        r->own_unit = u;
        return 0;
}

static bool endswith(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);

        return n >= m && streq(s + n - m, suffix);
}

const char *response_unit_protected(const struct response *r, const char *unit)
{
        if (!unit || !*unit)
                return "no systemd unit";
        if (r->own_unit && streq(unit, r->own_unit))
                return "it is cwatchd's own unit";
        if (streq(unit, "init.scope"))
                return "it is the init scope";
        if (endswith(unit, ".slice"))
                return "it is a slice (a whole branch of the unit tree)";
        for (size_t i = 0; i < r->config.protected_units.n; i++)
                if (fnmatch(r->config.protected_units.items[i], unit, 0) == 0)
                        return "it is protected (Protected= in [Response])";
        return NULL;
}

static const char *frozen_find(const struct response *r, const char *unit)
{
        return strv_contains(&r->frozen, unit) ? unit : NULL;
}

static void frozen_remove(struct response *r, const char *unit)
{
        for (size_t i = 0; i < r->frozen.n; i++)
                if (streq(r->frozen.items[i], unit)) {
                        free(r->frozen.items[i]);
                        memmove(&r->frozen.items[i], &r->frozen.items[i + 1], (r->frozen.n - i) * sizeof(char *));
                        r->frozen.n--;
                        return;
                }
}

static struct response_entry *entry_by_seq(struct response *r, uint64_t seq)
{
        for (size_t i = 0; i < r->n; i++) {
                struct response_entry *e = &r->entries[(r->first + i) % RESPONSE_MAX_ENTRIES];

                if (e->seq == seq)
                        return e;
        }
        return NULL;
}

static struct response_entry *entry_new(struct response *r)
{
        struct response_entry *e;

        if (r->n == RESPONSE_MAX_ENTRIES) {
                entry_done(&r->entries[r->first]);
                r->first = (r->first + 1) % RESPONSE_MAX_ENTRIES;
                r->n--;
        }
        e = &r->entries[(r->first + r->n++) % RESPONSE_MAX_ENTRIES];
        *e = (struct response_entry) { .seq = r->next_seq++, .time_ns = now_realtime_ns() };
        alert_new_id(e->id);
        return e;
}

static char *dup0(const char *s)
{
        return s ? strdup(s) : NULL;
}

static void entry_set_reason(struct response_entry *e, const char *reason)
{
        free(e->reason);
        e->reason = dup0(reason);
}

static void finish(struct response *r, struct response_entry *e, enum response_result res, const char *reason)
{
        e->result = res;
        entry_set_reason(e, reason);
        if (res == RESPONSE_DONE && e->action == RESPONSE_ACTION_FREEZE && e->unit && !frozen_find(r, e->unit))
                (void) strv_add(&r->frozen, e->unit);
        if (res == RESPONSE_DONE && e->unit &&
            (e->action == RESPONSE_ACTION_THAW || e->action == RESPONSE_ACTION_STOP ||
             e->action == RESPONSE_ACTION_KILL_UNIT))
                frozen_remove(r, e->unit);
        if (r->notify)
                r->notify(e, r->userdata);
}

void response_complete(struct response *r, uint64_t seq, int error, const char *detail)
{
        struct response_entry *e = entry_by_seq(r, seq);
        char buf[256];

        if (!e || e->result != RESPONSE_PENDING) {
                log_debug("response: answer for action %" PRIu64 " no longer in the log, ignoring", seq);
                return;
        }
        if (error < 0 && !detail) {
                snprintf(buf, sizeof(buf), "%s", strerror(-error));
                detail = buf;
        }
        finish(r, e, error < 0 ? RESPONSE_FAILED : RESPONSE_DONE, detail);
}

/* Whether one more action fits in the last minute; counts it when it does. */
static bool rate_allow(struct response *r)
{
        uint64_t now = now_monotonic_ns(), *slot;

        if (r->n_action_times == 0)
                return false;
        slot = &r->action_times[r->action_times_pos];
        /* the ring holds the last max_per_minute actions: the oldest must be a minute old */
        if (*slot && now - *slot < RESPONSE_RATE_WINDOW_NS)
                return false;
        *slot = now;
        r->action_times_pos = (r->action_times_pos + 1) % r->n_action_times;
        return true;
}

static void start(struct response *r, struct response_entry *e, const struct response_target *t)
{
        int k;

        if (!r->execute) {
                finish(r, e, RESPONSE_FAILED, "no way to act (not running as the service)");
                return;
        }
        e->result = RESPONSE_PENDING;
        k = r->execute(e, t, r->userdata);
        if (k < 0 && e->result == RESPONSE_PENDING) {
                char buf[256];

                snprintf(buf, sizeof(buf), "could not be started: %s", strerror(-k));
                finish(r, e, RESPONSE_FAILED, buf);
        }
}

/* A new entry for action on t; NULL when out of memory. */
static struct response_entry *entry_for(struct response *r, enum response_action action, enum response_origin origin,
                                        const struct response_target *t, int signal)
{
        struct response_entry *e = entry_new(r);

        e->action = action;
        e->origin = origin;
        e->signal = signal;
        e->pid = action == RESPONSE_ACTION_KILL ? t->pid : 0;
        e->unit = dup0(t->unit);
        if (t->unit && !e->unit) {
                e->result = RESPONSE_FAILED;    /* never pending: no answer will come */
                return NULL;
        }
        return e;
}

static const char *check_target(const struct response *r, enum response_action action,
                                const struct response_target *t)
{
        const char *why = response_unit_protected(r, t->unit);

        if (why)
                return why;
        if (action == RESPONSE_ACTION_KILL && t->pid <= 1)
                return "no process to kill";
        return NULL;
}

static void act(struct response *r, enum response_action action, enum response_origin origin,
                const struct response_target *t, const struct alert *a)
{
        bool kills = action == RESPONSE_ACTION_KILL || action == RESPONSE_ACTION_KILL_UNIT;
        struct response_entry *e = entry_for(r, action, origin, t, kills ? SIGKILL : 0);
        const char *why;
        char buf[256];

        if (!e)
                return (void) log_warning("response: out of memory, %s not done", response_action_to_string(action));
        e->alert_id = dup0(a->id[0] ? a->id : NULL);
        e->incident_id = dup0(a->incident_id);
        e->rule = dup0(a->rule);
        why = check_target(r, action, t);
        if (why) {
                snprintf(buf, sizeof(buf), "%s %s: %s", response_action_to_string(action), t->unit ?: "(none)", why);
                return finish(r, e, RESPONSE_REFUSED, buf);
        }
        if (action == RESPONSE_ACTION_FREEZE && frozen_find(r, t->unit))
                return finish(r, e, RESPONSE_REFUSED, "already frozen");
        if (!rate_allow(r)) {
                snprintf(buf, sizeof(buf), "more than %" PRIu64 " actions in the last minute (MaxActionsPerMinute=)",
                         r->config.max_per_minute);
                return finish(r, e, RESPONSE_HELD_BACK, buf);
        }
        if (r->config.dry_run)
                return finish(r, e, RESPONSE_DRY_RUN, "DryRun=yes: nothing was done");
        start(r, e, t);
}

static bool incident_acted(struct response *r, const char *id)
{
        for (size_t i = 0; i < RESPONSE_MAX_INCIDENTS; i++)
                if (streq(r->incidents[i], id))
                        return true;
        snprintf(r->incidents[r->incidents_pos], sizeof(r->incidents[0]), "%s", id);
        r->incidents_pos = (r->incidents_pos + 1) % RESPONSE_MAX_INCIDENTS;
        return false;
}

void response_on_alert(struct response *r, const struct alert *a, double incident_score)
{
        const struct identity *id = a->identity;
        _cleanup_free_ char *cgroup = NULL;
        struct response_target t = {
                .unit = id ? id->unit : NULL,
                .pid = a->process.pid,
                .comm = a->process.comm,
                .cmdline = a->process.cmdline,
        };
        enum response_action action = a->action;
        enum response_origin origin = RESPONSE_ORIGIN_RULE;

        if (!r->config.enable)
                return;
        if (action == RESPONSE_ACTION_NONE) {
                action = response_config_alert_action(&r->config, a->rule, a->severity);
                origin = RESPONSE_ORIGIN_CONFIG;
        }
        if (id && id->cgroup_path)
                t.cgroup = cgroup = cgroup_path_unit_dir(id->cgroup_path, t.unit);
        if (action != RESPONSE_ACTION_NONE)
                act(r, action, origin, &t, a);
        if (r->config.incident_score > 0 && r->config.incident_action != RESPONSE_ACTION_NONE && a->incident_id &&
            incident_score >= r->config.incident_score && !incident_acted(r, a->incident_id))
                act(r, r->config.incident_action, RESPONSE_ORIGIN_INCIDENT, &t, a);
}

const struct response_entry *response_request(struct response *r, enum response_action action,
                                              const struct response_target *t, int signal, const char *caller)
{
        struct response_entry *e = entry_for(r, action, RESPONSE_ORIGIN_MANUAL, t, signal);
        const char *why;
        char buf[256];

        if (!e)
                return NULL;
        e->caller = dup0(caller);
        why = check_target(r, action, t);
        if (why) {
                snprintf(buf, sizeof(buf), "%s %s: %s", response_action_to_string(action), t->unit ?: "(none)", why);
                finish(r, e, RESPONSE_REFUSED, buf);
        } else
                start(r, e, t);
        return e;
}

size_t response_n_entries(const struct response *r)
{
        return r->n;
}

const struct response_entry *response_entry(const struct response *r, size_t i)
{
        return i < r->n ? &r->entries[(r->first + i) % RESPONSE_MAX_ENTRIES] : NULL;
}

const struct strv *response_frozen_units(const struct response *r)
{
        return &r->frozen;
}
