/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Synthetic records for rule tests, the fuzzer and the benchmark. */
#pragma once

#include <assert.h>
#include <string.h>
#include "sink/record.h"

#define TREC_MAX_COLUMNS 64

struct trec {
        struct value v[TREC_MAX_COLUMNS];
        struct record r;
};

static inline void trec_init(struct trec *t, const struct schema *s, const char *event)
{
        assert(s->n_columns <= TREC_MAX_COLUMNS);
        memset(t, 0, sizeof(*t));
        t->r = (struct record) { .schema = s, .event = event, .values = t->v, .time_ns = 1 };
}

/* The column name of the record's schema, which must have this type. */
static inline struct value *trec_col_typed(struct trec *t, const char *name, enum value_type type)
{
        int i = schema_find_column(t->r.schema, name);

        assert(i >= 0);
        assert(t->r.schema->columns[i].type == type);
        return &t->v[i];
}

#define trec_col(t, name, type) trec_col_typed((t), (name), (type))

static inline void trec_str(struct trec *t, const char *name, const char *s)
{
        value_set_cstr(trec_col(t, name, VALUE_STR), s);
}

/* argv as NUL-separated strings: "a\0b\0" with its length */
static inline void trec_strv(struct trec *t, const char *name, const char *s, size_t len)
{
        value_set_str(trec_col(t, name, VALUE_STRV), s, len);
}

static inline void trec_u64(struct trec *t, const char *name, uint64_t u)
{
        value_set_u64(trec_col(t, name, VALUE_U64), u);
}

static inline void trec_s64(struct trec *t, const char *name, int64_t i)
{
        value_set_s64(trec_col(t, name, VALUE_S64), i);
}

static inline void trec_bool(struct trec *t, const char *name, bool b)
{
        value_set_bool(trec_col(t, name, VALUE_BOOL), b);
}
