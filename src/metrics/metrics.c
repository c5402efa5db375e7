/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics.h"
#include "alert/alert.h"
#include "shared/timeutil.h"

static void count_connection(const struct conn_edge *e, void *userdata);

int metrics_new(struct metrics **ret)
{
        static const char *const alert_labels[] = { "rule", "severity" };
        static const char *const rule_label[] = { "rule" };
        static const char *const file_labels[] = { "container", "direction" };
        static const char *const tcp_labels[] = { "src_container", "dst", "port" };
        struct metrics *m;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->bpf_stats_fd = -1;
        series_table_init(&m->alerts, "cwatch_alerts_total", "Alerts raised, by rule and severity.",
                          METRICS_MAX_RULE_SERIES, alert_labels, 2);
        series_table_init(&m->alerts_rate_limited, "cwatch_alerts_rate_limited_total",
                          "Alerts suppressed by rate limiting, by rule.", METRICS_MAX_RULE_SERIES, rule_label, 1);
        series_table_init(&m->file_bytes, "cwatch_file_bytes_total",
                          "Bytes read and written through files and sockets, by container (\"host\" outside "
                          "containers).", 2 * METRICS_MAX_CONTAINERS, file_labels, 2);
        series_table_init(&m->tcp_connections, "cwatch_tcp_connections_total",
                          "TCP connections by source container, destination container or address class, and "
                          "server port (\"ephemeral\" above 1023 unless a known service port).",
                          METRICS_MAX_CONNECTION_SERIES, tcp_labels, 3);
        conn_tracker_init(&m->connections, CONN_DEFAULT_MAX_EDGES, CONN_DEFAULT_WINDOW_NS);
        m->connections.on_connection = count_connection;
        m->connections.userdata = m;
        *ret = m;
        return 0;
}

struct metrics *metrics_free(struct metrics *m)
{
        if (!m)
                return NULL;
        series_table_done(&m->alerts);
        series_table_done(&m->alerts_rate_limited);
        series_table_done(&m->file_bytes);
        series_table_done(&m->tcp_connections);
        conn_tracker_done(&m->connections);
        activity_table_done(&m->activity);
        if (m->bpf_stats_fd >= 0)
                close(m->bpf_stats_fd);
        free(m);
        return NULL;
}

static struct metrics_schema *metrics_schema_of(struct metrics *m, const struct schema *s)
{
        struct metrics_schema *ms;

        for (size_t i = 0; i < m->n_schemas; i++)
                if (m->schemas[i].schema == s)
                        return &m->schemas[i];
        /* a full cache is a programming error (more tracers than slots): count nothing */
        if (m->n_schemas >= METRICS_SCHEMA_CACHE)
                return NULL;
        ms = &m->schemas[m->n_schemas++];
        *ms = (struct metrics_schema) {
                .schema = s,
                .container = schema_find_column(s, "container_name"),
                .direction = schema_find_column(s, "direction"),
                .saddr = schema_find_column(s, "saddr"),
                .sport = schema_find_column(s, "sport"),
                .daddr = schema_find_column(s, "daddr"),
                .dport = schema_find_column(s, "dport"),
                .error = schema_find_column(s, "error"),
                .read_bytes = schema_find_column(s, "read_bytes"),
                .write_bytes = schema_find_column(s, "write_bytes"),
        };
        if (ms->error < 0)
                ms->error = schema_find_column(s, "errno");
        ms->is_tcp = ms->direction >= 0 && ms->saddr >= 0 && ms->sport >= 0 && ms->daddr >= 0 && ms->dport >= 0;
        ms->is_file_io = ms->read_bytes >= 0 && ms->write_bytes >= 0;
        return ms;
}

static const struct value *column_value(const struct record *r, int i)
{
        return i >= 0 && r->values[i].present ? &r->values[i] : NULL;
}

/* Copies a string column into buf (records' strings are not NUL-terminated); false when absent. */
static bool column_string(const struct record *r, int i, char *buf, size_t size)
{
        const struct value *v = column_value(r, i);

        if (!v || r->schema->columns[i].type != VALUE_STR || !v->str)
                return false;
        snprintf(buf, size, "%.*s", (int) MIN(v->len, size - 1), v->str);
        return true;
}

static bool column_u64(const struct record *r, int i, uint64_t *ret)
{
        const struct value *v = column_value(r, i);

        if (!v)
                return false;
        switch (r->schema->columns[i].type) {
        case VALUE_U64:
        case VALUE_BOOL:
                *ret = v->u;
                return true;
        case VALUE_S64:
                *ret = (uint64_t) v->i;
                return true;
        default:
                return false;
        }
}

/* The container label: the record's container name, "host" outside containers. */
static void container_label(const struct record *r, const struct metrics_schema *ms, char *buf, size_t size)
{
        if (!column_string(r, ms->container, buf, size) || !buf[0])
                snprintf(buf, size, "host");
}

static void observe_file_io(struct metrics *m, const struct record *r, const struct metrics_schema *ms)
{
        char container[CONN_NAME_MAX];
        uint64_t n;

        container_label(r, ms, container, sizeof(container));
        if (column_u64(r, ms->read_bytes, &n) && n > 0)
                (void) series_table_add(&m->file_bytes, (const char *[]) { container, "read" }, n);
        if (column_u64(r, ms->write_bytes, &n) && n > 0)
                (void) series_table_add(&m->file_bytes, (const char *[]) { container, "write" }, n);
}

static void count_connection(const struct conn_edge *e, void *userdata)
{
        struct metrics *m = userdata;
        char buf[8];

        (void) series_table_add(&m->tcp_connections,
                                (const char *[]) { e->src, e->dst, port_class(e->port, buf) }, 1);
}

static bool parse_endpoint(const struct record *r, int addr_col, int port_col, struct net_address *a,
                           uint16_t *port)
{
        char s[INET6_ADDRSTRLEN + 8];
        uint64_t p;

        return column_string(r, addr_col, s, sizeof(s)) && net_address_parse(s, a) >= 0 &&
               column_u64(r, port_col, &p) && p <= UINT16_MAX && (*port = (uint16_t) p, true);
}

/* A TCP record that starts a connection: the tcp tracer tells a connection twice, when it starts
 * (connect, accept) and when it closes (tcp, with the same direction); failed connects are attempts,
 * not connections. */
static bool tcp_record_starts_connection(const struct record *r, const struct metrics_schema *ms)
{
        uint64_t error;

        if (r->event && !streq(r->event, "connect") && !streq(r->event, "accept"))
                return false;
        return !column_u64(r, ms->error, &error) || error == 0;
}

static void observe_tcp(struct metrics *m, const struct record *r, const struct metrics_schema *ms,
                        uint64_t now_ns)
{
        struct conn_half h = { .time_ns = r->time_ns };
        char direction[16];

        /* count a connection once, at its start */
        if (!tcp_record_starts_connection(r, ms))
                return;
        if (!column_string(r, ms->direction, direction, sizeof(direction)))
                return;
        if (streq(direction, "connect") || streq(direction, "outbound") || streq(direction, "out"))
                h.is_connect = true;
        else if (!streq(direction, "accept") && !streq(direction, "inbound") && !streq(direction, "in"))
                return;
        /* saddr/sport is this socket's end, daddr/dport the peer's, whichever side connected */
        if (!parse_endpoint(r, ms->saddr, ms->sport, &h.local_addr, &h.local_port) ||
            !parse_endpoint(r, ms->daddr, ms->dport, &h.remote_addr, &h.remote_port)) {
                m->tcp_records_unparsed++;
                return;
        }
        if (!column_string(r, ms->container, h.container, sizeof(h.container)))
                h.container[0] = 0;
        (void) conn_tracker_add(&m->connections, &h, now_ns);
}

/* What a record adds to its container's or unit's activity: an aggregating tracer's interval row
 * (no event name) its bytes, any other record one event. */
static void observe_activity(struct metrics *m, const struct record *r, const struct metrics_schema *ms,
                             uint64_t now_ns)
{
        struct activity_counts c = {};

        if (ms->is_file_io && !r->event) {
                (void) column_u64(r, ms->read_bytes, &c.read_bytes);
                (void) column_u64(r, ms->write_bytes, &c.write_bytes);
        } else {
                c.events = 1;
                c.execs = r->event && streq(r->event, "exec");
                c.connections = ms->is_tcp && tcp_record_starts_connection(r, ms);
        }
        (void) activity_add(&m->activity, r->identity, &c, now_ns);
}

void metrics_observe_record(struct metrics *m, const struct record *r)
{
        struct metrics_schema *ms;
        uint64_t now_ns;

        if (!m || !r->schema)
                return;
        ms = metrics_schema_of(m, r->schema);
        if (!ms)
                return;
        now_ns = now_monotonic_ns();
        observe_activity(m, r, ms, now_ns);
        if (ms->is_file_io)
                observe_file_io(m, r, ms);
        else if (ms->is_tcp)
                observe_tcp(m, r, ms, now_ns);
}

void metrics_observe_alert(struct metrics *m, const struct alert *a)
{
        if (!m)
                return;
        (void) activity_add(&m->activity, a->identity, &(struct activity_counts) { .alerts = 1 }, now_monotonic_ns());
        (void) series_table_add(&m->alerts,
                                (const char *[]) { a->rule ?: "unknown", alert_severity_to_string(a->severity) ?: "unknown" },
                                1);
}

void metrics_observe_rate_limited(struct metrics *m, const char *rule)
{
        if (m)
                (void) series_table_add(&m->alerts_rate_limited, (const char *[]) { rule ?: "unknown" }, 1);
}
