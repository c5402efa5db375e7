/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A restart of the service, seen from the instance that comes up: the state kept in the state
 * directory (service-state.c) and the programs kept in systemd's fd store (service-fdstore.c). */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

struct service;

/* Before the tracers start: the state of the earlier instances, their ring buffer. */
void service_restart_begin(struct service *s);
/* The tracers are attached: the earlier links go, ours are kept, the gap is logged and saved. */
void service_restart_ready(struct service *s);
/* Saves the state with the counters of now (status timer, exit). */
void service_restart_save(struct service *s);
/* Whether systemd stops us to start us again (a restart job on our unit): then the programs stay
 * in the fd store for the next instance instead of being detached. False when it cannot tell. */
bool service_restart_pending(struct service *s);
/* GetStats: restarts, previous_end_usec, previous_end, blind_usec, handed_over, *_total. */
int service_restart_append_stats(sd_bus_message *reply, const struct service *s);
