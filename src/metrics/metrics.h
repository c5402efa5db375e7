/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What cwatchd counts for Prometheus besides what the manager and tracers already count: alerts,
 * file bytes per container and TCP connections, all with bounded label sets. The manager feeds
 * records and alerts in; metrics_render() gathers the rest at scrape time. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "activity.h"
#include "series.h"
#include "connections.h"
#include "sink/record.h"
#include "shared/macro.h"

struct alert;
struct identity_stats;

#define METRICS_MAX_CONTAINERS 256              /* file byte series (x2 directions) */
#define METRICS_MAX_CONNECTION_SERIES 1024
#define METRICS_MAX_RULE_SERIES 512
#define METRICS_SCHEMA_CACHE 8

/* Which columns of a schema the metrics read; found once per schema. */
struct metrics_schema {
        const struct schema *schema;
        bool is_tcp, is_file_io;
        int container, direction, saddr, sport, daddr, dport, error;
        int read_bytes, write_bytes;
};

enum bpf_stats_state {
        BPF_STATS_OFF,                  /* kernel.bpf_stats_enabled=0 and we may not enable it */
        BPF_STATS_OURS,                 /* enabled by our BPF_ENABLE_STATS fd while we run */
        BPF_STATS_SYSCTL,               /* kernel.bpf_stats_enabled=1 already */
};

struct metrics {
        struct series_table alerts;             /* rule, severity */
        struct series_table alerts_rate_limited;        /* rule */
        struct series_table file_bytes;         /* container, direction */
        struct series_table tcp_connections;    /* src_container, dst, port */
        struct conn_tracker connections;
        struct metrics_schema schemas[METRICS_SCHEMA_CACHE];
        size_t n_schemas;
        uint64_t tcp_records_unparsed;          /* tcp records without usable addresses */
        struct activity_table activity;         /* per container and unit, for cwatchctl top */

        int bpf_stats_fd;
        enum bpf_stats_state bpf_stats;
};

int metrics_new(struct metrics **ret);
struct metrics *metrics_free(struct metrics *m);
DEFINE_POINTER_CLEANUP(struct metrics, metrics_free);

/* Counts what a record says about file bytes and TCP connections, and the record in the activity
 * of its container or unit. */
void metrics_observe_record(struct metrics *m, const struct record *r);
void metrics_observe_alert(struct metrics *m, const struct alert *a);
/* The alert pipeline calls this for each alert it suppressed by rate limiting. */
void metrics_observe_rate_limited(struct metrics *m, const char *rule);

/* Turns on BPF run-time statistics if the kernel lets us; says so either way. */
void metrics_enable_bpf_stats(struct metrics *m);

/* The exposition of the counters above, identity (ids NULL: off), BPF and process statistics. */
void metrics_render(struct metrics *m, const struct identity_stats *ids, struct strbuf *b);
