/* SPDX-License-Identifier: GPL-2.0-or-later */
/* GetConnections over a real sd-bus connection (a socket pair, no bus daemon) and cwatchctl's
 * graph verb on the other end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "bus/bus-connections.h"
#include "ctl/ctl-graph.h"
#include "daemon/manager.h"
#include "metrics/metrics.h"
#include "shared/timeutil.h"

static const sd_bus_vtable vtable[] = {
        SD_BUS_VTABLE_START(0),
        BUS_METHOD_GET_CONNECTIONS,
        SD_BUS_VTABLE_END,
};

static void add_half(struct metrics *mt, const char *container, bool connect, unsigned lport, unsigned rport,
                     uint64_t time_ns)
{
        struct conn_half h = { .is_connect = connect, .local_port = lport, .remote_port = rport, .time_ns = time_ns };

        snprintf(h.container, sizeof(h.container), "%s", container ?: "");
        assert_int_equal(net_address_parse("127.0.0.1", &h.local_addr), 0);
        assert_int_equal(net_address_parse("127.0.0.1", &h.remote_addr), 0);
        (void) conn_tracker_add(&mt->connections, &h, now_monotonic_ns());
}

/* The child serves the method with a manager whose metrics saw some connections. */
static _noreturn_ void serve(int fd)
{
        struct manager m = {};
        sd_bus *bus = NULL;
        sd_id128_t id;
        uint64_t now = now_realtime_ns();

        assert_int_equal(metrics_new(&m.metrics), 0);
        add_half(m.metrics, "frontend", true, 40001, 8080, now - 120 * NSEC_PER_SEC);
        add_half(m.metrics, "api", false, 8080, 40001, now - 120 * NSEC_PER_SEC);
        add_half(m.metrics, "frontend", true, 40002, 8080, now);
        add_half(m.metrics, "api", false, 8080, 40002, now);
        add_half(m.metrics, "api", true, 40003, 5432, now);
        add_half(m.metrics, "db", false, 5432, 40003, now);
        add_half(m.metrics, NULL, true, 40004, 5432, now);
        add_half(m.metrics, "db", false, 5432, 40004, now);

        if (sd_id128_randomize(&id) < 0 || sd_bus_new(&bus) < 0 || sd_bus_set_fd(bus, fd, fd) < 0 ||
            sd_bus_set_server(bus, 1, id) < 0 || sd_bus_start(bus) < 0 ||
            sd_bus_add_object_vtable(bus, NULL, "/org/cwatch1", "org.cwatch1.Manager", vtable, &m) < 0)
                _exit(2);
        for (;;) {
                int r = sd_bus_process(bus, NULL);

                if (r < 0)
                        break;          /* the client went away */
                if (r == 0 && sd_bus_wait(bus, UINT64_MAX) < 0)
                        break;
        }
        sd_bus_flush_close_unref(bus);
        metrics_free(m.metrics);
        _exit(0);
}

static sd_bus *client(pid_t *child)
{
        sd_bus *bus = NULL;
        int fds[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        *child = fork();
        assert_true(*child >= 0);
        if (*child == 0) {
                close(fds[0]);
                serve(fds[1]);
        }
        close(fds[1]);
        assert_int_equal(sd_bus_new(&bus), 0);
        assert_int_equal(sd_bus_set_fd(bus, fds[0], fds[0]), 0);
        assert_int_equal(sd_bus_start(bus), 0);
        return bus;
}

static void done(sd_bus *bus, pid_t child)
{
        int status;

        sd_bus_flush_close_unref(bus);
        assert_int_equal(waitpid(child, &status, 0), child);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static char *run_ctl(sd_bus *bus, int argc, char **argv, int *ret)
{
        char *text = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&text, &size);

        assert_non_null(out);
        *ret = ctl_graph(bus, argc, argv, out, stderr);
        fclose(out);
        return text;
}

static void test_get_connections(void **state)
{
        struct conn_edge *edges;
        pid_t child;
        sd_bus *bus = client(&child);
        size_t n;

        assert_int_equal(ctl_fetch_connections(bus, 0, &edges, &n, stderr), 0);
        assert_int_equal(n, 3);
        assert_string_equal(edges[0].src, "frontend");
        assert_string_equal(edges[0].dst, "api");
        assert_int_equal(edges[0].port, 8080);
        assert_int_equal(edges[0].count, 2);
        assert_string_equal(edges[1].dst, "db");
        assert_int_equal(edges[1].count, 1);
        assert_string_equal(edges[2].src, "host");
        assert_int_equal(edges[2].src_kind, NODE_HOST);
        free(edges);
        /* since: only what was seen in the last minute; the old frontend->api one is still there once */
        assert_int_equal(ctl_fetch_connections(bus, now_realtime_ns() / 1000 - 60 * USEC_PER_SEC, &edges, &n,
                                               stderr), 0);
        assert_int_equal(n, 3);
        free(edges);
        assert_int_equal(ctl_fetch_connections(bus, now_realtime_ns() / 1000 + 3600 * USEC_PER_SEC, &edges, &n,
                                               stderr), 0);
        assert_int_equal(n, 0);
        free(edges);
        done(bus, child);
}

static void test_ctl_graph_verb(void **state)
{
        char *dot_argv[] = { "graph", "connections", "--format", "dot", NULL };
        char *json_argv[] = { "graph", "--since", "10min", "connections", "--format=json", NULL };
        char *bad1[] = { "graph", "nodes", NULL };
        char *bad2[] = { "graph", "connections", "--format", "png", NULL };
        char *bad3[] = { "graph", "connections", "--since", "yesterday", NULL };
        struct json_object *o, *edges;
        pid_t child;
        sd_bus *bus = client(&child);
        char *text;
        int r;

        text = run_ctl(bus, 4, dot_argv, &r);
        assert_int_equal(r, 0);
        assert_non_null(strstr(text, "\"container:frontend\" -> \"container:api\" [label=\"8080 (2)\"];"));
        assert_non_null(strstr(text, "\"host:host\" -> \"container:db\" [label=\"5432 (1)\"];"));
        free(text);
        text = run_ctl(bus, 5, json_argv, &r);
        assert_int_equal(r, 0);
        o = json_tokener_parse(text);
        assert_non_null(o);
        assert_true(json_object_object_get_ex(o, "edges", &edges));
        assert_int_equal(json_object_array_length(edges), 3);
        json_object_put(o);
        free(text);
        free(run_ctl(bus, 2, bad1, &r));
        assert_int_equal(r, -EINVAL);
        free(run_ctl(bus, 4, bad2, &r));
        assert_int_equal(r, -EINVAL);
        free(run_ctl(bus, 4, bad3, &r));
        assert_int_equal(r, -EINVAL);
        done(bus, child);
}

static void test_time_spans(void **state)
{
        uint64_t u;

        assert_int_equal(parse_time_span("90", &u), 0);
        assert_int_equal(u, 90 * USEC_PER_SEC);
        assert_int_equal(parse_time_span("10min", &u), 0);
        assert_int_equal(u, 600 * USEC_PER_SEC);
        assert_int_equal(parse_time_span("2h", &u), 0);
        assert_int_equal(u, 7200 * USEC_PER_SEC);
        assert_int_equal(parse_time_span("1d", &u), 0);
        assert_int_equal(parse_time_span("-5", &u), -EINVAL);
        assert_int_equal(parse_time_span("5 weeks", &u), -EINVAL);
        assert_int_equal(parse_time_span("", &u), -EINVAL);
        assert_int_equal(parse_time_span("99999999999999999999", &u), -EINVAL);
        assert_int_equal(parse_time_span("999999999999999d", &u), -ERANGE);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_get_connections),
                cmocka_unit_test(test_ctl_graph_verb),
                cmocka_unit_test(test_time_spans),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
