/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The service's behaviour profiles: loaded from StateDirectory= at start (a damaged file is set
 * aside and learning starts afresh), ticked each second, saved every SaveInterval= and at stop. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

struct service;
struct profile_sink;

struct service_profiles {
        struct profile_sink *sink;      /* NULL: profiles are off */
        sd_event_source *timer;
        char *state_dir;
        uint64_t last_save_ns;          /* monotonic */
        uint64_t saves, save_failures;
        int64_t last_save_bytes;
        pid_t save_pid;                 /* the child writing a snapshot on the interval, or 0 */
};

/* Starts the profiles when [Profiles] Enable= says so; failures are logged and leave them off. */
int service_start_profiles(struct service *s);
/* Applies what a reload may change (thresholds, periods, SaveInterval=). */
void service_apply_profiles_config(struct service *s);
/* Saves now, in the event loop; returns the bytes written or a negative errno. */
int64_t service_save_profiles(struct service *s);
/* Saves a snapshot from a forked child, so that encoding and writing thousands of profiles does not
 * hold up the event loop; the tick reaps it. Falls back to saving in the loop when fork fails. */
void service_save_profiles_in_background(struct service *s);
/* Saves and frees; call after the manager is gone (no record may arrive any more). */
void service_stop_profiles(struct service *s);
