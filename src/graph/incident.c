/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "incident.h"
#include "mitre.h"
#include "alert/pipeline.h"
#include "shared/macro.h"
#include "shared/u64map.h"

struct incident_table {
        struct graph *graph;
        struct incident *slots;
        size_t max, n;
        uint64_t window_ns;
        uint64_t opened;
        struct u64map by_node;          /* node key -> slot + 1, open incidents only */
        double *base;                   /* per slot: the sum of its alerts' weights */
};

double incident_alert_weight(enum alert_severity s, double anomaly)
{
        static const double weights[_SEVERITY_MAX] = {
                [SEVERITY_CRITICAL] = 10, [SEVERITY_ERROR] = 7, [SEVERITY_WARNING] = 4,
                [SEVERITY_NOTICE] = 2, [SEVERITY_INFO] = 1,
        };
        double w = (unsigned) s < _SEVERITY_MAX ? weights[s] : 1;

        /* rarity: a behaviour profile's anomaly score, 0..10 taken as 0..1 */
        if (anomaly > 0)
                w *= 1 + MIN(anomaly, 10.0) / 10;
        return w;
}

int incident_table_new(struct incident_table **ret, struct graph *g, size_t max, uint64_t window_ns)
{
        struct incident_table *t;

        if (max == 0)
                return -EINVAL;
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        *t = (struct incident_table) { .graph = g, .max = max, .window_ns = window_ns };
        t->slots = calloc(max, sizeof(*t->slots));
        t->base = calloc(max, sizeof(*t->base));
        if (!t->slots || !t->base) {
                incident_table_free(t);
                return -ENOMEM;
        }
        *ret = t;
        return 0;
}

static void incident_close(struct incident_table *t, struct incident *in)
{
        if (!in->open)
                return;
        for (size_t i = 0; i < in->n_nodes; i++) {
                const struct graph_node *n = graph_node(t->graph, in->nodes[i]);

                if (n && n->key == in->node_keys[i])
                        graph_unpin(t->graph, in->nodes[i]);
                if ((uintptr_t) u64map_get(&t->by_node, in->node_keys[i]) == (uintptr_t) (in - t->slots) + 1)
                        (void) u64map_remove(&t->by_node, in->node_keys[i]);
        }
        in->open = false;
}

static void incident_clear(struct incident *in)
{
        free(in->container);
        free(in->unit);
        for (size_t i = 0; i < in->n_rules; i++)
                free(in->rules[i]);
        *in = (struct incident) {};
}

struct incident_table *incident_table_free(struct incident_table *t)
{
        if (!t)
                return NULL;
        for (size_t i = 0; t->slots && i < t->n; i++) {
                incident_close(t, &t->slots[i]);
                incident_clear(&t->slots[i]);
        }
        free(t->slots);
        free(t->base);
        u64map_clear(&t->by_node);
        free(t);
        return NULL;
}

static bool str_eq(const char *a, const char *b)
{
        return a && b && streq(a, b);
}

static struct incident *find_match(struct incident_table *t, const struct alert *a, const uint32_t *nodes,
                                   size_t n_nodes, uint64_t now_ns)
{
        const char *container = a->identity ? a->identity->container_id : NULL;
        const char *unit = a->identity && !container ? a->identity->unit : NULL;

        for (size_t i = 0; i < n_nodes; i++) {
                const struct graph_node *n = graph_node(t->graph, nodes[i]);
                uintptr_t s = n ? (uintptr_t) u64map_get(&t->by_node, n->key) : 0;

                if (s > 0 && t->slots[s - 1].open)
                        return &t->slots[s - 1];
        }
        if (!container && !unit)
                return NULL;
        for (size_t i = 0; i < t->n; i++) {
                struct incident *in = &t->slots[i];

                if (!in->open || in->last_ns + t->window_ns < now_ns)
                        continue;
                if (container ? str_eq(in->container, container) : (!in->container && str_eq(in->unit, unit)))
                        return in;
        }
        return NULL;
}

/* A slot for a new incident: a fresh one, else the oldest closed, else the oldest open (closed). */
static struct incident *new_slot(struct incident_table *t)
{
        struct incident *oldest = NULL;

        if (t->n < t->max)
                return &t->slots[t->n++];
        for (size_t i = 0; i < t->n; i++)
                if (!t->slots[i].open && (!oldest || t->slots[i].last_ns < oldest->last_ns))
                        oldest = &t->slots[i];
        if (!oldest)
                for (size_t i = 0; i < t->n; i++)
                        if (!oldest || t->slots[i].last_ns < oldest->last_ns)
                                oldest = &t->slots[i];
        incident_close(t, oldest);
        incident_clear(oldest);
        return oldest;
}

static int add_rule(struct incident *in, const char *rule)
{
        if (!rule)
                return 0;
        for (size_t i = 0; i < in->n_rules; i++)
                if (streq(in->rules[i], rule))
                        return 0;
        if (in->n_rules >= INCIDENT_MAX_RULES)
                return 0;
        in->rules[in->n_rules] = strdup(rule);
        if (!in->rules[in->n_rules])
                return -ENOMEM;
        in->n_rules++;
        return 0;
}

static void add_nodes(struct incident_table *t, struct incident *in, const uint32_t *nodes, size_t n_nodes)
{
        for (size_t i = 0; i < n_nodes && in->n_nodes < INCIDENT_MAX_NODES; i++) {
                const struct graph_node *n = graph_node(t->graph, nodes[i]);
                bool have = false;

                if (!n)
                        continue;
                for (size_t j = 0; j < in->n_nodes && !have; j++)
                        have = in->node_keys[j] == n->key;
                if (have)
                        continue;
                /* a node another open incident holds stays that one's: stories that touch were
                 * merged by find_match() already */
                if (u64map_get(&t->by_node, n->key))
                        continue;
                if (u64map_put(&t->by_node, n->key, (void *) ((uintptr_t) (in - t->slots) + 1)) < 0)
                        return;
                in->nodes[in->n_nodes] = nodes[i];
                in->node_keys[in->n_nodes++] = n->key;
                graph_pin(t->graph, nodes[i]);
        }
}

int incident_table_add(struct incident_table *t, const struct alert *a, const uint32_t *nodes, size_t n_nodes,
                       uint64_t now_ns, struct incident **ret, bool *ret_report)
{
        struct incident *in;
        unsigned tactics;
        size_t slot;
        int r;

        incident_table_expire(t, now_ns);
        in = find_match(t, a, nodes, n_nodes, now_ns);
        if (!in) {
                const char *container = a->identity ? a->identity->container_id : NULL;
                const char *unit = a->identity ? a->identity->unit : NULL;

                in = new_slot(t);
                *in = (struct incident) { .open = true, .first_ns = now_ns, .last_ns = now_ns,
                                          .severity = a->severity };
                alert_new_id(in->id);
                if ((container && !(in->container = strdup(container))) || (unit && !(in->unit = strdup(unit)))) {
                        incident_clear(in);
                        in->open = false;
                        return -ENOMEM;
                }
                t->base[in - t->slots] = 0;
                t->opened++;
        }
        slot = (size_t) (in - t->slots);
        if (now_ns > in->last_ns)
                in->last_ns = now_ns;
        in->alerts++;
        if (a->severity < in->severity)
                in->severity = a->severity;
        in->tactics |= mitre_tactics(a->mitre);
        r = add_rule(in, a->rule);
        if (r < 0)
                return r;
        add_nodes(t, in, nodes, n_nodes);
        /* a summary of repeats (no event) counts, but weighs nothing more: the first occurrence did */
        if (a->event || in->alerts == 1)
                t->base[slot] += incident_alert_weight(a->severity, a->score) *
                        (1 - ALERT_TRUST_SCALE * MAX(0.0, MIN(a->trust, 1.0)));
        tactics = mitre_tactic_count(in->tactics);
        in->score = t->base[slot] * (1 + 0.5 * (tactics > 1 ? tactics - 1 : 0));
        *ret_report = in->alerts == 1 || in->score >= in->reported_score * INCIDENT_REPORT_GROWTH;
        if (*ret_report)
                in->reported_score = in->score;
        *ret = in;
        return 0;
}

void incident_table_expire(struct incident_table *t, uint64_t now_ns)
{
        for (size_t i = 0; i < t->n; i++)
                if (t->slots[i].open && t->slots[i].last_ns + t->window_ns < now_ns)
                        incident_close(t, &t->slots[i]);
}

size_t incident_table_size(const struct incident_table *t)
{
        return t->n;
}

const struct incident *incident_table_get(const struct incident_table *t, size_t i)
{
        return i < t->n && t->slots[i].id[0] ? &t->slots[i] : NULL;
}

const struct incident *incident_table_find(const struct incident_table *t, const char *id)
{
        for (size_t i = 0; id && i < t->n; i++)
                if (streq(t->slots[i].id, id))
                        return &t->slots[i];
        return NULL;
}

uint64_t incident_table_opened(const struct incident_table *t)
{
        return t->opened;
}
