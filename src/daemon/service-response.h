/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The service's response (docs/RESPONSE.md): an alert sink that acts on what [Response] and the rules'
 * Action= ask for, the executor that asks systemd, the journal entries and the ActionTaken signal, and
 * the method calls waiting for their action's outcome. */
#pragma once

#include <systemd/sd-bus.h>

struct service;
struct response;
struct unit_control;
struct pending_reply;

struct service_response {
        struct response *response;      /* NULL: off (no D-Bus connection to reach systemd) */
        struct unit_control *control;
        struct pending_reply *replies;
};

/* Starts it on the service's bus (after bus_manager_setup()); failures are logged and leave it off. */
int service_start_response(struct service *s);
void service_response_bus_changed(struct service *s);
/* Applies a reloaded [Response]. */
void service_apply_response_config(struct service *s);
/* Frees it; call after the manager is gone and before the bus is. */
void service_stop_response(struct service *s);

/* Replies to msg with the outcome of entry seq once it is known (now, when it is already). */
int service_response_reply_when_done(struct service *s, sd_bus_message *msg, uint64_t seq);
