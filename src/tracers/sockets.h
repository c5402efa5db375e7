/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sockets tracer's API beyond tracer_ops: its Unix-connect filter, for tests and summaries. */
#pragma once

#include <stdint.h>

struct tracer;

struct sockets_tracer_stats {
        uint64_t connects_checked;      /* Unix connects matched against the watched addresses */
        uint64_t connects_unmatched;    /* ... which matched none: no event */
};

/* Counters since the tracer started. -ESRCH when it is not running. */
int sockets_tracer_get_stats(struct tracer *t, struct sockets_tracer_stats *ret);
