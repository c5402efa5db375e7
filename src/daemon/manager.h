/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one context of cwatchd: event loop, ring buffer, tracers, sinks. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>
#include "tracers/tracer.h"
#include "sink/format.h"
#include "sink/record.h"
#include "alert/alert.h"
#include "identity/identity.h"

struct ringbuf;
struct detect;
struct alert_pipeline;
struct metrics;
struct metrics_server;

#define MANAGER_MAX_TRACERS 16
#define MANAGER_MAX_ALERT_SINKS 8
#define MANAGER_MAX_DETECTORS 8
#define MANAGER_DEFAULT_LATENCY_NS (UINT64_C(50) * 1000000)

struct config;

/* A consumer of alerts: the journal, the D-Bus signal, the foreground output. */
struct alert_sink {
        const char *name;
        int (*send)(const struct alert *a, void *userdata);
        void *userdata;
};

/* A detection that sees every record (built-in detections, later the rule engine) and may call
 * manager_raise_alert(). */
struct detector {
        const char *name;
        int (*on_record)(struct manager *m, const struct record *r, void *userdata);
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
        uint64_t interval_ns;

        uint64_t boot_to_realtime;      /* added to BPF boottime stamps */

        /* cgroup id -> identity, and the --container filter; NULL: identity is off */
        struct identity_context *identity;

        struct alert_sink alert_sinks[MANAGER_MAX_ALERT_SINKS];
        size_t n_alert_sinks;
        uint64_t alerts_raised;

        /* detection (rules, process table): sees every record, quiet ones too; NULL: off.
         * Its alerts go through alert_pipeline (dedup, rate limit) to the alert sinks. */
        struct detect *detect;
        struct alert_pipeline *alert_pipeline;

        struct metrics *metrics;                /* counters for Prometheus */
        struct metrics_server *metrics_server;  /* the /metrics endpoint, when listening */

        /* watched-path patterns the detection rules need (files tracer); NULL: its defaults */
        char **watched_paths;
        size_t n_watched_paths;

        /* more detections that see every record (built-in ones); see struct detector */
        struct detector detectors[MANAGER_MAX_DETECTORS];
        size_t n_detectors;

        /* the service's current configuration (NULL in cwatchd run); replaced on reload */
        const struct config *config;

        /* called for every record after the sinks and detection (tests) */
        int (*record_hook)(struct manager *m, const struct record *r, void *userdata);
        void *record_hook_userdata;

        /* foreground output (cwatchd run) */
        struct formatter *formatter;
        int pid_filter;                 /* > 0: only records of this process */
        size_t top;                     /* aggregating tracers: rows per interval */
        const char *sort_key;           /* aggregating tracers: column to sort by */
};

int manager_new(struct manager **ret, uint32_t ringbuf_size, uint64_t interval_ns);
struct manager *manager_free(struct manager *m);
DEFINE_POINTER_CLEANUP(struct manager, manager_free);

int manager_start_tracer(struct manager *m, const char *name);
int manager_stop_tracer(struct manager *m, const char *name);
struct tracer *manager_find_tracer(struct manager *m, const char *name);

/* Starts identity: the cgroup map and watcher, names from the runtimes' files, the container
 * filter. Call before starting tracers (they share the filter's map when they load). */
int manager_enable_identity(struct manager *m, const struct identity_config *config);

/* Logs per tracer the events received, the ring-buffer drops and the kernel-side losses. */
void manager_log_counters(struct manager *m);

/* Sets the latency bound (see struct manager); call before starting tracers: it is compiled
 * into their BPF programs. */
int manager_set_latency(struct manager *m, uint64_t latency_ns);
/* The unconsumed bytes in the ring buffer at which the BPF programs wake cwatchd; 0: always. */
uint64_t manager_wakeup_bytes(const struct manager *m);

/* Drains what the ring buffer holds now. */
int manager_drain(struct manager *m);

/* Converts a BPF boottime stamp to realtime. */
static inline uint64_t manager_realtime(const struct manager *m, uint64_t boot_ns)
{
        return boot_ns + m->boot_to_realtime;
}

/* Hands a record to the sinks. */
int manager_emit(struct manager *m, const struct record *r);
/* Takes ownership of paths (a malloc'ed array of malloc'ed strings). */
void manager_set_watched_paths(struct manager *m, char **paths, size_t n);

int manager_add_alert_sink(struct manager *m, const struct alert_sink *sink);
/* Adds a detection that every record emitted from now on is shown to. */
int manager_add_detector(struct manager *m, const struct detector *d);
/* Hands an alert to every alert sink. */
int manager_raise_alert(struct manager *m, const struct alert *a);

/* Aggregating tracers call this before each interval's rows. */
void manager_begin_interval(struct manager *m);
