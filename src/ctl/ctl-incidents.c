/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl-alerts.h"
#include "ctl-incidents.h"
#include "shared/escape.h"
#include "shared/macro.h"
#include "shared/timeutil.h"

struct incident_row {
        char id[33];
        int open;
        uint64_t first, last, alerts;
        double score;
        uint32_t nodes;
        char severity[16], tactics[256], rules[512], container[80], unit[128];
};

static void copy_str(char *dst, size_t size, const char *s)
{
        snprintf(dst, size, "%s", s);
}

static int read_incident(sd_bus_message *m, struct incident_row *in)
{
        int r;

        *in = (struct incident_row) {};
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r <= 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *contents, *s;

                r = sd_bus_message_read_basic(m, 's', &key);
                if (r >= 0)
                        r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r < 0)
                        return r;
                if (streq(contents, "s")) {
                        r = sd_bus_message_read(m, "v", "s", &s);
                        if (r < 0)
                                return r;
                        if (streq(key, "incident_id"))
                                copy_str(in->id, sizeof(in->id), s);
                        else if (streq(key, "severity"))
                                copy_str(in->severity, sizeof(in->severity), s);
                        else if (streq(key, "tactics"))
                                copy_str(in->tactics, sizeof(in->tactics), s);
                        else if (streq(key, "rules"))
                                copy_str(in->rules, sizeof(in->rules), s);
                        else if (streq(key, "container_id"))
                                copy_str(in->container, sizeof(in->container), s);
                        else if (streq(key, "unit"))
                                copy_str(in->unit, sizeof(in->unit), s);
                } else if (streq(contents, "t")) {
                        uint64_t v;

                        r = sd_bus_message_read(m, "v", "t", &v);
                        if (r < 0)
                                return r;
                        if (streq(key, "first"))
                                in->first = v;
                        else if (streq(key, "last"))
                                in->last = v;
                        else if (streq(key, "alerts"))
                                in->alerts = v;
                } else if (streq(contents, "d") && streq(key, "score"))
                        r = sd_bus_message_read(m, "v", "d", &in->score);
                else if (streq(contents, "b") && streq(key, "open"))
                        r = sd_bus_message_read(m, "v", "b", &in->open);
                else if (streq(contents, "u") && streq(key, "nodes"))
                        r = sd_bus_message_read(m, "v", "u", &in->nodes);
                else
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        return r < 0 ? r : 1;
}

/* The strings come escaped from cwatchd (shared/escape.h): written as JSON, not escaped twice. */
static void print_json(const struct incident_row *in)
{
        struct strbuf b = {};

        strbuf_printf(&b, "{\"incident_id\":\"%s\",\"open\":%s,\"first\":%" PRIu64 ",\"last\":%" PRIu64
                      ",\"score\":%.1f,\"alerts\":%" PRIu64 ",\"severity\":\"%s\",\"nodes\":%" PRIu32,
                      in->id, in->open ? "true" : "false", in->first, in->last, in->score, in->alerts, in->severity,
                      in->nodes);
        strbuf_puts(&b, ",\"tactics\":\"");
        escape_append(&b, in->tactics, strlen(in->tactics), ESCAPE_JSON | ESCAPE_ESCAPED);
        strbuf_puts(&b, "\",\"rules\":\"");
        escape_append(&b, in->rules, strlen(in->rules), ESCAPE_JSON | ESCAPE_ESCAPED);
        strbuf_puts(&b, "\",\"container_id\":\"");
        escape_append(&b, in->container, strlen(in->container), ESCAPE_JSON | ESCAPE_ESCAPED);
        strbuf_puts(&b, "\",\"unit\":\"");
        escape_append(&b, in->unit, strlen(in->unit), ESCAPE_JSON | ESCAPE_ESCAPED);
        strbuf_puts(&b, "\"}\n");
        if (!b.oom)
                fputs(b.data, stdout);
        strbuf_free(&b);
}

static int query(struct ctl *c, const char *id, struct incident_row **ret, size_t *ret_n)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct incident_row row, *rows = NULL;
        size_t n = 0;
        int r;

        r = ctl_bus(c);
        if (r != 0)
                return r;
        r = id ? ctl_call(c, "query incidents", "QueryIncidents", &reply, "a{sv}", 1, "id", "s", id) :
                 ctl_call(c, "query incidents", "QueryIncidents", &reply, "a{sv}", 0);
        if (r != 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "a{sv}");
        while (r >= 0 && (r = read_incident(reply, &row)) > 0) {
                struct incident_row *p = realloc(rows, (n + 1) * sizeof(*rows));

                if (!p) {
                        r = -ENOMEM;
                        break;
                }
                rows = p;
                rows[n++] = row;
        }
        if (r < 0) {
                free(rows);
                fprintf(stderr, "Failed to parse the incidents: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        *ret = rows;
        *ret_n = n;
        return 0;
}

static int incidents_list(struct ctl *c)
{
        struct incident_row *rows = NULL;
        size_t n = 0;
        int r;

        r = query(c, NULL, &rows, &n);
        if (r != 0)
                return r;
        pager_open(c);
        if (!c->json && !c->no_legend)
                printf("%s%-12s  %-6s  %-23s  %7s  %6s  %-8s  %-20s  %s%s\n", ctl_color(c, ANSI_UNDERLINE),
                       "INCIDENT", "STATE", "LAST", "SCORE", "ALERTS", "SEVERITY", "CONTAINER/UNIT", "RULES",
                       ctl_color(c, ANSI_NORMAL));
        for (size_t i = 0; i < n; i++) {
                char ts[40];

                if (c->json) {
                        print_json(&rows[i]);
                        continue;
                }
                printf("%-12.12s  %-6s  %-23s  %7.1f  %6" PRIu64 "  %-8s  %-20.20s  %s\n", rows[i].id,
                       rows[i].open ? "open" : "closed", format_timestamp(ts, sizeof(ts), rows[i].last * 1000),
                       rows[i].score, rows[i].alerts, rows[i].severity,
                       rows[i].container[0] ? rows[i].container : rows[i].unit[0] ? rows[i].unit : "host",
                       rows[i].rules);
        }
        if (!c->json && !c->no_legend)
                printf("\n%zu incidents listed.\n", n);
        free(rows);
        return 0;
}

static int incidents_show(struct ctl *c, const char *id)
{
        struct incident_row *rows = NULL;
        size_t n = 0;
        char ts[40];
        int r;

        r = query(c, id, &rows, &n);
        if (r != 0)
                return r;
        if (n == 0) {
                fprintf(stderr, "No incident %s (cwatchd holds the recent ones; the journal keeps the rest: "
                        "journalctl CWATCH_INCIDENT_ID=%s)\n", id, id);
                free(rows);
                return EXIT_NOT_FOUND;
        }
        if (c->json)
                print_json(&rows[0]);
        else {
                printf("%16s: %s (%s)\n", "incident", rows[0].id, rows[0].open ? "open" : "closed");
                printf("%16s: %s\n", "first", format_timestamp(ts, sizeof(ts), rows[0].first * 1000));
                printf("%16s: %s\n", "last", format_timestamp(ts, sizeof(ts), rows[0].last * 1000));
                printf("%16s: %.1f\n", "score", rows[0].score);
                printf("%16s: %s\n", "severity", rows[0].severity);
                printf("%16s: %" PRIu64 "\n", "alerts", rows[0].alerts);
                printf("%16s: %s\n", "tactics", rows[0].tactics[0] ? rows[0].tactics : "-");
                printf("%16s: %s\n", "rules", rows[0].rules);
                printf("%16s: %s\n", "where", rows[0].container[0] ? rows[0].container :
                       rows[0].unit[0] ? rows[0].unit : "host");
                printf("\nAlerts (cwatchctl alerts show ID for each story):\n");
                r = ctl_incident_alerts(c, rows[0].id);
        }
        free(rows);
        return r;
}

int ctl_incidents(struct ctl *c, int argc, char **argv)
{
        if (argc < 2 || streq(argv[1], "list")) {
                if (argc > 2) {
                        fprintf(stderr, "cwatchctl: incidents list takes no arguments\n");
                        return EXIT_USAGE;
                }
                return incidents_list(c);
        }
        if (streq(argv[1], "show") && argc == 3)
                return incidents_show(c, argv[2]);
        fprintf(stderr, "cwatchctl: usage: incidents [list | show ID]\n");
        return EXIT_USAGE;
}
