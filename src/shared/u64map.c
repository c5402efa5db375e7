/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include "u64map.h"

#define U64MAP_MIN_BITS 4

static void u64map_insert_slot(struct u64map *m, uint64_t key, void *value)
{
        size_t mask = ((size_t) 1 << m->bits) - 1, i;

        for (i = u64map_slot_of(m, key); m->slots[i].key != 0; i = (i + 1) & mask)
                ;
        m->slots[i] = (struct u64map_slot) { key, value };
}

static int u64map_resize(struct u64map *m, unsigned bits)
{
        struct u64map_slot *old = m->slots;
        size_t old_cap = m->bits ? (size_t) 1 << m->bits : 0;

        m->slots = calloc((size_t) 1 << bits, sizeof(*m->slots));
        if (!m->slots) {
                m->slots = old;
                return -ENOMEM;
        }
        m->bits = bits;
        for (size_t i = 0; i < old_cap; i++)
                if (old[i].key != 0)
                        u64map_insert_slot(m, old[i].key, old[i].value);
        free(old);
        return 0;
}

int u64map_put(struct u64map *m, uint64_t key, void *value)
{
        size_t mask, i;
        int r;

        if (key == 0)
                return -EINVAL;
        if (m->bits == 0 || (m->n + 1) * 2 > (size_t) 1 << m->bits) {
                r = u64map_resize(m, m->bits ? m->bits + 1 : U64MAP_MIN_BITS);
                if (r < 0)
                        return r;
        }
        mask = ((size_t) 1 << m->bits) - 1;
        for (i = u64map_slot_of(m, key); m->slots[i].key != 0; i = (i + 1) & mask)
                if (m->slots[i].key == key) {
                        m->slots[i].value = value;
                        return 0;
                }
        m->slots[i] = (struct u64map_slot) { key, value };
        m->n++;
        return 0;
}

void *u64map_remove(struct u64map *m, uint64_t key)
{
        size_t mask, i, j;
        void *value;

        if (m->n == 0 || key == 0)
                return NULL;
        mask = ((size_t) 1 << m->bits) - 1;
        for (i = u64map_slot_of(m, key); m->slots[i].key != key; i = (i + 1) & mask)
                if (m->slots[i].key == 0)
                        return NULL;
        value = m->slots[i].value;
        /* shift back the entries of the run after i that may live at i */
        for (j = (i + 1) & mask; m->slots[j].key != 0; j = (j + 1) & mask) {
                size_t home = u64map_slot_of(m, m->slots[j].key);

                /* j's home is cyclically in (i, j]: it must stay */
                if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
                        continue;
                m->slots[i] = m->slots[j];
                i = j;
        }
        m->slots[i] = (struct u64map_slot) {};
        m->n--;
        return value;
}

void u64map_clear(struct u64map *m)
{
        free(m->slots);
        *m = (struct u64map) {};
}

bool u64map_next(const struct u64map *m, size_t *pos, uint64_t *key, void **value)
{
        size_t cap = m->bits ? (size_t) 1 << m->bits : 0;

        for (; *pos < cap; (*pos)++)
                if (m->slots[*pos].key != 0) {
                        if (key)
                                *key = m->slots[*pos].key;
                        if (value)
                                *value = m->slots[*pos].value;
                        (*pos)++;
                        return true;
                }
        return false;
}

size_t u64map_table_bytes(const struct u64map *m)
{
        return m->bits ? ((size_t) 1 << m->bits) * sizeof(struct u64map_slot) : 0;
}
