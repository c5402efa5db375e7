/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer entry point for the D-Bus argument decoding: the a{sv} filters of QueryAlerts and
 * QueryIncidents (src/bus/query-alerts.c, src/bus/incident-filter.c). The bytes describe a real
 * sd-bus message: keys (the known ones or any), values of every basic type and of containers, a
 * wrong argument type; it is sealed and decoded as cwatchd decodes a caller's. Any message must
 * give a filter within its bounds or an error that names what was wrong, and never crash or leak. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <systemd/sd-bus.h>
#include "bus/bus-errors.h"
#include "bus/incident-filter.h"
#include "bus/query-alerts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
        const uint8_t *p;
        size_t n;
};

static unsigned take(struct input *in)
{
        if (in->n == 0)
                return 0;
        in->n--;
        return *in->p++;
}

/* A string of the input: printable bytes and line feeds (sd-bus takes valid UTF-8 only, which its
 * own tests cover), up to 600 bytes so the length bound is crossed. */
static char *take_string(struct input *in)
{
        size_t len = take(in);
        char *s;

        if (len >= 250)
                len = len * 4 - 400;
        len = len < in->n ? len : in->n;
        s = malloc(len + 1);
        if (!s)
                return NULL;
        for (size_t i = 0; i < len; i++) {
                unsigned c = take(in);

                s[i] = c == '\n' ? '\n' : (char) (0x20 + c % 0x5f);
        }
        s[len] = 0;
        return s;
}

static const char *const keys[] = {
        "since", "until", "limit", "rule", "container", "unit", "alert_id", "incident", "severity", "id",
        "", "color",
};

static int append_value(sd_bus_message *m, struct input *in)
{
        unsigned kind = take(in) % 10;
        uint64_t u = 0;
        char *s = NULL;
        int r;

        for (int i = 0; i < 8; i++)
                u = u << 8 | take(in);
        switch (kind) {
        case 0: {
                static const char *const sev[] = { "critical", "error", "warning", "notice", "info" };

                if (u % 3 == 0)
                        return sd_bus_message_append(m, "v", "s", sev[u % 5]);
                s = take_string(in);
                if (!s)
                        return -ENOMEM;
                r = sd_bus_message_append(m, "v", "s", s);
                free(s);
                return r;
        }
        case 1: return sd_bus_message_append(m, "v", "t", u);
        case 2: return sd_bus_message_append(m, "v", "u", (uint32_t) u);
        case 3: return sd_bus_message_append(m, "v", "x", (int64_t) u);
        case 4: return sd_bus_message_append(m, "v", "i", (int32_t) u);
        case 5: return sd_bus_message_append(m, "v", "b", (int) (u & 1));
        case 6: return sd_bus_message_append(m, "v", "d", (double) (int64_t) u);
        case 7: return sd_bus_message_append(m, "v", "as", 2, "a", "b");
        case 8: return sd_bus_message_append(m, "v", "a{sv}", 1, "since", "t", u);
        default: return sd_bus_message_append(m, "v", "(st)", "x", u);
        }
}

static int build(sd_bus *bus, const uint8_t *data, size_t size, sd_bus_message **ret)
{
        struct input in = { data, size };
        sd_bus_message *m = NULL;
        unsigned mode = take(&in);
        int r;

        r = sd_bus_message_new_method_call(bus, &m, NULL, "/org/cwatch1", "org.cwatch1.Manager", "QueryAlerts");
        if (r < 0)
                return r;
        if (mode % 8 == 0)
                r = sd_bus_message_append(m, "s", "not a dictionary");
        else if (mode % 8 == 1)
                r = 0;  /* no argument at all */
        else {
                r = sd_bus_message_open_container(m, 'a', "{sv}");
                while (r >= 0 && in.n > 0) {
                        unsigned k = take(&in);
                        char *key = NULL;

                        r = sd_bus_message_open_container(m, 'e', "sv");
                        if (r < 0)
                                break;
                        if (k < 0xf0)
                                r = sd_bus_message_append(m, "s", keys[k % (sizeof(keys) / sizeof(keys[0]))]);
                        else if ((key = take_string(&in)))
                                r = sd_bus_message_append(m, "s", key);
                        else
                                r = -ENOMEM;
                        free(key);
                        if (r >= 0)
                                r = append_value(m, &in);
                        if (r >= 0)
                                r = sd_bus_message_close_container(m);
                }
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_seal(m, 1, 0);
        if (r < 0) {
                sd_bus_message_unref(m);
                return r;
        }
        *ret = m;
        return 0;
}

static void check_error(int r, const sd_bus_error *e)
{
        /* an error that names itself: InvalidArgument with a message, or one from errno */
        if (r >= 0 || !sd_bus_error_is_set(e) || !e->message || !*e->message)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static sd_bus *bus;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL;
        struct alert_filter f;
        char *id = NULL;
        int r;

        if (!bus) {
                int fds[2];

                if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0 || sd_bus_new(&bus) < 0 ||
                    sd_bus_set_fd(bus, fds[0], fds[0]) < 0 || sd_bus_start(bus) < 0)
                        abort();
        }
        if (build(bus, data, size, &m) < 0)
                return 0;

        r = alert_filter_from_message(m, &f, &error);
        if (r >= 0) {
                if (f.limit < 1 || f.limit > ALERT_QUERY_MAX_LIMIT ||
                    (f.since_usec && f.until_usec && f.since_usec > f.until_usec) || f.severity < -1 ||
                    f.severity > 4)
                        abort();
                const char *strings[] = { f.rule, f.container, f.unit, f.alert_id, f.incident };

                for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
                        if (strings[i] && (!*strings[i] || strlen(strings[i]) > ALERT_QUERY_STRING_MAX ||
                                           strchr(strings[i], '\n')))
                                abort();
                alert_filter_done(&f);
        } else
                check_error(r, &error);
        sd_bus_error_free(&error);

        if (sd_bus_message_rewind(m, true) < 0)
                abort();
        r = incident_filter_from_message(m, &id, &error);
        if (r >= 0 && id && (strlen(id) < 8 || strlen(id) > 32 || strspn(id, "0123456789abcdef") != strlen(id)))
                abort();
        free(id);
        sd_bus_error_free(&error);
        sd_bus_message_unref(m);
        return 0;
}
