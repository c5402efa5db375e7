/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include "http-server.h"
#include "exposition.h"
#include "metrics.h"
#include "shared/log.h"
#include "shared/timeutil.h"

/* libmicrohttpd is loaded when an endpoint starts, not with cwatchd: it brings GnuTLS and its
 * dependencies, ~3 MB of resident memory that a cwatchd serving no metrics does not need. */
#define MHD_FUNCTIONS(X) \
        X(start_daemon, MHD_start_daemon) \
        X(stop_daemon, MHD_stop_daemon) \
        X(get_daemon_info, MHD_get_daemon_info) \
        X(get_timeout, MHD_get_timeout) \
        X(run, MHD_run) \
        X(create_response_from_buffer, MHD_create_response_from_buffer) \
        X(add_response_header, MHD_add_response_header) \
        X(queue_response, MHD_queue_response) \
        X(destroy_response, MHD_destroy_response)

struct mhd_api {
        void *handle;
#define MHD_POINTER(field, symbol) __typeof__(symbol) *field;
        MHD_FUNCTIONS(MHD_POINTER)
#undef MHD_POINTER
};

static int mhd_api_load(struct mhd_api *api)
{
        api->handle = dlopen(MICROHTTPD_SONAME, RTLD_NOW | RTLD_LOCAL);
        if (!api->handle)
                return log_error_errno(ENOENT, "Failed to load %s for the metrics endpoint: %s", MICROHTTPD_SONAME,
                                       dlerror());
#define MHD_RESOLVE(field, symbol)                                                              \
        api->field = (__typeof__(symbol) *) dlsym(api->handle, #symbol);                        \
        if (!api->field) {                                                                      \
                log_error("Failed to find %s in %s", #symbol, MICROHTTPD_SONAME);               \
                dlclose(api->handle);                                                           \
                api->handle = NULL;                                                             \
                return -ENOENT;                                                                 \
        }
        MHD_FUNCTIONS(MHD_RESOLVE)
#undef MHD_RESOLVE
        return 0;
}

struct metrics_server {
        struct mhd_api mhd;
        sd_event *event;
        metrics_render_fn render;
        void *userdata;
        struct MHD_Daemon *daemon;
        sd_event_source *io_source;
        sd_event_source *timer_source;
        uint16_t port;
        struct metrics_route routes[METRICS_MAX_ROUTES];       /* beside /metrics */
        size_t n_routes;
};

int metrics_server_add_route(struct metrics_server *s, const char *path, const char *content_type,
                             metrics_route_fn get, void *userdata)
{
        if (!s)
                return -ENOENT;
        if (s->n_routes >= METRICS_MAX_ROUTES)
                return -ENOSPC;
        s->routes[s->n_routes++] = (struct metrics_route) { path, content_type, get, userdata };
        return 0;
}

static const struct metrics_route *find_route(const struct metrics_server *s, const char *url)
{
        for (size_t i = 0; i < s->n_routes; i++)
                if (streq(url, s->routes[i].path))
                        return &s->routes[i];
        return NULL;
}

uint16_t metrics_server_port(const struct metrics_server *s)
{
        return s ? s->port : 0;
}

int metrics_parse_listen_address(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len)
{
        struct sockaddr_in *in = (struct sockaddr_in *) ret;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) ret;
        char host[INET6_ADDRSTRLEN + 1];
        const char *port_str, *colon;
        unsigned long port;
        size_t host_len;
        char *end;

        memset(ret, 0, sizeof(*ret));
        if (s[0] == '[') {
                const char *close = strchr(s, ']');

                if (!close || close[1] != ':')
                        return -EINVAL;
                host_len = close - s - 1;
                if (host_len == 0 || host_len >= sizeof(host))
                        return -EINVAL;
                memcpy(host, s + 1, host_len);
                host[host_len] = 0;
                port_str = close + 2;
                if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
                        return -EINVAL;
                in6->sin6_family = AF_INET6;
                *ret_len = sizeof(*in6);
        } else if ((colon = strrchr(s, ':'))) {
                host_len = colon - s;
                if (host_len == 0 || host_len >= sizeof(host))
                        return -EINVAL;
                memcpy(host, s, host_len);
                host[host_len] = 0;
                port_str = colon + 1;
                if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
                        return -EINVAL;
                in->sin_family = AF_INET;
                *ret_len = sizeof(*in);
        } else {
                port_str = s;
                in->sin_family = AF_INET;
                in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                *ret_len = sizeof(*in);
        }
        if (!*port_str || *port_str == '-' || *port_str == '+')
                return -EINVAL;
        errno = 0;
        port = strtoul(port_str, &end, 10);
        if (errno != 0 || *end || port > 65535)
                return -EINVAL;
        if (ret->ss_family == AF_INET6)
                in6->sin6_port = htons((uint16_t) port);
        else
                in->sin_port = htons((uint16_t) port);
        return 0;
}

static int listen_on(const char *address, uint16_t *ret_port)
{
        _cleanup_close_ int fd = -1;
        struct sockaddr_storage sa, bound;
        socklen_t len, bound_len = sizeof(bound);
        int one = 1;

        if (metrics_parse_listen_address(address, &sa, &len) < 0)
                return log_error_errno(EINVAL, "Invalid metrics listen address '%s': want ADDRESS:PORT, "
                                       "[IPV6]:PORT or PORT", address);
        fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create the metrics socket: %m");
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *) &sa, len) < 0)
                return log_error_errno(errno, "Failed to bind the metrics socket to %s: %m", address);
        if (listen(fd, 64) < 0)
                return log_error_errno(errno, "Failed to listen on %s: %m", address);
        if (getsockname(fd, (struct sockaddr *) &bound, &bound_len) == 0)
                *ret_port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *) &bound)->sin6_port
                                                              : ((struct sockaddr_in *) &bound)->sin_port);
        return TAKE_FD(fd);
}

/* The first listening TCP socket systemd passed us, or -ENOENT. */
static int activation_socket(uint16_t *ret_port)
{
        int n = sd_listen_fds(0);

        for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + MAX(n, 0); fd++) {
                struct sockaddr_storage sa;
                socklen_t len = sizeof(sa);
                int flags;

                if (sd_is_socket_inet(fd, AF_UNSPEC, SOCK_STREAM, 1, 0) <= 0)
                        continue;
                /* a connection that goes away between poll and accept must not block the loop */
                flags = fcntl(fd, F_GETFL);
                if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
                        return log_error_errno(errno, "Failed to make the activation socket non-blocking: %m");
                (void) fcntl(fd, F_SETFD, FD_CLOEXEC);
                if (getsockname(fd, (struct sockaddr *) &sa, &len) == 0)
                        *ret_port = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *) &sa)->sin6_port
                                                                   : ((struct sockaddr_in *) &sa)->sin_port);
                return fd;
        }
        return -ENOENT;
}

static enum MHD_Result respond(const struct metrics_server *s, struct MHD_Connection *c, unsigned status,
                               const char *body, const char *allow)
{
        struct MHD_Response *resp;
        enum MHD_Result ret;

        resp = s->mhd.create_response_from_buffer(strlen(body), (void *) body, MHD_RESPMEM_PERSISTENT);
        if (!resp)
                return MHD_NO;
        (void) s->mhd.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
        if (allow)
                (void) s->mhd.add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
        ret = s->mhd.queue_response(c, status, resp);
        s->mhd.destroy_response(resp);
        return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
        static int first_call_seen;
        struct metrics_server *s = cls;
        struct MHD_Response *resp;
        struct strbuf b = {};
        enum MHD_Result ret;
        const struct metrics_route *route = find_route(s, url);

        if (!streq(url, "/metrics") && !route)
                return respond(s, c, MHD_HTTP_NOT_FOUND, "Not found: cwatchd serves /metrics and /whitelist.\n",
                               NULL);
        if (!streq(method, MHD_HTTP_METHOD_GET) && !streq(method, MHD_HTTP_METHOD_HEAD))
                return respond(s, c, MHD_HTTP_METHOD_NOT_ALLOWED, "Method not allowed: use GET or HEAD.\n",
                               "GET, HEAD");
        /* the first call only announces the headers; answer on the second, as MHD expects */
        if (!*req_cls) {
                *req_cls = &first_call_seen;
                return MHD_YES;
        }
        if (*upload_data_size > 0) {
                *upload_data_size = 0;
                return MHD_YES;
        }
        if (route) {
                const void *data;
                size_t size;

                if (route->get(&data, &size, route->userdata) < 0)
                        return respond(s, c, MHD_HTTP_NOT_FOUND, "Nothing here yet.\n", NULL);
                resp = s->mhd.create_response_from_buffer(size, (void *) data, MHD_RESPMEM_MUST_COPY);
                if (!resp)
                        return MHD_NO;
                (void) s->mhd.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, route->content_type);
                ret = s->mhd.queue_response(c, MHD_HTTP_OK, resp);
                s->mhd.destroy_response(resp);
                return ret;
        }

        s->render(&b, s->userdata);
        if (b.oom) {
                strbuf_free(&b);
                return respond(s, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Out of memory.\n", NULL);
        }
        resp = s->mhd.create_response_from_buffer(b.len, b.data ?: (char *) "", b.data ? MHD_RESPMEM_MUST_FREE
                                                                                   : MHD_RESPMEM_PERSISTENT);
        if (!resp) {
                strbuf_free(&b);
                return MHD_NO;
        }
        (void) s->mhd.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, EXPOSITION_CONTENT_TYPE);
        ret = s->mhd.queue_response(c, MHD_HTTP_OK, resp);
        s->mhd.destroy_response(resp);
        return ret;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
        char buf[256];

        vsnprintf(buf, sizeof(buf), fmt, ap);
        buf[strcspn(buf, "\n")] = 0;
        log_debug("metrics http: %s", buf);
}

static void metrics_server_arm_timer(struct metrics_server *s)
{
        MHD_UNSIGNED_LONG_LONG ms;
        uint64_t now;

        if (s->mhd.get_timeout(s->daemon, &ms) != MHD_YES) {
                (void) sd_event_source_set_enabled(s->timer_source, SD_EVENT_OFF);
                return;
        }
        if (sd_event_now(s->event, CLOCK_MONOTONIC, &now) < 0)
                now = now_monotonic_ns() / NSEC_PER_USEC;
        (void) sd_event_source_set_time(s->timer_source, now + MIN(ms, (MHD_UNSIGNED_LONG_LONG) 3600000) * 1000);
        (void) sd_event_source_set_enabled(s->timer_source, SD_EVENT_ONESHOT);
}

static void metrics_server_run(struct metrics_server *s)
{
        if (s->mhd.run(s->daemon) != MHD_YES)
                log_debug("metrics http: MHD_run failed, ignoring");
        metrics_server_arm_timer(s);
}

static int on_io(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
        metrics_server_run(userdata);
        return 0;
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
        metrics_server_run(userdata);
        return 0;
}

struct metrics_server *metrics_server_free(struct metrics_server *s)
{
        if (!s)
                return NULL;
        s->io_source = sd_event_source_disable_unref(s->io_source);
        s->timer_source = sd_event_source_disable_unref(s->timer_source);
        if (s->daemon)
                s->mhd.stop_daemon(s->daemon);     /* closes the listening socket */
        if (s->mhd.handle)
                dlclose(s->mhd.handle);
        free(s);
        return NULL;
}
DEFINE_POINTER_CLEANUP(struct metrics_server, metrics_server_free);

int metrics_server_start(struct metrics_server **ret, sd_event *event, const char *listen_address,
                         metrics_render_fn render, void *userdata)
{
        _cleanup_(metrics_server_freep) struct metrics_server *s = NULL;
        const union MHD_DaemonInfo *info;
        _cleanup_close_ int fd = -1;
        bool activated;
        int r;

        if (*ret)
                return -EALREADY;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        *s = (struct metrics_server) { .event = event, .render = render, .userdata = userdata };

        fd = activation_socket(&s->port);
        activated = fd >= 0;
        if (fd < 0 && fd != -ENOENT)
                return fd;
        if (fd < 0) {
                if (!listen_address || !*listen_address || streq(listen_address, "no"))
                        return 0;
                fd = listen_on(listen_address, &s->port);
                if (fd < 0)
                        return fd;
        }

        r = mhd_api_load(&s->mhd);
        if (r < 0)
                return r;
        /* no MHD_USE_INTERNAL_POLLING_THREAD: MHD runs only when our loop calls MHD_run() */
        s->daemon = s->mhd.start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
                                     0, NULL, NULL, on_request, s,
                                     MHD_OPTION_LISTEN_SOCKET, (MHD_socket) fd,
                                     MHD_OPTION_CONNECTION_LIMIT, METRICS_CONNECTION_LIMIT,
                                     MHD_OPTION_PER_IP_CONNECTION_LIMIT, METRICS_PER_IP_CONNECTION_LIMIT,
                                     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) METRICS_CONNECTION_MEMORY,
                                     MHD_OPTION_CONNECTION_TIMEOUT, METRICS_CONNECTION_TIMEOUT_SEC,
                                     MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
                                     MHD_OPTION_END);
        if (!s->daemon)
                return log_error_errno(EIO, "Failed to start the metrics HTTP server");
        TAKE_FD(fd);    /* MHD owns it now */

        info = s->mhd.get_daemon_info(s->daemon, MHD_DAEMON_INFO_EPOLL_FD);
        if (!info)
                return log_error_errno(EIO, "Failed to get the metrics server's epoll fd");
        r = sd_event_add_io(event, &s->io_source, info->epoll_fd, EPOLLIN, on_io, s);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the metrics server: %m");
        (void) sd_event_source_set_description(s->io_source, "metrics-http");
        r = sd_event_add_time(event, &s->timer_source, CLOCK_MONOTONIC, 0, 1000, on_timer, s);
        if (r < 0)
                return log_error_errno(r, "Failed to add the metrics server timer: %m");
        (void) sd_event_source_set_description(s->timer_source, "metrics-http-timer");
        metrics_server_arm_timer(s);

        if (activated)
                log_info("serving metrics on the socket passed by systemd (port %u)", s->port);
        else
                log_info("serving metrics on %s (port %u), path /metrics", listen_address, s->port);
        *ret = TAKE_PTR(s);
        return 1;
}
