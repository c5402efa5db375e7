/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Events of the sockets tracer: connects to Unix sockets, listen() on TCP sockets, and the
 * creation of packet and raw sockets. */
#pragma once

#include "event.h"

/* The sockets tracer's event types. */
enum cw_sockets_event_type {
        CW_EV_UNIX_CONNECT = 1,                 /* connect() with an AF_UNIX address */
        CW_EV_LISTEN = 2,                       /* listen() on a TCP socket (v4, v6) */
        CW_EV_RAW_SOCKET = 3,                   /* socket() of family AF_PACKET or of type SOCK_RAW */
};

/* sizeof(struct sockaddr_un.sun_path) */
#define CW_UNIX_PATH_MAX 108
/* the path buffer: a power of two above CW_UNIX_PATH_MAX, so a length masks into it */
#define CW_UNIX_PATH_BUF 128

/* Unix connects are sent only when the address connected to (path) or the server's bound
 * address (peer_path) starts with a watched prefix: an LPM trie keyed by the address as it is
 * shown, but for the NULs of an abstract name after its first ("@"), which stay NUL (keys:
 * src/tracers/sockets-watch.c, unix_address_watched() in sockets.bpf.c). An entry of prefixlen 0
 * watches every address. */
#define CW_UNIX_WATCH_MAX 1024            /* entries of the trie */

struct cw_unix_watch_key {
        uint32_t prefixlen;     /* bits */
        char data[CW_UNIX_PATH_MAX];
};

/* Per-CPU counters (the "sockets_counters" map). */
enum cw_sockets_counter {
        CW_SOCKETS_CNT_CONNECTS_CHECKED = 0,    /* Unix connects matched against the watched prefixes */
        CW_SOCKETS_CNT_CONNECTS_UNMATCHED,      /* ... which matched none: no event */
        _CW_SOCKETS_CNT_MAX,
};

/* One event for all three operations; the fields an operation does not have are 0.
 * - unix_connect: family AF_UNIX, type of the connecting socket, path as passed (path_len bytes
 *   of sun_path, an abstract name starting with its NUL byte), result 0 or -errno; when it
 *   connected, peer_path: the address the server bound (the same bytes; the server's own name
 *   for it, whatever path, link or bind mount the client used).
 * - listen: family AF_INET or AF_INET6, type, protocol IPPROTO_TCP, local address (network byte
 *   order; IPv4 in the first 4 bytes) and port (host byte order) after the call, backlog as
 *   passed, result 0 or -errno.
 * - raw_socket: family, type (SOCK_NONBLOCK and SOCK_CLOEXEC masked off) and protocol as passed
 *   to socket() (AF_PACKET: an ETH_P_* in network byte order), result the fd or -errno. */
struct cw_sockets_event {
        struct cw_event_header hdr;
        int64_t result;
        uint32_t ppid;
        int32_t backlog;
        int32_t protocol;
        uint16_t family;
        uint16_t type;
        int32_t fd;             /* the socket's descriptor as passed (unix_connect, listen), -1 if none */
        uint16_t lport;
        uint16_t path_len;      /* bytes of path used, at most CW_UNIX_PATH_MAX */
        uint8_t laddr[16];
        char path[CW_UNIX_PATH_BUF];    /* not NUL-terminated; path_len says how much */
        uint16_t peer_path_len;
        uint16_t pad[3];
        char peer_path[CW_UNIX_PATH_BUF];
};

_Static_assert(__builtin_offsetof(struct cw_sockets_event, result) == 56, "cw_sockets_event layout");
_Static_assert(__builtin_offsetof(struct cw_sockets_event, family) == 76, "cw_sockets_event layout");
_Static_assert(__builtin_offsetof(struct cw_sockets_event, fd) == 80, "cw_sockets_event layout");
_Static_assert(__builtin_offsetof(struct cw_sockets_event, lport) == 84, "cw_sockets_event layout");
_Static_assert(__builtin_offsetof(struct cw_sockets_event, laddr) == 88, "cw_sockets_event layout");
_Static_assert(__builtin_offsetof(struct cw_sockets_event, path) == 104, "cw_sockets_event layout");
_Static_assert(__builtin_offsetof(struct cw_sockets_event, peer_path_len) == 232, "cw_sockets_event layout");
_Static_assert(__builtin_offsetof(struct cw_sockets_event, peer_path) == 240, "cw_sockets_event layout");
_Static_assert(sizeof(struct cw_sockets_event) == 368, "cw_sockets_event layout");
_Static_assert(sizeof(struct cw_unix_watch_key) == 112, "cw_unix_watch_key layout");
