/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>
#include "bus/bus-connections.h"
#include "manager.h"
#include "metrics/metrics.h"
#include "shared/escape.h"
#include "shared/timeutil.h"

int bus_method_get_connections(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ struct conn_edge *edges = NULL;
        struct manager *m = userdata;
        uint64_t since_usec;
        size_t n = 0;
        int r;

        r = sd_bus_message_read(msg, "t", &since_usec);
        if (r < 0)
                return r;
        if (since_usec > UINT64_MAX / NSEC_PER_USEC)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "since_usec %" PRIu64 " is beyond any time cwatchd can have seen",
                                         since_usec);
        if (m->metrics) {
                /* halves whose other side did not come within the window are final by now */
                conn_tracker_expire(&m->metrics->connections, now_monotonic_ns());
                r = conn_tracker_edges_since(&m->metrics->connections, since_usec * NSEC_PER_USEC, &edges, &n);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ssssqtt)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                /* names of processes and containers: any bytes, escaped as every output does */
                _cleanup_free_ char *src = escape_dup(edges[i].src, strlen(edges[i].src), 0),
                                    *dst = escape_dup(edges[i].dst, strlen(edges[i].dst), 0);

                if (!src || !dst)
                        return -ENOMEM;
                r = sd_bus_message_append(reply, "(ssssqtt)", src, node_kind_to_string(edges[i].src_kind),
                                          dst, node_kind_to_string(edges[i].dst_kind), edges[i].port,
                                          edges[i].count, edges[i].last_seen_ns / NSEC_PER_USEC);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}
