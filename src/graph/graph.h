/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The provenance graph: processes (one node per exec or fork), files and network peers, joined by
 * edges deduplicated by (source, target, relation) with first/last time and a count. Two fixed
 * pools sized at construction; nothing is allocated per record but a node's label. When a pool is
 * full a CLOCK hand sweeps it: a sweep is an epoch, and what was not touched during the last epoch
 * is evicted unless pinned (an open incident pins its nodes). Nodes not touched within the window
 * expire, a few per insertion. Every eviction is counted. Pure: no daemon, no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GRAPH_NONE UINT32_MAX
#define GRAPH_LABEL_MAX 256             /* bytes kept of a label (path, executable, peer) */
#define GRAPH_DEFAULT_MAX_NODES 50000
#define GRAPH_DEFAULT_MAX_EDGES 100000
#define GRAPH_DEFAULT_WINDOW_NS (UINT64_C(3600) * 1000000000)
#define GRAPH_MIN_NODES 16
#define GRAPH_MIN_EDGES 16
#define GRAPH_MAX_NODES 10000000
#define GRAPH_MAX_EDGES 20000000

enum graph_kind {
        GRAPH_PROCESS = 1,
        GRAPH_FILE,
        GRAPH_PEER,
};

enum graph_relation {
        REL_FORK,               /* process -> child process */
        REL_EXEC,               /* process -> the image the same pid execs next */
        REL_RUN,                /* process -> the file it executes */
        REL_READ,               /* process -> file */
        REL_WRITE,              /* process -> file */
        REL_CREATE,             /* process -> file */
        REL_CHMOD,              /* process -> file */
        REL_CONNECT,            /* process -> peer */
        REL_ACCEPT,             /* process -> peer */
        _REL_MAX,
};

enum graph_node_flags {
        GNODE_REFERENCED = 1 << 0,       /* touched since the CLOCK hand last passed */
        GNODE_NETWORK = 1 << 1,          /* a process that connected or accepted */
        GNODE_CONTAINER = 1 << 2,        /* inside a container */
        GNODE_LAZY = 1 << 3,             /* a process first seen by an event other than exec/fork */
        GNODE_COMPILER = 1 << 4,         /* a process running a compiler or linker */
        GNODE_PACKAGER = 1 << 5,         /* a process running a package manager */
};

struct graph_node {
        uint64_t key;           /* 0: free slot */
        uint64_t first_ns, last_ns;
        char *label;            /* executable, path, "address:port"; never NULL when in use */
        char *detail;           /* processes: the command line; NULL: none */
        uint64_t dev, ino;      /* files: when a row told them, else 0 */
        uint32_t hash_next;     /* bucket chain */
        uint32_t out, in;       /* first edge leaving, entering */
        uint32_t pid, uid;      /* processes */
        uint16_t pins;
        uint8_t kind;           /* enum graph_kind */
        uint8_t flags;          /* enum graph_node_flags */
};

struct graph_edge {
        uint32_t src, dst;      /* src == GRAPH_NONE: free slot */
        uint32_t next_out, prev_out, next_in, prev_in;
        uint32_t hash_next;
        uint32_t count;
        uint64_t first_ns, last_ns;
        uint8_t rel;            /* enum graph_relation */
        uint8_t referenced;
};

struct graph_config {
        size_t max_nodes;
        size_t max_edges;
        uint64_t window_ns;     /* nodes untouched this long expire; 0: never */
};

struct graph_stats {
        size_t nodes, edges;
        size_t max_nodes, max_edges;
        uint64_t node_evictions;        /* by the CLOCK hand, to make room */
        uint64_t edge_evictions;        /* by the CLOCK hand, or with their node */
        uint64_t expired;               /* nodes older than the window */
        uint64_t full;                  /* insertions refused: everything pinned */
        uint64_t epochs;                /* sweeps of the node pool's hand */
        size_t bytes;                   /* pools, buckets and labels */
};

struct graph;

/* Checks the bounds: -ERANGE outside GRAPH_MIN_* .. GRAPH_MAX_*. */
int graph_config_check(const struct graph_config *c);
int graph_new(struct graph **ret, const struct graph_config *config);
struct graph *graph_free(struct graph *g);

/* 64-bit keys of nodes (never 0). container: the container id, NULL on the host. */
uint64_t graph_key_process(uint32_t pid, uint64_t start_ns);
uint64_t graph_key_file(const char *container, const char *path, size_t len);
uint64_t graph_key_peer(const char *addr, uint64_t port, bool accept);

/* The node of key, or GRAPH_NONE. */
uint32_t graph_find(const struct graph *g, uint64_t key);
/* The node of key, created with this kind and label (len bytes, cut at GRAPH_LABEL_MAX) when new;
 * touched at now_ns either way. GRAPH_NONE when the pool is full of pinned nodes or without
 * memory. */
uint32_t graph_add_node(struct graph *g, enum graph_kind kind, uint64_t key, const char *label, size_t len,
                        uint64_t now_ns);
/* The edge (src, dst, rel): count += n and last seen now_ns, or a new edge. GRAPH_NONE if the
 * edge pool is full of pinned edges or an end is not a node. */
uint32_t graph_add_edge(struct graph *g, uint32_t src, uint32_t dst, enum graph_relation rel, uint64_t now_ns,
                        uint32_t n);

/* Sets a node's detail (len bytes, cut at GRAPH_LABEL_MAX); -ENOMEM leaves it unset. */
int graph_set_detail(struct graph *g, uint32_t node, const char *s, size_t len);

const struct graph_node *graph_node(const struct graph *g, uint32_t i);
struct graph_node *graph_node_mut(struct graph *g, uint32_t i);
const struct graph_edge *graph_edge(const struct graph *g, uint32_t i);

/* The process node pid runs as now (its last exec or fork seen), or GRAPH_NONE. */
uint32_t graph_process(const struct graph *g, uint32_t pid);
int graph_set_process(struct graph *g, uint32_t pid, uint32_t node);

/* A pinned node is never evicted nor expired; pins count. */
void graph_pin(struct graph *g, uint32_t node);
void graph_unpin(struct graph *g, uint32_t node);

void graph_get_stats(const struct graph *g, struct graph_stats *ret);

const char *graph_relation_to_string(enum graph_relation r);
const char *graph_kind_to_string(enum graph_kind k);
