/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl-profiles.h"
#include "shared/escape.h"
#include "shared/macro.h"
#include "shared/strbuf.h"
#include "shared/timeutil.h"

#define PROFILE_ROW "ssssuuuttd"
#define FEATURE_ROW "ssdutt"

struct profile_row {
        const char *id, *exe, *scope, *mode;
        uint32_t features, instances, alerts;
        uint64_t created, last_seen;
        double threshold;
};

static int read_profile(sd_bus_message *reply, struct profile_row *w)
{
        return sd_bus_message_read(reply, "(" PROFILE_ROW ")", &w->id, &w->exe, &w->scope, &w->mode, &w->features,
                                   &w->instances, &w->alerts, &w->created, &w->last_seen, &w->threshold);
}

/* The strings come escaped from cwatchd (shared/escape.h): written as JSON, not escaped twice. */
static void json_str(struct strbuf *b, const char *key, const char *value, bool comma)
{
        strbuf_printf(b, "%s\"%s\":\"", comma ? "," : "", key);
        escape_append(b, value, strlen(value), ESCAPE_JSON | ESCAPE_ESCAPED);
        strbuf_putc(b, '"');
}

static void profile_json(struct strbuf *b, const struct profile_row *w)
{
        json_str(b, "id", w->id, false);
        json_str(b, "exe", w->exe, true);
        json_str(b, "scope", w->scope, true);
        json_str(b, "mode", w->mode, true);
        strbuf_printf(b, ",\"features\":%" PRIu32 ",\"instances\":%" PRIu32 ",\"alerts\":%" PRIu32
                      ",\"created_usec\":%" PRIu64 ",\"last_seen_usec\":%" PRIu64 ",\"threshold\":%.2f",
                      w->features, w->instances, w->alerts, w->created, w->last_seen, w->threshold);
}

static const char *mode_color(const struct ctl *c, const char *mode)
{
        return ctl_color(c, streq(mode, "detecting") ? ANSI_GREEN : ANSI_YELLOW);
}

static int profiles_list(struct ctl *c)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct strbuf b = {};
        struct profile_row w;
        size_t n = 0, detecting = 0;
        int r;

        r = ctl_call(c, "list profiles", "ListProfiles", &reply, NULL);
        if (r != 0)
                return r;
        pager_open(c);
        r = sd_bus_message_enter_container(reply, 'a', "(" PROFILE_ROW ")");
        if (c->json)
                strbuf_putc(&b, '[');
        else if (!c->no_legend)
                printf("%s%-16s  %-9s  %8s  %9s  %6s  %9s  %-30s %s%s\n", ctl_color(c, ANSI_UNDERLINE), "ID", "MODE",
                       "FEATURES", "INSTANCES", "ALERTS", "THRESHOLD", "EXE", "SCOPE", ctl_color(c, ANSI_NORMAL));
        while (r >= 0 && (r = read_profile(reply, &w)) > 0) {
                detecting += streq(w.mode, "detecting");
                if (c->json) {
                        strbuf_puts(&b, n ? ",{" : "{");
                        profile_json(&b, &w);
                        strbuf_putc(&b, '}');
                } else
                        printf("%-16s  %s%-9s%s  %8" PRIu32 "  %9" PRIu32 "  %6" PRIu32 "  %9.1f  %-30s %s\n", w.id,
                               mode_color(c, w.mode), w.mode, ctl_color(c, ANSI_NORMAL), w.features, w.instances,
                               w.alerts, w.threshold, w.exe, w.scope);
                n++;
        }
        if (r < 0) {
                fprintf(stderr, "Failed to parse the reply: %s\n", strerror(-r));
                strbuf_free(&b);
                return EXIT_FAIL;
        }
        if (c->json) {
                strbuf_puts(&b, "]\n");
                fputs(b.data, stdout);
        } else if (!c->no_legend)
                printf("\n%zu profiles listed, %zu detecting, %zu learning.\n", n, detecting, n - detecting);
        strbuf_free(&b);
        return EXIT_OK;
}

static int profiles_show(struct ctl *c, const char *name)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct strbuf b = {};
        struct profile_row w;
        const char *feature, *state;
        double count;
        uint32_t days;
        uint64_t first, last;
        size_t n = 0;
        char ts[64];
        int r;

        r = ctl_call(c, "show the profile", "GetProfile", &reply, "s", name);
        if (r != 0)
                return r;
        r = read_profile(reply, &w);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(" FEATURE_ROW ")");
        if (r < 0) {
                fprintf(stderr, "Failed to parse the reply: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        pager_open(c);
        if (c->json) {
                strbuf_putc(&b, '{');
                profile_json(&b, &w);
                strbuf_puts(&b, ",\"feature_list\":[");
        } else {
                printf("%s@%s (%s)\n", w.exe, w.scope, w.id);
                printf("      Mode: %s%s%s\n", mode_color(c, w.mode), w.mode, ctl_color(c, ANSI_NORMAL));
                printf("   Learned: since %s, %" PRIu32 " processes\n",
                       format_timestamp(ts, sizeof(ts), w.created * 1000), w.instances);
                printf(" Last seen: %s\n", format_timestamp(ts, sizeof(ts), w.last_seen * 1000));
                printf("    Alerts: %" PRIu32 ", threshold %.1f\n\n", w.alerts, w.threshold);
                if (!c->no_legend)
                        printf("%s%-9s  %8s  %4s  %-16s %s%s\n", ctl_color(c, ANSI_UNDERLINE), "STATE", "COUNT",
                               "DAYS", "LAST SEEN", "FEATURE", ctl_color(c, ANSI_NORMAL));
        }
        while ((r = sd_bus_message_read(reply, "(" FEATURE_ROW ")", &feature, &state, &count, &days, &first,
                                        &last)) > 0) {
                if (c->json) {
                        strbuf_puts(&b, n ? ",{" : "{");
                        json_str(&b, "feature", feature, false);
                        json_str(&b, "state", state, true);
                        strbuf_printf(&b, ",\"count\":%.2f,\"days\":%" PRIu32 ",\"first_seen_usec\":%" PRIu64
                                      ",\"last_seen_usec\":%" PRIu64 "}", count, days, first, last);
                } else
                        printf("%-9s  %8.1f  %4" PRIu32 "  %-16.16s %s\n", state, count, days,
                               format_timestamp(ts, sizeof(ts), last * 1000), feature);
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
        } else if (!c->no_legend)
                printf("\n%zu features.\n", n);
        strbuf_free(&b);
        return EXIT_OK;
}

int ctl_profiles(struct ctl *c, int argc, char **argv)
{
        const char *sub = argv[1];

        if (streq(sub, "list")) {
                if (argc != 2) {
                        fprintf(stderr, "cwatchctl: profiles list takes no arguments\n");
                        return EXIT_USAGE;
                }
                return profiles_list(c);
        }
        if (argc != 3) {
                fprintf(stderr, "cwatchctl: profiles %s needs exactly one profile (ID or EXE@SCOPE)\n", sub);
                return EXIT_USAGE;
        }
        if (streq(sub, "show"))
                return profiles_show(c, argv[2]);
        if (streq(sub, "reset"))
                return ctl_call(c, "reset the profile", "ResetProfile", NULL, "s", argv[2]);
        if (streq(sub, "learn"))
                return ctl_call(c, "switch the profile to learning", "SetProfileMode", NULL, "ss", argv[2],
                                "learning");
        if (streq(sub, "detect"))
                return ctl_call(c, "switch the profile to detecting", "SetProfileMode", NULL, "ss", argv[2],
                                "detecting");
        fprintf(stderr, "cwatchctl: unknown profiles command '%s' (list, show, reset, learn, detect)\n", sub);
        return EXIT_USAGE;
}
