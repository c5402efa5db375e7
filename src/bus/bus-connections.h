/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.cwatch1.Manager.GetConnections: the recent TCP connection graph. The service's vtable adds
 * BUS_METHOD_GET_CONNECTIONS with the manager as userdata. */
#pragma once

#include <systemd/sd-bus.h>

#define BUS_CONNECTIONS_SIGNATURE "a(ssssqtt)"

/* GetConnections(t since_usec) -> a(ssssqtt) connections: source, source kind, destination,
 * destination kind ("container", "host" or "address"), server port, connection count and last seen
 * (realtime usec), for the edges seen at or after since_usec (0: all the daemon remembers). */
int bus_method_get_connections(sd_bus_message *msg, void *userdata, sd_bus_error *error);

#define BUS_METHOD_GET_CONNECTIONS                                                              \
        SD_BUS_METHOD_WITH_NAMES("GetConnections", "t", SD_BUS_PARAM(since_usec),               \
                                 BUS_CONNECTIONS_SIGNATURE, SD_BUS_PARAM(connections),          \
                                 bus_method_get_connections, SD_BUS_VTABLE_UNPRIVILEGED)
