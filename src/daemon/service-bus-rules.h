/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.cwatch1.Manager.ListRules: the detection rules in force. bus-manager.c checks polkit first,
 * then calls bus_reply_list_rules() with the manager. */
#pragma once

#include <systemd/sd-bus.h>

struct manager;

/* One (name, events, severity, mitre, description, file, line, enabled, active, matches) per rule. */
#define BUS_RULES_SIGNATURE "a(sasssssubbt)"

/* A rule is active when it is enabled and a running tracer provides one of its events. */
int bus_reply_list_rules(sd_bus_message *msg, struct manager *m);
