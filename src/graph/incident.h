/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Incidents: alerts whose stories share a node, or that come from the same container or unit
 * within a window, are one incident. Its score grows with the severity and rarity of its alerts
 * and the number of ATT&CK tactics they span; an incident is reported when it opens and when its
 * score grows materially. An open incident pins its nodes in the graph. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "graph.h"
#include "alert/alert.h"

#define INCIDENT_MAX_NODES 128
#define INCIDENT_MAX_RULES 8
/* Reported again when the score reaches this factor of the last reported score. */
#define INCIDENT_REPORT_GROWTH 1.5

/* MESSAGE_ID of incident entries (journal catalog entry "cwatch incident"). */
#define CWATCH_MESSAGE_INCIDENT "b4f1c0e27a9d4c5e8e1f3a6d2c7b9e40"

struct incident {
        char id[33];
        bool open;
        uint64_t first_ns, last_ns;
        double score, reported_score;
        uint64_t alerts;
        uint32_t tactics;               /* bit per enum mitre_tactic */
        enum alert_severity severity;   /* the worst */
        char *container;                /* container id, NULL: none */
        char *unit;
        char *rules[INCIDENT_MAX_RULES];        /* distinct rules, first first */
        size_t n_rules;
        uint32_t nodes[INCIDENT_MAX_NODES];     /* pinned */
        uint64_t node_keys[INCIDENT_MAX_NODES];
        size_t n_nodes;
};

struct incident_table;

int incident_table_new(struct incident_table **ret, struct graph *g, size_t max, uint64_t window_ns);
struct incident_table *incident_table_free(struct incident_table *t);

/* Puts a (with the graph nodes of its story) into an incident, opening one when none matches.
 * *ret_report: it opened, or its score grew by INCIDENT_REPORT_GROWTH since last reported. */
int incident_table_add(struct incident_table *t, const struct alert *a, const uint32_t *nodes, size_t n_nodes,
                       uint64_t now_ns, struct incident **ret, bool *ret_report);
/* Closes incidents idle longer than the window; frees their slots when the table needs them. */
void incident_table_expire(struct incident_table *t, uint64_t now_ns);

size_t incident_table_size(const struct incident_table *t);
/* The i-th incident (open or recently closed), NULL past the end. */
const struct incident *incident_table_get(const struct incident_table *t, size_t i);
const struct incident *incident_table_find(const struct incident_table *t, const char *id);
uint64_t incident_table_opened(const struct incident_table *t);

/* The contribution of one alert: severity weight times (1 + rarity). */
double incident_alert_weight(enum alert_severity s, double anomaly);
