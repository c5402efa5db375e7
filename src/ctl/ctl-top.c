/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "ctl-top.h"
#include "shared/macro.h"
#include "shared/strbuf.h"
#include "shared/timeutil.h"
#include "sink/format.h"

#define TOP_NAME_MAX 128
#define TOP_MAX_ROWS 1024
#define TOP_DEFAULT_DELAY_USEC USEC_PER_SEC

/* The counters of GetActivity, in this order. */
enum {
        TOP_EVENTS, TOP_EXECS, TOP_READ_BYTES, TOP_WRITE_BYTES, TOP_CONNECTIONS, TOP_ALERTS, _TOP_COUNTERS,
};

struct top_row {
        char kind[16], name[TOP_NAME_MAX], id[TOP_NAME_MAX], runtime[16];
        uint64_t counts[_TOP_COUNTERS];
        double rates[_TOP_COUNTERS];    /* per second since the previous sample */
};

struct top_sample {
        uint64_t now_usec, drops;
        struct top_row *rows;
        size_t n_rows;
};

/* A column of the table and what --sort and the keys call it. */
struct top_column {
        const char *name;       /* --sort NAME */
        char key;               /* the key that sorts by it in the live view */
        const char *header;
        int counter;            /* its rate, or -1: the name */
        const char *json;       /* the rate's key in --json */
};

static const struct top_column top_columns[] = {
        { "name", 'n', "NAME", -1, NULL },
        { "events", 'e', "EVENTS/S", TOP_EVENTS, "events_per_sec" },
        { "execs", 'x', "EXECS/S", TOP_EXECS, "execs_per_sec" },
        { "read", 'r', "READ/S", TOP_READ_BYTES, "read_bytes_per_sec" },
        { "write", 'w', "WRITE/S", TOP_WRITE_BYTES, "write_bytes_per_sec" },
        { "connections", 'c', "CONNS/S", TOP_CONNECTIONS, "connections_per_sec" },
        { "alerts", 'a', "ALERTS", TOP_ALERTS, "alerts_per_sec" },
};
static const char *const top_counter_json[_TOP_COUNTERS] = {
        "events", "execs", "read_bytes", "write_bytes", "connections", "alerts",
};

struct top {
        struct ctl *ctl;
        const struct top_column *sort;
        uint64_t delay_usec;
        bool once;
        struct top_sample prev, cur;
};

static volatile sig_atomic_t top_quit;

static void on_quit_signal(int sig)
{
        top_quit = 1;
}

static void sample_done(struct top_sample *s)
{
        free(s->rows);
        *s = (struct top_sample) {};
}

static int read_row(sd_bus_message *reply, struct top_row *row)
{
        const char *kind, *name, *id, *runtime;
        uint64_t first, last;
        uint64_t *n = row->counts;
        int r;

        r = sd_bus_message_read(reply, "(sssstttttttt)", &kind, &name, &id, &runtime, &n[TOP_EVENTS], &n[TOP_EXECS],
                                &n[TOP_READ_BYTES], &n[TOP_WRITE_BYTES], &n[TOP_CONNECTIONS], &n[TOP_ALERTS], &first,
                                &last);
        if (r <= 0)
                return r;
        snprintf(row->kind, sizeof(row->kind), "%s", kind);
        snprintf(row->name, sizeof(row->name), "%s", name);
        snprintf(row->id, sizeof(row->id), "%s", id);
        snprintf(row->runtime, sizeof(row->runtime), "%s", runtime);
        return 1;
}

static int fetch_sample(struct top *t, struct top_sample *ret)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct top_sample s = {};
        int r;

        r = ctl_call(t->ctl, "get the activity", "GetActivity", &reply, NULL);
        if (r != 0)
                return r;
        s.rows = calloc(TOP_MAX_ROWS, sizeof(*s.rows));
        if (!s.rows)
                return EXIT_FAIL;
        r = sd_bus_message_read(reply, "tt", &s.now_usec, &s.drops);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(sssstttttttt)");
        while (r >= 0 && s.n_rows < TOP_MAX_ROWS && (r = read_row(reply, &s.rows[s.n_rows])) > 0)
                s.n_rows++;
        if (r < 0) {
                fprintf(stderr, "Failed to parse the activity: %s\n", strerror(-r));
                sample_done(&s);
                return EXIT_FAIL;
        }
        *ret = s;
        return 0;
}

static const struct top_row *find_row(const struct top_sample *s, const struct top_row *row)
{
        for (size_t i = 0; i < s->n_rows; i++)
                if (streq(s->rows[i].kind, row->kind) && streq(s->rows[i].id, row->id))
                        return &s->rows[i];
        return NULL;
}

/* Rates of cur against prev; a row prev lacks is new since then and counts from zero. */
static void compute_rates(struct top *t)
{
        double secs = (double) (t->cur.now_usec - t->prev.now_usec) / USEC_PER_SEC;

        for (size_t i = 0; i < t->cur.n_rows; i++) {
                struct top_row *row = &t->cur.rows[i];
                const struct top_row *before = find_row(&t->prev, row);

                for (int k = 0; k < _TOP_COUNTERS; k++) {
                        uint64_t was = before && before->counts[k] <= row->counts[k] ? before->counts[k] : 0;

                        row->rates[k] = secs > 0 ? (double) (row->counts[k] - was) / secs : 0;
                }
        }
}

static int row_compare(const void *pa, const void *pb, void *userdata)
{
        const struct top_row *a = pa, *b = pb;
        const struct top_column *sort = userdata;
        int k = sort->counter;

        if (k >= 0 && a->rates[k] != b->rates[k])
                return a->rates[k] < b->rates[k] ? 1 : -1;
        /* the alerts column shows totals: sort on them, then on the rate */
        if (k == TOP_ALERTS && a->counts[k] != b->counts[k])
                return a->counts[k] < b->counts[k] ? 1 : -1;
        return strcmp(a->name, b->name) ?: strcmp(a->kind, b->kind);
}

static void sort_rows(struct top *t)
{
        qsort_r(t->cur.rows, t->cur.n_rows, sizeof(*t->cur.rows), row_compare, (void *) t->sort);
}

/* 1234, 12.3K, 4.5M: at most 6 characters */
static const char *format_rate(char buf[static 16], double v)
{
        static const char units[] = " KMGTP";
        size_t u = 0;

        while (v >= 999.95 && u < sizeof(units) - 2) {
                v /= 1000;
                u++;
        }
        if (u == 0)
                snprintf(buf, 16, v >= 100 || v == (uint64_t) v ? "%.0f" : "%.1f", v);
        else
                snprintf(buf, 16, "%.1f%c", v, units[u]);
        return buf;
}

static void write_json(struct top *t, struct strbuf *b)
{
        double secs = (double) (t->cur.now_usec - t->prev.now_usec) / USEC_PER_SEC;

        strbuf_printf(b, "{\"time_usec\":%" PRIu64 ",\"interval_usec\":%" PRIu64 ",\"sort\":\"%s\",\"drops\":%" PRIu64
                      ",\"drops_per_sec\":%.3f,\"rows\":[", now_realtime_ns() / NSEC_PER_USEC,
                      t->cur.now_usec - t->prev.now_usec, t->sort->name, t->cur.drops,
                      secs > 0 && t->cur.drops >= t->prev.drops ? (double) (t->cur.drops - t->prev.drops) / secs : 0);
        for (size_t i = 0; i < t->cur.n_rows; i++) {
                const struct top_row *row = &t->cur.rows[i];

                strbuf_printf(b, "%s{\"kind\":\"", i ? "," : "");
                json_escape(b, row->kind, strlen(row->kind));
                strbuf_puts(b, "\",\"name\":\"");
                json_escape(b, row->name, strlen(row->name));
                strbuf_puts(b, "\",\"id\":\"");
                json_escape(b, row->id, strlen(row->id));
                strbuf_puts(b, "\",\"runtime\":\"");
                json_escape(b, row->runtime, strlen(row->runtime));
                strbuf_putc(b, '"');
                for (size_t k = 1; k < ELEMENTSOF(top_columns); k++)
                        strbuf_printf(b, ",\"%s\":%.3f", top_columns[k].json, row->rates[top_columns[k].counter]);
                for (int k = 0; k < _TOP_COUNTERS; k++)
                        strbuf_printf(b, ",\"%s\":%" PRIu64, top_counter_json[k], row->counts[k]);
                strbuf_putc(b, '}');
        }
        strbuf_puts(b, "]}\n");
}

static void write_table(struct top *t, struct strbuf *b, size_t max_rows, bool live)
{
        const struct ctl *c = t->ctl;
        double secs = (double) (t->cur.now_usec - t->prev.now_usec) / USEC_PER_SEC, total = 0;
        size_t wname = 4;
        char buf[16];

        for (size_t i = 0; i < t->cur.n_rows; i++) {
                wname = MAX(wname, MIN(strlen(t->cur.rows[i].name), (size_t) 40));
                total += t->cur.rows[i].rates[TOP_EVENTS];
        }
        if (!c->no_legend) {
                strbuf_printf(b, "%s%.0f events/s in %zu containers and units over %.1fs; %" PRIu64 " dropped (%s/s)%s\n",
                              ctl_color(c, ANSI_BOLD), total, t->cur.n_rows, secs, t->cur.drops,
                              format_rate(buf, secs > 0 && t->cur.drops >= t->prev.drops ?
                                               (double) (t->cur.drops - t->prev.drops) / secs : 0),
                              ctl_color(c, ANSI_NORMAL));
                if (live)
                        strbuf_puts(b, "sort: n name, e events, x execs, r read, w write, c connections, a alerts; "
                                       "q quit\n");
                strbuf_printf(b, "\n%s%-9s  %-*s", ctl_color(c, ANSI_UNDERLINE), "KIND", (int) wname, "NAME");
                for (size_t k = 1; k < ELEMENTSOF(top_columns); k++)
                        strbuf_printf(b, "  %s%8s%s", &top_columns[k] == t->sort ? ctl_color(c, ANSI_BOLD) : "",
                                      top_columns[k].header, &top_columns[k] == t->sort ?
                                      ctl_color(c, ANSI_NORMAL ANSI_UNDERLINE) : "");
                strbuf_printf(b, "%s\n", ctl_color(c, ANSI_NORMAL));
        }
        for (size_t i = 0; i < t->cur.n_rows && i < max_rows; i++) {
                const struct top_row *row = &t->cur.rows[i];

                strbuf_printf(b, "%-9s  %-*.*s", row->kind, (int) wname, (int) wname, row->name);
                for (size_t k = 1; k < ELEMENTSOF(top_columns); k++) {
                        int counter = top_columns[k].counter;

                        if (counter == TOP_ALERTS)
                                strbuf_printf(b, "  %s%8" PRIu64 "%s", ctl_color(c, row->counts[counter] ? ANSI_RED : ""),
                                              row->counts[counter], ctl_color(c, row->counts[counter] ? ANSI_NORMAL : ""));
                        else
                                strbuf_printf(b, "  %8s", format_rate(buf, row->rates[counter]));
                }
                strbuf_putc(b, '\n');
        }
}

static const struct top_column *column_by_name(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(top_columns); i++)
                if (streq(top_columns[i].name, name))
                        return &top_columns[i];
        return NULL;
}

static const struct top_column *column_by_key(int key)
{
        for (size_t i = 0; i < ELEMENTSOF(top_columns); i++)
                if (top_columns[i].key == key)
                        return &top_columns[i];
        return NULL;
}

/* Waits delay_usec, and on a terminal for keys meanwhile: q quits, a column's key sorts by it. Returns
 * true when the sort changed (redraw now). */
static bool wait_for_keys(struct top *t, bool keys)
{
        uint64_t end = now_monotonic_ns() / NSEC_PER_USEC + t->delay_usec;

        for (;;) {
                uint64_t now = now_monotonic_ns() / NSEC_PER_USEC;
                struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
                const struct top_column *col;
                char ch;

                if (top_quit || now >= end)
                        return false;
                if (poll(&p, keys ? 1 : 0, (int) ((end - now + 999) / 1000)) <= 0 || !(p.revents & POLLIN))
                        continue;
                if (read(STDIN_FILENO, &ch, 1) != 1) {
                        keys = false;
                        continue;
                }
                if (ch == 'q' || ch == 'Q') {
                        top_quit = 1;
                        return false;
                }
                col = column_by_key(ch);
                if (col) {
                        t->sort = col;
                        return true;
                }
        }
}

static size_t terminal_rows(void)
{
        struct winsize ws;

        return ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 5 ? (size_t) ws.ws_row - 5 : SIZE_MAX;
}

static int top_loop(struct top *t)
{
        struct termios saved, raw;
        bool keys = !t->once && !t->ctl->json && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
        struct strbuf b = {};
        int r;

        if (keys) {
                raw = saved;
                raw.c_lflag &= ~(ICANON | ECHO);
                raw.c_cc[VMIN] = 1;
                raw.c_cc[VTIME] = 0;
                (void) tcsetattr(STDIN_FILENO, TCSANOW, &raw);
        }
        /* a rate needs two samples: the first table comes after one delay */
        r = fetch_sample(t, &t->prev);
        if (r == 0)
                (void) wait_for_keys(t, keys);
        while (r == 0 && !top_quit) {
                r = fetch_sample(t, &t->cur);
                if (r != 0)
                        break;
                compute_rates(t);
                do {
                        sort_rows(t);
                        strbuf_reset(&b);
                        if (t->ctl->json)
                                write_json(t, &b);
                        else {
                                if (!t->once && isatty(STDOUT_FILENO))
                                        strbuf_puts(&b, "\033[H\033[2J");
                                write_table(t, &b, t->once ? SIZE_MAX : terminal_rows(), keys);
                        }
                        if (b.data)
                                fputs(b.data, stdout);
                        fflush(stdout);
                } while (!t->once && wait_for_keys(t, keys));
                if (t->once)
                        break;
                sample_done(&t->prev);
                t->prev = t->cur;
                t->cur = (struct top_sample) {};
        }
        if (keys)
                (void) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        strbuf_free(&b);
        return r;
}

static void help(void)
{
        printf("cwatchctl top [--once] [--json] [--sort COLUMN] [--delay SECONDS]\n\n"
               "What each container and systemd unit is doing, per second, refreshed every delay.\n\n"
               "  -1 --once              print one table (after one delay) and exit\n"
               "     --json              print JSON: one object per refresh\n"
               "  -s --sort COLUMN       name, events (default), execs, read, write, connections, alerts\n"
               "  -d --delay SECONDS     between refreshes (default 1, at least 0.1)\n"
               "     --no-legend         no summary and header lines\n\n"
               "Keys while live: n e x r w c a sort by that column, q quits.\n");
}

int ctl_top(struct ctl *c, int argc, char **argv)
{
        enum { ARG_JSON = 0x100, ARG_NO_LEGEND };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "once", no_argument, NULL, '1' },
                { "json", no_argument, NULL, ARG_JSON },
                { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
                { "sort", required_argument, NULL, 's' },
                { "delay", required_argument, NULL, 'd' },
                {}
        };
        struct top t = { .ctl = c, .sort = column_by_name("events"), .delay_usec = TOP_DEFAULT_DELAY_USEC };
        struct sigaction sa = { .sa_handler = on_quit_signal };
        int o, r;

        optind = 0;
        opterr = 0;
        while ((o = getopt_long(argc, argv, "h1s:d:", options, NULL)) >= 0) {
                switch (o) {
                case 'h':
                        help();
                        return EXIT_OK;
                case '1':
                        t.once = true;
                        break;
                case ARG_JSON:
                        c->json = true;
                        break;
                case ARG_NO_LEGEND:
                        c->no_legend = true;
                        break;
                case 's':
                        t.sort = column_by_name(optarg);
                        if (!t.sort) {
                                fprintf(stderr, "cwatchctl top: cannot sort by '%s'; columns: name events execs read "
                                        "write connections alerts\n", optarg);
                                return EXIT_USAGE;
                        }
                        break;
                case 'd': {
                        char *end;
                        double secs;

                        errno = 0;
                        secs = strtod(optarg, &end);
                        if (errno || end == optarg || *end || !(secs >= 0.1 && secs <= 3600)) {
                                fprintf(stderr, "cwatchctl top: --delay takes seconds between 0.1 and 3600, not '%s'\n",
                                        optarg);
                                return EXIT_USAGE;
                        }
                        t.delay_usec = (uint64_t) (secs * USEC_PER_SEC);
                        break;
                }
                default:
                        fprintf(stderr, "cwatchctl top: unknown or incomplete option '%s'\n", argv[optind - 1]);
                        return EXIT_USAGE;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "cwatchctl top takes no arguments; usage: cwatchctl top [--once] [--json] "
                        "[--sort COLUMN] [--delay SECONDS]\n");
                return EXIT_USAGE;
        }
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        r = top_loop(&t);
        sample_done(&t.prev);
        sample_done(&t.cur);
        return r;
}
