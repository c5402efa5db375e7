/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cwatchctl graph connections [--since SPAN] [--format dot|json] */
#pragma once

#include <stdio.h>
#include <systemd/sd-bus.h>
#include "metrics/connections.h"

/* The verb: parses its arguments (argv[0] is "graph"), asks the daemon and prints the graph to out.
 * Returns 0, or a negative errno after printing why to err (-EINVAL: bad usage). */
int ctl_graph(sd_bus *bus, int argc, char *argv[], FILE *out, FILE *err);

/* Calls GetConnections and returns the edges. */
int ctl_fetch_connections(sd_bus *bus, uint64_t since_usec, struct conn_edge **ret, size_t *ret_n, FILE *err);

/* "90", "90s", "10min", "2h", "1d" to microseconds. */
int parse_time_span(const char *s, uint64_t *ret_usec);
