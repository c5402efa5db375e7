/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Detection inside cwatchd: the rule engine and the process table fed by the manager's records;
 * matches become alerts that go through the alert pipeline to the sinks. */
#pragma once

#include <stdint.h>
#include "engine.h"
#include "proctable.h"
#include "sink/record-sink.h"
#include "shared/strbuf.h"

struct detect;

/* MESSAGE_ID of alerts raised by rules (journal catalog entry "cwatch rule alert"). */
#define CWATCH_MESSAGE_RULE_ALERT "5e2b3c6a0f8d4d1b9a7e63c1f04a2d19"

#define RULES_DIR_ADMIN SYSCONFDIR "/cwatch/rules.d"
#define RULES_DIR_RUNTIME "/run/cwatch/rules.d"
#define RULES_DIR_VENDOR RULESDIR

struct detect_stats {
        uint64_t records;               /* records evaluated */
        uint64_t matches;               /* rule hits before dedup */
        size_t rules;
        struct proctable_stats procs;
};

/* Where a rule match goes: an alert with the object it is about (a path, a peer, a syscall
 * target, else the command line) for the pipeline's signature. */
typedef int (*detect_deliver_fn)(const struct alert *a, const char *object, void *userdata);

/* Builds detection: the process table (from a /proc scan), the rules loaded from paths (NULL: the
 * default path, rules_dirs_default()) against catalog, matches delivered to deliver; lookup (copied;
 * NULL: none) answers what rules ask the provenance graph. On a rule error returns -EINVAL with the
 * errors in errors. */
int detect_new(struct detect **ret, const struct rules_paths *paths, const struct detect_catalog *catalog,
               const struct detect_lookup *lookup, detect_deliver_fn deliver, void *userdata,
               struct strbuf *errors);
struct detect *detect_free(struct detect *d);
DEFINE_POINTER_CLEANUP(struct detect, detect_free);

/* Reload (D-Bus Reload, SIGHUP): parses every rule file first; only if all is well swaps the new
 * set in. On error the old set stays, the errors are in errors, returns -EINVAL. */
int detect_reload(struct detect *d, struct strbuf *errors);
const struct detect_engine *detect_get_engine(const struct detect *d);

/* The sink to give manager_add_record_sink(): every record, quiet ones too, with its identity. */
struct record_sink detect_record_sink(struct detect *d);
int detect_on_record(struct detect *d, const struct record *r);

/* Path patterns the rules in force need a tracer to watch (see detect_engine_watched_paths()). */
int detect_watched_paths(const struct detect *d, const struct detect_path_filter *f, struct strv *ret);

void detect_get_stats(const struct detect *d, struct detect_stats *ret);
/* Matches (before dedup) of the rule at index in detect_engine_rules() of the engine in force,
 * since cwatchd started: a rule keeps its count across reloads while its name stays. */
uint64_t detect_rule_matches(const struct detect *d, size_t index);
struct proctable *detect_get_proctable(struct detect *d);
