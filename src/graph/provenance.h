/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The provenance layer: the graph fed as a record sink (exec, fork, file rows and watched opens,
 * setuid chmods, TCP connects and accepts), the origin of executed files, each alert's story and
 * the incidents alerts merge into. Pure: it is handed records and alerts and hands back strings;
 * the manager (src/daemon/manager-graph.c) wires it in. See docs/PROVENANCE.md. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include "graph.h"
#include "incident.h"
#include "alert/alert.h"
#include "sink/record-sink.h"
#include "shared/strbuf.h"

struct provenance_config {
        struct graph_config graph;
        uint64_t incident_window_ns;    /* alerts of one container or unit this close merge */
        size_t max_incidents;           /* open at once */
        unsigned story_hops;            /* how far a story reaches from the alert's process */
        size_t story_max_bytes;         /* CWATCH_STORY=; journalctl -o json shows fields up to 4096 bytes */
};

#define PROVENANCE_DEFAULT_CONFIG (struct provenance_config) {                  \
        .graph = { GRAPH_DEFAULT_MAX_NODES, GRAPH_DEFAULT_MAX_EDGES, GRAPH_DEFAULT_WINDOW_NS }, \
        .incident_window_ns = UINT64_C(600) * 1000000000,                       \
        .max_incidents = 256,                                                   \
        .story_hops = 3,                                                        \
        .story_max_bytes = 4000,                                                \
}
#define PROVENANCE_MAX_STORY_HOPS 8
#define PROVENANCE_MIN_STORY_BYTES 512
#define PROVENANCE_MAX_STORY_BYTES 32768

enum file_origin {
        ORIGIN_UNKNOWN,
        ORIGIN_DOWNLOAD,        /* the writer (or the image its pid exec'd next) had network peers */
        ORIGIN_BUILD,           /* a compiler or linker wrote it */
        ORIGIN_PACKAGE,         /* a package manager wrote it */
        ORIGIN_IMAGE,           /* in a container, no process wrote it while we watched */
};

/* Who wrote an executed file and how it arrived. Strings point into the graph: valid until the
 * next record. */
struct file_provenance {
        enum file_origin origin;
        bool writer_known;
        const char *writer_exe;
        uint32_t writer_pid, writer_uid;
        bool network;
        bool same_user;         /* the writer's uid is the exec's */
        uint32_t file_node, writer_node;
};

struct provenance;

/* Checks every bound: -ERANGE when one is out of range. */
int provenance_config_check(const struct provenance_config *c);
int provenance_new(struct provenance **ret, const struct provenance_config *config);
struct provenance *provenance_free(struct provenance *p);

/* The sink for manager_add_record_sink(), added before the rules' so an exec's file is known when
 * they evaluate it. */
struct record_sink provenance_record_sink(struct provenance *p);
int provenance_on_record(struct provenance *p, const struct record *r);

/* Patterns for the files tracer: opens for writing in temporary directories arrive at once, not
 * with the next interval's rows, so a file run right after it was written finds its writer. */
extern const char *const provenance_watched_paths[];

/* The provenance of the file the exec record r runs (its "exe" column); false when r is no exec. */
bool provenance_exec_origin(struct provenance *p, const struct record *r, struct file_provenance *ret);
const char *file_origin_to_string(enum file_origin o);

/* The alert step: builds a's story (compact JSON, at most story_max_bytes, into story) and puts a
 * into an incident; *ret_incident is its incident, *ret_report true when the incident opened or
 * its score grew materially (an incident entry is due). */
int provenance_on_alert(struct provenance *p, const struct alert *a, struct strbuf *story,
                        const struct incident **ret_incident, bool *ret_report);
/* The story of a recent alert (the last PROVENANCE_RECENT_ALERTS) built again from the graph as it
 * is now: what its process did after the alert (connections, children) is in it. -ENOENT when the
 * alert is not among them or its process left the graph. */
int provenance_story_of(const struct provenance *p, const char *alert_id, struct strbuf *story);
#define PROVENANCE_RECENT_ALERTS 1024

/* Closes incidents whose last alert is older than the window (unpins their nodes). */
void provenance_expire(struct provenance *p, uint64_t now_ns);

const struct graph *provenance_graph(const struct provenance *p);
const struct incident_table *provenance_incidents(const struct provenance *p);

struct provenance_stats {
        struct graph_stats graph;
        uint64_t records;
        uint64_t incidents_opened;
        uint64_t incident_alerts;       /* alerts put into incidents */
        uint64_t origins[ORIGIN_IMAGE + 1];     /* execs by origin */
};
void provenance_get_stats(const struct provenance *p, struct provenance_stats *ret);
