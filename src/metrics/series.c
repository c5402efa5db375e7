/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>
#include "series.h"
#include "exposition.h"

void series_table_init(struct series_table *t, const char *name, const char *help, size_t max,
                       const char *const *label_names, size_t n_labels)
{
        *t = (struct series_table) { .name = name, .help = help, .max = max,
                                     .n_labels = MIN(n_labels, (size_t) SERIES_MAX_LABELS) };
        for (size_t i = 0; i < t->n_labels; i++)
                t->label_names[i] = label_names[i];
}

void series_table_done(struct series_table *t)
{
        for (size_t i = 0; i < t->n_series; i++)
                for (size_t j = 0; j < t->n_labels; j++)
                        free(t->series[i].values[j]);
        free(t->series);
        t->series = NULL;
        t->n_series = 0;
}

/* FNV-1a over the (cut) values, each ended by a NUL */
static uint64_t series_hash(const struct series_table *t, const char *const *values)
{
        uint64_t h = UINT64_C(0xcbf29ce484222325);

        for (size_t i = 0; i < t->n_labels; i++) {
                const char *v = values[i] ?: "";
                size_t n = strnlen(v, SERIES_VALUE_MAX);

                for (size_t k = 0; k <= n; k++) {
                        h ^= k < n ? (unsigned char) v[k] : 0;
                        h *= UINT64_C(0x100000001b3);
                }
        }
        return h;
}

static struct series *series_find(const struct series_table *t, uint64_t hash, const char *const *values)
{
        for (size_t i = 0; i < t->n_series; i++) {
                struct series *s = &t->series[i];
                bool equal = s->hash == hash;

                for (size_t j = 0; equal && j < t->n_labels; j++)
                        equal = strneq(s->values[j], values[j] ?: "", SERIES_VALUE_MAX) &&
                                strlen(s->values[j]) == strnlen(values[j] ?: "", SERIES_VALUE_MAX);
                if (equal)
                        return s;
        }
        return NULL;
}

static struct series *series_append(struct series_table *t, uint64_t hash, const char *const *values)
{
        struct series *s, *p;

        /* room for max series plus the "other" one */
        if (!t->series) {
                t->series = calloc(t->max + 1, sizeof(*t->series));
                if (!t->series)
                        return NULL;
        }
        p = &t->series[t->n_series];
        *p = (struct series) { .hash = hash };
        for (size_t j = 0; j < t->n_labels; j++) {
                p->values[j] = strndup(values[j] ?: "", SERIES_VALUE_MAX);
                if (!p->values[j]) {
                        for (size_t k = 0; k < j; k++)
                                free(p->values[k]);
                        return NULL;
                }
        }
        s = p;
        t->n_series++;
        return s;
}

int series_table_add(struct series_table *t, const char *const *values, uint64_t delta)
{
        const char *other[SERIES_MAX_LABELS] = { SERIES_OTHER, SERIES_OTHER, SERIES_OTHER };
        uint64_t hash = series_hash(t, values);
        struct series *s = series_find(t, hash, values);

        if (!s && t->n_series >= t->max) {
                t->overflowed += delta;
                values = other;
                hash = series_hash(t, values);
                s = series_find(t, hash, values);
        }
        if (!s)
                s = series_append(t, hash, values);
        if (!s)
                return -ENOMEM;
        s->count += delta;
        return 0;
}

uint64_t series_table_get(const struct series_table *t, const char *const *values)
{
        const struct series *s = series_find(t, series_hash(t, values), values);

        return s ? s->count : 0;
}

void series_table_write(const struct series_table *t, struct strbuf *b)
{
        expo_family(b, t->name, "counter", t->help);
        for (size_t i = 0; i < t->n_series; i++) {
                struct label labels[SERIES_MAX_LABELS];

                for (size_t j = 0; j < t->n_labels; j++)
                        labels[j] = (struct label) { t->label_names[j], t->series[i].values[j] };
                expo_sample_u64(b, t->name, labels, t->n_labels, t->series[i].count);
        }
}
