/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include "query-alerts.h"
#include "graph/incident.h"
#include "bus-alert.h"
#include "bus-errors.h"
#include "alert/alert.h"
#include "shared/macro.h"

void alert_filter_done(struct alert_filter *f)
{
        free(f->rule);
        free(f->container);
        free(f->unit);
        free(f->alert_id);
        free(f->incident);
        *f = (struct alert_filter) {};
}

static int read_number(sd_bus_message *m, const char *key, const char *contents, uint64_t *ret, sd_bus_error *error)
{
        union { uint64_t t; int64_t x; uint32_t u; int32_t i; } v;
        int r;

        if (!contents || strlen(contents) != 1 || !strchr("tuxi", contents[0]))
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
                                         "Filter '%s' must be a number (type t or u), not of type '%s'",
                                         key, contents ?: "?");
        r = sd_bus_message_read_basic(m, contents[0], &v);
        if (r < 0)
                return r;
        switch (contents[0]) {
        case 't': *ret = v.t; return 0;
        case 'u': *ret = v.u; return 0;
        case 'x': if (v.x >= 0) { *ret = v.x; return 0; } break;
        case 'i': if (v.i >= 0) { *ret = v.i; return 0; } break;
        }
        return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT, "Filter '%s' must not be negative", key);
}

static int read_string(sd_bus_message *m, const char *key, const char *contents, char **ret, sd_bus_error *error)
{
        const char *s;
        int r;

        if (!contents || !streq(contents, "s"))
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
                                         "Filter '%s' must be a string (type s), not of type '%s'", key,
                                         contents ?: "?");
        r = sd_bus_message_read_basic(m, 's', &s);
        if (r < 0)
                return r;
        if (!*s || strlen(s) > ALERT_QUERY_STRING_MAX || strchr(s, '\n'))
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
                                         "Filter '%s' must be a non-empty string of at most %d characters "
                                         "on one line", key, ALERT_QUERY_STRING_MAX);
        free(*ret);
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

int alert_filter_from_message(sd_bus_message *m, struct alert_filter *f, sd_bus_error *error)
{
        int r;

        *f = (struct alert_filter) { .severity = -1, .limit = ALERT_QUERY_DEFAULT_LIMIT };
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                goto fail;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                _cleanup_free_ char *sev = NULL;
                const char *key, *contents = NULL;

                r = sd_bus_message_read_basic(m, 's', &key);
                if (r >= 0)
                        r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r >= 0)
                        r = sd_bus_message_enter_container(m, 'v', contents);
                if (r < 0)
                        goto fail;
                if (streq(key, "since"))
                        r = read_number(m, key, contents, &f->since_usec, error);
                else if (streq(key, "until"))
                        r = read_number(m, key, contents, &f->until_usec, error);
                else if (streq(key, "limit")) {
                        r = read_number(m, key, contents, &f->limit, error);
                        if (r >= 0 && (f->limit < 1 || f->limit > ALERT_QUERY_MAX_LIMIT))
                                r = sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
                                                      "Filter 'limit' must be between 1 and %d, not %" PRIu64,
                                                      ALERT_QUERY_MAX_LIMIT, f->limit);
                } else if (streq(key, "rule"))
                        r = read_string(m, key, contents, &f->rule, error);
                else if (streq(key, "container"))
                        r = read_string(m, key, contents, &f->container, error);
                else if (streq(key, "unit"))
                        r = read_string(m, key, contents, &f->unit, error);
                else if (streq(key, "alert_id"))
                        r = read_string(m, key, contents, &f->alert_id, error);
                else if (streq(key, "incident"))
                        r = read_string(m, key, contents, &f->incident, error);
                else if (streq(key, "severity")) {
                        r = read_string(m, key, contents, &sev, error);
                        if (r >= 0) {
                                f->severity = alert_severity_from_string(sev);
                                if (f->severity < 0)
                                        r = sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
                                                              "Filter 'severity' must be one of critical, error, "
                                                              "warning, notice, info");
                        }
                } else
                        r = sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
                                              "Unknown filter '%.64s'; valid filters: since, until, rule, severity, "
                                              "container, unit, alert_id, incident, limit", key);
                if (r < 0)
                        goto fail;
                r = sd_bus_message_exit_container(m);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        goto fail;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r < 0)
                goto fail;
        if (f->since_usec && f->until_usec && f->since_usec > f->until_usec) {
                r = sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
                                      "Filter 'since' (%" PRIu64 ") lies after 'until' (%" PRIu64 ")",
                                      f->since_usec, f->until_usec);
                goto fail;
        }
        return 0;
fail:
        alert_filter_done(f);
        if (!sd_bus_error_is_set(error))
                r = sd_bus_error_set_errnof(error, r, "Failed to read the filter: %m");
        return r;
}

/* Whether field (e.g. "CWATCH_UNIT") of the current entry equals value. */
static bool entry_field_is(sd_journal *j, const char *field, const char *value, bool prefix)
{
        const void *data;
        size_t len, fl = strlen(field), vl = strlen(value);

        if (sd_journal_get_data(j, field, &data, &len) < 0 || len < fl + 1)
                return false;
        len -= fl + 1;
        data = (const char *) data + fl + 1;
        if (prefix)
                return len >= vl && memcmp(data, value, vl) == 0;
        return len == vl && memcmp(data, value, vl) == 0;
}

static bool entry_matches(sd_journal *j, const struct alert_filter *f)
{
        /* incident entries share the identifier; they are no alerts */
        if (entry_field_is(j, "MESSAGE_ID", CWATCH_MESSAGE_INCIDENT, false))
                return false;
        if (f->container && !entry_field_is(j, "CWATCH_CONTAINER_NAME", f->container, false) &&
            !(strlen(f->container) >= 12 && entry_field_is(j, "CWATCH_CONTAINER_ID", f->container, true)))
                return false;
        if (f->unit && !entry_field_is(j, "CWATCH_UNIT", f->unit, false) &&
            !entry_field_is(j, "OBJECT_SYSTEMD_UNIT", f->unit, false))
                return false;
        return true;
}

static int append_entry(sd_journal *j, sd_bus_message *reply)
{
        static const struct alert_field time_field = { "CWATCH_TIME_USEC", "time", 't' },
                                        unit_field = { "CWATCH_UNIT", "unit", 's' };
        bool have_time = false, have_unit = false;
        const void *data;
        size_t len;
        uint64_t usec;
        char buf[32];
        int r;

        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        SD_JOURNAL_FOREACH_DATA(j, data, len) {
                const char *d = data, *eq = memchr(d, '=', len);
                const struct alert_field *af;

                if (!eq)
                        continue;
                af = alert_field_by_journal(d, eq - d);
                if (!af)
                        continue;
                have_time = have_time || af == alert_field_by_key("time");
                have_unit = have_unit || af == alert_field_by_key("unit");
                r = bus_append_alert_field(reply, af, eq + 1, len - (eq + 1 - d));
                if (r < 0)
                        return r;
        }
        if (!have_time && sd_journal_get_realtime_usec(j, &usec) >= 0) {
                r = snprintf(buf, sizeof(buf), "%" PRIu64, usec);
                r = bus_append_alert_field(reply, &time_field, buf, r);
                if (r < 0)
                        return r;
        }
        /* journald names the unit of OBJECT_PID itself; use it when identity did not */
        if (!have_unit && sd_journal_get_data(j, "OBJECT_SYSTEMD_UNIT", &data, &len) >= 0 && len > 20) {
                r = bus_append_alert_field(reply, &unit_field, (const char *) data + 20, len - 20);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

int alert_query_journal(const struct alert_filter *f, sd_bus_message *reply, sd_bus_error *error)
{
        sd_journal *j = NULL;
        uint64_t n = 0;
        char match[ALERT_QUERY_STRING_MAX + 64];
        int r;

        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to open the journal: %m");
        r = sd_journal_add_match(j, "SYSLOG_IDENTIFIER=cwatch", 0);
        if (r >= 0 && f->rule) {
                snprintf(match, sizeof(match), "CWATCH_RULE=%s", f->rule);
                r = sd_journal_add_match(j, match, 0);
        }
        if (r >= 0 && f->alert_id) {
                snprintf(match, sizeof(match), "CWATCH_ALERT_ID=%s", f->alert_id);
                r = sd_journal_add_match(j, match, 0);
        }
        if (r >= 0 && f->incident) {
                snprintf(match, sizeof(match), "CWATCH_INCIDENT_ID=%s", f->incident);
                r = sd_journal_add_match(j, match, 0);
        }
        for (int p = 0; r >= 0 && f->severity >= 0 && p <= alert_severity_to_priority(f->severity); p++) {
                snprintf(match, sizeof(match), "PRIORITY=%d", p);
                r = sd_journal_add_match(j, match, 0);
        }
        if (r >= 0)
                r = f->until_usec ? sd_journal_seek_realtime_usec(j, f->until_usec + 1) : sd_journal_seek_tail(j);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "a{sv}");
        while (r >= 0 && n < f->limit) {
                uint64_t usec;

                r = sd_journal_previous(j);
                if (r <= 0)
                        break;
                r = sd_journal_get_realtime_usec(j, &usec);
                if (r < 0)
                        break;
                if (f->until_usec && usec > f->until_usec)
                        continue;
                if (f->since_usec && usec < f->since_usec)
                        break;
                if (!entry_matches(j, f))
                        continue;
                r = append_entry(j, reply);
                n++;
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        sd_journal_close(j);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to read alerts from the journal: %m");
        return 0;
}
