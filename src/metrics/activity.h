/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What each container and each systemd unit is doing: events, execs, file bytes, TCP connections
 * and alerts, counted in user space from the records and alerts the manager already has (no
 * kernel work of its own), for cwatchctl top (D-Bus GetActivity). The counters only grow; a reader
 * takes two samples and divides by the time between them.
 *
 * The table is bounded: with ACTIVITY_MAX_ROWS rows in use, a new container or unit takes the row
 * idle longest if it was idle for ACTIVITY_IDLE_NS, else its counts go to the one "other" row. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "shared/u64map.h"

struct identity;

#define ACTIVITY_MAX_ROWS 512
#define ACTIVITY_IDLE_NS (UINT64_C(60) * 1000000000)
#define ACTIVITY_NAME_MAX 128

enum activity_kind {
        ACTIVITY_HOST,          /* no container and no unit (kernel threads, identity off) */
        ACTIVITY_UNIT,          /* a systemd unit on the host */
        ACTIVITY_CONTAINER,
        ACTIVITY_OTHER,         /* what did not fit in the table */
        _ACTIVITY_KIND_MAX,
};

const char *activity_kind_to_string(enum activity_kind k);

/* What one record or alert adds to its row. */
struct activity_counts {
        uint64_t events, execs, read_bytes, write_bytes, connections, alerts;
};

struct activity_row {
        uint64_t key;                           /* hash of kind and id; 0: a free row */
        enum activity_kind kind;
        char id[ACTIVITY_NAME_MAX];             /* container id, unit name; "" for host and other */
        char name[ACTIVITY_NAME_MAX];           /* container name, unit name */
        char runtime[16];                       /* containers: docker, podman, nspawn, ... */
        struct activity_counts counts;
        uint64_t first_ns, last_ns;             /* CLOCK_MONOTONIC: row made, last counted */
};

struct activity_table {
        struct activity_row *rows;              /* ACTIVITY_MAX_ROWS, allocated on first use */
        size_t n_rows;
        struct activity_row other;
        struct u64map index;                    /* key -> row */
        uint64_t replaced;                      /* idle rows given to a new container or unit */
};

void activity_table_done(struct activity_table *t);

/* Adds c to the row of identity id (NULL: the host) at now_ns. -ENOMEM only when the table cannot
 * be allocated at all (the counts are lost). */
int activity_add(struct activity_table *t, const struct identity *id, const struct activity_counts *c,
                 uint64_t now_ns);

/* Calls fn for each row in use, "other" last when it counted anything. */
void activity_foreach(const struct activity_table *t, void (*fn)(const struct activity_row *row, void *userdata),
                      void *userdata);
