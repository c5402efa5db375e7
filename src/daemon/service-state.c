/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-id128.h>
#include "service-state.h"
#include "shared/log.h"
#include "shared/macro.h"
#include "shared/timeutil.h"

#define STATE_FILE "service-state"

static void state_path(char *buf, size_t size)
{
        const char *dir = getenv("STATE_DIRECTORY");

        /* systemd may pass several, ':'-separated: ours is the first */
        snprintf(buf, size, "%.*s/" STATE_FILE, dir ? (int) strcspn(dir, ":") : (int) strlen(LOCALSTATEDIR "/lib/cwatch"),
                 dir ?: LOCALSTATEDIR "/lib/cwatch");
}

static void current_boot_id(char id[static 33])
{
        sd_id128_t b;

        if (sd_id128_get_boot(&b) < 0)
                id[0] = '\0';
        else
                sd_id128_to_string(b, id);
}

/* A line "key=value"; unknown keys and bad numbers are ignored (the file is ours, but may be cut). */
static void state_parse_line(struct service_state *st, const char *key, const char *value)
{
        static const struct { const char *key; size_t off; } u64s[] = {
                { "restarts", offsetof(struct service_state, restarts) },
                { "started_usec", offsetof(struct service_state, started_usec) },
                { "previous_started_usec", offsetof(struct service_state, previous_started_usec) },
                { "previous_end_usec", offsetof(struct service_state, previous_end_usec) },
                { "ready_usec", offsetof(struct service_state, ready_usec) },
                { "blind_usec", offsetof(struct service_state, blind_usec) },
                { "events_total", offsetof(struct service_state, events_total) },
                { "drops_total", offsetof(struct service_state, drops_total) },
                { "alerts_total", offsetof(struct service_state, alerts_total) },
        };

        if (streq(key, "boot_id"))
                snprintf(st->boot_id, sizeof(st->boot_id), "%s", value);
        else if (streq(key, "previous_end"))
                snprintf(st->previous_end, sizeof(st->previous_end), "%s", value);
        else
                for (size_t i = 0; i < ELEMENTSOF(u64s); i++)
                        if (streq(key, u64s[i].key)) {
                                char *end;
                                uint64_t v;

                                errno = 0;
                                v = strtoull(value, &end, 10);
                                if (errno == 0 && end != value && *end == '\0')
                                        *(uint64_t *) ((char *) st + u64s[i].off) = v;
                        }
}

void service_state_parse(struct service_state *st, const char *text, size_t len)
{
        *st = (struct service_state) {};
        for (size_t at = 0; at < len;) {
                const char *nl = memchr(text + at, '\n', len - at);
                size_t n = nl ? (size_t) (nl - (text + at)) : len - at;
                char line[256], *eq;

                /* longer lines are none of ours */
                if (n < sizeof(line) && !memchr(text + at, '\0', n)) {
                        memcpy(line, text + at, n);
                        line[n] = '\0';
                        eq = strchr(line, '=');
                        if (eq) {
                                *eq = '\0';
                                state_parse_line(st, line, eq + 1);
                        }
                }
                at += n + 1;
        }
}

static void state_load(struct service_state *st)
{
        char path[4096], text[4096];
        size_t n = 0;
        FILE *f;

        *st = (struct service_state) {};
        state_path(path, sizeof(path));
        f = fopen(path, "re");
        if (!f)
                return;
        n = fread(text, 1, sizeof(text), f);
        fclose(f);
        service_state_parse(st, text, n);
}

static int state_write(const struct service_state *st)
{
        char path[4096], tmp[4200];
        FILE *f;
        int r = 0;

        state_path(path, sizeof(path));
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        f = fopen(tmp, "we");
        if (!f)
                return -errno;
        fprintf(f, "boot_id=%s\nrestarts=%" PRIu64 "\nstarted_usec=%" PRIu64 "\nprevious_started_usec=%" PRIu64
                "\nprevious_end_usec=%" PRIu64 "\nprevious_end=%s\nready_usec=%" PRIu64 "\nblind_usec=%" PRIu64
                "\nevents_total=%" PRIu64 "\ndrops_total=%" PRIu64 "\nalerts_total=%" PRIu64 "\n",
                st->boot_id, st->restarts, st->started_usec, st->previous_started_usec, st->previous_end_usec,
                st->previous_end, st->ready_usec, st->blind_usec, st->events_total, st->drops_total,
                st->alerts_total);
        if (fflush(f) != 0 || ferror(f))
                r = -(errno ?: EIO);
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void) unlink(tmp);
        return r;
}

void service_state_start(struct service_state *st, uint64_t now_usec)
{
        char boot[33];

        state_load(st);
        current_boot_id(boot);
        if (!streq(st->boot_id, boot) || st->started_usec == 0) {
                /* the first start of this boot: a reboot is no restart */
                *st = (struct service_state) {};
                snprintf(st->boot_id, sizeof(st->boot_id), "%s", boot);
        } else {
                st->restarts++;
                st->previous_started_usec = st->started_usec;
        }
        st->started_usec = now_usec;
        st->ready_usec = st->blind_usec = 0;
        st->handed_over = false;
        st->events_before = st->events_total;
        st->drops_before = st->drops_total;
        st->alerts_before = st->alerts_total;
}

void service_state_ready(struct service_state *st, uint64_t now_usec, bool handed_over)
{
        st->ready_usec = now_usec;
        st->handed_over = handed_over;
        if (handed_over)
                st->blind_usec = 0;
        else if (st->previous_end_usec && st->previous_end_usec <= now_usec)
                st->blind_usec = now_usec - st->previous_end_usec;
}

int service_state_save(struct service_state *st, uint64_t events, uint64_t drops, uint64_t alerts)
{
        int r;

        st->events_total = st->events_before + events;
        st->drops_total = st->drops_before + drops;
        st->alerts_total = st->alerts_before + alerts;
        r = state_write(st);
        if (r < 0 && !st->write_failed) {
                st->write_failed = true;
                return log_warning_errno(r, "Failed to save the service state in the state directory, going on "
                                         "without (the next start will not know of this one): %m");
        }
        if (r >= 0 && st->write_failed) {
                st->write_failed = false;
                log_info("The service state is saved again");
        }
        return r;
}

int service_state_record_exit(void)
{
        struct service_state st;
        const char *result = getenv("SERVICE_RESULT"), *code = getenv("EXIT_CODE"), *status = getenv("EXIT_STATUS");
        int r;

        state_load(&st);
        st.previous_end_usec = now_realtime_ns() / 1000;
        if (code && status)
                snprintf(st.previous_end, sizeof(st.previous_end), "%s %s", code, status);
        else
                snprintf(st.previous_end, sizeof(st.previous_end), "%s", result ?: "unknown");
        r = state_write(&st);
        if (r < 0)
                log_warning_errno(r, "Failed to note the end of cwatchd in the state directory: %m");
        /* never fails the unit for this */
        return 0;
}
