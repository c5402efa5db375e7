/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The last serial accepted from each host, so that an older snapshot (a replay, a rollback) is
 * refused: /var/lib/cwatch/peer-serials, one "HOSTID SERIAL" line per host, written atomically. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "snapshot.h"

#define PEER_STATE_FILE "peer-serials"
#define PEER_STATE_MAX 4096

struct peer_serial {
        uint8_t host_id[SNAPSHOT_HOST_ID_SIZE];
        uint64_t serial;
};

struct peer_state {
        struct peer_serial *peers;
        size_t n;
};

/* A missing file is an empty state; -EBADMSG for a damaged one. */
int peer_state_load(const char *path, struct peer_state *ret);
int peer_state_save(const struct peer_state *s, const char *path);
void peer_state_done(struct peer_state *s);
/* 0 when nothing was seen from host_id. */
uint64_t peer_state_serial(const struct peer_state *s, const uint8_t host_id[SNAPSHOT_HOST_ID_SIZE]);
int peer_state_set(struct peer_state *s, const uint8_t host_id[SNAPSHOT_HOST_ID_SIZE], uint64_t serial);
