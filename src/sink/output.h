/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The foreground output of cwatchd run as a record sink: records through a formatter, and the
 * output policy of aggregating tracers' interval rows (--sort, --top), for any such tracer. */
#pragma once

#include "format.h"
#include "record-sink.h"

struct output {
        struct formatter *formatter;
        const char *sort_key;           /* interval rows sorted by this column, biggest first; NULL:
                                         * in the order the tracer emits them */
        size_t top;                     /* interval rows printed; 0: all */
        bool in_interval;               /* between on_interval_begin and _end */
        const struct schema *schema;    /* of the interval's rows */
        int sort_column;                /* of sort_key in schema, or -1 */
        uint64_t n_seen;                /* rows of this interval so far */
        struct output_row *rows;        /* with a sort key: the best rows so far (copies), at most top */
        size_t n_rows, n_allocated;
        uint64_t intervals, interval_rows;      /* printed so far, for output_log_summary() */
};

struct output_row {
        struct record *record;
        uint64_t seq;                   /* emission order: the tie-break */
};

/* sort_key and top as cwatchd run's --sort and --top. */
void output_init(struct output *o, struct formatter *f, const char *sort_key, size_t top);
void output_done(struct output *o);

/* Whether key can order the interval rows of schema s: a column of s that the rows carry. Logs the
 * valid columns and returns -EINVAL when not. */
int output_check_sort_key(const char *key, const struct schema *s);

/* Logs the interval rows printed, when an aggregating tracer printed any ("printed 60 rows in 12
 * intervals"). */
void output_log_summary(const struct output *o);

/* The sink to give manager_add_record_sink(). */
struct record_sink output_record_sink(struct output *o);
