/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The response engine: decides what an alert or an incident asks for ([Response], a rule's Action=),
 * holds the guard rails (protected units, slices, the rate limit, dry run), keeps the log of actions
 * and the units it froze, and hands the actions themselves to an executor (unit-control.c). Every
 * outcome is reported through notify (the journal entry and the ActionTaken signal). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "response-config.h"
#include "alert/alert.h"
#include "shared/macro.h"

/* MESSAGE_IDs of the journal entries (catalog entries "cwatch response action taken" and "... not taken"). */
#define CWATCH_MESSAGE_ACTION_TAKEN "3f0c8a51d2b64e0f9a6c17e5b4d2a8c1"
#define CWATCH_MESSAGE_ACTION_NOT_TAKEN "c6e94b2a7f1d4c38b05e9a2d6f3b7e14"

#define RESPONSE_MAX_ENTRIES 256

enum response_result {
        RESPONSE_PENDING,               /* asked of systemd, no answer yet */
        RESPONSE_DONE,
        RESPONSE_DRY_RUN,               /* DryRun=yes: would have been done */
        RESPONSE_REFUSED,               /* a protected unit, a slice, no unit, an ambiguous process */
        RESPONSE_HELD_BACK,             /* past MaxActionsPerMinute= */
        RESPONSE_FAILED,
        _RESPONSE_RESULT_MAX,
};

/* Why an action was asked for. */
enum response_origin {
        RESPONSE_ORIGIN_RULE,           /* the rule's Action= */
        RESPONSE_ORIGIN_CONFIG,         /* RuleAction= or SeverityAction= */
        RESPONSE_ORIGIN_INCIDENT,       /* IncidentScore= reached */
        RESPONSE_ORIGIN_MANUAL,         /* cwatchctl freeze|thaw|kill, D-Bus */
        _RESPONSE_ORIGIN_MAX,
};

struct response_entry {
        uint64_t seq;                   /* 1, 2, ...: the executor's handle */
        char id[33];
        uint64_t time_ns;               /* realtime */
        enum response_action action;
        enum response_result result;
        enum response_origin origin;
        int signal;                     /* kill, kill-unit */
        uint32_t pid;                   /* kill: the process as the alert names it */
        char *unit;
        char *alert_id, *incident_id, *rule;    /* NULL: none */
        char *caller;                   /* manual: who asked ("uid 0") */
        char *reason;                   /* why refused, held back or failed; what was done */
};

/* What an action acts on. */
struct response_target {
        const char *unit;
        const char *cgroup;             /* the unit's cgroup, relative to the cgroup2 mount; NULL: unknown */
        uint32_t pid;                   /* kill: the process */
        const char *comm, *cmdline;     /* kill: the process, to find it again in a nested PID namespace */
};

/* Starts an action; reports its end with response_complete() (also at once, from inside). Returns
 * < 0 when it could not be started (the entry then failed, with that errno). */
typedef int (*response_execute_fn)(const struct response_entry *e, const struct response_target *t,
                                   void *userdata);
/* Called once per entry when its outcome is known (not while pending). */
typedef void (*response_notify_fn)(const struct response_entry *e, void *userdata);

struct response;

int response_new(struct response **ret, const struct response_config *config, response_execute_fn execute,
                 response_notify_fn notify, void *userdata);
struct response *response_free(struct response *r);
DEFINE_POINTER_CLEANUP(struct response, response_free);

/* A new configuration (copied); the log and the frozen units stay. */
int response_set_config(struct response *r, const struct response_config *config);
const struct response_config *response_get_config(const struct response *r);
/* The unit cwatchd runs in: never acted on, whatever Protected= says. */
int response_set_own_unit(struct response *r, const char *unit);

/* An alert on its way to the sinks; incident_score: the score of its incident (a->incident_id), 0 when
 * none. Does what [Response] and the rule ask for, when Enable=yes. */
void response_on_alert(struct response *r, const struct alert *a, double incident_score);

/* An action asked for by hand (not rate limited, DryRun= does not apply; the protected units and
 * slices are refused). Returns the entry (valid until the next call into r). */
const struct response_entry *response_request(struct response *r, enum response_action action,
                                              const struct response_target *t, int signal, const char *caller);

/* The executor's answer for entry seq: error 0 done, < 0 failed; detail says what happened. */
void response_complete(struct response *r, uint64_t seq, int error, const char *detail);

/* Why unit may not be acted on (a static string), NULL when it may. */
const char *response_unit_protected(const struct response *r, const char *unit);

/* The log, oldest first, and the units frozen by cwatch and not thawed since. */
size_t response_n_entries(const struct response *r);
const struct response_entry *response_entry(const struct response *r, size_t i);
const struct strv *response_frozen_units(const struct response *r);

const char *response_result_to_string(enum response_result res);
const char *response_origin_to_string(enum response_origin o);
