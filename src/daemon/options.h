/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command line of cwatchd. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "sink/format.h"

#define OPTIONS_MAX_TRACERS 16
#define OPTIONS_MAX_RULES_DIRS 8

enum run_mode {
        MODE_SERVICE,           /* no verb: the systemd service */
        MODE_RUN,               /* cwatchd run TRACER...: foreground output */
        MODE_RULES_CHECK,       /* cwatchd rules check FILE...: offline validation */
};

struct options {
        enum run_mode mode;
        const char *tracers[OPTIONS_MAX_TRACERS];
        size_t n_tracers;
        enum output_format format;
        uint64_t interval_ns;
        uint64_t duration_ns;   /* 0: until SIGINT/SIGTERM */
        const char *sort;       /* aggregating tracers: column to sort rows by */
        size_t top;             /* aggregating tracers: rows per interval */
        int pid;                /* > 0: only this process */
        const char *container;  /* only this container (name or id prefix) */
        const char *docker_root;        /* where the runtimes keep their files; NULL: default */
        const char *podman_root;
        const char *pods_root;
        bool no_identity;       /* do not resolve containers, pods and units */
        uint32_t ringbuf_size;
        uint64_t latency_ns;            /* events reach user space at most this late; 0: at once */
        const char *metrics_listen;     /* --metrics ADDRESS: serve /metrics there */
        const char *graph;              /* --graph dot|json: print the connection graph at exit */
        bool debug;
        const char *config_file;        /* service: instead of /etc/cwatch/cwatchd.conf */
        const char *config_dir;         /* service: instead of /etc/cwatch/cwatchd.conf.d */
        const char *rules_dirs[OPTIONS_MAX_RULES_DIRS];  /* highest priority first; none: the default */
        size_t n_rules_dirs;
        bool no_rules;
        const char *tracers_dir;        /* external tracers from here; NULL: the default directories */
        char **check_files;     /* rules check */
        size_t n_check_files;
};

#define DEFAULT_INTERVAL_NS (UINT64_C(3) * 1000000000)
#define DEFAULT_TOP 20
#define DEFAULT_LATENCY_NS (UINT64_C(50) * 1000000)
#define DEFAULT_RINGBUF_SIZE (UINT32_C(4) << 20)

/* Returns 0 to go on, 1 when it printed help or version (exit 0), -EINVAL on bad usage after
 * printing why to err (exit 2). */
int options_parse(struct options *o, int argc, char **argv, FILE *out, FILE *err);

/* Seconds as a decimal number within [min, max], to nanoseconds. */
int parse_seconds(const char *s, double min, double max, uint64_t *ret);
