/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Events of the tcp tracer: one per connection lifecycle. */
#pragma once

#include "event.h"

/* The tcp tracer's event types. */
enum cw_tcp_event_type {
        CW_EV_TCP_CLOSE = 1,            /* an established connection closed */
        CW_EV_TCP_FAILED = 2,           /* a connect that never reached ESTABLISHED */
        CW_EV_TCP_CONNECT = 3,          /* an outgoing connection became ESTABLISHED */
        CW_EV_TCP_ACCEPT = 4,           /* a process accepted an incoming connection */
};

enum cw_tcp_direction {
        CW_TCP_CONNECT = 1,
        CW_TCP_ACCEPT = 2,
};

enum cw_tcp_flags {
        CW_TCP_OWNER_KNOWN = 1 << 0,    /* pid, uid, comm and cgroup in the header are the owner's */
};

/* The header's pid, uid, comm and cgroup id are those of the process that connected or
 * accepted (not of whatever ran when the kernel changed the state). Addresses are in network
 * byte order; an IPv4 address fills the first 4 bytes. Ports are in host byte order. */
struct cw_tcp_event {
        struct cw_event_header hdr;
        uint64_t duration_ns;   /* from SYN_SENT / SYN_RECV to this event */
        uint64_t bytes_sent;    /* tcp_sock.bytes_acked */
        uint64_t bytes_received;        /* tcp_sock.bytes_received */
        uint8_t saddr[16];
        uint8_t daddr[16];
        uint16_t sport;
        uint16_t dport;
        uint16_t family;        /* AF_INET or AF_INET6 */
        uint8_t direction;      /* enum cw_tcp_direction */
        uint8_t flags;          /* enum cw_tcp_flags */
        int32_t error;          /* CW_EV_TCP_FAILED: the socket's error (positive errno), 0 if none */
        uint32_t pad;
};

_Static_assert(__builtin_offsetof(struct cw_tcp_event, duration_ns) == 56, "cw_tcp_event layout");
_Static_assert(__builtin_offsetof(struct cw_tcp_event, saddr) == 80, "cw_tcp_event layout");
_Static_assert(__builtin_offsetof(struct cw_tcp_event, sport) == 112, "cw_tcp_event layout");
_Static_assert(__builtin_offsetof(struct cw_tcp_event, error) == 120, "cw_tcp_event layout");
_Static_assert(sizeof(struct cw_tcp_event) == 128, "cw_tcp_event layout");
