/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An alert: what detection raises and the sinks (journal, D-Bus, foreground output) receive. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "action.h"
#include "identity/identity.h"
#include "sink/record.h"

enum alert_severity {
        SEVERITY_CRITICAL,      /* journal PRIORITY 2 */
        SEVERITY_ERROR,         /* 3 */
        SEVERITY_WARNING,       /* 4 */
        SEVERITY_NOTICE,        /* 5 */
        SEVERITY_INFO,          /* 6 */
        _SEVERITY_MAX,
};

#define ALERT_MAX_ANCESTORS 8

struct alert_process {
        uint32_t pid;
        uint32_t ppid;
        uint32_t uid;
        const char *comm;
        const char *exe;
        const char *cmdline;    /* argv joined by spaces */
        bool exe_truncated;     /* exe is cut where it says "/.../" (or, deeper than the kernel walks,
                                 * is "..." and its tail) */
        bool cmdline_truncated; /* cmdline is only the start of the process's argv */
        bool pid_host;          /* pid and ppid are the host's: the process is outside cwatchd's pid
                                 * namespace */
};

struct alert {
        char id[33];                    /* 128-bit random id, hex */
        uint64_t time_ns;               /* realtime of the triggering event */
        uint64_t first_seen_ns;
        uint64_t last_seen_ns;
        uint64_t count;                 /* occurrences folded into this alert (>= 1) */

        const char *rule;               /* rule name, e.g. "exec-from-tmp" */
        const char *message_id;         /* 32 hex digits: the journal MESSAGE_ID of the rule class */
        enum alert_severity severity;
        const char *mitre;              /* ATT&CK technique, e.g. "T1059.004"; NULL if none */
        const char *message;            /* one line a person can read */
        double score;                   /* profiles' anomaly score; 0 (no CWATCH_SCORE) on rule alerts */
        const char *anomaly;            /* profiles: what was new, in plain words; NULL otherwise */
        enum response_action action;    /* the rule's Action= (docs/RESPONSE.md); NONE: none */

        struct alert_process process;
        struct alert_process ancestors[ALERT_MAX_ANCESTORS];
        size_t n_ancestors;

        const struct identity *identity;        /* NULL: the host */
        uint64_t cgroup_id;
        const struct record *event;     /* the triggering event, NULL in summaries */

        /* set by the provenance graph before the sinks see the alert; NULL: none */
        const char *story;              /* compact JSON (docs/PROVENANCE.md) */
        const char *incident_id;        /* 32 hex digits */

        /* set by the whitelist before the graph sees the alert: the executed program's SHA-256 (hex)
         * and its confidence; NULL: unknown */
        const char *program_sha256;
        double trust;                   /* in [0, 1]; incident scores count the alert scaled by it */
};

/* What trust takes off a score: score x (1 - ALERT_TRUST_SCALE x trust) (WHITELIST_SCALE). */
#define ALERT_TRUST_SCALE 0.75

const char *alert_severity_to_string(enum alert_severity s);
int alert_severity_from_string(const char *s);
/* syslog priority of a severity */
int alert_severity_to_priority(enum alert_severity s);
