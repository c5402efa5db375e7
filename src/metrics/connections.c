/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "connections.h"
#include "shared/macro.h"

static const char *const node_kind_names[_NODE_KIND_MAX] = {
        [NODE_CONTAINER] = "container",
        [NODE_HOST] = "host",
        [NODE_ADDRESS] = "address",
};

const char *node_kind_to_string(enum node_kind k)
{
        return k < _NODE_KIND_MAX ? node_kind_names[k] : "unknown";
}

int node_kind_from_string(const char *s)
{
        for (int i = 0; i < _NODE_KIND_MAX; i++)
                if (streq(s, node_kind_names[i]))
                        return i;
        return -EINVAL;
}

void conn_tracker_init(struct conn_tracker *t, size_t max_edges, uint64_t window_ns)
{
        *t = (struct conn_tracker) { .max_edges = max_edges, .window_ns = window_ns };
}

void conn_tracker_done(struct conn_tracker *t)
{
        free(t->edges);
        t->edges = NULL;
        t->n_edges = t->n_pending = 0;
}

static bool address_equal(const struct net_address *a, const struct net_address *b)
{
        return a->family == b->family && memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

/* The two sides of one connection see each other's address and port as remote. */
static bool halves_match(const struct conn_half *a, const struct conn_half *b)
{
        return a->is_connect != b->is_connect &&
               a->local_port == b->remote_port && a->remote_port == b->local_port &&
               address_equal(&a->local_addr, &b->remote_addr) &&
               address_equal(&a->remote_addr, &b->local_addr);
}

static void node_of_process(const struct conn_half *h, char *name, enum node_kind *kind)
{
        snprintf(name, CONN_NAME_MAX, "%s", h->container[0] ? h->container : "host");
        *kind = h->container[0] ? NODE_CONTAINER : NODE_HOST;
}

static void node_of_peer(const struct conn_half *h, char *name, enum node_kind *kind)
{
        snprintf(name, CONN_NAME_MAX, "%s", net_address_class(&h->remote_addr));
        *kind = NODE_ADDRESS;
}

static struct conn_edge *edge_slot(struct conn_tracker *t, const struct conn_edge *e)
{
        size_t oldest = 0;

        for (size_t i = 0; i < t->n_edges; i++) {
                struct conn_edge *x = &t->edges[i];

                if (x->port == e->port && x->src_kind == e->src_kind && x->dst_kind == e->dst_kind &&
                    streq(x->src, e->src) && streq(x->dst, e->dst))
                        return x;
                if (x->last_seen_ns < t->edges[oldest].last_seen_ns)
                        oldest = i;
        }
        if (t->max_edges == 0)
                return NULL;
        if (!t->edges) {
                t->edges = calloc(t->max_edges, sizeof(*t->edges));
                if (!t->edges)
                        return NULL;
        }
        if (t->n_edges < t->max_edges)
                return &t->edges[t->n_edges++];
        t->evicted_edges++;
        return &t->edges[oldest];
}

static void record_edge(struct conn_tracker *t, struct conn_edge *e)
{
        struct conn_edge *x;

        if (t->on_connection)
                t->on_connection(e, t->userdata);
        x = edge_slot(t, e);
        if (!x)
                return;
        if (x->count == 0 || !streq(x->src, e->src) || !streq(x->dst, e->dst) || x->port != e->port ||
            x->src_kind != e->src_kind || x->dst_kind != e->dst_kind) {
                *x = *e;
                return;
        }
        x->count++;
        x->first_seen_ns = MIN(x->first_seen_ns, e->first_seen_ns);
        x->last_seen_ns = MAX(x->last_seen_ns, e->last_seen_ns);
}

static void resolve_pair(struct conn_tracker *t, const struct conn_half *client, const struct conn_half *server)
{
        struct conn_edge e = { .count = 1, .port = server->local_port };

        node_of_process(client, e.src, &e.src_kind);
        node_of_process(server, e.dst, &e.dst_kind);
        e.first_seen_ns = MIN(client->time_ns, server->time_ns);
        e.last_seen_ns = MAX(client->time_ns, server->time_ns);
        record_edge(t, &e);
}

static void resolve_single(struct conn_tracker *t, const struct conn_half *h)
{
        struct conn_edge e = { .count = 1, .first_seen_ns = h->time_ns, .last_seen_ns = h->time_ns };

        if (h->is_connect) {
                node_of_process(h, e.src, &e.src_kind);
                node_of_peer(h, e.dst, &e.dst_kind);
                e.port = h->remote_port;
        } else {
                node_of_peer(h, e.src, &e.src_kind);
                node_of_process(h, e.dst, &e.dst_kind);
                e.port = h->local_port;
        }
        record_edge(t, &e);
}

static void pending_remove(struct conn_tracker *t, size_t i)
{
        memmove(&t->pending[i], &t->pending[i + 1], (t->n_pending - i - 1) * sizeof(t->pending[0]));
        t->n_pending--;
}

void conn_tracker_expire(struct conn_tracker *t, uint64_t now_ns)
{
        size_t n = 0;

        while (n < t->n_pending && (now_ns == UINT64_MAX || now_ns - t->pending[n].arrival_ns >= t->window_ns))
                resolve_single(t, &t->pending[n++]);
        if (n > 0) {
                memmove(&t->pending[0], &t->pending[n], (t->n_pending - n) * sizeof(t->pending[0]));
                t->n_pending -= n;
        }
}

int conn_tracker_add(struct conn_tracker *t, const struct conn_half *h, uint64_t now_ns)
{
        conn_tracker_expire(t, now_ns);
        for (size_t i = 0; i < t->n_pending; i++)
                if (halves_match(h, &t->pending[i])) {
                        if (h->is_connect)
                                resolve_pair(t, h, &t->pending[i]);
                        else
                                resolve_pair(t, &t->pending[i], h);
                        pending_remove(t, i);
                        return 1;
                }
        if (t->n_pending == CONN_PENDING_MAX) {
                resolve_single(t, &t->pending[0]);
                pending_remove(t, 0);
        }
        t->pending[t->n_pending] = *h;
        t->pending[t->n_pending].arrival_ns = now_ns;
        t->n_pending++;
        return 0;
}

int conn_tracker_edges_since(const struct conn_tracker *t, uint64_t since_ns, struct conn_edge **ret,
                             size_t *ret_n)
{
        struct conn_edge *a;
        size_t n = 0;

        a = calloc(MAX(t->n_edges, (size_t) 1), sizeof(*a));
        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_edges; i++)
                if (t->edges[i].last_seen_ns >= since_ns)
                        a[n++] = t->edges[i];
        *ret = a;
        *ret_n = n;
        return 0;
}
