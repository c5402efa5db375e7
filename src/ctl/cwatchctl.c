/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctl.h"
#include "ctl-alerts.h"
#include "ctl-graph.h"
#include "ctl-incidents.h"
#include "ctl-profiles.h"
#include "ctl-sync.h"
#include "ctl-whitelist.h"
#include "ctl-response.h"
#include "ctl-rules.h"
#include "ctl-top.h"
#include "shared/macro.h"
#include "shared/strbuf.h"
#include "shared/timeutil.h"
#include "sink/format.h"

struct tracer_row {
        const char *name, *description;
        int running;
        uint64_t events, drops;
};

static int verb_list_tracers(struct ctl *c, int argc, char **argv)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct tracer_row rows[64];
        size_t n = 0, wname = 6;
        int r;

        r = ctl_call(c, "list tracers", "ListTracers", &reply, NULL);
        if (r != 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(ssbtt)");
        while (r >= 0 && n < ELEMENTSOF(rows) &&
               (r = sd_bus_message_read(reply, "(ssbtt)", &rows[n].name, &rows[n].description, &rows[n].running,
                                        &rows[n].events, &rows[n].drops)) > 0) {
                wname = MAX(wname, strlen(rows[n].name));
                n++;
        }
        if (r < 0) {
                fprintf(stderr, "Failed to parse the reply: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        pager_open(c);
        if (c->json) {
                struct strbuf b = {};

                strbuf_putc(&b, '[');
                for (size_t i = 0; i < n; i++) {
                        strbuf_printf(&b, "%s{\"name\":\"", i ? "," : "");
                        json_escape(&b, rows[i].name, strlen(rows[i].name));
                        strbuf_puts(&b, "\",\"description\":\"");
                        json_escape(&b, rows[i].description, strlen(rows[i].description));
                        strbuf_printf(&b, "\",\"running\":%s,\"events\":%" PRIu64 ",\"drops\":%" PRIu64 "}",
                                      rows[i].running ? "true" : "false", rows[i].events, rows[i].drops);
                }
                strbuf_puts(&b, "]\n");
                fputs(b.data, stdout);
                strbuf_free(&b);
                return 0;
        }
        if (!c->no_legend)
                printf("%s%-*s  %-8s  %12s  %8s  %s%s\n", ctl_color(c, ANSI_UNDERLINE), (int) wname, "TRACER", "STATE",
                       "EVENTS", "DROPS", "DESCRIPTION", ctl_color(c, ANSI_NORMAL));
        for (size_t i = 0; i < n; i++)
                printf("%-*s  %s%-8s%s  %12" PRIu64 "  %s%8" PRIu64 "%s  %s\n", (int) wname, rows[i].name,
                       ctl_color(c, rows[i].running ? ANSI_GREEN : ANSI_GREY), rows[i].running ? "running" : "stopped",
                       ctl_color(c, ANSI_NORMAL), rows[i].events,
                       ctl_color(c, rows[i].drops ? ANSI_RED : ""), rows[i].drops, ctl_color(c, ANSI_NORMAL),
                       rows[i].description);
        if (!c->no_legend) {
                size_t running = 0;

                for (size_t i = 0; i < n; i++)
                        running += rows[i].running;
                printf("\n%zu tracers listed, %zu running.\n", n, running);
        }
        return 0;
}

static int verb_start_stop(struct ctl *c, int argc, char **argv)
{
        bool start = streq(argv[0], "start");
        int ret = 0;

        for (int i = 1; i < argc; i++) {
                char what[128];
                int r;

                snprintf(what, sizeof(what), "%s tracer %s", start ? "start" : "stop", argv[i]);
                r = ctl_call(c, what, start ? "StartTracer" : "StopTracer", NULL, "s", argv[i]);
                if (r != 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

static int verb_reload(struct ctl *c, int argc, char **argv)
{
        return ctl_call(c, "reload the configuration", "Reload", NULL, NULL);
}

struct stats {
        uint64_t events, drops, malformed, alerts, started, loaded, reloads, interval;
        uint64_t rule_matches, deduplicated, rate_limited;
        uint64_t incidents_opened, incident_alerts, graph_nodes, graph_edges, graph_evictions;
        uint64_t restarts, previous_end_usec, ready_usec, blind_usec, handover_events;
        uint64_t events_total, drops_total, alerts_total;
        int handed_over;
        char previous_end[64];
        uint32_t tracers, running, rules;
        char detection[16];     /* "" from a cwatchd that does not say */
        char degraded[384];     /* why it runs degraded; "" when it does not */
};

static int read_stats(sd_bus_message *reply, struct stats *s)
{
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                static const struct { const char *key; size_t off; } t_fields[] = {
                        { "events", offsetof(struct stats, events) }, { "drops", offsetof(struct stats, drops) },
                        { "malformed_events", offsetof(struct stats, malformed) },
                        { "alerts", offsetof(struct stats, alerts) },
                        { "started_usec", offsetof(struct stats, started) },
                        { "config_loaded_usec", offsetof(struct stats, loaded) },
                        { "reloads", offsetof(struct stats, reloads) },
                        { "interval_usec", offsetof(struct stats, interval) },
                        { "rule_matches", offsetof(struct stats, rule_matches) },
                        { "alerts_deduplicated", offsetof(struct stats, deduplicated) },
                        { "alerts_rate_limited", offsetof(struct stats, rate_limited) },
                        { "incidents_opened", offsetof(struct stats, incidents_opened) },
                        { "incident_alerts", offsetof(struct stats, incident_alerts) },
                        { "graph_nodes", offsetof(struct stats, graph_nodes) },
                        { "graph_edges", offsetof(struct stats, graph_edges) },
                        { "graph_evictions", offsetof(struct stats, graph_evictions) },
                        { "restarts", offsetof(struct stats, restarts) },
                        { "previous_end_usec", offsetof(struct stats, previous_end_usec) },
                        { "ready_usec", offsetof(struct stats, ready_usec) },
                        { "blind_usec", offsetof(struct stats, blind_usec) },
                        { "handover_events", offsetof(struct stats, handover_events) },
                        { "events_total", offsetof(struct stats, events_total) },
                        { "drops_total", offsetof(struct stats, drops_total) },
                        { "alerts_total", offsetof(struct stats, alerts_total) },
                };
                const char *key, *contents;
                bool done = false;

                r = sd_bus_message_read_basic(reply, 's', &key);
                if (r >= 0)
                        r = sd_bus_message_peek_type(reply, NULL, &contents);
                if (r < 0)
                        break;
                for (size_t i = 0; i < ELEMENTSOF(t_fields) && !done; i++)
                        if (streq(key, t_fields[i].key) && streq(contents, "t")) {
                                r = sd_bus_message_read(reply, "v", "t", (uint64_t *) ((char *) s + t_fields[i].off));
                                done = true;
                        }
                if (!done && streq(contents, "u") && (streq(key, "tracers") || streq(key, "tracers_running"))) {
                        r = sd_bus_message_read(reply, "v", "u", streq(key, "tracers") ? &s->tracers : &s->running);
                        done = true;
                }
                if (!done && streq(contents, "u") && streq(key, "rules")) {
                        r = sd_bus_message_read(reply, "v", "u", &s->rules);
                        done = true;
                }
                if (!done && streq(contents, "s") && (streq(key, "detection") || streq(key, "degraded") ||
                                                      streq(key, "previous_end"))) {
                        char *dst = streq(key, "detection") ? s->detection : streq(key, "degraded") ? s->degraded
                                                                                                    : s->previous_end;
                        size_t size = streq(key, "detection") ? sizeof(s->detection) : streq(key, "degraded")
                                      ? sizeof(s->degraded) : sizeof(s->previous_end);
                        const char *v;

                        r = sd_bus_message_read(reply, "v", "s", &v);
                        if (r >= 0)
                                snprintf(dst, size, "%s", v);
                        done = true;
                }
                if (!done && streq(contents, "b") && streq(key, "handed_over")) {
                        r = sd_bus_message_read(reply, "v", "b", &s->handed_over);
                        done = true;
                }
                if (!done)
                        r = sd_bus_message_skip(reply, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        return r;
}

/* "Restarts: 3 this boot; previous instance ended 12:01:00 (killed KILL), blind ~1.1 s" */
static void print_restarts(const struct ctl *c, const struct stats *s)
{
        char ts[40];

        if (s->restarts == 0)
                return;
        printf("   Restarts: %" PRIu64 " this boot; the instance before ", s->restarts);
        if (s->previous_end_usec == 0)
                printf("ended at an unknown time");
        else
                printf("ended %s (%s)", format_timestamp(ts, sizeof(ts), s->previous_end_usec * 1000),
                       s->previous_end[0] ? s->previous_end : "unknown");
        if (s->handed_over)
                printf(", its programs stayed attached: no blind window (%" PRIu64 " of their events delivered)\n",
                       s->handover_events);
        else
                /* a killed process's programs are detached by the kernel before systemd sees it end */
                printf(", %sblind for at least %.1f s%s\n", ctl_color(c, ANSI_YELLOW), s->blind_usec / 1e6,
                       ctl_color(c, ANSI_NORMAL));
        printf("  This boot: %" PRIu64 " events, %" PRIu64 " dropped, %" PRIu64 " alerts over all instances\n",
               s->events_total, s->drops_total, s->alerts_total);
}

static int verb_status(struct ctl *c, int argc, char **argv)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *tracers = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *version = NULL;
        struct stats s = {};
        struct strbuf names = {};
        char ts1[40], ts2[40];
        int r;

        r = ctl_call(c, "get statistics", "GetStats", &reply, NULL);
        if (r != 0)
                return r;
        if (read_stats(reply, &s) < 0) {
                fprintf(stderr, "Failed to parse the statistics\n");
                return EXIT_FAIL;
        }
        r = sd_bus_get_property_string(c->bus, CTL_BUS_NAME, CTL_BUS_PATH, CTL_BUS_INTERFACE, "Version", &error,
                                       &version);
        sd_bus_error_free(&error);
        if (r < 0)
                version = NULL;
        if (ctl_call(c, "list tracers", "ListTracers", &tracers, NULL) == 0) {
                const char *name, *desc;
                int running;
                uint64_t ev, dr;

                if (sd_bus_message_enter_container(tracers, 'a', "(ssbtt)") >= 0)
                        while (sd_bus_message_read(tracers, "(ssbtt)", &name, &desc, &running, &ev, &dr) > 0)
                                if (running)
                                        strbuf_printf(&names, "%s%s", names.len ? " " : "", name);
        }
        pager_open(c);
        if (c->json) {
                printf("{\"version\":\"%s\",\"tracers\":%" PRIu32 ",\"tracers_running\":%" PRIu32
                       ",\"running\":\"%s\",\"events\":%" PRIu64 ",\"drops\":%" PRIu64 ",\"malformed_events\":%" PRIu64
                       ",\"alerts\":%" PRIu64 ",\"started_usec\":%" PRIu64 ",\"config_loaded_usec\":%" PRIu64
                       ",\"reloads\":%" PRIu64 ",\"interval_usec\":%" PRIu64 ",\"detection\":\"%s\",\"rules\":%" PRIu32
                       ",\"rule_matches\":%" PRIu64 ",\"alerts_deduplicated\":%" PRIu64
                       ",\"alerts_rate_limited\":%" PRIu64 ",\"incidents_opened\":%" PRIu64
                       ",\"graph_nodes\":%" PRIu64 ",\"graph_edges\":%" PRIu64 ",\"graph_evictions\":%" PRIu64
                       ",\"degraded\":%s,\"restarts\":%" PRIu64 ",\"previous_end_usec\":%" PRIu64 ",\"blind_usec\":%"
                       PRIu64 ",\"handed_over\":%s,\"events_total\":%" PRIu64 "}\n",
                       version ?: "", s.tracers, s.running, names.data ?: "", s.events, s.drops, s.malformed,
                       s.alerts, s.started, s.loaded, s.reloads, s.interval, s.detection, s.rules, s.rule_matches,
                       s.deduplicated, s.rate_limited, s.incidents_opened, s.graph_nodes, s.graph_edges,
                       s.graph_evictions, s.degraded[0] ? "true" : "false", s.restarts, s.previous_end_usec,
                       s.blind_usec, s.handed_over ? "true" : "false", s.events_total);
        } else {
                printf("%s●%s cwatchd %s\n", ctl_color(c, s.degraded[0] ? ANSI_YELLOW : ANSI_GREEN),
                       ctl_color(c, ANSI_NORMAL), version ?: "");
                if (s.degraded[0])
                        printf("   Degraded: %s%s%s\n", ctl_color(c, ANSI_RED), s.degraded, ctl_color(c, ANSI_NORMAL));
                printf("    Tracers: %" PRIu32 " of %" PRIu32 " running (%s)\n", s.running, s.tracers,
                       names.data ?: "none");
                printf("     Events: %" PRIu64 " received, %s%" PRIu64 " dropped%s, %" PRIu64 " malformed\n", s.events,
                       ctl_color(c, s.drops ? ANSI_RED : ""), s.drops, ctl_color(c, s.drops ? ANSI_NORMAL : ""),
                       s.malformed);
                printf("     Alerts: %" PRIu64 " raised from %" PRIu64 " raw rule hits, %" PRIu64 " incidents opened\n",
                       s.alerts, s.rule_matches, s.incidents_opened);
                if (s.graph_nodes || s.graph_edges)
                        printf("      Graph: %" PRIu64 " nodes, %" PRIu64 " edges, %" PRIu64 " evicted\n", s.graph_nodes,
                               s.graph_edges, s.graph_evictions);
                if (streq(s.detection, "rules"))
                        printf("      Rules: %" PRIu32 " loaded, %" PRIu64 " matches, %" PRIu64 " repeats folded, %s%"
                               PRIu64 " held back%s by the rate limit\n", s.rules, s.rule_matches, s.deduplicated,
                               ctl_color(c, s.rate_limited ? ANSI_YELLOW : ""), s.rate_limited,
                               ctl_color(c, s.rate_limited ? ANSI_NORMAL : ""));
                else if (streq(s.detection, "builtin"))
                        printf("      Rules: %snot loaded%s (see journalctl -u cwatchd); the built-in exec detection "
                               "runs\n", ctl_color(c, ANSI_RED), ctl_color(c, ANSI_NORMAL));
                else if (streq(s.detection, "off"))
                        printf("      Rules: off\n");
                printf("    Started: %s\n", format_timestamp(ts1, sizeof(ts1), s.started * 1000));
                print_restarts(c, &s);
                printf("     Config: loaded %s, %" PRIu64 " reloads, interval %.1fs\n",
                       format_timestamp(ts2, sizeof(ts2), s.loaded * 1000), s.reloads, s.interval / 1e6);
        }
        strbuf_free(&names);
        return 0;
}

static int verb_alerts(struct ctl *c, int argc, char **argv)
{
        if (argc == 1)
                return ctl_alerts(c);
        if (argc == 3 && streq(argv[1], "show"))
                return ctl_alert_show(c, argv[2], c->graph_format);
        fprintf(stderr, "cwatchctl: usage: alerts [OPTIONS] | alerts show ID [--graph tree|dot|json]\n");
        return EXIT_USAGE;
}

static int verb_incidents(struct ctl *c, int argc, char **argv)
{
        return ctl_incidents(c, argc, argv);
}

static int verb_rules(struct ctl *c, int argc, char **argv)
{
        return ctl_rules(c, argc, argv);
}

static int verb_profiles(struct ctl *c, int argc, char **argv)
{
        return ctl_profiles(c, argc, argv);
}

static int verb_keys(struct ctl *c, int argc, char **argv)
{
        return ctl_keys(c, argc, argv);
}

static int verb_whitelist(struct ctl *c, int argc, char **argv)
{
        if (streq(argv[1], "export") || streq(argv[1], "import"))
                return ctl_whitelist_transfer(c, argc, argv);
        return ctl_whitelist(c, argc, argv);
}

static int verb_graph(struct ctl *c, int argc, char **argv)
{
        int r = ctl_bus(c);

        if (r != 0)
                return r;
        r = ctl_graph(c->bus, argc, argv, stdout, stderr);
        return r == -EINVAL ? EXIT_USAGE : r < 0 ? EXIT_FAIL : EXIT_OK;
}

static int verb_top(struct ctl *c, int argc, char **argv)
{
        return ctl_top(c, argc, argv);
}

/* One line per verb; other modules add theirs ("rules", "graph") here. */
static const struct ctl_verb ctl_verbs[] = {
        { "status", 0, 0, verb_status, false, "status", "show the daemon's state and counters" },
        { "list-tracers", 0, 0, verb_list_tracers, false, "list-tracers", "list tracers, running or not" },
        { "start", 1, -1, verb_start_stop, false, "start TRACER...", "start tracers" },
        { "stop", 1, -1, verb_start_stop, false, "stop TRACER...", "stop tracers (the others keep running)" },
        { "alerts", 0, 2, verb_alerts, false, "alerts [OPTIONS] | alerts show ID [--graph tree|dot|json]",
          "show alerts from the journal, newest first; one alert with its story" },
        { "incidents", 0, 2, verb_incidents, false, "incidents [list | show ID]",
          "incidents: alerts merged by story, container or unit, with score and tactics" },
        { "reload", 0, 0, verb_reload, false, "reload", "re-read the configuration and the rules" },
        { "rules", 1, -1, verb_rules, false, "rules list [PATTERN...] | rules check FILE...",
          "list the detection rules in force; check rule files offline (no daemon needed)" },
        { "profiles", 1, 2, verb_profiles, false, "profiles list | profiles show|reset|learn|detect PROFILE",
          "behaviour profiles: list them, show one's features, reset it, switch it to learning or detecting" },
        { "whitelist", 1, 2, verb_whitelist, false,
          "whitelist list | whitelist show PATH|SHA256 | whitelist export|import FILE",
          "programs seen and their trust; one explained; this host's signed snapshot out, a peer's in" },
        { "keys", 1, 1, verb_keys, false, "keys show", "this host's public key, as a peer's trusted-hosts.d file" },
        { "freeze", 1, 2, ctl_freeze_thaw, false, "freeze UNIT | freeze container NAME",
          "freeze a unit or a container's scope (cgroup freezer): its processes stop where they are" },
        { "thaw", 1, 2, ctl_freeze_thaw, false, "thaw UNIT | thaw container NAME", "thaw what freeze froze" },
        { "kill", 1, -1, ctl_kill, true, "kill [--signal SIG] UNIT | kill container NAME",
          "signal every process of a unit or a container's scope (default SIGKILL)" },
        { "actions", 0, 0, ctl_actions, false, "actions",
          "list the response's actions (done, dry run, refused, held back, failed) and what is frozen" },
        { "graph", 1, -1, verb_graph, true, "graph connections [--since SPAN] [--format dot|json]",
          "the recent TCP connection graph" },
        { "top", 0, -1, verb_top, true, "top [--once] [--json] [--sort COLUMN] [--delay SECONDS]",
          "a live table of events, execs, file bytes and connections per second by container and unit" },
};

static void help(void)
{
        printf("cwatchctl [OPTIONS...] COMMAND ...\n\nSteer and query the cwatch daemon.\n\nCommands:\n");
        for (size_t i = 0; i < ELEMENTSOF(ctl_verbs); i++)
                if (strlen(ctl_verbs[i].usage) > 22)
                        printf("  %s\n  %-22s %s\n", ctl_verbs[i].usage, "", ctl_verbs[i].help);
                else
                        printf("  %-22s %s\n", ctl_verbs[i].usage, ctl_verbs[i].help);
        printf("\nOptions:\n"
               "  -h --help              show this help\n"
               "     --version           show the version\n"
               "     --no-pager          do not pipe output into a pager\n"
               "     --no-legend         do not print headers and footers\n"
               "     --json              print JSON\n"
               "\nOptions for alerts:\n"
               "  -S --since TIME        alerts at or after TIME (e.g. \"2024-08-04 16:00\", -1h, today)\n"
               "  -U --until TIME        alerts at or before TIME\n"
               "     --rule NAME         only this rule\n"
               "  -p --severity LEVEL    this severity or worse: critical error warning notice info\n"
               "     --container NAME    only this container (name, or id of at least 12 characters)\n"
               "     --unit UNIT         only this systemd unit\n"
               "  -n --limit N           at most N alerts (default 100, at most 10000)\n"
               "  -f --follow            after the newest alerts, print new ones as they are raised\n"
               "     --graph FORMAT      alerts show: only the story, as tree, dot or json\n"
               "\nExit status: 0 success, 1 failure, 2 bad usage, 4 not authorized, 5 no such tracer.\n"
               "See cwatchctl(1).\n");
}

enum {
        ARG_VERSION = 0x100,
        ARG_NO_PAGER,
        ARG_NO_LEGEND,
        ARG_JSON,
        ARG_RULE,
        ARG_CONTAINER,
        ARG_UNIT,
        ARG_GRAPH,
};

static int parse_argv(struct ctl *c, int argc, char **argv, bool stop_at_verb)
{
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "no-pager", no_argument, NULL, ARG_NO_PAGER },
                { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
                { "json", no_argument, NULL, ARG_JSON },
                { "since", required_argument, NULL, 'S' },
                { "until", required_argument, NULL, 'U' },
                { "rule", required_argument, NULL, ARG_RULE },
                { "severity", required_argument, NULL, 'p' },
                { "container", required_argument, NULL, ARG_CONTAINER },
                { "unit", required_argument, NULL, ARG_UNIT },
                { "limit", required_argument, NULL, 'n' },
                { "follow", no_argument, NULL, 'f' },
                { "graph", required_argument, NULL, ARG_GRAPH },
                {}
        };
        uint64_t now = now_realtime_ns() / 1000;
        int o;

        optind = 0;
        opterr = 0;
        while ((o = getopt_long(argc, argv, stop_at_verb ? "+hS:U:p:n:f" : "hS:U:p:n:f", options, NULL)) >= 0) {
                switch (o) {
                case 'h':
                        help();
                        return 1;
                case ARG_VERSION:
                        printf("cwatchctl %s\n", CWATCH_VERSION);
                        return 1;
                case ARG_NO_PAGER:
                        c->no_pager = true;
                        break;
                case ARG_NO_LEGEND:
                        c->no_legend = true;
                        break;
                case ARG_JSON:
                        c->json = true;
                        break;
                case 'S':
                case 'U':
                        if (parse_time_spec(optarg, now, o == 'S' ? &c->since_usec : &c->until_usec) < 0) {
                                fprintf(stderr, "cwatchctl: --%s: cannot parse time '%s' (try \"2024-08-04 16:00\", "
                                        "-1h, \"30min ago\", today, @SECONDS)\n", o == 'S' ? "since" : "until", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_RULE:
                        c->rule = optarg;
                        break;
                case 'p':
                        c->severity = optarg;
                        break;
                case ARG_CONTAINER:
                        c->container = optarg;
                        break;
                case ARG_UNIT:
                        c->unit = optarg;
                        break;
                case ARG_GRAPH:
                        c->graph_format = optarg;
                        break;
                case 'n': {
                        char *end;
                        unsigned long long v;

                        errno = 0;
                        v = strtoull(optarg, &end, 10);
                        if (errno || *end || !*optarg || optarg[0] == '-' || v < 1 || v > 10000) {
                                fprintf(stderr, "cwatchctl: --limit takes a number between 1 and 10000, not '%s'\n",
                                        optarg);
                                return -EINVAL;
                        }
                        c->limit = v;
                        c->limit_set = true;
                        break;
                }
                case 'f':
                        c->follow = true;
                        break;
                default:
                        if (optopt && optopt < 0x100)
                                fprintf(stderr, "cwatchctl: unknown or incomplete option '-%c'\n", optopt);
                        else
                                fprintf(stderr, "cwatchctl: unknown or incomplete option '%s'\n", argv[optind - 1]);
                        fprintf(stderr, "Try 'cwatchctl --help'.\n");
                        return -EINVAL;
                }
        }
        return 0;
}

int main(int argc, char *argv[])
{
        struct ctl c = { .limit = 100 };
        const struct ctl_verb *verb = NULL;
        int r, nargs;

        c.colors = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !streq(getenv("TERM") ?: "dumb", "dumb");
        /* options before the verb are ours; after it, ours too (anywhere, like systemctl) unless
         * the verb parses its own */
        r = parse_argv(&c, argc, argv, true);
        if (r != 0)
                return r > 0 ? EXIT_OK : EXIT_USAGE;
        argv += optind - 1;
        argc -= optind - 1;
        if (argc < 2) {
                verb = &ctl_verbs[0];
        } else {
                for (size_t i = 0; i < ELEMENTSOF(ctl_verbs); i++)
                        if (streq(argv[1], ctl_verbs[i].name))
                                verb = &ctl_verbs[i];
                if (!verb) {
                        fprintf(stderr, "cwatchctl: unknown command '%s'; try 'cwatchctl --help'\n", argv[1]);
                        return EXIT_USAGE;
                }
                if (verb->own_options) {
                        r = verb->run(&c, argc - 1, argv + 1);
                        sd_bus_flush_close_unref(c.bus);
                        return r;
                }
                /* the rest: argv[1] is the verb, getopt moves the words behind the options */
                r = parse_argv(&c, argc - 1, argv + 1, false);
                if (r != 0)
                        return r > 0 ? EXIT_OK : EXIT_USAGE;
                argv += optind - 1;
                argc -= optind - 1;
                argv[1] = (char *) verb->name;
        }
        nargs = argc < 2 ? 0 : argc - 2;
        if (nargs < verb->min_args || (verb->max_args >= 0 && nargs > verb->max_args)) {
                fprintf(stderr, "cwatchctl: %s takes %s arguments; usage: cwatchctl %s\n", verb->name,
                        nargs < verb->min_args ? "more" : "fewer", verb->usage);
                return EXIT_USAGE;
        }
        r = argc < 2 ? verb->run(&c, 1, (char *[]) { (char *) verb->name, NULL }) : verb->run(&c, argc - 1, argv + 1);
        pager_close();
        sd_bus_flush_close_unref(c.bus);
        return r;
}
