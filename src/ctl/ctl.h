/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cwatchctl: steer cwatchd over D-Bus. A verb is one line in ctl_verbs[] (cwatchctl.c) and a
 * function; "rules" and "graph" verbs go there the same way. The helpers verbs share are in
 * ctl.c. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

/* Exit codes, as systemctl and LSB use them. */
enum {
        EXIT_OK = 0,
        EXIT_FAIL = 1,          /* generic failure, daemon unreachable */
        EXIT_USAGE = 2,         /* invalid or excess arguments */
        EXIT_PRIVILEGE = 4,     /* polkit said no */
        EXIT_NOT_FOUND = 5,     /* no such tracer (systemctl: unit not found) */
};

struct ctl {
        sd_bus *bus;
        bool json;
        bool no_pager;
        bool no_legend;
        bool follow;
        bool colors;            /* stdout is a tty */
        uint64_t since_usec, until_usec;
        const char *rule, *severity, *container, *unit;
        uint64_t limit;
        bool limit_set;
        const char *graph_format;       /* alerts show --graph: tree, dot, json; NULL: the full view */
};

struct ctl_verb {
        const char *name;
        int min_args, max_args; /* after the verb; max -1: any */
        int (*run)(struct ctl *c, int argc, char **argv);
        bool own_options;       /* the verb parses the options after it itself */
        const char *usage;      /* "start TRACER..." */
        const char *help;       /* one line */
};

/* The daemon's bus name, object and interface. */
#define CTL_BUS_NAME "org.cwatch1"
#define CTL_BUS_PATH "/org/cwatch1"
#define CTL_BUS_INTERFACE "org.cwatch1.Manager"

/* ctl.c: what every verb shares. Connects on first use. Returns an exit code on failure (after
 * printing why), 0 on success. */
int ctl_bus(struct ctl *c);
/* Calls a method of org.cwatch1.Manager (types/...: its arguments, or NULL); what names the
 * action in the error message. Returns 0, or the exit code after printing why it failed. */
int ctl_call(struct ctl *c, const char *what, const char *method, sd_bus_message **reply, const char *types, ...);
/* Prints a failed call's error and returns the exit code it maps to. */
int ctl_call_failed(const char *what, const sd_bus_error *error, int r);

/* Terminal helpers. */
const char *ctl_color(const struct ctl *c, const char *sgr);   /* "" when not a tty */
#define ANSI_NORMAL "\033[0m"
#define ANSI_BOLD "\033[1m"
#define ANSI_UNDERLINE "\033[4m"
#define ANSI_RED "\033[31m"
#define ANSI_GREEN "\033[32m"
#define ANSI_YELLOW "\033[33m"
#define ANSI_GREY "\033[90m"

void pager_open(const struct ctl *c);
void pager_close(void);

/* Parses a time for --since/--until: "2024-08-04 16:22[:30]", "2024-08-04", "@SECONDS", "now",
 * "today", "yesterday", "-1h", "30min ago" (s, min, h, d, w). */
int parse_time_spec(const char *s, uint64_t now_usec, uint64_t *ret_usec);
