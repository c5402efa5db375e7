/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An alert's story: its process, the ancestor chain, and the nodes within a few hops that explain
 * it (the file it runs, who wrote that file and where the writer connected, its children, the
 * peers it contacted, the files it wrote). Stored as compact JSON (CWATCH_STORY=) that cwatchctl
 * turns into a tree, DOT or JSON. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "graph.h"
#include "alert/alert.h"
#include "shared/strbuf.h"

#define STORY_MAX_NODES 32
#define STORY_MAX_ANCESTORS 8
#define STORY_EDGES_PER_NODE 8          /* edges followed per node and relation */
#define STORY_LABEL_MAX 160             /* bytes of a label in the JSON */
#define STORY_VERSION 1

struct story {
        uint32_t nodes[STORY_MAX_NODES];        /* graph nodes; nodes[0] the alert's process */
        uint8_t depth[STORY_MAX_NODES];
        size_t n;
};

/* The story of the process node root within hops; root GRAPH_NONE: an empty story. */
void story_build(const struct graph *g, uint32_t root, unsigned hops, struct story *ret);
/* The story as JSON of at most max bytes (valid whatever it cuts: it drops nodes and edges, and
 * says "truncated"). Without graph nodes, the alert's process and ancestors stand in. */
void story_to_json(const struct graph *g, const struct story *s, const struct alert *a, size_t max,
                   struct strbuf *b);
/* s as a JSON string (quotes included) of its escaped text (shared/escape.h): at most max bytes of
 * s, ESCAPE_CUT_MARKER after them when s is longer. */
void json_put_string(struct strbuf *b, const char *s, size_t len, size_t max);
