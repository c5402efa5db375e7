/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "ctl-graph.h"
#include "bus/bus-connections.h"
#include "metrics/graph.h"
#include "shared/array.h"
#include "shared/escape.h"
#include "shared/strbuf.h"
#include "shared/timeutil.h"

int parse_time_span(const char *s, uint64_t *ret_usec)
{
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = {
                { "", USEC_PER_SEC }, { "s", USEC_PER_SEC }, { "sec", USEC_PER_SEC },
                { "m", 60 * USEC_PER_SEC }, { "min", 60 * USEC_PER_SEC },
                { "h", 3600 * USEC_PER_SEC }, { "d", 86400 * USEC_PER_SEC },
        };
        unsigned long long v;
        char *end;

        if (!s || *s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (streq(end, units[i].suffix)) {
                        if (v > UINT64_MAX / units[i].usec)
                                return -ERANGE;
                        *ret_usec = v * units[i].usec;
                        return 0;
                }
        return -EINVAL;
}

/* A node's name as cwatchd escaped it, decoded into out; kept as sent when it does not decode. */
static void decode_name(char *out, size_t size, const char *name)
{
        struct strbuf b = {};

        if (escape_decode(&b, name, strlen(name)) < 0 || b.oom)
                snprintf(out, size, "%s", name);
        else
                snprintf(out, size, "%.*s", (int) b.len, b.data ?: "");
        strbuf_free(&b);
}

int ctl_fetch_connections(sd_bus *bus, uint64_t since_usec, struct conn_edge **ret, size_t *ret_n, FILE *err)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct conn_edge *edges = NULL;
        size_t n = 0;
        int r;

        r = sd_bus_call_method(bus, "org.cwatch1", "/org/cwatch1", "org.cwatch1.Manager", "GetConnections",
                               &error, &reply, "t", since_usec);
        if (r < 0) {
                fprintf(err, "Failed to get the connections: %s\n", error.message ?: strerror(-r));
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(ssssqtt)");
        for (;;) {
                const char *src, *src_kind, *dst, *dst_kind;
                struct conn_edge e = {};
                uint64_t last_usec;
                int sk, dk;

                if (r >= 0)
                        r = sd_bus_message_read(reply, "(ssssqtt)", &src, &src_kind, &dst, &dst_kind, &e.port,
                                                &e.count, &last_usec);
                if (r <= 0)
                        break;
                sk = node_kind_from_string(src_kind);
                dk = node_kind_from_string(dst_kind);
                if (sk < 0 || dk < 0) {
                        r = -EBADMSG;
                        break;
                }
                e.src_kind = sk;
                e.dst_kind = dk;
                /* escaped by cwatchd (shared/escape.h): back to the bytes, which the graph's formats
                 * escape as they write them */
                decode_name(e.src, sizeof(e.src), src);
                decode_name(e.dst, sizeof(e.dst), dst);
                e.last_seen_ns = e.first_seen_ns = last_usec * 1000;
                r = ARRAY_APPEND(edges, n, e);
        }
        if (r < 0) {
                free(edges);
                fprintf(err, "Failed to read the connections: %s\n", strerror(-r));
                return r;
        }
        *ret = edges;
        *ret_n = n;
        return 0;
}

int ctl_graph(sd_bus *bus, int argc, char *argv[], FILE *out, FILE *err)
{
        static const struct option longopts[] = {
                { "since", required_argument, NULL, 's' },
                { "format", required_argument, NULL, 'f' },
                {}
        };
        _cleanup_free_ struct conn_edge *edges = NULL;
        enum graph_format format = GRAPH_DOT;
        uint64_t since_usec = 0, span;
        struct strbuf b = {};
        size_t n;
        int c, r;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "s:f:", longopts, NULL)) >= 0) {
                switch (c) {
                case 's':
                        if (parse_time_span(optarg, &span) < 0) {
                                fprintf(err, "cwatchctl: --since takes a time span like 90s, 10min, 2h or 1d, "
                                        "not '%s'\n", optarg);
                                return -EINVAL;
                        }
                        since_usec = now_realtime_ns() / NSEC_PER_USEC - MIN(span, now_realtime_ns() / NSEC_PER_USEC);
                        break;
                case 'f':
                        r = graph_format_from_string(optarg);
                        if (r < 0) {
                                fprintf(err, "cwatchctl: unknown graph format '%s'; valid formats: dot json\n", optarg);
                                return -EINVAL;
                        }
                        format = r;
                        break;
                default:
                        fprintf(err, "cwatchctl: unknown or incomplete option '%s'\n", argv[optind - 1]);
                        return -EINVAL;
                }
        }
        if (optind >= argc || !streq(argv[optind], "connections") || optind + 1 != argc) {
                fprintf(err, "cwatchctl: usage: graph connections [--since SPAN] [--format dot|json]\n");
                return -EINVAL;
        }
        r = ctl_fetch_connections(bus, since_usec, &edges, &n, err);
        if (r < 0)
                return r;
        graph_render(&b, format, edges, n);
        if (b.oom) {
                strbuf_free(&b);
                fprintf(err, "cwatchctl: out of memory\n");
                return -ENOMEM;
        }
        fputs(b.data ?: "", out);
        strbuf_free(&b);
        return 0;
}
