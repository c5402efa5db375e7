/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Profiles as a record sink: every record becomes features of the process that did it (see
 * feature.h), counted in the profile of its subject (executable + image, container or unit). In a
 * detecting profile what is new or rare opens an anomaly "story" on the process; what its
 * descendants do that is new within the window joins the same story. When the window ends the
 * story's score (the sum over its distinct features of IDF weight x novelty / damping) is compared
 * with the threshold of the profile it started in; above it, one anomaly is raised through the
 * callback. Pure: no manager, no event loop; the owner calls profile_sink_tick() about once a second. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include "profile-set.h"
#include "identity/identity.h"
#include "sink/record-sink.h"

/* MESSAGE_ID of anomaly alerts (journal catalog entry "cwatch behaviour anomaly"). */
#define CWATCH_MESSAGE_ANOMALY "b920b11ce0144ca6884cd7532fde725e"
#define PROFILE_ALERT_RULE "anomaly"

/* What the sink needs to know of a process it has not seen start (cwatchd started after it). */
struct profile_process_info {
        uint32_t ppid;
        const char *exe;        /* NULL: unknown */
        const char *comm;
};
typedef bool (*profile_lookup_fn)(uint32_t pid, struct profile_process_info *ret, void *userdata);

#define PROFILE_ANOMALY_TEXT_MAX 1024

struct profile_anomaly {
        uint64_t time_ns;               /* realtime of the story's first feature */
        uint32_t pid;                   /* the process the story started in */
        const char *comm;
        const char *exe;                /* the profile's executable */
        const char *scope;              /* "unit:NAME", "image:NAME", "container:NAME", "host" */
        uint64_t cgroup_id;
        double score, threshold;
        unsigned n_features;
        const char *text;               /* "dash (unit x.service) ran /usr/bin/id for the first time; ..." */
        const char *object;             /* the first feature ("EXEC_CHILD /usr/bin/id"): the signature */
};
typedef int (*profile_raise_fn)(const struct profile_anomaly *a, void *userdata);

struct profile_sink_config {
        uint64_t window_ns;             /* how long a story collects; 0: 5 s */
        uint32_t max_processes;         /* processes followed; 0: 32768 */
};

struct profile_sink_stats {
        uint64_t records;               /* records that gave a feature */
        uint64_t features;              /* features observed */
        uint64_t anomalies;             /* raised */
        uint64_t below_threshold;       /* stories that closed below their threshold */
        uint64_t untracked;             /* processes not followed: the table was full */
        uint64_t to_detecting;          /* profiles that finished learning */
};

struct profile_sink;

/* Takes ownership of set (also on failure). */
int profile_sink_new(struct profile_sink **ret, struct profile_set *set, const struct profile_sink_config *config,
                     profile_lookup_fn lookup, profile_raise_fn raise, void *userdata);
struct profile_sink *profile_sink_free(struct profile_sink *k);
DEFINE_POINTER_CLEANUP(struct profile_sink, profile_sink_free);

struct record_sink profile_sink_record_sink(struct profile_sink *k);
int profile_sink_on_record(struct profile_sink *k, const struct record *r);
/* Closes stories whose window ended (raising what scores above threshold); once a window (and at
 * the first call) also samples learning windows, moves profiles whose learning is complete to
 * detection and forgets exited processes. */
void profile_sink_tick(struct profile_sink *k, uint64_t now_ns);

struct profile_set *profile_sink_get_set(struct profile_sink *k);
/* Swaps in another set (a loaded file, a reset): returns the old one; stories and processes are
 * forgotten. */
struct profile_set *profile_sink_replace_set(struct profile_sink *k, struct profile_set *set);
void profile_sink_get_stats(const struct profile_sink *k, struct profile_sink_stats *ret);
/* The scope of an identity: "image:NAME" or "container:NAME" in a container, "unit:NAME" or "host". */
int profile_scope_of(const struct identity *id, char *buf, size_t size);
