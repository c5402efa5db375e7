/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The connection graph: halves of tcp records matched into container-to-container edges, the
 * counters they feed, and the DOT and JSON renderings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "metrics/connections.h"
#include "metrics/graph.h"
#include "metrics/metrics.h"

#define SEC UINT64_C(1000000000)

/* The columns the tcp tracer's records carry (issue 3), in an order of our own: the metrics find
 * them by name. */
enum { T_PID, T_DIRECTION, T_FAMILY, T_SADDR, T_SPORT, T_DADDR, T_DPORT, T_ERROR, T_CONTAINER, _T_MAX };
static const struct column tcp_columns[_T_MAX] = {
        [T_PID] = { "pid", VALUE_U64, 7 },
        [T_DIRECTION] = { "direction", VALUE_STR, -7 },
        [T_FAMILY] = { "family", VALUE_STR, 0 },
        [T_SADDR] = { "saddr", VALUE_STR, 0 },
        [T_SPORT] = { "sport", VALUE_U64, 0 },
        [T_DADDR] = { "daddr", VALUE_STR, 0 },
        [T_DPORT] = { "dport", VALUE_U64, 0 },
        [T_ERROR] = { "error", VALUE_U64, 0 },
        [T_CONTAINER] = COLUMN_CONTAINER_NAME(0),
};
static const struct schema tcp_schema = SCHEMA("tcp", tcp_columns);

enum { F_PID, F_READ_BYTES, F_WRITE_BYTES, F_CONTAINER, _F_MAX };
static const struct column file_columns[_F_MAX] = {
        [F_PID] = { "pid", VALUE_U64, 7 },
        [F_READ_BYTES] = { "read_bytes", VALUE_U64, 0 },
        [F_WRITE_BYTES] = { "write_bytes", VALUE_U64, 0 },
        [F_CONTAINER] = COLUMN_CONTAINER_NAME(0),
};
static const struct schema file_schema = SCHEMA("files", file_columns);

static void tcp_event_record(struct metrics *m, const char *event, const char *container, const char *direction,
                             const char *saddr, unsigned sport, const char *daddr, unsigned dport, unsigned error)
{
        struct value v[_T_MAX] = {};
        struct record r = { .schema = &tcp_schema, .event = event, .values = v, .time_ns = 1000 * SEC };

        value_set_cstr(&v[T_DIRECTION], direction);
        value_set_cstr(&v[T_SADDR], saddr);
        value_set_u64(&v[T_SPORT], sport);
        value_set_cstr(&v[T_DADDR], daddr);
        value_set_u64(&v[T_DPORT], dport);
        if (error)
                value_set_u64(&v[T_ERROR], error);
        if (container)
                value_set_cstr(&v[T_CONTAINER], container);
        metrics_observe_record(m, &r);
}

static void tcp_record(struct metrics *m, const char *container, const char *direction, const char *saddr,
                       unsigned sport, const char *daddr, unsigned dport, unsigned error)
{
        tcp_event_record(m, NULL, container, direction, saddr, sport, daddr, dport, error);
}

static uint64_t tcp_count(struct metrics *m, const char *src, const char *dst, const char *port)
{
        return series_table_get(&m->tcp_connections, (const char *[]) { src, dst, port });
}

static void test_halves_matched_into_container_edges(void **state)
{
        struct metrics *m;

        assert_int_equal(metrics_new(&m), 0);
        /* client in "frontend" connects to the server in "db" over loopback; either half may come first */
        tcp_record(m, "frontend", "connect", "127.0.0.1", 40001, "127.0.0.1", 5432, 0);
        tcp_record(m, "db", "accept", "127.0.0.1", 5432, "127.0.0.1", 40001, 0);
        tcp_record(m, "db", "accept", "127.0.0.1", 5432, "127.0.0.1", 40002, 0);
        tcp_record(m, "frontend", "connect", "127.0.0.1", 40002, "127.0.0.1", 5432, 0);
        /* a host process talks to "frontend" on an ephemeral port, over v6 */
        tcp_record(m, NULL, "connect", "::1", 50000, "::1", 33333, 0);
        tcp_record(m, "frontend", "accept", "::1", 33333, "::1", 50000, 0);
        /* failed connects are not connections */
        tcp_record(m, "frontend", "connect", "127.0.0.1", 40003, "127.0.0.1", 1, 111);
        /* junk addresses are counted as unparsed, not guessed */
        tcp_record(m, "frontend", "connect", "nonsense", 1, "127.0.0.1", 2, 0);
        assert_int_equal(m->tcp_records_unparsed, 1);

        assert_int_equal(tcp_count(m, "frontend", "db", "5432"), 2);
        assert_int_equal(tcp_count(m, "host", "frontend", "ephemeral"), 1);
        assert_int_equal(m->connections.n_pending, 0);
        assert_int_equal(m->tcp_connections.n_series, 2);
        metrics_free(m);
}

/* The tcp tracer tells each connection at its start (connect, accept) and again when it closes
 * (event "tcp", same direction): one connection, counted once. */
static void test_close_records_not_counted_again(void **state)
{
        struct metrics *m;

        assert_int_equal(metrics_new(&m), 0);
        tcp_event_record(m, "connect", "web", "connect", "127.0.0.1", 40001, "127.0.0.1", 5432, 0);
        tcp_event_record(m, "accept", "db", "accept", "127.0.0.1", 5432, "127.0.0.1", 40001, 0);
        tcp_event_record(m, "tcp", "web", "connect", "127.0.0.1", 40001, "127.0.0.1", 5432, 0);
        tcp_event_record(m, "tcp", "db", "accept", "127.0.0.1", 5432, "127.0.0.1", 40001, 0);
        tcp_event_record(m, "tcp_failed", "web", "connect", "127.0.0.1", 40002, "127.0.0.1", 5432, 0);
        assert_int_equal(tcp_count(m, "web", "db", "5432"), 1);
        /* a dual-stack server (listening on ::) sees the IPv4 client v4-mapped */
        tcp_event_record(m, "connect", "web", "connect", "127.0.0.1", 40003, "127.0.0.1", 5432, 0);
        tcp_event_record(m, "accept", "db", "accept", "::ffff:127.0.0.1", 5432, "::ffff:127.0.0.1", 40003, 0);
        assert_int_equal(tcp_count(m, "web", "db", "5432"), 2);
        assert_int_equal(m->connections.n_pending, 0);
        assert_int_equal(m->tcp_connections.n_series, 1);
        metrics_free(m);
}

static void test_unmatched_halves_become_address_classes(void **state)
{
        struct conn_tracker t;
        struct conn_half out = { .is_connect = true, .local_port = 41000, .remote_port = 443, .time_ns = 5 };
        struct conn_half in = { .is_connect = false, .local_port = 22, .remote_port = 50123, .time_ns = 6 };
        struct conn_edge *edges;
        size_t n;

        conn_tracker_init(&t, 16, 2 * SEC);
        snprintf(out.container, sizeof(out.container), "web");
        assert_int_equal(net_address_parse("10.0.0.5", &out.local_addr), 0);
        assert_int_equal(net_address_parse("93.184.216.34", &out.remote_addr), 0);
        assert_int_equal(net_address_parse("10.0.0.5", &in.local_addr), 0);
        assert_int_equal(net_address_parse("192.168.1.20", &in.remote_addr), 0);

        assert_int_equal(conn_tracker_add(&t, &out, 10 * SEC), 0);
        assert_int_equal(conn_tracker_add(&t, &in, 11 * SEC), 0);
        /* within the window they wait for their other half */
        conn_tracker_expire(&t, 11 * SEC);
        assert_int_equal(t.n_pending, 2);
        assert_int_equal(t.n_edges, 0);
        /* the first is due at 12 s, the second at 13 s */
        conn_tracker_expire(&t, 12 * SEC);
        assert_int_equal(t.n_pending, 1);
        conn_tracker_expire(&t, UINT64_MAX);
        assert_int_equal(t.n_pending, 0);

        assert_int_equal(conn_tracker_edges_since(&t, 0, &edges, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(edges[0].src, "web");
        assert_int_equal(edges[0].src_kind, NODE_CONTAINER);
        assert_string_equal(edges[0].dst, "public");
        assert_int_equal(edges[0].dst_kind, NODE_ADDRESS);
        assert_int_equal(edges[0].port, 443);
        assert_string_equal(edges[1].src, "private");
        assert_int_equal(edges[1].src_kind, NODE_ADDRESS);
        assert_string_equal(edges[1].dst, "host");
        assert_int_equal(edges[1].dst_kind, NODE_HOST);
        assert_int_equal(edges[1].port, 22);
        free(edges);
        /* since filters by last seen */
        assert_int_equal(conn_tracker_edges_since(&t, 6, &edges, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(edges[0].port, 22);
        free(edges);
        conn_tracker_done(&t);
}

static void test_tables_are_bounded(void **state)
{
        struct conn_tracker t;
        struct conn_half h = { .is_connect = true, .remote_port = 80 };

        conn_tracker_init(&t, 8, 2 * SEC);
        assert_int_equal(net_address_parse("127.0.0.1", &h.local_addr), 0);
        assert_int_equal(net_address_parse("127.0.0.1", &h.remote_addr), 0);
        /* many unmatched halves: the pending list stays bounded, the oldest resolve early */
        for (unsigned i = 0; i < 3 * CONN_PENDING_MAX; i++) {
                h.local_port = (uint16_t) (1024 + i);
                h.time_ns = i;
                snprintf(h.container, sizeof(h.container), "c%u", i % 20);
                assert_int_equal(conn_tracker_add(&t, &h, 0), 0);
                assert_true(t.n_pending <= CONN_PENDING_MAX);
        }
        conn_tracker_expire(&t, UINT64_MAX);
        /* 20 distinct edges in a table of 8: the least recently seen go */
        assert_int_equal(t.n_edges, 8);
        assert_true(t.evicted_edges > 0);
        conn_tracker_done(&t);
}

static void test_file_bytes_per_container(void **state)
{
        struct metrics *m;
        struct value v[_F_MAX] = {};
        struct record r = { .schema = &file_schema, .values = v };

        assert_int_equal(metrics_new(&m), 0);
        value_set_u64(&v[F_READ_BYTES], 200);
        value_set_u64(&v[F_WRITE_BYTES], 12345);
        value_set_cstr(&v[F_CONTAINER], "web");
        metrics_observe_record(m, &r);
        metrics_observe_record(m, &r);
        v[F_CONTAINER] = (struct value) {};
        value_set_u64(&v[F_WRITE_BYTES], 0);
        metrics_observe_record(m, &r);
        assert_int_equal(series_table_get(&m->file_bytes, (const char *[]) { "web", "read" }), 400);
        assert_int_equal(series_table_get(&m->file_bytes, (const char *[]) { "web", "write" }), 24690);
        assert_int_equal(series_table_get(&m->file_bytes, (const char *[]) { "host", "read" }), 200);
        /* zero bytes make no series */
        assert_int_equal(m->file_bytes.n_series, 3);
        metrics_free(m);
}

static const struct conn_edge sample_edges[] = {
        { "frontend", "api", NODE_CONTAINER, NODE_CONTAINER, 8080, 3, 1 * SEC, 2 * SEC },
        { "api", "db \"main\"", NODE_CONTAINER, NODE_CONTAINER, 5432, 7, 1 * SEC, 3 * SEC },
        { "host", "api", NODE_HOST, NODE_CONTAINER, 8080, 1, 1 * SEC, 1 * SEC },
        { "api", "public", NODE_CONTAINER, NODE_ADDRESS, 443, 2, 1 * SEC, 4 * SEC },
};

static void test_graph_dot(void **state)
{
        struct strbuf b = {};

        graph_render(&b, GRAPH_DOT, sample_edges, 4);
        assert_non_null(b.data);
        assert_true(strneq(b.data, "digraph cwatch_connections {\n", 29));
        assert_non_null(strstr(b.data, "\"container:frontend\" [label=\"frontend\", shape=box"));
        assert_non_null(strstr(b.data, "\"container:db \\\"main\\\"\" [label=\"db \\\"main\\\"\""));
        assert_non_null(strstr(b.data, "\"host:host\" [label=\"host\", shape=house"));
        assert_non_null(strstr(b.data, "\"address:public\" [label=\"public\", shape=ellipse"));
        assert_non_null(strstr(b.data, "\"container:frontend\" -> \"container:api\" [label=\"8080 (3)\"];\n"));
        assert_non_null(strstr(b.data, "\"container:api\" -> \"address:public\" [label=\"443 (2)\"];\n"));
        /* each node once */
        assert_non_null(strstr(b.data, "\n        \"container:api\" [label"));
        assert_null(strstr(strstr(b.data, "\n        \"container:api\" [label") + 1, "\n        \"container:api\" [label"));
        assert_true(b.data[b.len - 2] == '}');
        strbuf_free(&b);

        graph_render(&b, GRAPH_DOT, NULL, 0);
        assert_non_null(strstr(b.data, "digraph cwatch_connections {"));
        strbuf_free(&b);
}

static void test_graph_json(void **state)
{
        struct json_object *o, *nodes, *edges, *e;
        struct strbuf b = {};

        graph_render(&b, GRAPH_JSON, sample_edges, 4);
        o = json_tokener_parse(b.data);
        assert_non_null(o);
        assert_true(json_object_object_get_ex(o, "nodes", &nodes));
        assert_true(json_object_object_get_ex(o, "edges", &edges));
        assert_int_equal(json_object_array_length(nodes), 5);
        assert_int_equal(json_object_array_length(edges), 4);
        e = json_object_array_get_idx(edges, 1);
        assert_string_equal(json_object_get_string(json_object_object_get(e, "source")), "container:api");
        assert_string_equal(json_object_get_string(json_object_object_get(e, "target")), "container:db \"main\"");
        assert_int_equal(json_object_get_int(json_object_object_get(e, "port")), 5432);
        assert_int_equal(json_object_get_int64(json_object_object_get(e, "count")), 7);
        assert_int_equal(json_object_get_int64(json_object_object_get(e, "last_seen_usec")), 3000000);
        e = json_object_array_get_idx(nodes, 3);
        assert_string_equal(json_object_get_string(json_object_object_get(e, "kind")), "host");
        json_object_put(o);
        strbuf_free(&b);
        assert_int_equal(graph_format_from_string("dot"), GRAPH_DOT);
        assert_int_equal(graph_format_from_string("json"), GRAPH_JSON);
        assert_int_equal(graph_format_from_string("png"), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_halves_matched_into_container_edges),
                cmocka_unit_test(test_close_records_not_counted_again),
                cmocka_unit_test(test_unmatched_halves_become_address_classes),
                cmocka_unit_test(test_tables_are_bounded),
                cmocka_unit_test(test_file_bytes_per_container),
                cmocka_unit_test(test_graph_dot),
                cmocka_unit_test(test_graph_json),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
