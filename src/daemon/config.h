/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cwatchd's configuration: /etc/cwatch/cwatchd.conf and cwatchd.conf.d/ drop-ins. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include "alert/alert.h"
#include "shared/conf-parser.h"
#include "respond/response-config.h"

#define CONFIG_FILE "/etc/cwatch/cwatchd.conf"
#define CONFIG_DROPIN_DIR "/etc/cwatch/cwatchd.conf.d"

struct config {
        /* [Tracers] */
        struct strv tracers;            /* Enable= */
        uint64_t interval_ns;           /* Interval= */
        uint64_t latency_ns;            /* Latency=: events reach user space at most this late */
        uint64_t ringbuf_size;          /* RingBufferSize= (only read at start) */
        uint64_t status_interval_ns;    /* StatusInterval= */

        /* [Files] */
        struct strv watch_paths;        /* WatchPaths= */

        /* [Identity] (only read at start); NULL: the runtime's default */
        char *docker_root;              /* DockerRoot=: docker's data-root (containers/<id>/config.v2.json) */
        char *podman_root;              /* PodmanRoot= */
        char *pods_root;                /* PodsRoot=: the kubelet's pod log directories */

        /* [Metrics] */
        char *metrics_listen;           /* Listen=: "127.0.0.1:9469", a port, or NULL (only socket activation) */

        /* [Detection] */
        uint64_t scan_threshold;        /* ScanThreshold=: distinct peers (address, port) that make a scan; 0: off */
        uint64_t scan_window_ns;        /* ScanWindow= */
        uint64_t discovery_threshold;   /* DiscoveryThreshold=: distinct discovery commands that make a burst; 0: off */
        uint64_t discovery_window_ns;   /* DiscoveryWindow= */

        /* [Provenance] (only read at start) */
        bool provenance;                /* Enable= */
        uint64_t graph_max_nodes;       /* MaxNodes= */
        uint64_t graph_max_edges;       /* MaxEdges= */
        uint64_t graph_window_ns;       /* Window=: nodes untouched this long expire */
        uint64_t incident_window_ns;    /* IncidentWindow=: alerts of a container or unit this close merge */
        uint64_t max_incidents;         /* MaxIncidents= */
        uint64_t story_hops;            /* StoryHops= */
        uint64_t story_max_bytes;       /* StoryMaxBytes= */

        /* [Alerts] */
        bool journal;                   /* Journal= */
        bool exec_from_temporary;       /* ExecFromTemporary=: the built-in detection */
        struct strv temporary_dirs;     /* TemporaryDirectories= */
        enum alert_severity min_severity;       /* MinSeverity= */

        /* [Profiles] */
        bool profiles;                  /* Enable= */
        uint64_t profile_learning_period_ns;    /* LearningPeriod= */
        uint64_t profile_quiet_period_ns;       /* QuietPeriod= */
        uint64_t profile_min_instances;         /* MinInstances= */
        double profile_threshold;               /* Threshold= */
        uint64_t profile_max_profiles;          /* MaxProfiles= (only read at start) */
        uint64_t profile_max_features;          /* MaxFeatures= (only read at start) */
        uint64_t profile_save_interval_ns;      /* SaveInterval= */
        char *profile_state_dir;                /* StateDirectory= (only read at start) */

        /* [Sync]: whitelist snapshots (cwatchd) and their transport (cwatch-sync) */
        bool sync;                      /* Enable= */
        struct strv sync_peers;         /* Peers=: URLs of peers' snapshots (cwatch-sync) */
        char *sync_publish;             /* Publish=: where cwatch-sync puts ours (file:// directory, http(s) URL) */
        double sync_quorum;             /* Quorum=: weighted votes that make a program global */
        double sync_local_weight;       /* LocalWeight=: this host's own vote */
        uint64_t sync_interval_ns;      /* Interval=: how often cwatchd signs a new snapshot */
        uint64_t sync_timeout_ns;       /* Timeout=: per transfer (cwatch-sync) */
        uint64_t sync_max_skew_ns;      /* ClockSkew=: how far a creation time may be ahead */
        char *sync_host_id;             /* HostId=: instead of /etc/machine-id (32 hex digits) */
        char *sync_trusted_dir;         /* TrustedHostsDirectory= (only read at start) */
        char *sync_state_dir;           /* StateDirectory= (only read at start) */
        /* [Whitelist] */
        bool whitelist;                         /* Enable= (only read at start) */
        char *denylist_dir;                     /* DenyListDirectory=; NULL: /etc/cwatch/denylist.d */
        uint64_t whitelist_max_hash_bytes;      /* MaxHashBytes= */
        uint64_t whitelist_hash_rate;           /* HashRate=: bytes hashed per second at most */
        double whitelist_cap;                   /* Cap=: shells, interpreters, downloaders */
        uint64_t whitelist_max_entries;         /* MaxEntries= (only read at start) */
        uint64_t whitelist_save_interval_ns;    /* SaveInterval= */
        char *whitelist_state_dir;              /* StateDirectory= (only read at start) */
        /* [Response] */
        struct response_config response;
};

#define SYNC_TRUSTED_HOSTS_DIR SYSCONFDIR "/cwatch/trusted-hosts.d"

#define PROFILES_STATE_DIR LOCALSTATEDIR "/lib/cwatch"

/* The defaults, as if every file were empty. */
int config_init_default(struct config *c);
void config_done(struct config *c);

/* Loads main_path and the drop-ins of dropin_dir into c (initialised with the defaults first).
 * On error c is left cleared and err says file:line and what was wrong. */
int config_load(struct config *c, const char *main_path, const char *dropin_dir, struct conf_error *err);
/* Parses one buffer (for the fuzzer and tests) on top of c's current values, then checks. */
int config_load_string(struct config *c, const char *name, const char *text, size_t len, struct conf_error *err);

/* The key table, exposed for tests. */
extern const struct conf_item config_items[];
