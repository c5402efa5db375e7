/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QueryAlerts: the filter a caller sends, and the journal read that answers it. */
#pragma once

#include <stdint.h>
#include <systemd/sd-bus.h>

#define ALERT_QUERY_DEFAULT_LIMIT 100
#define ALERT_QUERY_MAX_LIMIT 10000
#define ALERT_QUERY_STRING_MAX 256

struct alert_filter {
        uint64_t since_usec;    /* realtime, 0: no bound */
        uint64_t until_usec;    /* realtime, 0: no bound */
        char *rule;
        int severity;           /* this severity or worse; -1: any */
        char *container;        /* name, or id (or a prefix of it of at least 12 characters) */
        char *unit;
        char *alert_id;         /* one alert */
        char *incident;         /* the member alerts of one incident */
        uint64_t limit;
};

void alert_filter_done(struct alert_filter *f);

/* Reads the a{sv} filter argument of m. Unknown keys, wrong types, bad values: fills error with
 * org.cwatch1.Error.InvalidArgument and a message saying what was wrong, returns negative. */
int alert_filter_from_message(sd_bus_message *m, struct alert_filter *f, sd_bus_error *error);

/* Appends aa{sv} with the matching alerts from the journal, newest first. */
int alert_query_journal(const struct alert_filter *f, sd_bus_message *reply, sd_bus_error *error);
