/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Asynchronous polkit checks for D-Bus method calls.
 *
 * A method handler calls polkit_check() before it changes anything:
 *   r = polkit_check(reg, m, "org.cwatch1.manage-tracers", error);
 *   if (r < 0) return r;       (denied or failed: error is set)
 *   if (r == 0) return 1;      (polkit was asked: no reply yet)
 *   ... authorised: act and reply ...
 * Root passes at once. Otherwise CheckAuthorization is called asynchronously; when polkit
 * answers, the incoming message is queued again, the handler runs a second time and
 * polkit_check() returns the answer. */
#pragma once

#include <systemd/sd-bus.h>

struct polkit_query;

struct polkit_registry {
        struct polkit_query *queries;
};

int polkit_check(struct polkit_registry *reg, sd_bus_message *m, const char *action, sd_bus_error *error);
/* Cancels what is pending and frees everything. */
void polkit_registry_done(struct polkit_registry *reg);
