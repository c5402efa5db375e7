/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.cwatch1.Manager on /org/cwatch1: the vtable, polkit checks, the AlertRaised signal. */
#pragma once

#include <systemd/sd-bus.h>

#define BUS_NAME "org.cwatch1"
#define BUS_PATH "/org/cwatch1"
#define BUS_INTERFACE "org.cwatch1.Manager"

struct service;

extern const sd_bus_vtable bus_manager_vtable[];

/* Exports the object on an existing connection (tests use a private one). */
int bus_manager_add_object(struct service *s, sd_bus *bus);
