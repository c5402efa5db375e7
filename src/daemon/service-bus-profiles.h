/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.cwatch1.Manager's profile methods: ListProfiles, GetProfile (org.cwatch1.query-alerts),
 * ResetProfile and SetProfileMode (org.cwatch1.manage-profiles). A profile is named by its id
 * (16 hex digits, as ListProfiles gives it) or by "EXE@SCOPE" ("/usr/bin/python3@unit:web.service"). */
#pragma once

#include <systemd/sd-bus.h>

struct service;

/* One (id, exe, scope, mode, features, instances, alerts, created_usec, last_seen_usec, threshold). */
#define BUS_PROFILE_SIGNATURE "(ssssuuuttd)"
/* One (feature, state, count, days, first_seen_usec, last_seen_usec). */
#define BUS_PROFILE_FEATURE_SIGNATURE "(ssdutt)"

int bus_method_list_profiles(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_get_profile(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_reset_profile(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_set_profile_mode(sd_bus_message *msg, void *userdata, sd_bus_error *error);
