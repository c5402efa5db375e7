/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QueryIncidents: the incidents cwatchd holds (open, and closed ones until their slot is needed),
 * as aa{sv}. */
#pragma once

#include <systemd/sd-bus.h>

struct provenance;

/* Replies to msg (filter a{sv}: "id" (s) an incident id or a prefix of at least 8 digits; unknown
 * keys are an error). p NULL: the graph is off, an empty list. */
int bus_reply_query_incidents(sd_bus_message *msg, const struct provenance *p, sd_bus_error *error);
