/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.cwatch1.Manager's whitelist methods (org.cwatch1.query-alerts: they only read): ListWhitelist,
 * and GetWhitelistEntry, which explains one program's score line by line. A program is named by its
 * SHA-256 (64 hex digits) or by an absolute path, which is hashed now. */
#pragma once

#include <systemd/sd-bus.h>

/* One (sha256, path, confidence, executions, active_days, first_seen_usec, last_seen_usec, alerts,
 * incidents, state): state is "denied", "revoked", "global" or "local". */
#define BUS_WHITELIST_SIGNATURE "(ssdtuttuus)"
/* One reason (id, weight, text). */
#define BUS_WHITELIST_REASON_SIGNATURE "(sds)"

int bus_method_list_whitelist(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_get_whitelist_entry(sd_bus_message *msg, void *userdata, sd_bus_error *error);
