/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <string.h>
#include "graph.h"
#include "sink/format.h"

int graph_format_from_string(const char *s)
{
        if (streq(s, "dot"))
                return GRAPH_DOT;
        if (streq(s, "json"))
                return GRAPH_JSON;
        return -EINVAL;
}

/* A DOT quoted string: quotes and backslashes escaped, control characters dropped. */
static void dot_quote(struct strbuf *b, const char *s)
{
        strbuf_putc(b, '"');
        for (; *s; s++) {
                if (*s == '"' || *s == '\\')
                        strbuf_putc(b, '\\');
                if ((unsigned char) *s >= 0x20 && *s != 0x7f)
                        strbuf_putc(b, *s);
        }
        strbuf_putc(b, '"');
}

/* Node ids carry the kind, so a container called "public" is not the address class. */
static void node_id(struct strbuf *b, enum node_kind kind, const char *name)
{
        struct strbuf id = {};

        strbuf_printf(&id, "%s:%s", node_kind_to_string(kind), name);
        dot_quote(b, id.data ?: "");
        strbuf_free(&id);
}

struct node {
        const char *name;
        enum node_kind kind;
};

/* The distinct nodes of the edges, in order of first appearance. */
static size_t collect_nodes(const struct conn_edge *edges, size_t n, struct node *nodes)
{
        size_t n_nodes = 0;

        for (size_t i = 0; i < 2 * n; i++) {
                const char *name = i % 2 ? edges[i / 2].dst : edges[i / 2].src;
                enum node_kind kind = i % 2 ? edges[i / 2].dst_kind : edges[i / 2].src_kind;
                bool seen = false;

                for (size_t j = 0; j < n_nodes && !seen; j++)
                        seen = nodes[j].kind == kind && streq(nodes[j].name, name);
                if (!seen)
                        nodes[n_nodes++] = (struct node) { name, kind };
        }
        return n_nodes;
}

static void render_dot(struct strbuf *b, const struct conn_edge *edges, size_t n, const struct node *nodes,
                       size_t n_nodes)
{
        static const char *const style[_NODE_KIND_MAX] = {
                [NODE_CONTAINER] = "shape=box, style=\"rounded,filled\", fillcolor=\"#d6e4ff\"",
                [NODE_HOST] = "shape=house, style=filled, fillcolor=\"#e2f0d9\"",
                [NODE_ADDRESS] = "shape=ellipse, style=dashed",
        };

        strbuf_puts(b, "digraph cwatch_connections {\n"
                       "        rankdir=LR;\n"
                       "        node [fontname=\"Helvetica\"];\n"
                       "        edge [fontname=\"Helvetica\", fontsize=10];\n");
        for (size_t i = 0; i < n_nodes; i++) {
                strbuf_puts(b, "        ");
                node_id(b, nodes[i].kind, nodes[i].name);
                strbuf_puts(b, " [label=");
                dot_quote(b, nodes[i].name);
                strbuf_printf(b, ", %s];\n", style[nodes[i].kind]);
        }
        for (size_t i = 0; i < n; i++) {
                strbuf_puts(b, "        ");
                node_id(b, edges[i].src_kind, edges[i].src);
                strbuf_puts(b, " -> ");
                node_id(b, edges[i].dst_kind, edges[i].dst);
                strbuf_printf(b, " [label=\"%u (%" PRIu64 ")\"];\n", edges[i].port, edges[i].count);
        }
        strbuf_puts(b, "}\n");
}

static void json_str(struct strbuf *b, const char *s)
{
        strbuf_putc(b, '"');
        json_escape(b, s, strlen(s));
        strbuf_putc(b, '"');
}

static void render_json(struct strbuf *b, const struct conn_edge *edges, size_t n, const struct node *nodes,
                        size_t n_nodes)
{
        struct strbuf id = {};

        strbuf_puts(b, "{\"nodes\":[");
        for (size_t i = 0; i < n_nodes; i++) {
                strbuf_reset(&id);
                strbuf_printf(&id, "%s:%s", node_kind_to_string(nodes[i].kind), nodes[i].name);
                strbuf_puts(b, i ? ",{\"id\":" : "{\"id\":");
                json_str(b, id.data ?: "");
                strbuf_puts(b, ",\"name\":");
                json_str(b, nodes[i].name);
                strbuf_printf(b, ",\"kind\":\"%s\"}", node_kind_to_string(nodes[i].kind));
        }
        strbuf_puts(b, "],\"edges\":[");
        for (size_t i = 0; i < n; i++) {
                strbuf_reset(&id);
                strbuf_printf(&id, "%s:%s", node_kind_to_string(edges[i].src_kind), edges[i].src);
                strbuf_puts(b, i ? ",{\"source\":" : "{\"source\":");
                json_str(b, id.data ?: "");
                strbuf_reset(&id);
                strbuf_printf(&id, "%s:%s", node_kind_to_string(edges[i].dst_kind), edges[i].dst);
                strbuf_puts(b, ",\"target\":");
                json_str(b, id.data ?: "");
                strbuf_printf(b, ",\"port\":%u,\"count\":%" PRIu64 ",\"first_seen_usec\":%" PRIu64
                              ",\"last_seen_usec\":%" PRIu64 "}", edges[i].port, edges[i].count,
                              edges[i].first_seen_ns / 1000, edges[i].last_seen_ns / 1000);
        }
        strbuf_puts(b, "]}\n");
        strbuf_free(&id);
}

void graph_render(struct strbuf *b, enum graph_format format, const struct conn_edge *edges, size_t n)
{
        struct node *nodes = calloc(2 * n + 1, sizeof(*nodes));
        size_t n_nodes;

        if (!nodes) {
                b->oom = true;
                return;
        }
        n_nodes = collect_nodes(edges, n, nodes);
        if (format == GRAPH_DOT)
                render_dot(b, edges, n, nodes, n_nodes);
        else
                render_json(b, edges, n, nodes, n_nodes);
        free(nodes);
}
