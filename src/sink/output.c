/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output.h"
#include "shared/log.h"
#include "shared/strbuf.h"

void output_init(struct output *o, struct formatter *f, const char *sort_key, size_t top)
{
        *o = (struct output) { .formatter = f, .sort_key = sort_key, .top = top };
}

static void output_drop_rows(struct output *o)
{
        for (size_t i = 0; i < o->n_rows; i++)
                free(o->rows[i].record);
        o->n_rows = 0;
}

void output_done(struct output *o)
{
        output_drop_rows(o);
        free(o->rows);
        o->rows = NULL;
        o->n_allocated = 0;
}

static bool column_is_sort_key(const struct column *c)
{
        return !c->event_only;
}

int output_check_sort_key(const char *key, const struct schema *s)
{
        struct strbuf valid = {};
        int i = schema_find_column(s, key);

        if (i >= 0 && column_is_sort_key(&s->columns[i]))
                return 0;
        for (size_t k = 0; k < s->n_columns; k++)
                if (column_is_sort_key(&s->columns[k]))
                        strbuf_printf(&valid, " %s", s->columns[k].name);
        log_error("%s: cannot sort by '%s'; valid columns:%s", s->event, key, valid.data ?: "");
        strbuf_free(&valid);
        return -EINVAL;
}

/* Biggest first; absent values last; strings in byte order. */
static int value_compare(const struct value *a, const struct value *b, enum value_type type)
{
        if (a->present != b->present)
                return a->present ? -1 : 1;
        if (!a->present)
                return 0;
        switch (type) {
        case VALUE_U64:
        case VALUE_BOOL:
                return a->u < b->u ? 1 : a->u > b->u ? -1 : 0;
        case VALUE_S64:
                return a->i < b->i ? 1 : a->i > b->i ? -1 : 0;
        default: {
                int r = memcmp(a->str, b->str, MIN(a->len, b->len));

                return r ?: a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
        }
        }
}

/* By the sort column; equal keys keep the order in which the tracer emitted them. */
static int row_compare(const struct output_row *a, const struct output_row *b, int column, enum value_type type)
{
        int r = value_compare(&a->record->values[column], &b->record->values[column], type);

        return r ?: a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int row_compare_qsort(const void *pa, const void *pb, void *userdata)
{
        const struct output *o = userdata;

        return row_compare(pa, pb, o->sort_column, o->schema->columns[o->sort_column].type);
}

/* Keeps r among the rows to print: all of them, or with --top the best top so far. */
static int output_hold(struct output *o, const struct record *r, uint64_t seq)
{
        enum value_type type = o->schema->columns[o->sort_column].type;
        struct output_row row = { .seq = seq };
        size_t slot = o->n_rows;

        if (o->top > 0 && o->n_rows == o->top) {
                /* full: the new row replaces the worst one if it is better */
                slot = 0;
                for (size_t i = 1; i < o->n_rows; i++)
                        if (row_compare(&o->rows[i], &o->rows[slot], o->sort_column, type) > 0)
                                slot = i;
                if (value_compare(&r->values[o->sort_column], &o->rows[slot].record->values[o->sort_column],
                                  type) >= 0)
                        return 0;
        } else if (o->n_rows == o->n_allocated) {
                size_t n = o->n_allocated ? o->n_allocated * 2 : 64;
                struct output_row *rows = reallocarray(o->rows, n, sizeof(*rows));

                if (!rows)
                        return -ENOMEM;
                o->rows = rows;
                o->n_allocated = n;
        }
        row.record = record_copy(r);
        if (!row.record)
                return -ENOMEM;
        if (slot < o->n_rows)
                free(o->rows[slot].record);
        else
                o->n_rows++;
        o->rows[slot] = row;
        return 0;
}

static int output_on_record(void *userdata, const struct record *r)
{
        struct output *o = userdata;
        uint64_t seq;

        if (r->quiet)
                return 0;
        if (!o->in_interval || r->schema != o->schema)
                return formatter_write(o->formatter, r);
        seq = o->n_seen++;
        if (o->sort_column >= 0)
                return output_hold(o, r, seq);
        /* the tracer's own order: the first top rows */
        if (o->top > 0 && seq >= o->top)
                return 0;
        o->interval_rows++;
        return formatter_write(o->formatter, r);
}

static void output_on_interval_begin(void *userdata, const struct schema *s)
{
        struct output *o = userdata;

        output_drop_rows(o);
        o->in_interval = true;
        o->intervals++;
        o->schema = s;
        o->n_seen = 0;
        o->sort_column = o->sort_key ? schema_find_column(s, o->sort_key) : -1;
        formatter_new_section(o->formatter);
}

static void output_on_interval_end(void *userdata, const struct schema *s)
{
        struct output *o = userdata;

        o->in_interval = false;
        if (o->n_rows == 0)
                return;
        qsort_r(o->rows, o->n_rows, sizeof(*o->rows), row_compare_qsort, o);
        for (size_t i = 0; i < o->n_rows; i++) {
                int r = formatter_write(o->formatter, o->rows[i].record);

                o->interval_rows++;
                if (r < 0)
                        log_debug_errno(r, "Failed to print a row, ignoring: %m");
        }
        output_drop_rows(o);
}

void output_log_summary(const struct output *o)
{
        char top[48] = "";

        if (o->intervals == 0)
                return;
        if (o->top > 0)
                snprintf(top, sizeof(top), " (at most %zu each)", o->top);
        log_info("printed %" PRIu64 " rows in %" PRIu64 " intervals%s", o->interval_rows, o->intervals, top);
}

struct record_sink output_record_sink(struct output *o)
{
        return (struct record_sink) {
                .name = "output",
                .on_record = output_on_record,
                .on_interval_begin = output_on_interval_begin,
                .on_interval_end = output_on_interval_end,
                .userdata = o,
        };
}
