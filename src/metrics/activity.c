/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "activity.h"
#include "identity/identity.h"
#include "shared/hash.h"
#include "shared/macro.h"

const char *activity_kind_to_string(enum activity_kind k)
{
        static const char *const names[_ACTIVITY_KIND_MAX] = {
                [ACTIVITY_HOST] = "host", [ACTIVITY_UNIT] = "unit", [ACTIVITY_CONTAINER] = "container",
                [ACTIVITY_OTHER] = "other",
        };

        return k < _ACTIVITY_KIND_MAX ? names[k] : NULL;
}

void activity_table_done(struct activity_table *t)
{
        free(t->rows);
        u64map_clear(&t->index);
        *t = (struct activity_table) {};
}

/* The row an identity counts in: its container, else its unit, else the host. */
static enum activity_kind identity_kind(const struct identity *id, const char **ret_id)
{
        if (id && id->container_id && id->container_id[0]) {
                *ret_id = id->container_id;
                return ACTIVITY_CONTAINER;
        }
        if (id && id->unit && id->unit[0]) {
                *ret_id = id->unit;
                return ACTIVITY_UNIT;
        }
        *ret_id = "";
        return ACTIVITY_HOST;
}

static void row_init(struct activity_row *row, uint64_t key, enum activity_kind kind, const char *key_id,
                     const struct identity *id, uint64_t now_ns)
{
        *row = (struct activity_row) { .key = key, .kind = kind, .first_ns = now_ns };
        snprintf(row->id, sizeof(row->id), "%s", key_id);
        switch (kind) {
        case ACTIVITY_CONTAINER:
                snprintf(row->name, sizeof(row->name), "%s", id->container_name ?: key_id);
                snprintf(row->runtime, sizeof(row->runtime), "%s", id->runtime ?: "");
                break;
        case ACTIVITY_UNIT:
                snprintf(row->name, sizeof(row->name), "%s", key_id);
                break;
        default:
                snprintf(row->name, sizeof(row->name), "%s", activity_kind_to_string(kind));
        }
}

/* A row for a new key: a free one, else the one idle longest if idle long enough, else NULL. */
static struct activity_row *row_take(struct activity_table *t, uint64_t now_ns)
{
        struct activity_row *oldest = NULL;

        if (t->n_rows < ACTIVITY_MAX_ROWS)
                return &t->rows[t->n_rows++];
        for (size_t i = 0; i < t->n_rows; i++)
                if (!oldest || t->rows[i].last_ns < oldest->last_ns)
                        oldest = &t->rows[i];
        if (!oldest || now_ns - oldest->last_ns < ACTIVITY_IDLE_NS)
                return NULL;
        (void) u64map_remove(&t->index, oldest->key);
        t->replaced++;
        return oldest;
}

static struct activity_row *row_find(struct activity_table *t, const struct identity *id, uint64_t now_ns)
{
        struct activity_row *row;
        const char *key_id;
        enum activity_kind kind = identity_kind(id, &key_id);
        uint64_t key = hash_bytes64(kind, key_id, strnlen(key_id, ACTIVITY_NAME_MAX - 1)) ?: 1;

        row = u64map_get(&t->index, key);
        /* two ids with one 64-bit hash: the later one counts as other */
        if (row)
                return row->kind == kind && strneq(row->id, key_id, ACTIVITY_NAME_MAX - 1) ? row : &t->other;
        row = row_take(t, now_ns);
        if (!row)
                return &t->other;
        if (u64map_put(&t->index, key, row) < 0) {
                *row = (struct activity_row) {};        /* free, and the first to be taken again */
                return &t->other;
        }
        row_init(row, key, kind, key_id, id, now_ns);
        return row;
}

int activity_add(struct activity_table *t, const struct identity *id, const struct activity_counts *c,
                 uint64_t now_ns)
{
        struct activity_row *row;

        if (!t->rows) {
                t->rows = calloc(ACTIVITY_MAX_ROWS, sizeof(*t->rows));
                if (!t->rows)
                        return -ENOMEM;
                row_init(&t->other, 0, ACTIVITY_OTHER, "", NULL, now_ns);
        }
        row = row_find(t, id, now_ns);
        row->counts.events += c->events;
        row->counts.execs += c->execs;
        row->counts.read_bytes += c->read_bytes;
        row->counts.write_bytes += c->write_bytes;
        row->counts.connections += c->connections;
        row->counts.alerts += c->alerts;
        row->last_ns = now_ns;
        return 0;
}

void activity_foreach(const struct activity_table *t, void (*fn)(const struct activity_row *row, void *userdata),
                      void *userdata)
{
        for (size_t i = 0; i < t->n_rows; i++)
                if (t->rows[i].key != 0)
                        fn(&t->rows[i], userdata);
        if (t->other.last_ns > 0)
                fn(&t->other, userdata);
}
