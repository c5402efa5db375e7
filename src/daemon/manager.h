/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one context of cwatchd: event loop, ring buffer, tracers, sinks. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>
#include "tracers/tracer.h"
#include "sink/record-sink.h"
#include "shared/macro.h"
#include "shared/strv.h"
#include "alert/alert.h"
#include "identity/identity.h"
#include "whitelist/whitelist-sink.h"

struct ringbuf;
struct cw_event_header;
struct detect;
struct discovery;
struct scan_detector;
struct alert_pipeline;
struct metrics;
struct metrics_server;
struct rules_paths;
struct strbuf;
struct manager_graph;
struct provenance_config;
struct detect_lookup;
struct profile_set;
struct profile_sink;
struct profile_sink_config;
struct manager_ext;
struct detect_catalog;

#define MANAGER_MAX_TRACERS 16
#define MANAGER_MAX_ALERT_SINKS 8
#define MANAGER_MAX_RECORD_SINKS 8
#define MANAGER_MAX_METRICS_RENDERERS 4
#define MANAGER_DEFAULT_LATENCY_NS (UINT64_C(50) * 1000000)

/* A consumer of alerts: the journal, the D-Bus signal, the foreground output. */
struct alert_sink {
        const char *name;
        int (*send)(const struct alert *a, void *userdata);
        void *userdata;
};

struct manager {
        sd_event *event;

        int ringbuf_fd;
        struct ringbuf *ringbuf;
        sd_event_source *ringbuf_source;
        uint32_t ringbuf_size;
        uint64_t malformed_events;      /* events that failed validation */
        /* events reach user space at most this late: the BPF programs wake cwatchd only when the
         * ring buffer fills past manager_wakeup_bytes(), a timer of this period drains the rest;
         * 0: a wake-up for every event */
        uint64_t latency_ns;
        sd_event_source *flush_source;

        struct tracer tracers[MANAGER_MAX_TRACERS];
        size_t n_tracers;
        struct tracer_env tracer_env;   /* what every tracer gets from the manager */
        uint64_t interval_ns;

        uint64_t boot_to_realtime;      /* added to BPF boottime stamps */

        /* cgroup id -> identity, and the --container filter; NULL: identity is off */
        struct identity_context *identity;
        /* > 0: only records of this process (in the kernel where a tracer has cw_target_tgid) */
        uint32_t pid_filter;
        struct column_index pid_column;

        /* every emitted record goes to each of these in turn */
        struct record_sink record_sinks[MANAGER_MAX_RECORD_SINKS];
        size_t n_record_sinks;
        uint64_t record_sink_errors;

        struct alert_sink alert_sinks[MANAGER_MAX_ALERT_SINKS];
        size_t n_alert_sinks;
        uint64_t alerts_raised;
        enum alert_severity min_severity;       /* alerts less severe are not raised */

        /* the rules (a record sink; NULL: off). Its alerts, and every other detection's, go
         * through alert_pipeline (dedup, rate limit) to the alert sinks. */
        struct detect *detect;
        struct scan_detector *scan;             /* scans (a record sink beside the rules; NULL: off) */
        struct discovery *discovery;            /* discovery bursts (a record sink beside the rules; NULL: off) */
        struct alert_pipeline *alert_pipeline;

        /* the provenance graph (a record sink before the rules', and the alert step that gives each
         * alert its story and incident; NULL: off): manager-graph.c */
        struct manager_graph *graph;

        /* the whitelist (a record sink before the rules', and the alert step that puts the program's
         * trust on each alert; NULL: off; owned by whoever enabled it): manager-whitelist.c */
        struct whitelist_sink *whitelist;

        struct metrics *metrics;                /* counters for Prometheus (a record sink) */
        struct metrics_server *metrics_server;  /* the /metrics endpoint, when listening */
        /* more series for /metrics from parts the manager does not own (the service's profiles) */
        struct {
                void (*render)(struct strbuf *b, void *userdata);
                void *userdata;
        } metrics_renderers[MANAGER_MAX_METRICS_RENDERERS];
        size_t n_metrics_renderers;

        /* watched-path patterns for tracers with set_watched_paths (the rules' and WatchPaths=);
         * NULL: each tracer's defaults */
        struct tracer_watched_paths watched_paths;

        /* the external tracers of tracers.d, after the built-in ones in tracers (manager-ext.c) */
        struct manager_ext *ext;

        /* taking over from a cwatchd that was killed or restarted (manager-handover.c): its ring buffer
         * and, until this one's tracers run, its programs' events */
        uint64_t started_boot_ns[MANAGER_MAX_TRACERS];  /* CLOCK_BOOTTIME, when each tracer attached */
        uint64_t handover_events;       /* events of the earlier programs, from before ours attached */
        uint64_t handover_duplicates;   /* theirs from after: ours saw the same */
        bool ringbuf_adopted;

        /* kernel-side losses logged while running, rate-limited (manager-drops.c) */
        sd_event_source *drops_source;
        uint64_t drops_reported[MANAGER_MAX_TRACERS], lost_reported[MANAGER_MAX_TRACERS];
        uint64_t drops_started_usec, drops_logged_usec;         /* CLOCK_MONOTONIC */
};

int manager_new(struct manager **ret, uint32_t ringbuf_size, uint64_t interval_ns);
struct manager *manager_free(struct manager *m);
DEFINE_POINTER_CLEANUP(struct manager, manager_free);

int manager_start_tracer(struct manager *m, const char *name);
int manager_stop_tracer(struct manager *m, const char *name);
struct tracer *manager_find_tracer(struct manager *m, const char *name);

/* External tracers (manager-ext.c, cwatch.tracer(5)): adds those of the NAME.tracer files in dirs
 * (NULL: /etc/cwatch/tracers.d, then /usr/lib/cwatch/tracers.d) to the tracers; a file refused is
 * logged with its reason and left out. Call before enabling the rules. */
int manager_load_external_tracers(struct manager *m, const char *const *dirs, size_t n_dirs);
struct manager_ext *manager_ext_free(struct manager_ext *e);
/* Why the external tracer called name was refused, or NULL. */
const char *manager_external_rejected(const struct manager *m, const char *name);
/* The events the rules may name: the built-in tracers' and the external ones'. */
const struct detect_catalog *manager_detect_catalog(struct manager *m);

/* Starts identity: the cgroup map and watcher, names from the runtimes' files, the container
 * filter. Call before starting tracers (they share the filter's map when they load). */
int manager_enable_identity(struct manager *m, const struct identity_config *config);

/* Logs per tracer the events received, the ring-buffer drops and the kernel-side losses. */
void manager_log_counters(struct manager *m);
/* Takes over the ring buffer of an earlier cwatchd (a BPF_MAP_TYPE_RINGBUF fd, taken on success,
 * closed on failure) before any tracer starts: its events not yet consumed are delivered, and its
 * programs', while they stay attached, until ours attach. generation: the earlier programs' (the
 * new ones get the other). -EINVAL when it is not a ring buffer of this size. */
int manager_adopt_ringbuf(struct manager *m, int fd, uint8_t generation);
/* Whether an event of the earlier programs (other generation) is new to us: only those from before
 * our tracer t attached, after which ours see the same. */
bool manager_handover_accept(struct manager *m, struct tracer *t, const struct cw_event_header *h);

/* Checks the tracers' kernel-side losses every second and logs new ones at most every 10 s
 * (manager-drops.c); manager_new() starts it. */
int manager_watch_drops(struct manager *m);
/* Logs each tracer's losses since its last such line (since_usec: how long ago that was); returns
 * how many tracers had new ones. */
int manager_log_new_drops(struct manager *m, uint64_t since_usec);

/* Sets the latency bound (see struct manager); call before starting tracers: it is compiled
 * into their BPF programs. */
int manager_set_latency(struct manager *m, uint64_t latency_ns);
/* The unconsumed bytes in the ring buffer at which the BPF programs wake cwatchd; 0: always. */
uint64_t manager_wakeup_bytes(const struct manager *m);

/* Drains what the ring buffer holds now. */
int manager_drain(struct manager *m);
/* The ring buffer fd's sd-event callback: drains. */
int manager_on_ringbuf(sd_event_source *s, int fd, uint32_t revents, void *userdata);

/* Converts a BPF boottime stamp to realtime. */
static inline uint64_t manager_realtime(const struct manager *m, uint64_t boot_ns)
{
        return boot_ns + m->boot_to_realtime;
}

/* Hands a record to the record sinks, after the pid and container filters, with its identity
 * resolved once (record.identity and the identity columns). */
int manager_emit(struct manager *m, struct record *r);
/* Appends a record sink; sinks see records in the order they were added. */
int manager_add_record_sink(struct manager *m, const struct record_sink *sink);
/* Aggregating tracers emit each interval's rows between these. */
void manager_begin_interval(struct manager *m, const struct schema *s);
void manager_end_interval(struct manager *m, const struct schema *s);

/* The watched-path patterns for every tracer that takes them (files): running ones now, the others
 * when they start. Takes the strings of paths, which is left empty. */
void manager_set_watched_paths(struct manager *m, struct tracer_watched_paths *paths);

int manager_add_alert_sink(struct manager *m, const struct alert_sink *sink);
/* Hands an alert to every alert sink (no dedup: see manager_submit_alert()). */
int manager_raise_alert(struct manager *m, const struct alert *a);
/* An alert of a detection: through the alert pipeline (dedup, rate limit) when there is one, else
 * straight to manager_raise_alert(). object: what it is about, for its signature. */
int manager_submit_alert(struct manager *m, const struct alert *a, const char *object);

/* The provenance graph ([Provenance]): call before manager_enable_rules(), whose rules then ask it
 * about executed files. journal: incident entries go to the journal. -EALREADY when on. */
int manager_enable_provenance(struct manager *m, const struct provenance_config *config, bool journal);
struct manager_graph *manager_graph_free(struct manager_graph *g);
/* The alert step (manager_raise_alert()): a's story and incident id, strings valid until the next
 * alert; a no-op when the graph is off. */
void manager_annotate_alert(struct manager *m, struct alert *a);
/* What the rules may ask the graph (all NULL when it is off). */
struct detect_lookup manager_detect_lookup(struct manager *m);
/* The graph, its incidents and counters (NULL when off). */
const struct provenance *manager_provenance(const struct manager *m);
/* Incident entries written to the journal. */
uint64_t manager_incident_entries(const struct manager *m);
/* Adds series to /metrics: render is called after the manager's own. */
int manager_add_metrics_renderer(struct manager *m, void (*render)(struct strbuf *b, void *userdata), void *userdata);

/* Serves /metrics (see metrics_server_start()): 1 when serving, 0 when not asked to. */
int manager_start_metrics_server(struct manager *m, const char *listen_address);

/* Detection by rules: loads them (paths NULL: the default directories), adds them as a record
 * sink, starts the alert pipeline, and watches the paths they need plus extra_watch (WatchPaths=).
 * On a rule error returns -EINVAL with the errors in errors; nothing changes then. */
int manager_enable_rules(struct manager *m, const struct rules_paths *paths, const struct strv *extra_watch,
                         struct strbuf *errors);
/* Reloads the rules and the paths they watch with extra_watch from the new configuration; on a
 * rule error the old rules stay and errors says why (-EINVAL). */
int manager_reload_rules(struct manager *m, const struct strv *extra_watch, struct strbuf *errors);
/* Thresholds of the scan detection that manager_enable_rules() starts ([Detection] ScanThreshold=,
 * ScanWindow=; threshold 0: off). -ENOENT without it, -EINVAL (nothing changes) when out of range. */
int manager_set_scan_limits(struct manager *m, uint64_t threshold, uint64_t window_ns);
/* DiscoveryThreshold= and DiscoveryWindow= of the discovery detection manager_enable_rules() starts:
 * the same. */
int manager_set_discovery_limits(struct manager *m, uint64_t threshold, uint64_t window_ns);

/* Behaviour profiles (src/profile/): a record sink after the rules' that learns set (taken, also on
 * failure) and raises anomalies through the alert pipeline; the process table of the rules tells it
 * about processes older than cwatchd. The caller owns *ret and frees it after the manager. */
int manager_enable_profiles(struct manager *m, struct profile_set *set, const struct profile_sink_config *config,
                            struct profile_sink **ret);

/* The whitelist (src/whitelist/): a record sink that identifies every executed program (takes wl,
 * also on failure), raises a critical alert when a deny-listed or revoked one runs; stable tells it
 * whether a program's behaviour profile is learned. Call before manager_enable_rules(). The caller
 * owns *ret and frees it after the manager. */
int manager_enable_whitelist(struct manager *m, struct whitelist *wl, const struct whitelist_sink_config *config,
                             whitelist_stable_cb stable, void *stable_userdata, struct whitelist_sink **ret);
/* The confidence of the program process pid (else the one last run from exe) runs; false: unknown. */
bool manager_program_trust(struct manager *m, uint32_t pid, const char *exe, double *ret);
/* The alert step (manager_raise_alert()): a's program SHA-256 (into hex) and trust; after the graph's
 * step, the alert and its incident are counted against the program. No-ops when the whitelist is off. */
void manager_whitelist_annotate(struct manager *m, struct alert *a, char hex[WHITELIST_SHA256_HEX]);
void manager_whitelist_count_alert(struct manager *m, const struct alert *a);
