/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bounded classes for network labels: address classes instead of addresses, well-known port
 * numbers instead of every port. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* An IPv4 or IPv6 address as bytes; v4 in the first 4. */
struct net_address {
        int family;             /* AF_INET or AF_INET6 */
        uint8_t bytes[16];
};

/* Parses a textual v4 or v6 address ("127.0.0.1", "::1", "::ffff:10.0.0.1"); a v4-mapped v6 address
 * becomes the v4 address. */
int net_address_parse(const char *s, struct net_address *ret);

/* "loopback", "private" (RFC 1918, CGNAT, link-local, unique-local), "multicast",
 * "unspecified" or "public". v4-mapped v6 addresses are classed as their v4 address. */
const char *net_address_class(const struct net_address *a);

/* The port as a label: its number when below 1024 or a well-known service port above it,
 * "ephemeral" otherwise. buf must hold 8 bytes. */
const char *port_class(uint16_t port, char buf[static 8]);
bool port_is_known_service(uint16_t port);
