/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.cwatch1.Manager.GetActivity: what each container and systemd unit did, for cwatchctl top. */
#pragma once

#include <systemd/sd-bus.h>

/* one row: kind ("container", "unit", "host", "other"), name, id, runtime; events, execs, read bytes,
 * write bytes, TCP connections, alerts; first and last counted (CLOCK_MONOTONIC usec) */
#define BUS_ACTIVITY_ROW_SIGNATURE "(sssstttttttt)"

/* GetActivity() -> t now_usec, t drops, a(sssstttttttt) rows: the counters since each row was made
 * (they only grow), the daemon's CLOCK_MONOTONIC at the reply, and the events lost to a full ring
 * buffer by all tracers (a loss has no container or unit). Rates are the difference of two replies
 * over the difference of their now_usec. userdata: the manager. */
int bus_method_get_activity(sd_bus_message *msg, void *userdata, sd_bus_error *error);
