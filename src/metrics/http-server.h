/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The /metrics endpoint: libmicrohttpd without threads of its own, driven by the manager's
 * sd-event loop through MHD's epoll fd and timeout. */
#pragma once

#include <stdint.h>
#include <sys/socket.h>
#include "shared/macro.h"

#include <systemd/sd-event.h>
#include "shared/strbuf.h"

struct metrics_server;

/* Appends the exposition to b, at each scrape. */
typedef void (*metrics_render_fn)(struct strbuf *b, void *userdata);

#define METRICS_DEFAULT_PORT 9469
#define METRICS_CONNECTION_LIMIT 32u
#define METRICS_PER_IP_CONNECTION_LIMIT 16u
#define METRICS_CONNECTION_MEMORY (16u * 1024)  /* request headers beyond this get 431 */
#define METRICS_CONNECTION_TIMEOUT_SEC 10u

/* Starts serving GET /metrics on the stream socket systemd passed (socket activation), else on
 * listen_address ("127.0.0.1:9469", "[::1]:9469", or a port alone for 127.0.0.1), else not at all
 * (listen_address NULL, "" or "no": returns 0 and serves nothing), on event. Each scrape is answered
 * with what render appends. Returns 1 and the server in *ret (which must be NULL) when serving. */
int metrics_server_start(struct metrics_server **ret, sd_event *event, const char *listen_address,
                         metrics_render_fn render, void *userdata);
struct metrics_server *metrics_server_free(struct metrics_server *s);

/* More paths beside /metrics (cwatchd's /whitelist): get gives the body (copied at once), or a
 * negative errno for 404. */
typedef int (*metrics_route_fn)(const void **ret_data, size_t *ret_size, void *userdata);
struct metrics_route {
        const char *path, *content_type;
        metrics_route_fn get;
        void *userdata;
};
#define METRICS_MAX_ROUTES 4
/* -ENOENT when s is NULL (not serving), -ENOSPC beyond METRICS_MAX_ROUTES. */
int metrics_server_add_route(struct metrics_server *s, const char *path, const char *content_type,
                             metrics_route_fn get, void *userdata);

/* Parses a listen address as above into a socket address. */
int metrics_parse_listen_address(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len);
/* The port the server listens on (tests bind port 0), or 0. */
uint16_t metrics_server_port(const struct metrics_server *s);
