/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A hash map from non-zero 64-bit keys (cgroup ids, inode numbers) to pointers: open addressing,
 * linear probing, Fibonacci hashing, deletion by backward shift (no tombstones), kept at most half
 * full. Lookups touch one or two cache lines. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct u64map_slot {
        uint64_t key;           /* 0: empty */
        void *value;
};

struct u64map {
        struct u64map_slot *slots;
        size_t n;               /* entries */
        unsigned bits;          /* capacity is 1 << bits, or 0 before the first put */
};

static inline size_t u64map_slot_of(const struct u64map *m, uint64_t key)
{
        return (size_t) ((key * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - m->bits));
}

/* The value stored under key, or NULL. */
static inline void *u64map_get(const struct u64map *m, uint64_t key)
{
        size_t mask, i;

        if (m->n == 0 || key == 0)
                return NULL;
        mask = ((size_t) 1 << m->bits) - 1;
        for (i = u64map_slot_of(m, key);; i = (i + 1) & mask) {
                if (m->slots[i].key == key)
                        return m->slots[i].value;
                if (m->slots[i].key == 0)
                        return NULL;
        }
}

/* Stores value under key, replacing what was there. -EINVAL for key 0, -ENOMEM. */
int u64map_put(struct u64map *m, uint64_t key, void *value);
/* Removes key; returns its value, or NULL if it was not there. */
void *u64map_remove(struct u64map *m, uint64_t key);
/* Frees the table (not the values) and empties the map. */
void u64map_clear(struct u64map *m);
/* Iterates: start with *pos = 0; returns false at the end. The map must not change meanwhile. */
bool u64map_next(const struct u64map *m, size_t *pos, uint64_t *key, void **value);
/* Bytes of the table itself. */
size_t u64map_table_bytes(const struct u64map *m);
