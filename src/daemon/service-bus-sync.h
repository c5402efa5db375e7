/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.cwatch1.Manager's snapshot methods: ExportSnapshot and ImportSnapshot (org.cwatch1.manage-whitelist),
 * GetHostKey (org.cwatch1.query-alerts). Snapshots travel as file descriptors: a sealed memfd out, a
 * regular file or memfd in (read from its start; at most SNAPSHOT_MAX_FILE_SIZE bytes; a pipe or
 * socket could keep the event loop waiting and is refused). */
#pragma once

#include <systemd/sd-bus.h>

int bus_method_export_snapshot(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_import_snapshot(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_get_host_key(sd_bus_message *msg, void *userdata, sd_bus_error *error);
