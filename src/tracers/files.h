/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The files tracer's API beyond tracer_ops: kernel-side counters. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct tracer;

struct files_tracer_stats {
        uint32_t max_entries;           /* bound of the aggregate map */
        uint64_t inserts;               /* aggregate entries the kernel created */
        uint64_t read;                  /* aggregate entries user space read (and deleted) */
        uint64_t evictions;             /* entries lost to the bound: inserts - read - still there */
        uint64_t opens_checked;         /* open calls matched against the watched paths */
        uint64_t opens_unmatched;       /* ... which matched nothing and stayed in the kernel */
        uint64_t opens_no_path;         /* ... whose path could not be read */
};

/* Counters since the tracer started. -ESRCH when it is not running. */
int files_tracer_get_stats(struct tracer *t, struct files_tracer_stats *ret);

/* Entries in the aggregate map now (walks its keys). */
int files_tracer_count_entries(struct tracer *t, size_t *ret);
