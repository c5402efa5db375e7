/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QueryIncidents: the incidents cwatchd holds (open, and closed ones until their slot is needed),
 * as aa{sv}. */
#pragma once

#include <systemd/sd-bus.h>

struct provenance;

/* Replies to msg (filter a{sv}: "id" (s) an incident id or a prefix of at least 8 digits; unknown
 * keys are an error). p NULL: the graph is off, an empty list. */
int bus_reply_query_incidents(sd_bus_message *msg, const struct provenance *p, sd_bus_error *error);

/* GetAlertStory(s alert_id) -> (s story): a recent alert's story told again from the graph as it is
 * now; "" when cwatchd no longer holds it (the journal's CWATCH_STORY= stays). */
int bus_reply_alert_story(sd_bus_message *msg, const struct provenance *p, sd_bus_error *error);
