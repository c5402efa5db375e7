/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The a{sv} filter of QueryIncidents, apart from the reply so the fuzzer reads it alone. */
#pragma once

#include <systemd/sd-bus.h>

/* Reads the filter argument of m: "id" (s), 8 to 32 lowercase hex digits, into *ret_id (NULL when
 * absent; free() it). Unknown keys, wrong types, bad values: fills error with
 * org.cwatch1.Error.InvalidArgument and a message saying what was wrong, returns negative. */
int incident_filter_from_message(sd_bus_message *m, char **ret_id, sd_bus_error *error);
