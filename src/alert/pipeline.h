/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Between detection and the alert sinks: repeats of the same alert signature (rule, executable,
 * container, normalised object) within a window are counted instead of re-sent; the sinks get
 * the first occurrence and then periodic summaries carrying the count. A per-rule rate limit
 * holds back floods of distinct alerts; what it holds back is counted and reported. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>
#include "alert.h"

struct alert_pipeline_config {
        uint64_t window_ns;             /* a signature not seen for this long is forgotten */
        uint64_t summary_interval_ns;   /* how often summaries of repeats are sent */
        unsigned rate_burst;            /* new alerts sent per rule per rate interval */
        uint64_t rate_interval_ns;
        size_t max_entries;             /* signatures remembered */
};

#define ALERT_PIPELINE_DEFAULT_CONFIG (struct alert_pipeline_config) {  \
        .window_ns = UINT64_C(600) * 1000000000,                        \
        .summary_interval_ns = UINT64_C(60) * 1000000000,               \
        .rate_burst = 20,                                               \
        .rate_interval_ns = UINT64_C(60) * 1000000000,                  \
        .max_entries = 4096,                                            \
}

struct alert_pipeline_stats {
        uint64_t submitted;             /* alerts detection raised */
        uint64_t sent;                  /* first occurrences handed to the sinks */
        uint64_t deduplicated;          /* repeats counted instead of sent */
        uint64_t summaries;             /* summaries handed to the sinks */
        uint64_t rate_limited;          /* held back by the per-rule rate limit */
        uint64_t untracked;             /* sent without dedup: the signature table was full */
        uint64_t entries;               /* signatures remembered now */
};

typedef int (*alert_deliver_fn)(const struct alert *a, void *userdata);

struct alert_pipeline;

/* event: the loop whose timer sends summaries (NULL: only alert_pipeline_flush sends them).
 * deliver: hands an alert to the sinks (the manager's manager_raise_alert). */
int alert_pipeline_new(struct alert_pipeline **ret, sd_event *event, const struct alert_pipeline_config *config,
                       alert_deliver_fn deliver, void *userdata);
/* Sends pending summaries, then frees. */
struct alert_pipeline *alert_pipeline_free(struct alert_pipeline *p);

/* An alert from detection; object is what it is about (a path, a command line, a peer) before
 * normalisation, or NULL. Fills in id, count, first and last seen. Returns 1 when it went to
 * the sinks, 0 when counted or held back, negative on error. */
int alert_pipeline_submit(struct alert_pipeline *p, const struct alert *a, const char *object);
/* Sends the summaries that are due now, whatever the timer says. */
int alert_pipeline_flush(struct alert_pipeline *p);
void alert_pipeline_get_stats(const struct alert_pipeline *p, struct alert_pipeline_stats *ret);
/* Called with the rule of each alert the rate limit holds back, as it happens (metrics). */
void alert_pipeline_set_held_back_callback(struct alert_pipeline *p, void (*fn)(const char *rule, void *userdata),
                                           void *userdata);
/* Held back by the rate limit for one rule since start (0 if unknown). */
uint64_t alert_pipeline_rule_held_back(const struct alert_pipeline *p, const char *rule);

/* 32 random hex digits. */
void alert_new_id(char id[static 33]);
