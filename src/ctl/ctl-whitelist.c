/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl-whitelist.h"
#include "shared/macro.h"
#include "shared/strbuf.h"
#include "shared/timeutil.h"
#include "sink/format.h"

#define ENTRY_ROW "ssdtuttuus"
#define REASON_ROW "sds"

struct entry_row {
        const char *sha256, *path, *state;
        double confidence;
        uint64_t executions, first_seen, last_seen;
        uint32_t active_days, alerts, incidents;
};

static int read_entry(sd_bus_message *reply, struct entry_row *w)
{
        return sd_bus_message_read(reply, "(" ENTRY_ROW ")", &w->sha256, &w->path, &w->confidence, &w->executions,
                                   &w->active_days, &w->first_seen, &w->last_seen, &w->alerts, &w->incidents,
                                   &w->state);
}

static void json_str(struct strbuf *b, const char *key, const char *value, bool comma)
{
        strbuf_printf(b, "%s\"%s\":\"", comma ? "," : "", key);
        json_escape(b, value, strlen(value));
        strbuf_putc(b, '"');
}

static void entry_json(struct strbuf *b, const struct entry_row *w)
{
        json_str(b, "sha256", w->sha256, false);
        json_str(b, "path", w->path, true);
        json_str(b, "state", w->state, true);
        strbuf_printf(b, ",\"confidence\":%.4f,\"executions\":%" PRIu64 ",\"active_days\":%" PRIu32
                      ",\"first_seen_usec\":%" PRIu64 ",\"last_seen_usec\":%" PRIu64 ",\"alerts\":%" PRIu32
                      ",\"incidents\":%" PRIu32, w->confidence, w->executions, w->active_days, w->first_seen,
                      w->last_seen, w->alerts, w->incidents);
}

static const char *state_color(const struct ctl *c, const char *state)
{
        return ctl_color(c, streq(state, "denied") || streq(state, "revoked") ? ANSI_RED :
                            streq(state, "global") ? ANSI_GREEN : ANSI_NORMAL);
}

/* least trusted first: what deserves a look */
static int cmp_rows(const void *a, const void *b)
{
        const struct entry_row *x = a, *y = b;

        if (x->confidence != y->confidence)
                return x->confidence < y->confidence ? -1 : 1;
        return strcmp(x->path, y->path);
}

static int whitelist_list(struct ctl *c)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ struct entry_row *rows = NULL;
        size_t n = 0, cap = 0;
        struct strbuf b = {};
        struct entry_row w;
        int r;

        r = ctl_call(c, "list the whitelist", "ListWhitelist", &reply, NULL);
        if (r != 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(" ENTRY_ROW ")");
        while (r >= 0 && (r = read_entry(reply, &w)) > 0) {
                if (n == cap) {
                        struct entry_row *p = realloc(rows, (cap = MAX(cap * 2, (size_t) 64)) * sizeof(*rows));

                        if (!p) {
                                r = -ENOMEM;
                                break;
                        }
                        rows = p;
                }
                rows[n++] = w;
        }
        if (r < 0) {
                fprintf(stderr, "Failed to parse the reply: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        qsort(rows, n, sizeof(*rows), cmp_rows);
        pager_open(c);
        if (c->json)
                strbuf_putc(&b, '[');
        else if (!c->no_legend)
                printf("%s%-16s  %5s  %-7s  %10s  %4s  %6s  %s%s\n", ctl_color(c, ANSI_UNDERLINE), "SHA256", "TRUST",
                       "STATE", "EXECUTIONS", "DAYS", "ALERTS", "PATH", ctl_color(c, ANSI_NORMAL));
        for (size_t i = 0; i < n; i++) {
                if (c->json) {
                        strbuf_puts(&b, i ? ",{" : "{");
                        entry_json(&b, &rows[i]);
                        strbuf_putc(&b, '}');
                } else
                        printf("%-16.16s  %5.2f  %s%-7s%s  %10" PRIu64 "  %4" PRIu32 "  %6" PRIu32 "  %s\n",
                               rows[i].sha256, rows[i].confidence, state_color(c, rows[i].state), rows[i].state,
                               ctl_color(c, ANSI_NORMAL), rows[i].executions, rows[i].active_days, rows[i].alerts,
                               rows[i].path);
        }
        if (c->json) {
                strbuf_puts(&b, "]\n");
                fputs(b.data, stdout);
        } else if (!c->no_legend)
                printf("\n%zu programs listed.\n", n);
        strbuf_free(&b);
        return EXIT_OK;
}

static int whitelist_show(struct ctl *c, const char *name)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *id, *text;
        struct strbuf b = {};
        struct entry_row w;
        char ts[64], ts2[64];
        double weight;
        size_t n = 0;
        int r;

        r = ctl_call(c, "show the program's trust", "GetWhitelistEntry", &reply, "s", name);
        if (r != 0)
                return r;
        r = read_entry(reply, &w);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(" REASON_ROW ")");
        if (r < 0) {
                fprintf(stderr, "Failed to parse the reply: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        pager_open(c);
        if (c->json) {
                strbuf_putc(&b, '{');
                entry_json(&b, &w);
                strbuf_puts(&b, ",\"reasons\":[");
        } else {
                printf("%s\n", w.path[0] ? w.path : name);
                printf("     SHA-256: %s\n", w.sha256);
                printf("  Confidence: %.2f (%s%s%s)\n", w.confidence, state_color(c, w.state), w.state,
                       ctl_color(c, ANSI_NORMAL));
                if (w.executions > 0)
                        printf("        Runs: %" PRIu64 " on %" PRIu32 " days, first %s, last %s\n", w.executions,
                               w.active_days, format_timestamp(ts, sizeof(ts), w.first_seen * 1000),
                               format_timestamp(ts2, sizeof(ts2), w.last_seen * 1000));
                else
                        printf("        Runs: never ran here\n");
                printf("      Alerts: %" PRIu32 ", incidents %" PRIu32 "\n\n", w.alerts, w.incidents);
                if (!c->no_legend)
                        printf("%s%7s  %-16s  %s%s\n", ctl_color(c, ANSI_UNDERLINE), "WEIGHT", "REASON", "WHY",
                               ctl_color(c, ANSI_NORMAL));
        }
        while ((r = sd_bus_message_read(reply, "(" REASON_ROW ")", &id, &weight, &text)) > 0) {
                if (c->json) {
                        strbuf_puts(&b, n ? ",{" : "{");
                        json_str(&b, "id", id, false);
                        strbuf_printf(&b, ",\"weight\":%.4f", weight);
                        json_str(&b, "text", text, true);
                        strbuf_putc(&b, '}');
                } else if (streq(id, "cap"))
                        printf("%7s  %-16s  %s\n", "max", id, text);
                else
                        printf("%+7.2f  %-16s  %s\n", weight, id, text);
                n++;
        }
        if (r < 0) {
                fprintf(stderr, "Failed to parse the reply: %s\n", strerror(-r));
                strbuf_free(&b);
                return EXIT_FAIL;
        }
        if (c->json) {
                strbuf_puts(&b, "]}\n");
                fputs(b.data, stdout);
        } else
                printf("%7s  %-16s  %.2f\n", "=", "confidence", w.confidence);
        strbuf_free(&b);
        return EXIT_OK;
}

int ctl_whitelist(struct ctl *c, int argc, char **argv)
{
        const char *sub = argv[1];

        if (streq(sub, "list")) {
                if (argc != 2) {
                        fprintf(stderr, "cwatchctl: whitelist list takes no arguments\n");
                        return EXIT_USAGE;
                }
                return whitelist_list(c);
        }
        if (streq(sub, "show")) {
                if (argc != 3) {
                        fprintf(stderr, "cwatchctl: whitelist show needs exactly one PATH or SHA256\n");
                        return EXIT_USAGE;
                }
                return whitelist_show(c, argv[2]);
        }
        fprintf(stderr, "cwatchctl: unknown whitelist command '%s' (list, show)\n", sub);
        return EXIT_USAGE;
}
