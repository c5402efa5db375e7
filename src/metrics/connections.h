/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who talks to whom over TCP. The tcp tracer reports each side of a connection separately (the
 * connecting process and the accepting one), so the two halves are matched by their addresses and
 * ports: a matched pair is one edge from the client's container to the server's container; a half
 * left unmatched after a short window is an edge to (or from) an address class. Edges are kept in a
 * bounded table of recent connections for the graph, and announced to a callback for the
 * counters. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "addr-class.h"

#define CONN_NAME_MAX 96
#define CONN_PENDING_MAX 256
#define CONN_DEFAULT_MAX_EDGES 1024
#define CONN_DEFAULT_WINDOW_NS (UINT64_C(2) * 1000000000)

enum node_kind {
        NODE_CONTAINER,
        NODE_HOST,              /* processes outside any container */
        NODE_ADDRESS,           /* an address class: loopback, private, public, ... */
        _NODE_KIND_MAX,
};

const char *node_kind_to_string(enum node_kind k);
int node_kind_from_string(const char *s);

/* One side of a connection, as one tcp record tells it. */
struct conn_half {
        bool is_connect;                /* the connecting side; false: the accepting side */
        struct net_address local_addr, remote_addr;
        uint16_t local_port, remote_port;
        char container[CONN_NAME_MAX];  /* "" on the host */
        uint64_t time_ns;               /* realtime of the record */
        uint64_t arrival_ns;            /* monotonic, set by conn_tracker_add */
};

struct conn_edge {
        char src[CONN_NAME_MAX], dst[CONN_NAME_MAX];
        enum node_kind src_kind, dst_kind;
        uint16_t port;                  /* the server's port */
        uint64_t count;
        uint64_t first_seen_ns, last_seen_ns;   /* realtime */
};

struct conn_tracker {
        struct conn_half pending[CONN_PENDING_MAX];
        size_t n_pending;               /* oldest first */
        struct conn_edge *edges;
        size_t n_edges, max_edges;
        uint64_t window_ns;
        uint64_t evicted_edges;         /* dropped from the recent table when full */
        /* every connection once, as an edge with count 1 */
        void (*on_connection)(const struct conn_edge *e, void *userdata);
        void *userdata;
};

void conn_tracker_init(struct conn_tracker *t, size_t max_edges, uint64_t window_ns);
void conn_tracker_done(struct conn_tracker *t);
/* Adds one half; matches it with its pending other half, or keeps it pending. */
int conn_tracker_add(struct conn_tracker *t, const struct conn_half *h, uint64_t now_ns);
/* Resolves the halves pending longer than the window (all of them with UINT64_MAX). */
void conn_tracker_expire(struct conn_tracker *t, uint64_t now_ns);
/* Copies the edges seen at or after since_ns (realtime) to a new array. */
int conn_tracker_edges_since(const struct conn_tracker *t, uint64_t since_ns, struct conn_edge **ret,
                             size_t *ret_n);
