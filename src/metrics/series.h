/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A counter family with a bounded set of label values: once max series exist, new label
 * combinations are counted in one series whose labels all read "other", so no input can grow
 * the daemon's memory or a scrape without bound. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "shared/strbuf.h"

#define SERIES_MAX_LABELS 3
#define SERIES_VALUE_MAX 128            /* label values are cut to this many bytes */
#define SERIES_OTHER "other"

struct series {
        uint64_t hash;
        char *values[SERIES_MAX_LABELS];
        uint64_t count;
};

struct series_table {
        const char *name;               /* metric name */
        const char *help;
        const char *label_names[SERIES_MAX_LABELS];
        size_t n_labels;
        size_t max;                     /* series before "other" takes over */
        struct series *series;
        size_t n_series;
        uint64_t overflowed;            /* additions that went to "other" */
};

void series_table_init(struct series_table *t, const char *name, const char *help, size_t max,
                       const char *const *label_names, size_t n_labels);
void series_table_done(struct series_table *t);
/* Adds delta to the series of these label values (n_labels of them). */
int series_table_add(struct series_table *t, const char *const *values, uint64_t delta);
/* The count of a series, 0 when it does not exist. */
uint64_t series_table_get(const struct series_table *t, const char *const *values);
/* Writes the family as a counter: HELP, TYPE and one sample per series. */
void series_table_write(const struct series_table *t, struct strbuf *b);
