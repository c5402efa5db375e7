/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cwatchd as the systemd service: configuration, tracers, D-Bus, journal, sd_notify. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include "config.h"
#include "manager.h"
#include "options.h"
#include "service-bus-link.h"
#include "service-profiles.h"
#include "service-sync.h"
#include "service-whitelist.h"
#include "service-response.h"
#include "service-fdstore.h"
#include "service-state.h"
#include "bus/polkit.h"
#include "detect/builtin-exec.h"

struct service {
        struct manager *manager;
        struct config config;           /* the configuration in force (the last good one) */
        const char *config_file;
        const char *config_dir;
        const char *const *rules_dirs;  /* --rules-dir: instead of the default rules directories */
        size_t n_rules_dirs;

        sd_bus *bus;
        sd_bus_slot *bus_vtable_slot;
        struct polkit_registry polkit;
        struct bus_link bus_link;       /* lost and found again (service-bus-link.c) */

        sd_event_source *sigterm_source, *sigint_source, *sighup_source, *status_source;

        /* stopped over D-Bus: stays stopped across reloads while the configuration enables it */
        bool user_stopped[MANAGER_MAX_TRACERS];

        uint64_t started_usec;          /* realtime */
        uint64_t config_loaded_usec;    /* realtime */
        uint64_t reloads;
        uint64_t alerts_sent_to_journal;

        /* the built-in exec detection, a record sink when the rules did not load at start */
        struct builtin_exec builtin_exec;
        bool builtin_exec_on;
        /* why the service runs degraded (the rules did not load at start), "" when it does not:
         * in STATUS=, GetStats "degraded" and cwatchctl status (service-health.c) */
        char degraded[384];
        unsigned rule_errors_at_start;

        /* behaviour profiles (service-profiles.c) */
        struct service_profiles profiles;

        /* whitelist snapshots (service-sync.c) */
        struct service_sync sync;

        /* the whitelist: program identity and trust (service-whitelist.c) */
        struct service_whitelist whitelist;
        /* freeze, kill, stop (service-response.c) */
        struct service_response response;

        /* restarts: the state in the state directory, the programs kept in the fd store
         * (service-restart.c) */
        struct service_state state;
        struct service_handover handover;
};

int service_run(const struct options *o);

/* Re-reads the configuration and applies it: tracers newly enabled start, disabled ones stop,
 * the others keep running. On a bad file nothing changes and err says file:line and why. */
int service_reload(struct service *s, struct conf_error *err);

int service_start_tracer(struct service *s, const char *name);
int service_stop_tracer(struct service *s, const char *name);

/* Sends STATUS= with the running tracers and counters. */
void service_notify_status(struct service *s);
