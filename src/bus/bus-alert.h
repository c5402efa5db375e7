/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Alerts as D-Bus dictionaries (a{sv}), shared by the AlertRaised signal and QueryAlerts. */
#pragma once

#include <stddef.h>
#include <systemd/sd-bus.h>
#include "alert/alert-fields.h"

/* Appends one "{sv}" entry for field f with the raw value (len bytes, not NUL-terminated).
 * Strings are escaped text already (shared/escape.h); a control byte or invalid UTF-8 in them (an
 * entry of an older cwatchd, or not written by cwatchd) is escaped, backslashes are kept. Numbers
 * that do not parse are left out. */
int bus_append_alert_field(sd_bus_message *m, const struct alert_field *f, const char *value, size_t len);

/* Appends the whole alert as a{sv}. */
int bus_append_alert(sd_bus_message *m, const struct alert *a);

