/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctl-rules.h"
#include "detect/rules-check.h"
#include "shared/array.h"
#include "shared/strv.h"
#include "tracers/ext-conf.h"
#include "shared/macro.h"
#include "shared/strbuf.h"
#include "sink/format.h"

#define LIST_RULES_ROW "sasssssubbt"

struct rule_row {
        const char *name, *severity, *mitre, *description, *file;
        char *events;           /* joined by "," */
        char **event_list;
        uint32_t line;
        int enabled, active;
        uint64_t matches;
};

static void row_done(struct rule_row *w)
{
        for (size_t j = 0; w->event_list && w->event_list[j]; j++)
                free(w->event_list[j]);
        free(w->event_list);
        free(w->events);
}

static void rows_free(struct rule_row *rows, size_t n)
{
        for (size_t i = 0; i < n; i++)
                row_done(&rows[i]);
        free(rows);
}

static int read_row(sd_bus_message *reply, struct rule_row *w)
{
        struct strbuf b = {};
        int r;

        r = sd_bus_message_read(reply, "s", &w->name);
        if (r >= 0)
                r = sd_bus_message_read_strv(reply, &w->event_list);
        if (r >= 0)
                r = sd_bus_message_read(reply, "ssssubbt", &w->severity, &w->mitre, &w->description, &w->file,
                                        &w->line, &w->enabled, &w->active, &w->matches);
        if (r < 0)
                return r;
        for (size_t i = 0; w->event_list && w->event_list[i]; i++)
                strbuf_printf(&b, "%s%s", i ? "," : "", w->event_list[i]);
        if (b.oom)
                return -ENOMEM;
        w->events = b.data ?: strdup("");
        return w->events ? 0 : -ENOMEM;
}

static bool wanted(char **patterns, size_t n, const char *name)
{
        if (n == 0)
                return true;
        for (size_t i = 0; i < n; i++)
                if (fnmatch(patterns[i], name, 0) == 0)
                        return true;
        return false;
}

static const char *severity_color(const struct ctl *c, const char *severity)
{
        if (streq(severity, "critical") || streq(severity, "error"))
                return ctl_color(c, ANSI_RED);
        if (streq(severity, "warning"))
                return ctl_color(c, ANSI_YELLOW);
        return "";
}

static const char *row_state(const struct rule_row *w)
{
        return !w->enabled ? "disabled" : w->active ? "active" : "inactive";
}

static void print_json(const struct rule_row *rows, size_t n)
{
        struct strbuf b = {};

        strbuf_putc(&b, '[');
        for (size_t i = 0; i < n; i++) {
                const struct rule_row *w = &rows[i];

                strbuf_printf(&b, "%s{\"name\":\"", i ? "," : "");
                json_escape(&b, w->name, strlen(w->name));
                strbuf_puts(&b, "\",\"events\":[");
                for (size_t j = 0; w->event_list && w->event_list[j]; j++) {
                        strbuf_printf(&b, "%s\"", j ? "," : "");
                        json_escape(&b, w->event_list[j], strlen(w->event_list[j]));
                        strbuf_putc(&b, '"');
                }
                strbuf_printf(&b, "],\"severity\":\"%s\",\"mitre\":\"", w->severity);
                json_escape(&b, w->mitre, strlen(w->mitre));
                strbuf_puts(&b, "\",\"description\":\"");
                json_escape(&b, w->description, strlen(w->description));
                strbuf_puts(&b, "\",\"file\":\"");
                json_escape(&b, w->file, strlen(w->file));
                strbuf_printf(&b, "\",\"line\":%" PRIu32 ",\"enabled\":%s,\"active\":%s,\"matches\":%" PRIu64 "}",
                              w->line, w->enabled ? "true" : "false", w->active ? "true" : "false", w->matches);
        }
        strbuf_puts(&b, "]\n");
        fputs(b.data, stdout);
        strbuf_free(&b);
}

static void print_table(const struct ctl *c, const struct rule_row *rows, size_t n)
{
        size_t wname = 4, wevent = 5, wmitre = 5, active = 0, disabled = 0;

        for (size_t i = 0; i < n; i++) {
                wname = MAX(wname, strlen(rows[i].name));
                wevent = MAX(wevent, strlen(rows[i].events));
                wmitre = MAX(wmitre, strlen(rows[i].mitre));
        }
        if (!c->no_legend)
                printf("%s%-*s  %-*s  %-8s  %-*s  %-8s  %8s  %s%s\n", ctl_color(c, ANSI_UNDERLINE), (int) wname, "RULE",
                       (int) wevent, "EVENT", "SEVERITY", (int) wmitre, "MITRE", "STATE", "MATCHES", "FILE",
                       ctl_color(c, ANSI_NORMAL));
        for (size_t i = 0; i < n; i++) {
                const struct rule_row *w = &rows[i];
                const char *sev = severity_color(c, w->severity);

                active += w->enabled && w->active;
                disabled += !w->enabled;
                printf("%-*s  %-*s  %s%-8s%s  %-*s  %s%-8s%s  %8" PRIu64 "  %s:%" PRIu32 "\n", (int) wname, w->name,
                       (int) wevent, w->events, sev, w->severity, *sev ? ctl_color(c, ANSI_NORMAL) : "",
                       (int) wmitre, w->mitre[0] ? w->mitre : "-",
                       ctl_color(c, w->active ? ANSI_GREEN : ANSI_GREY), row_state(w), ctl_color(c, ANSI_NORMAL),
                       w->matches, w->file, w->line);
        }
        if (!c->no_legend)
                printf("\n%zu rules listed, %zu active, %zu disabled.\n", n, active, disabled);
}

static int rules_list(struct ctl *c, char **patterns, size_t n_patterns)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct rule_row *rows = NULL;
        size_t n = 0;
        int r;

        r = ctl_call(c, "list rules", "ListRules", &reply, NULL);
        if (r != 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(" LIST_RULES_ROW ")");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', LIST_RULES_ROW)) > 0) {
                struct rule_row w = {};

                r = read_row(reply, &w);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r >= 0 && wanted(patterns, n_patterns, w.name)) {
                        r = ARRAY_APPEND(rows, n, w);
                        if (r >= 0)
                                continue;
                }
                row_done(&w);
        }
        if (r < 0) {
                fprintf(stderr, "Failed to parse the reply: %s\n", strerror(-r));
                rows_free(rows, n);
                return EXIT_FAIL;
        }
        pager_open(c);
        if (c->json)
                print_json(rows, n);
        else
                print_table(c, rows, n);
        rows_free(rows, n);
        return EXIT_OK;
}

/* Rules on the events of external tracers (cwatch.tracer(5)) are checked against the BTF of their
 * objects, which takes libbpf: cwatchd has it, cwatchctl stays without, so with any NAME.tracer
 * installed the check is cwatchd's (the same code the service compiles rules with; no daemon needs
 * to run). */
static void rules_check_external(char **files, int n)
{
        static const char *const dirs[] = { EXT_TRACER_DIR_ETC, EXT_TRACER_DIR_LIB };
        struct strv found = {};
        char **args;

        if (ext_conf_find(dirs, ELEMENTSOF(dirs), &found) < 0 || found.n == 0) {
                strv_done(&found);
                return;
        }
        strv_done(&found);
        args = calloc(n + 4, sizeof(char *));
        if (!args)
                return;
        args[0] = (char *) "cwatchd";
        args[1] = (char *) "rules";
        args[2] = (char *) "check";
        memcpy(args + 3, files, n * sizeof(char *));
        fflush(stdout);
        execv(CWATCHD_PATH, args);
        fprintf(stderr, "warning: cannot run %s to check rules on external tracers (%s); checking against the "
                "built-in tracers only\n", CWATCHD_PATH, strerror(errno));
        free(args);
}

int ctl_rules(struct ctl *c, int argc, char **argv)
{
        if (streq(argv[1], "list"))
                return rules_list(c, argv + 2, argc - 2);
        if (streq(argv[1], "check")) {
                if (argc < 3) {
                        fprintf(stderr, "cwatchctl: rules check needs at least one rule file\n");
                        return EXIT_USAGE;
                }
                rules_check_external(argv + 2, argc - 2);
                return rules_check_files(argv + 2, argc - 2, stdout, stderr) < 0 ? EXIT_FAIL : EXIT_OK;
        }
        fprintf(stderr, "cwatchctl: unknown rules command '%s'; valid: list [PATTERN...], check FILE...\n", argv[1]);
        return EXIT_USAGE;
}
