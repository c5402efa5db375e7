/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "ctl-alerts.h"
#include "ctl-story.h"
#include "shared/array.h"
#include "shared/escape.h"
#include "shared/macro.h"
#include "shared/strbuf.h"
#include "shared/timeutil.h"
#include "sink/format.h"

#define ALERT_KEYS_MAX 40
#define ALERT_QUERY_LIMIT_INCIDENT 1000

/* One alert as read from a{sv}: keys with their values printed as JSON and as text. */
struct alert_row {
        size_t n;
        const char *keys[ALERT_KEYS_MAX];
        char *json[ALERT_KEYS_MAX];
        char *text[ALERT_KEYS_MAX];
};

static void alert_row_done(struct alert_row *a)
{
        for (size_t i = 0; i < a->n; i++) {
                free(a->json[i]);
                free(a->text[i]);
        }
        a->n = 0;
}

static const char *alert_row_get(const struct alert_row *a, const char *key)
{
        for (size_t i = 0; i < a->n; i++)
                if (streq(a->keys[i], key))
                        return a->text[i];
        return NULL;
}

static int read_alert(sd_bus_message *m, struct alert_row *a)
{
        int r;

        *a = (struct alert_row) {};
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r <= 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                struct strbuf j = {}, t = {};
                const char *key, *contents;
                union { const char *s; uint64_t t; uint32_t u; int64_t x; int32_t i; double d; int b; } v;

                r = sd_bus_message_read_basic(m, 's', &key);
                if (r >= 0)
                        r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r < 0)
                        return r;
                if (strlen(contents) != 1 || !strchr("stuxidb", contents[0]) || a->n >= ALERT_KEYS_MAX) {
                        r = sd_bus_message_skip(m, "v");
                } else {
                        r = sd_bus_message_enter_container(m, 'v', contents);
                        if (r >= 0)
                                r = sd_bus_message_read_basic(m, contents[0], &v);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(m);
                        if (r < 0)
                                return r;
                        switch (contents[0]) {
                        case 's':
                                strbuf_putc(&j, '"');
                                /* escaped by cwatchd already: only made safe, not escaped twice */
                                escape_append(&j, v.s, strlen(v.s), ESCAPE_JSON | ESCAPE_ESCAPED);
                                strbuf_putc(&j, '"');
                                escape_append(&t, v.s, strlen(v.s), ESCAPE_ESCAPED);
                                break;
                        case 't': strbuf_printf(&j, "%" PRIu64, v.t); break;
                        case 'u': strbuf_printf(&j, "%" PRIu32, v.u); break;
                        case 'x': strbuf_printf(&j, "%" PRIi64, v.x); break;
                        case 'i': strbuf_printf(&j, "%" PRIi32, v.i); break;
                        case 'd': strbuf_printf(&j, "%.1f", v.d); break;
                        case 'b': strbuf_puts(&j, v.b ? "true" : "false"); break;
                        }
                        if (contents[0] != 's')
                                strbuf_puts(&t, j.data ?: "");
                        if (j.oom || t.oom) {
                                strbuf_free(&j);
                                strbuf_free(&t);
                                return -ENOMEM;
                        }
                        a->keys[a->n] = key;
                        a->json[a->n] = j.data ?: strdup("\"\"");
                        a->text[a->n] = t.data ?: strdup("");
                        a->n++;
                }
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        return r < 0 ? r : 1;
}

static void print_alert(struct ctl *c, const struct alert_row *a)
{
        if (c->json) {
                struct strbuf b = {};
                const char *time = alert_row_get(a, "time");
                char ts[40];

                /* "time" as ISO 8601 like cwatchd run, the rest as sent */
                strbuf_putc(&b, '{');
                if (time)
                        strbuf_printf(&b, "\"time\":\"%s\",\"time_usec\":%s",
                                      format_timestamp_iso(ts, sizeof(ts), strtoull(time, NULL, 10) * 1000), time);
                for (size_t i = 0; i < a->n; i++) {
                        if (streq(a->keys[i], "time"))
                                continue;
                        strbuf_printf(&b, "%s\"", b.len > 1 ? "," : "");
                        json_escape(&b, a->keys[i], strlen(a->keys[i]));
                        strbuf_printf(&b, "\":%s", a->json[i]);
                }
                strbuf_puts(&b, "}\n");
                if (!b.oom)
                        fputs(b.data, stdout);
                strbuf_free(&b);
        } else {
                const char *sev = alert_row_get(a, "severity") ?: "-", *time = alert_row_get(a, "time");
                const char *where = alert_row_get(a, "container_name") ?: alert_row_get(a, "unit") ?: "host";
                const char *color = streq(sev, "critical") || streq(sev, "error") ? ANSI_RED :
                                    streq(sev, "warning") ? ANSI_YELLOW : "";
                char ts[40];

                printf("%-23s  %s%-8s%s  %-16s  %7s  %-16.16s  %-20.20s  %s\n",
                       time ? format_timestamp(ts, sizeof(ts), strtoull(time, NULL, 10) * 1000) : "-",
                       ctl_color(c, color), sev, ctl_color(c, *color ? ANSI_NORMAL : ""),
                       alert_row_get(a, "rule") ?: "-", alert_row_get(a, "pid") ?: "-",
                       alert_row_get(a, "comm") ?: "-", where, alert_row_get(a, "message") ?: "");
        }
        fflush(stdout);
}

static void print_header(struct ctl *c)
{
        if (c->json || c->no_legend)
                return;
        printf("%s%-23s  %-8s  %-16s  %7s  %-16s  %-20s  %s%s\n", ctl_color(c, ANSI_UNDERLINE), "TIME", "SEVERITY",
               "RULE", "PID", "COMM", "CONTAINER/UNIT", "MESSAGE", ctl_color(c, ANSI_NORMAL));
}

static int append_filter(struct ctl *c, sd_bus_message *m)
{
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0 && c->since_usec)
                r = sd_bus_message_append(m, "{sv}", "since", "t", c->since_usec);
        if (r >= 0 && c->until_usec)
                r = sd_bus_message_append(m, "{sv}", "until", "t", c->until_usec);
        if (r >= 0 && c->rule)
                r = sd_bus_message_append(m, "{sv}", "rule", "s", c->rule);
        if (r >= 0 && c->severity)
                r = sd_bus_message_append(m, "{sv}", "severity", "s", c->severity);
        if (r >= 0 && c->container)
                r = sd_bus_message_append(m, "{sv}", "container", "s", c->container);
        if (r >= 0 && c->unit)
                r = sd_bus_message_append(m, "{sv}", "unit", "s", c->unit);
        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}", "limit", "u", (uint32_t) (c->follow && !c->limit_set ? 10 : c->limit));
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static bool alert_matches(struct ctl *c, const struct alert_row *a)
{
        const char *v;

        if (c->rule && !streq(alert_row_get(a, "rule") ?: "", c->rule))
                return false;
        if (c->unit && !streq(alert_row_get(a, "unit") ?: "", c->unit))
                return false;
        if (c->container && !streq(alert_row_get(a, "container_name") ?: "", c->container) &&
            !(strlen(c->container) >= 12 && (v = alert_row_get(a, "container_id")) &&
              strneq(v, c->container, strlen(c->container))))
                return false;
        if (c->severity) {
                static const char *const order[] = { "critical", "error", "warning", "notice", "info" };
                const char *sev = alert_row_get(a, "severity") ?: "info";
                int want = 4, have = 4;

                for (int i = 0; i < 5; i++) {
                        if (streq(order[i], c->severity))
                                want = i;
                        if (streq(order[i], sev))
                                have = i;
                }
                if (have > want)
                        return false;
        }
        return true;
}

/* Sends QueryAlerts m (its filter appended by the caller) and reads the alerts of the reply. The
 * rows point into *ret_reply: unref it after them. Returns 0, or the exit status after saying why. */
static int query_alerts(struct ctl *c, sd_bus_message *m, struct alert_row **ret, size_t *ret_n,
                        sd_bus_message **ret_reply)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        struct alert_row row, *rows = NULL;
        size_t n = 0;
        int r;

        r = sd_bus_message_set_allow_interactive_authorization(m, isatty(STDIN_FILENO));
        if (r < 0) {
                fprintf(stderr, "Failed to build the query: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        r = sd_bus_call(c->bus, m, 0, &error, &reply);
        if (r < 0) {
                r = ctl_call_failed("query alerts", &error, r);
                sd_bus_error_free(&error);
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "a{sv}");
        while (r >= 0) {
                r = read_alert(reply, &row);
                if (r <= 0)
                        break;
                r = ARRAY_APPEND(rows, n, row);
                if (r < 0)
                        alert_row_done(&row);
        }
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        alert_row_done(&rows[i]);
                free(rows);
                fprintf(stderr, "Failed to parse the alerts: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        *ret = rows;
        *ret_n = n;
        *ret_reply = TAKE_PTR(reply);
        return 0;
}

static int on_alert_raised(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct ctl *c = userdata;
        struct alert_row a;

        if (read_alert(m, &a) > 0 && alert_matches(c, &a))
                print_alert(c, &a);
        alert_row_done(&a);
        return 0;
}

int ctl_alerts(struct ctl *c)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        struct alert_row *rows = NULL;
        size_t n = 0;
        int r;

        r = ctl_bus(c);
        if (r != 0)
                return r;
        if (c->follow) {
                /* subscribe first, so nothing raised between the query and the match is lost */
                r = sd_bus_match_signal(c->bus, NULL, "org.cwatch1", "/org/cwatch1", "org.cwatch1.Manager",
                                        "AlertRaised", on_alert_raised, c);
                if (r < 0) {
                        fprintf(stderr, "Failed to subscribe to AlertRaised: %s\n", strerror(-r));
                        return EXIT_FAIL;
                }
        }
        r = sd_bus_message_new_method_call(c->bus, &m, "org.cwatch1", "/org/cwatch1", "org.cwatch1.Manager",
                                           "QueryAlerts");
        if (r >= 0)
                r = append_filter(c, m);
        if (r < 0) {
                fprintf(stderr, "Failed to build the query: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        r = query_alerts(c, m, &rows, &n, &reply);
        if (r != 0)
                return r;
        if (!c->follow)
                pager_open(c);
        print_header(c);
        /* newest first from the daemon; with --follow oldest first, so new ones continue the list */
        for (size_t i = 0; i < n; i++)
                print_alert(c, &rows[c->follow ? n - 1 - i : i]);
        if (!c->json && !c->no_legend && !c->follow)
                printf("\n%zu alerts listed.\n", n);
        r = 0;
        while (c->follow) {
                r = sd_bus_process(c->bus, NULL);
                if (r < 0) {
                        fprintf(stderr, "Lost the bus: %s\n", strerror(-r));
                        r = EXIT_FAIL;
                        break;
                }
                if (r == 0 && sd_bus_wait(c->bus, UINT64_MAX) < 0)
                        break;
        }
        for (size_t i = 0; i < n; i++)
                alert_row_done(&rows[i]);
        free(rows);
        return r;
}

/* The value of key as sent (a string unescaped from its JSON form), or NULL; free() it. */
static char *alert_row_get_raw(const struct alert_row *a, const char *key)
{
        for (size_t i = 0; i < a->n; i++)
                if (streq(a->keys[i], key)) {
                        json_object *o = json_tokener_parse(a->json[i]);
                        char *s = o && json_object_is_type(o, json_type_string) ?
                                  strdup(json_object_get_string(o)) : NULL;

                        json_object_put(o);
                        return s;
                }
        return NULL;
}

/* One alert with its story: QueryAlerts by alert_id (or incident when id names one). */
/* The rows point into *ret_reply: unref it after them. */
static int query_alerts_by(struct ctl *c, const char *key, const char *value, uint32_t limit,
                           struct alert_row **ret, size_t *ret_n, sd_bus_message **ret_reply)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        *ret = NULL;
        *ret_n = 0;
        r = ctl_bus(c);
        if (r != 0)
                return r;
        r = sd_bus_message_new_method_call(c->bus, &m, "org.cwatch1", "/org/cwatch1", "org.cwatch1.Manager",
                                           "QueryAlerts");
        if (r >= 0)
                r = sd_bus_message_append(m, "a{sv}", 2, key, "s", value, "limit", "u", limit);
        if (r < 0) {
                fprintf(stderr, "Failed to build the query: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        return query_alerts(c, m, ret, ret_n, ret_reply);
}

static void free_rows(struct alert_row *rows, size_t n)
{
        for (size_t i = 0; i < n; i++)
                alert_row_done(&rows[i]);
        free(rows);
}

int ctl_alert_show(struct ctl *c, const char *id, const char *graph_format)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct alert_row *rows = NULL;
        _cleanup_free_ char *story = NULL;
        int format = STORY_TREE, r;
        size_t n = 0;

        if (graph_format && (format = story_format_from_string(graph_format)) < 0) {
                fprintf(stderr, "Unknown graph format '%s': tree, dot or json\n", graph_format);
                return EXIT_USAGE;
        }
        r = query_alerts_by(c, "alert_id", id, 1, &rows, &n, &reply);
        if (r != 0)
                return r;
        if (n == 0) {
                fprintf(stderr, "No alert %s in the journal\n", id);
                free_rows(rows, n);
                return EXIT_NOT_FOUND;
        }
        story = alert_row_get_raw(&rows[0], "story");
        /* the graph as it is now tells more (what the process did after the alert), while cwatchd
         * still holds it; the journal's copy otherwise */
        {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *answer = NULL;
                sd_bus_error error = SD_BUS_ERROR_NULL;
                const char *live;

                if (sd_bus_call_method(c->bus, "org.cwatch1", "/org/cwatch1", "org.cwatch1.Manager", "GetAlertStory",
                                       &error, &answer, "s", id) >= 0 &&
                    sd_bus_message_read(answer, "s", &live) >= 0 && *live) {
                        char *s = strdup(live);

                        if (s) {
                                free(story);
                                story = s;
                        }
                }
                sd_bus_error_free(&error);
        }
        if (graph_format) {
                if (story)
                        (void) ctl_story_print(stdout, story, format);
                free_rows(rows, n);
                return story ? 0 : EXIT_FAIL;
        }
        if (c->json)
                print_alert(c, &rows[0]);
        else {
                static const char *const keys[] = {
                        "alert_id", "rule", "severity", "message", "mitre", "score", "count", "pid", "exe",
                        "cmdline", "uid", "container_name", "container_id", "unit", "incident_id",
                };
                const char *time = alert_row_get(&rows[0], "time");
                char ts[40];

                printf("%16s: %s\n", "time",
                       time ? format_timestamp(ts, sizeof(ts), strtoull(time, NULL, 10) * 1000) : "-");
                for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                        const char *v = alert_row_get(&rows[0], keys[i]);

                        if (v && *v)
                                printf("%16s: %s\n", keys[i], v);
                }
                printf("\nStory:\n");
                if (story)
                        (void) ctl_story_print(stdout, story, STORY_TREE);
                else
                        printf("(none: the provenance graph was off)\n");
        }
        free_rows(rows, n);
        return 0;
}

int ctl_incident_alerts(struct ctl *c, const char *incident_id)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct alert_row *rows = NULL;
        size_t n = 0;
        int r;

        r = query_alerts_by(c, "incident", incident_id, ALERT_QUERY_LIMIT_INCIDENT, &rows, &n, &reply);
        if (r != 0)
                return r;
        print_header(c);
        for (size_t i = 0; i < n; i++)
                print_alert(c, &rows[i]);
        free_rows(rows, n);
        return 0;
}
