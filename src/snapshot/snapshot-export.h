/* SPDX-License-Identifier: GPL-2.0-or-later */
/* This host's snapshot: encoded and signed with its key. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "host-key.h"
#include "snapshot.h"

/* The serial of the next snapshot: the time in microseconds, or one more than the last when the
 * clock went back, so serials keep increasing even when the state directory was lost. */
uint64_t snapshot_next_serial(uint64_t last_serial, uint64_t now_usec);

/* Sorts entries (n of them; the array is reordered, repeats dropped), encodes and signs them. */
int snapshot_export(const struct host_key *key, const uint8_t host_id[SNAPSHOT_HOST_ID_SIZE], uint64_t serial,
                    uint64_t created, struct snapshot_entry *entries, size_t n, void **ret, size_t *ret_size);

/* Signs an encoded file in place (its last SNAPSHOT_SIGNATURE_SIZE bytes). */
int snapshot_sign(const struct host_key *key, void *buf, size_t size);
