/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl-response.h"
#include "shared/macro.h"
#include "shared/strbuf.h"
#include "shared/timeutil.h"
#include "sink/format.h"

#define ACTION_ROW "stssssuisssss"

struct action_row {
        const char *id, *action, *result, *origin, *unit, *alert, *incident, *rule, *caller, *reason;
        uint64_t time;
        uint32_t pid;
        int32_t signal;
};

static int read_action(sd_bus_message *m, struct action_row *w)
{
        return sd_bus_message_read(m, "(" ACTION_ROW ")", &w->id, &w->time, &w->action, &w->result, &w->origin,
                                   &w->unit, &w->pid, &w->signal, &w->alert, &w->incident, &w->rule, &w->caller,
                                   &w->reason);
}

/* "UNIT", "unit UNIT" or "container NAME" from args (n of them) into kind and name. */
static int parse_target(const char *verb, int n, char **args, const char **kind, const char **name)
{
        if (n == 1 && !streq(args[0], "container") && !streq(args[0], "unit")) {
                *kind = "unit";
                *name = args[0];
                return 0;
        }
        if (n == 2 && (streq(args[0], "container") || streq(args[0], "unit"))) {
                *kind = args[0];
                *name = args[1];
                return 0;
        }
        fprintf(stderr, "cwatchctl: %s takes UNIT, unit UNIT or container NAME\n", verb);
        return EXIT_USAGE;
}

static int print_outcome(struct ctl *c, sd_bus_message *reply)
{
        struct action_row w;
        int r;

        r = read_action(reply, &w);
        if (r <= 0) {
                fprintf(stderr, "Failed to parse the reply: %s\n", strerror(r < 0 ? -r : EBADMSG));
                return EXIT_FAIL;
        }
        if (c->json) {
                struct strbuf b = {};

                strbuf_puts(&b, "{\"id\":\"");
                json_escape(&b, w.id, strlen(w.id));
                strbuf_puts(&b, "\",\"action\":\"");
                json_escape(&b, w.action, strlen(w.action));
                strbuf_puts(&b, "\",\"result\":\"");
                json_escape(&b, w.result, strlen(w.result));
                strbuf_puts(&b, "\",\"unit\":\"");
                json_escape(&b, w.unit, strlen(w.unit));
                strbuf_puts(&b, "\",\"reason\":\"");
                json_escape(&b, w.reason, strlen(w.reason));
                strbuf_puts(&b, "\"}\n");
                fputs(b.data ?: "", stdout);
                strbuf_free(&b);
        } else
                printf("%s %s: %s%s%s\n", w.action, w.unit, w.result, *w.reason ? ", " : "", w.reason);
        return streq(w.result, "done") ? EXIT_OK : EXIT_FAIL;
}

int ctl_freeze_thaw(struct ctl *c, int argc, char **argv)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        bool freeze = streq(argv[0], "freeze");
        const char *kind, *name;
        int r;

        r = parse_target(argv[0], argc - 1, argv + 1, &kind, &name);
        if (r != 0)
                return r;
        r = ctl_call(c, freeze ? "freeze" : "thaw", freeze ? "Freeze" : "Thaw", &reply, "ss", kind, name);
        return r != 0 ? r : print_outcome(c, reply);
}

static int parse_signal(const char *s)
{
        static const struct { const char *name; int sig; } names[] = {
                { "KILL", SIGKILL }, { "TERM", SIGTERM }, { "INT", SIGINT }, { "HUP", SIGHUP },
                { "QUIT", SIGQUIT }, { "STOP", SIGSTOP }, { "CONT", SIGCONT }, { "USR1", SIGUSR1 },
                { "USR2", SIGUSR2 },
        };
        char *end;
        long n;

        if (strneq(s, "SIG", 3))
                s += 3;
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(s, names[i].name))
                        return names[i].sig;
        n = strtol(s, &end, 10);
        return *s && !*end && n > 0 && n < 64 ? (int) n : -1;
}

int ctl_kill(struct ctl *c, int argc, char **argv)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *kind, *name;
        int r, sig = SIGKILL, i = 1;

        for (; i < argc && argv[i][0] == '-'; i++) {
                const char *v = NULL;

                if (strneq(argv[i], "--signal=", 9))
                        v = argv[i] + 9;
                else if ((streq(argv[i], "--signal") || streq(argv[i], "-s")) && i + 1 < argc)
                        v = argv[++i];
                else if (streq(argv[i], "--json")) {
                        c->json = true;
                        continue;
                }
                sig = v ? parse_signal(v) : -1;
                if (sig < 0) {
                        fprintf(stderr, "cwatchctl: kill: '%s' is not an option or signal; usage: "
                                "cwatchctl kill [--signal SIG] UNIT | container NAME\n", v ?: argv[i]);
                        return EXIT_USAGE;
                }
        }
        r = parse_target("kill", argc - i, argv + i, &kind, &name);
        if (r != 0)
                return r;
        r = ctl_call(c, "kill", "Kill", &reply, "ssi", kind, name, sig);
        return r != 0 ? r : print_outcome(c, reply);
}

int ctl_actions(struct ctl *c, int argc, char **argv)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct action_row w;
        size_t n = 0;
        char ts[64];
        const char *unit;
        int r;

        r = ctl_call(c, "list actions", "ListActions", &reply, NULL);
        if (r != 0)
                return r;
        pager_open(c);
        r = sd_bus_message_enter_container(reply, 'a', "(" ACTION_ROW ")");
        if (!c->json && !c->no_legend)
                printf("%s%-19s  %-9s  %-9s  %-8s  %-32s  %s%s\n", ctl_color(c, ANSI_UNDERLINE), "TIME", "ACTION",
                       "RESULT", "ORIGIN", "UNIT", "REASON", ctl_color(c, ANSI_NORMAL));
        while (r >= 0 && (r = read_action(reply, &w)) > 0) {
                if (c->json) {
                        struct strbuf b = {};
                        const char *keys[] = { "id", "action", "result", "origin", "unit", "alert_id", "incident_id",
                                               "rule", "caller", "reason" };
                        const char *vals[] = { w.id, w.action, w.result, w.origin, w.unit, w.alert, w.incident,
                                               w.rule, w.caller, w.reason };

                        strbuf_printf(&b, "{\"time_usec\":%" PRIu64 ",\"pid\":%" PRIu32 ",\"signal\":%" PRIi32, w.time,
                                      w.pid, w.signal);
                        for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
                                strbuf_printf(&b, ",\"%s\":\"", keys[k]);
                                json_escape(&b, vals[k], strlen(vals[k]));
                                strbuf_putc(&b, '"');
                        }
                        strbuf_puts(&b, "}\n");
                        fputs(b.data ?: "", stdout);
                        strbuf_free(&b);
                } else
                        printf("%-19s  %-9s  %s%-9s%s  %-8s  %-32s  %s\n", format_timestamp(ts, sizeof(ts), w.time * 1000),
                               w.action, ctl_color(c, streq(w.result, "done") ? ANSI_GREEN : ANSI_YELLOW), w.result,
                               ctl_color(c, ANSI_NORMAL), w.origin, w.unit, w.reason);
                n++;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "s");
        if (r >= 0 && !c->json && !c->no_legend)
                printf("\n%zu actions.\nFrozen by cwatch:", n);
        while (r >= 0 && (r = sd_bus_message_read(reply, "s", &unit)) > 0) {
                if (c->json)
                        printf("{\"frozen\":\"%s\"}\n", unit);
                else
                        printf(" %s", unit);
        }
        if (!c->json && !c->no_legend)
                putchar('\n');
        if (r < 0) {
                fprintf(stderr, "Failed to parse the reply: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        return EXIT_OK;
}
