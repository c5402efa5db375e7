/* SPDX-License-Identifier: GPL-2.0-or-later */
/* D-Bus methods of the response: Freeze, Thaw, Kill, ListActions (polkit org.cwatch1.respond), and the
 * ActionTaken signal. */
#pragma once

#include <systemd/sd-bus.h>

struct response_entry;

/* One action: id, time (µs), action, result, origin, unit, pid, signal, alert id, incident id, rule,
 * caller, reason. */
#define BUS_ACTION_SIGNATURE "(stssssuisssss)"

int bus_method_freeze(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_thaw(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_kill(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_list_actions(sd_bus_message *msg, void *userdata, sd_bus_error *error);

int bus_response_reply_entry(sd_bus_message *call, const struct response_entry *e);
int bus_response_emit_action_taken(sd_bus *bus, const struct response_entry *e);
