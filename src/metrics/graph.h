/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The connection graph as Graphviz DOT or JSON: nodes are containers, the host and address
 * classes; edges carry the server port and the number of connections. */
#pragma once

#include <stddef.h>
#include "connections.h"
#include "shared/strbuf.h"

enum graph_format {
        GRAPH_DOT,
        GRAPH_JSON,
};

int graph_format_from_string(const char *s);
void graph_render(struct strbuf *b, enum graph_format format, const struct conn_edge *edges, size_t n);
