/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "graph.h"
#include "shared/hash.h"
#include "shared/macro.h"
#include "shared/u64map.h"

/* Expired nodes looked at per insertion: enough to keep up with any insertion rate, few enough to
 * keep an insertion O(1). */
#define EXPIRE_STEP 2

struct graph {
        struct graph_config config;
        struct graph_node *nodes;
        struct graph_edge *edges;
        uint32_t *node_buckets, *edge_buckets;
        unsigned node_bits, edge_bits;
        size_t n_nodes, n_edges;
        size_t fresh_nodes, fresh_edges;        /* slots never used yet: [fresh, max) */
        uint32_t free_nodes, free_edges;        /* freed slots, chained through hash_next */
        size_t node_hand, edge_hand, expire_hand;
        size_t label_bytes;
        struct u64map pids;                     /* pid -> node + 1 */
        struct graph_stats stats;
};

static const char *const relation_names[_REL_MAX] = {
        [REL_FORK] = "fork", [REL_EXEC] = "exec", [REL_RUN] = "run", [REL_READ] = "read",
        [REL_WRITE] = "write", [REL_CREATE] = "create", [REL_CHMOD] = "chmod", [REL_CONNECT] = "connect",
        [REL_ACCEPT] = "accept",
};

const char *graph_relation_to_string(enum graph_relation r)
{
        return (unsigned) r < _REL_MAX ? relation_names[r] : "?";
}

const char *graph_kind_to_string(enum graph_kind k)
{
        switch (k) {
        case GRAPH_PROCESS: return "process";
        case GRAPH_FILE: return "file";
        case GRAPH_PEER: return "peer";
        default: return "?";
        }
}

/* Eight bytes a step: a path is hashed for every file row. */
static uint64_t hash_words(uint64_t h, const void *p, size_t n)
{
        const unsigned char *s = p;
        uint64_t w;

        for (; n >= 8; s += 8, n -= 8) {
                memcpy(&w, s, 8);
                h = (h ^ w) * UINT64_C(0x9e3779b97f4a7c15);
                h ^= h >> 29;
        }
        w = 0;
        memcpy(&w, s, n);
        h = (h ^ w ^ ((uint64_t) n << 56)) * UINT64_C(0x9e3779b97f4a7c15);
        return h ^ (h >> 29);
}

static uint64_t nonzero(uint64_t h)
{
        h = hash_mix64(h);
        return h ?: 1;
}

uint64_t graph_key_process(uint32_t pid, uint64_t start_ns)
{
        return nonzero(((uint64_t) GRAPH_PROCESS << 60) ^ ((uint64_t) pid << 20) ^ hash_mix64(start_ns));
}

uint64_t graph_key_file(const char *container, const char *path, size_t len)
{
        uint64_t h = UINT64_C(0xcbf29ce484222325) ^ GRAPH_FILE;

        if (container)
                h = hash_words(h, container, strlen(container));
        h = hash_words(h, "\0", 1);
        return nonzero(hash_words(h, path, len));
}

uint64_t graph_key_peer(const char *addr, uint64_t port, bool accept)
{
        uint64_t h = UINT64_C(0xcbf29ce484222325) ^ GRAPH_PEER ^ ((uint64_t) accept << 8);

        h = hash_words(h, addr, strlen(addr));
        return nonzero(h ^ hash_mix64(port + 1));
}

static unsigned bits_for(size_t n)
{
        unsigned b = 4;

        while (((size_t) 1 << b) < n)
                b++;
        return b;
}

int graph_config_check(const struct graph_config *c)
{
        if (c->max_nodes < GRAPH_MIN_NODES || c->max_nodes > GRAPH_MAX_NODES ||
            c->max_edges < GRAPH_MIN_EDGES || c->max_edges > GRAPH_MAX_EDGES)
                return -ERANGE;
        return 0;
}

int graph_new(struct graph **ret, const struct graph_config *config)
{
        struct graph *g;
        int r;

        r = graph_config_check(config);
        if (r < 0)
                return r;
        g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->config = *config;
        g->node_bits = bits_for(config->max_nodes);
        g->edge_bits = bits_for(config->max_edges);
        g->nodes = calloc(config->max_nodes, sizeof(*g->nodes));
        g->edges = calloc(config->max_edges, sizeof(*g->edges));
        g->node_buckets = malloc(sizeof(uint32_t) << g->node_bits);
        g->edge_buckets = malloc(sizeof(uint32_t) << g->edge_bits);
        if (!g->nodes || !g->edges || !g->node_buckets || !g->edge_buckets) {
                graph_free(g);
                return -ENOMEM;
        }
        memset(g->node_buckets, 0xff, sizeof(uint32_t) << g->node_bits);
        memset(g->edge_buckets, 0xff, sizeof(uint32_t) << g->edge_bits);
        g->free_nodes = g->free_edges = GRAPH_NONE;
        *ret = g;
        return 0;
}

struct graph *graph_free(struct graph *g)
{
        if (!g)
                return NULL;
        for (size_t i = 0; g->nodes && i < g->fresh_nodes; i++) {
                free(g->nodes[i].label);
                free(g->nodes[i].detail);
        }
        free(g->nodes);
        free(g->edges);
        free(g->node_buckets);
        free(g->edge_buckets);
        u64map_clear(&g->pids);
        free(g);
        return NULL;
}

static size_t node_bucket(const struct graph *g, uint64_t key)
{
        return (size_t) ((key * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - g->node_bits));
}

static size_t edge_bucket(const struct graph *g, uint32_t src, uint32_t dst, enum graph_relation rel)
{
        uint64_t k = hash_mix64(((uint64_t) src << 32 | dst) ^ ((uint64_t) rel << 58));

        return (size_t) (k >> (64 - g->edge_bits));
}

uint32_t graph_find(const struct graph *g, uint64_t key)
{
        for (uint32_t i = g->node_buckets[node_bucket(g, key)]; i != GRAPH_NONE; i = g->nodes[i].hash_next)
                if (g->nodes[i].key == key)
                        return i;
        return GRAPH_NONE;
}

const struct graph_node *graph_node(const struct graph *g, uint32_t i)
{
        return i < g->fresh_nodes && g->nodes[i].key ? &g->nodes[i] : NULL;
}

struct graph_node *graph_node_mut(struct graph *g, uint32_t i)
{
        return i < g->fresh_nodes && g->nodes[i].key ? &g->nodes[i] : NULL;
}

const struct graph_edge *graph_edge(const struct graph *g, uint32_t i)
{
        return i < g->fresh_edges && g->edges[i].src != GRAPH_NONE ? &g->edges[i] : NULL;
}

static void edge_remove(struct graph *g, uint32_t i)
{
        struct graph_edge *e = &g->edges[i];
        uint32_t *p = &g->edge_buckets[edge_bucket(g, e->src, e->dst, e->rel)];

        while (*p != i && *p != GRAPH_NONE)
                p = &g->edges[*p].hash_next;
        if (*p == i)
                *p = e->hash_next;
        if (e->prev_out != GRAPH_NONE)
                g->edges[e->prev_out].next_out = e->next_out;
        else
                g->nodes[e->src].out = e->next_out;
        if (e->next_out != GRAPH_NONE)
                g->edges[e->next_out].prev_out = e->prev_out;
        if (e->prev_in != GRAPH_NONE)
                g->edges[e->prev_in].next_in = e->next_in;
        else
                g->nodes[e->dst].in = e->next_in;
        if (e->next_in != GRAPH_NONE)
                g->edges[e->next_in].prev_in = e->prev_in;
        *e = (struct graph_edge) { .src = GRAPH_NONE, .dst = GRAPH_NONE, .hash_next = g->free_edges };
        g->free_edges = i;
        g->n_edges--;
}

static void node_remove(struct graph *g, uint32_t i)
{
        struct graph_node *n = &g->nodes[i];
        uint32_t *p = &g->node_buckets[node_bucket(g, n->key)];

        while (n->out != GRAPH_NONE) {
                edge_remove(g, n->out);
                g->stats.edge_evictions++;
        }
        while (n->in != GRAPH_NONE) {
                edge_remove(g, n->in);
                g->stats.edge_evictions++;
        }
        while (*p != i && *p != GRAPH_NONE)
                p = &g->nodes[*p].hash_next;
        if (*p == i)
                *p = n->hash_next;
        if (n->kind == GRAPH_PROCESS && (uintptr_t) u64map_get(&g->pids, n->pid) == (uintptr_t) i + 1)
                (void) u64map_remove(&g->pids, n->pid);
        g->label_bytes -= strlen(n->label) + 1 + (n->detail ? strlen(n->detail) + 1 : 0);
        free(n->label);
        free(n->detail);
        *n = (struct graph_node) { .hash_next = g->free_nodes };
        g->free_nodes = i;
        g->n_nodes--;
}

/* Expires up to EXPIRE_STEP nodes the window left behind. */
static void expire_some(struct graph *g, uint64_t now_ns)
{
        if (g->config.window_ns == 0 || now_ns < g->config.window_ns || g->fresh_nodes == 0)
                return;
        for (int k = 0; k < EXPIRE_STEP; k++) {
                struct graph_node *n;

                if (g->expire_hand >= g->fresh_nodes)
                        g->expire_hand = 0;
                n = &g->nodes[g->expire_hand];
                if (n->key && n->pins == 0 && n->last_ns + g->config.window_ns < now_ns) {
                        node_remove(g, (uint32_t) g->expire_hand);
                        g->stats.expired++;
                }
                g->expire_hand++;
        }
}

/* A free node slot, evicting with the CLOCK hand when the pool is full. */
static uint32_t node_slot(struct graph *g)
{
        uint32_t i;

        if (g->free_nodes != GRAPH_NONE) {
                i = g->free_nodes;
                g->free_nodes = g->nodes[i].hash_next;
                return i;
        }
        if (g->fresh_nodes < g->config.max_nodes)
                return (uint32_t) g->fresh_nodes++;
        for (size_t step = 0; step < 2 * g->config.max_nodes + 1; step++) {
                struct graph_node *n;

                if (g->node_hand >= g->config.max_nodes) {
                        g->node_hand = 0;
                        g->stats.epochs++;
                }
                i = (uint32_t) g->node_hand++;
                n = &g->nodes[i];
                if (n->pins > 0)
                        continue;
                if (n->flags & GNODE_REFERENCED) {
                        n->flags &= ~GNODE_REFERENCED;
                        continue;
                }
                node_remove(g, i);
                g->stats.node_evictions++;
                g->free_nodes = g->nodes[i].hash_next;
                return i;
        }
        g->stats.full++;
        return GRAPH_NONE;
}

uint32_t graph_add_node(struct graph *g, enum graph_kind kind, uint64_t key, const char *label, size_t len,
                        uint64_t now_ns)
{
        struct graph_node *n;
        uint32_t i = graph_find(g, key);
        size_t b;
        char *s;

        if (i != GRAPH_NONE) {
                n = &g->nodes[i];
                n->flags |= GNODE_REFERENCED;
                if (now_ns > n->last_ns)
                        n->last_ns = now_ns;
                return i;
        }
        expire_some(g, now_ns);
        len = MIN(len, (size_t) GRAPH_LABEL_MAX);
        s = malloc(len + 1);
        if (!s)
                return GRAPH_NONE;
        memcpy(s, label ?: "", label ? len : 0);
        s[label ? len : 0] = '\0';
        i = node_slot(g);
        if (i == GRAPH_NONE) {
                free(s);
                return GRAPH_NONE;
        }
        n = &g->nodes[i];
        b = node_bucket(g, key);
        *n = (struct graph_node) {
                .key = key, .first_ns = now_ns, .last_ns = now_ns, .label = s, .hash_next = g->node_buckets[b],
                .out = GRAPH_NONE, .in = GRAPH_NONE, .kind = kind, .flags = GNODE_REFERENCED,
        };
        g->node_buckets[b] = i;
        g->n_nodes++;
        g->label_bytes += strlen(s) + 1;
        return i;
}

int graph_set_detail(struct graph *g, uint32_t node, const char *s, size_t len)
{
        struct graph_node *n = graph_node_mut(g, node);
        char *d;

        if (!n)
                return -ENOENT;
        len = MIN(len, (size_t) GRAPH_LABEL_MAX);
        d = strndup(s ?: "", s ? len : 0);
        if (!d)
                return -ENOMEM;
        if (n->detail)
                g->label_bytes -= strlen(n->detail) + 1;
        free(n->detail);
        n->detail = d;
        g->label_bytes += strlen(d) + 1;
        return 0;
}

static bool edge_pinned(const struct graph *g, const struct graph_edge *e)
{
        return g->nodes[e->src].pins > 0 && g->nodes[e->dst].pins > 0;
}

static uint32_t edge_slot(struct graph *g, uint32_t src, uint32_t dst)
{
        uint32_t i;

        if (g->free_edges != GRAPH_NONE) {
                i = g->free_edges;
                g->free_edges = g->edges[i].hash_next;
                return i;
        }
        if (g->fresh_edges < g->config.max_edges)
                return (uint32_t) g->fresh_edges++;
        for (size_t step = 0; step < 2 * g->config.max_edges + 1; step++) {
                struct graph_edge *e;

                if (g->edge_hand >= g->config.max_edges)
                        g->edge_hand = 0;
                i = (uint32_t) g->edge_hand++;
                e = &g->edges[i];
                if (e->src == GRAPH_NONE || edge_pinned(g, e))
                        continue;
                /* the edges of the nodes being joined stay: the caller holds their indexes */
                if (e->referenced) {
                        e->referenced = 0;
                        continue;
                }
                edge_remove(g, i);
                g->stats.edge_evictions++;
                g->free_edges = g->edges[i].hash_next;
                return i;
        }
        g->stats.full++;
        return GRAPH_NONE;
}

uint32_t graph_add_edge(struct graph *g, uint32_t src, uint32_t dst, enum graph_relation rel, uint64_t now_ns,
                        uint32_t n)
{
        struct graph_edge *e;
        size_t b;
        uint32_t i;

        if (!graph_node(g, src) || !graph_node(g, dst) || (unsigned) rel >= _REL_MAX)
                return GRAPH_NONE;
        b = edge_bucket(g, src, dst, rel);
        for (i = g->edge_buckets[b]; i != GRAPH_NONE; i = g->edges[i].hash_next) {
                e = &g->edges[i];
                if (e->src == src && e->dst == dst && e->rel == rel) {
                        e->count = e->count > UINT32_MAX - n ? UINT32_MAX : e->count + n;
                        if (now_ns > e->last_ns)
                                e->last_ns = now_ns;
                        e->referenced = 1;
                        return i;
                }
        }
        i = edge_slot(g, src, dst);
        if (i == GRAPH_NONE)
                return GRAPH_NONE;
        /* evicting an edge never removes a node, so src and dst are still there */
        e = &g->edges[i];
        *e = (struct graph_edge) {
                .src = src, .dst = dst, .rel = rel, .count = n ?: 1, .first_ns = now_ns, .last_ns = now_ns,
                .referenced = 1, .hash_next = g->edge_buckets[b], .prev_out = GRAPH_NONE,
                .next_out = g->nodes[src].out, .prev_in = GRAPH_NONE, .next_in = g->nodes[dst].in,
        };
        if (e->next_out != GRAPH_NONE)
                g->edges[e->next_out].prev_out = i;
        if (e->next_in != GRAPH_NONE)
                g->edges[e->next_in].prev_in = i;
        g->nodes[src].out = i;
        g->nodes[dst].in = i;
        g->edge_buckets[b] = i;
        g->n_edges++;
        return i;
}

uint32_t graph_process(const struct graph *g, uint32_t pid)
{
        uintptr_t v = pid ? (uintptr_t) u64map_get(&g->pids, pid) : 0;

        return v ? (uint32_t) (v - 1) : GRAPH_NONE;
}

int graph_set_process(struct graph *g, uint32_t pid, uint32_t node)
{
        if (pid == 0 || !graph_node(g, node))
                return -EINVAL;
        return u64map_put(&g->pids, pid, (void *) ((uintptr_t) node + 1));
}

void graph_pin(struct graph *g, uint32_t node)
{
        struct graph_node *n = graph_node_mut(g, node);

        if (n && n->pins < UINT16_MAX)
                n->pins++;
}

void graph_unpin(struct graph *g, uint32_t node)
{
        struct graph_node *n = graph_node_mut(g, node);

        if (n && n->pins > 0)
                n->pins--;
}

void graph_get_stats(const struct graph *g, struct graph_stats *ret)
{
        *ret = g->stats;
        ret->nodes = g->n_nodes;
        ret->edges = g->n_edges;
        ret->max_nodes = g->config.max_nodes;
        ret->max_edges = g->config.max_edges;
        ret->bytes = sizeof(*g) + g->config.max_nodes * sizeof(struct graph_node) +
                     g->config.max_edges * sizeof(struct graph_edge) + (sizeof(uint32_t) << g->node_bits) +
                     (sizeof(uint32_t) << g->edge_bits) + g->label_bytes + u64map_table_bytes(&g->pids);
}
