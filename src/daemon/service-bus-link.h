/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cwatchd's link to the system bus: connect, export org.cwatch1.Manager, take the name; when the
 * bus goes away (dbus-daemon restarted or stopped) say so once, keep tracing and writing alerts to
 * the journal, and connect again with a growing delay until the name is ours again. AlertRaised
 * signals that cannot be sent meanwhile are counted, not logged one by one. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>
#include "shared/strbuf.h"

#define BUS_RETRY_FIRST_USEC (250 * 1000ULL)
#define BUS_RETRY_MAX_USEC (5 * 1000 * 1000ULL)

struct service;

struct bus_link {
        sd_event_source *retry;         /* armed while there is no connection */
        uint64_t retry_usec;            /* the delay of the next attempt */
        uint64_t lost_usec;             /* monotonic: when the connection went away, 0 while linked */
        bool named;                     /* we own org.cwatch1 on the current connection */
        unsigned name_failures;         /* RequestName refused since the name was last ours */
        uint64_t disconnects;           /* connections lost since start */
        uint64_t signals_failed;        /* AlertRaised not sent (no connection, or sending failed) */
        uint64_t signals_failed_logged; /* signals_failed when the loss was last reported */
        char status[96];                /* bus_link_status()'s answer */
};

/* Connects (or arms the retry when the bus is not there) and adds the AlertRaised alert sink.
 * Fails only when the alert sink cannot be added. */
int bus_link_start(struct service *s);
/* Closes the connection and cancels the retry. */
void bus_link_stop(struct service *s);

/* "" while linked, else a clause for STATUS=: "; no D-Bus (connecting again), N AlertRaised not
 * sent" (since the loss). Valid until the next call. */
const char *bus_link_status(struct service *s);
/* The Prometheus series of the link (a metrics renderer). */
void bus_link_render_metrics(struct strbuf *b, void *userdata);
