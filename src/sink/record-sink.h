/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A consumer of records. The manager keeps a list of them and hands every record it emits to each in
 * turn, after the filters and with identity resolved (record.identity): the foreground output,
 * metrics, detection, the tests' hook; later the profiles and the provenance graph. */
#pragma once

#include "record.h"

struct record_sink {
        const char *name;
        /* Every record. A negative return is logged (debug) and counted; the others still see it. */
        int (*on_record)(void *userdata, const struct record *r);
        /* Around the rows an aggregating tracer emits each interval (optional). */
        void (*on_interval_begin)(void *userdata, const struct schema *s);
        void (*on_interval_end)(void *userdata, const struct schema *s);
        void *userdata;
};
