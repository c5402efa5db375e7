/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What survives a restart of the service, in $STATE_DIRECTORY/service-state (/var/lib/cwatch):
 * how often it restarted this boot, when this instance started and the one before it ended (and
 * how: written by `cwatchd --record-exit`, the unit's ExecStopPost=), the blind window between them,
 * and the counters over all instances of this boot (saved every StatusInterval= and at exit). A
 * failed write (ENOSPC) is logged once and the service goes on. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct service_state {
        char boot_id[33];
        uint64_t restarts;              /* starts this boot after the first */
        uint64_t started_usec;          /* this instance, realtime */
        uint64_t previous_started_usec;
        uint64_t previous_end_usec;     /* when systemd saw the instance before end; 0: unknown */
        char previous_end[64];          /* how: "exit-code 1", "signal KILL", "success" */
        uint64_t ready_usec;            /* this instance traced from here */
        uint64_t blind_usec;            /* from previous_end to ready; 0 when the programs stayed attached */
        bool handed_over;               /* the earlier programs stayed attached (fd store) */
        /* over the instances of this boot: what the earlier ones saved, ours added when saving */
        uint64_t events_before, drops_before, alerts_before;
        uint64_t events_total, drops_total, alerts_total;
        bool write_failed;              /* logged once */
};

/* Parses the state file's text (key=value lines; unknown keys, bad numbers and long lines are
 * ignored) into st, zeroed first. */
void service_state_parse(struct service_state *st, const char *text, size_t len);
/* Reads the state (missing or from another boot: a first start) and starts this instance. */
void service_state_start(struct service_state *st, uint64_t now_usec);
/* This instance traces from now; handed_over: the earlier programs stayed attached meanwhile. */
void service_state_ready(struct service_state *st, uint64_t now_usec, bool handed_over);
/* Saves it with this instance's counters. */
int service_state_save(struct service_state *st, uint64_t events, uint64_t drops, uint64_t alerts);
/* `cwatchd --record-exit` (ExecStopPost=): notes when and how the instance ended, from systemd's
 * $SERVICE_RESULT, $EXIT_CODE and $EXIT_STATUS. Exit status of the command. */
int service_state_record_exit(void);
