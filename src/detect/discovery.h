/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Discovery bursts: many distinct reconnaissance commands (id, whoami, uname, ps, ss, cat /etc/passwd,
 * find -perm, sudo -l...) run by one container, else one systemd unit or session scope, else the
 * children of one process, within a short window. One notice-level alert per burst, listing the
 * commands, instead of one per command. A record sink fed by the process tracer's exec records.
 *
 * Bounded: a fixed table of subjects allocated once; each subject keeps at most
 * DISCOVERY_THRESHOLD_MAX commands of its sliding window. A subject whose window is over is free for
 * reuse, else the least recently active of its neighbourhood is evicted (counted). O(1) per exec
 * record (a hash of the program's name, a bounded probe); one pointer compare for any other record. */
#pragma once

#include <stdint.h>
#include "alert/alert.h"
#include "proctable.h"
#include "shared/macro.h"
#include "sink/record-sink.h"

/* MESSAGE_ID of discovery alerts (journal catalog entry "cwatch discovery alert"). */
#define CWATCH_MESSAGE_DISCOVERY_ALERT "72e6e222ce754a97bc24a2add10a2a09"

#define DISCOVERY_RULE_NAME "discovery-burst"
#define DISCOVERY_MITRE "T1082"

#define DISCOVERY_DEFAULT_THRESHOLD 5
#define DISCOVERY_DEFAULT_WINDOW_NS (UINT64_C(60) * 1000000000)
#define DISCOVERY_THRESHOLD_MIN 2
#define DISCOVERY_THRESHOLD_MAX 16
#define DISCOVERY_WINDOW_MIN_NS (UINT64_C(1) * 1000000000)
#define DISCOVERY_WINDOW_MAX_NS (UINT64_C(3600) * 1000000000)

/* Table sizes: powers of two. */
#define DISCOVERY_SUBJECTS 512
#define DISCOVERY_COMMANDS_MAX 128

struct discovery_limits {
        uint64_t threshold;     /* distinct commands in one window that make a burst; 0: off */
        uint64_t window_ns;     /* the sliding window */
};

struct discovery_stats {
        uint64_t commands;              /* exec records of a discovery command */
        uint64_t bursts;                /* alerts raised */
        uint64_t subjects_evicted;      /* subjects in a window dropped because their neighbourhood was full */
        uint64_t raise_errors;
};

struct discovery;

/* The built-in commands, NULL-terminated: "name" (any arguments), "name arg" (an argument equal to
 * arg, or starting with it when arg ends in "*") or "name (none)" (no arguments: "env" alone lists
 * the environment, "env python3" is a script's #! line). */
extern const char *const discovery_default_commands[];

/* Where a burst's alert goes (the object is the subject, "unit session-3.scope", for the pipeline's
 * signature). */
typedef int (*discovery_raise_fn)(const struct alert *a, const char *object, void *userdata);

/* process_schema: the schema of the exec records (the process tracer's); records of any other schema
 * are ignored. commands: NULL-terminated as discovery_default_commands (NULL: those), at most
 * DISCOVERY_COMMANDS_MAX. procs (optional) fills in the process and ancestors of alerts. -EINVAL on a
 * bad command, limits out of range, or a schema without pid, exe and args. */
int discovery_new(struct discovery **ret, const struct discovery_limits *limits, const char *const *commands,
                  const struct schema *process_schema, const struct proctable *procs, discovery_raise_fn raise,
                  void *userdata);
struct discovery *discovery_free(struct discovery *d);
DEFINE_POINTER_CLEANUP(struct discovery, discovery_free);

/* New limits (a reload): -EINVAL, changing nothing, when they are out of range. */
int discovery_set_limits(struct discovery *d, const struct discovery_limits *limits);
void discovery_get_stats(const struct discovery *d, struct discovery_stats *ret);

/* The sink to give manager_add_record_sink(). */
struct record_sink discovery_record_sink(struct discovery *d);
int discovery_on_record(struct discovery *d, const struct record *r);
