/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Detection inside cwatchd: the rule engine and the process table fed by the manager's records;
 * matches become alerts that go through the alert pipeline to the sinks. */
#pragma once

#include <stdint.h>
#include "engine.h"
#include "proctable.h"
#include "alert/pipeline.h"
#include "shared/strbuf.h"

struct manager;
struct detect;

/* MESSAGE_ID of alerts raised by rules (journal catalog entry "cwatch rule alert"). */
#define CWATCH_MESSAGE_RULE_ALERT "5e2b3c6a0f8d4d1b9a7e63c1f04a2d19"

#define RULES_DIR_ADMIN SYSCONFDIR "/cwatch/rules.d"
#define RULES_DIR_RUNTIME "/run/cwatch/rules.d"
#define RULES_DIR_VENDOR RULESDIR

/* The default search path: /etc/cwatch/rules.d, /run/cwatch/rules.d, /usr/lib/cwatch/rules.d. */
extern const struct rules_paths rules_paths_default;

struct detect_stats {
        uint64_t records;               /* records evaluated */
        uint64_t matches;               /* rule hits before dedup */
        size_t rules;
        struct proctable_stats procs;
        struct alert_pipeline_stats alerts;
};

/* Turns detection on in m: process table (from a /proc scan), alert pipeline on m's loop with
 * sinks m's alert sinks, rules loaded from paths (NULL: the default path). On a rule error
 * returns -EINVAL with the errors in errors and leaves detection off. */
int detect_enable(struct manager *m, const struct rules_paths *paths,
                  const struct alert_pipeline_config *pipeline, struct strbuf *errors);
struct detect *detect_free(struct detect *d);

/* Reload (D-Bus Reload, SIGHUP): parses every rule file first; only if all is well swaps the new
 * set in. On error the old set stays, the errors are in errors, returns -EINVAL. */
int detect_reload(struct detect *d, struct strbuf *errors);
/* Swaps in an engine loaded by the caller (takes it); returns the number of rules. */
size_t detect_engine_swap(struct detect *d, struct detect_engine *e);
const struct detect_engine *detect_get_engine(const struct detect *d);

/* Called by manager_emit() for every record, after identity is filled in. */
int detect_on_record(struct detect *d, const struct record *r);

void detect_get_stats(const struct detect *d, struct detect_stats *ret);
/* Matches (before dedup) of the rule at index in detect_engine_rules() of the engine in force,
 * since cwatchd started: a rule keeps its count across reloads while its name stays. */
uint64_t detect_rule_matches(const struct detect *d, size_t index);
struct proctable *detect_get_proctable(struct detect *d);
