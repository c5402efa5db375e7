/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's own CPU time and resident memory, from /proc/self. */
#pragma once

#include <stdint.h>

struct process_stats {
        double cpu_seconds;             /* user + system */
        uint64_t resident_bytes;
};

int process_stats_read(struct process_stats *ret);
/* Parses the text of /proc/PID/stat and /proc/PID/statm (exposed for tests). */
int process_stats_parse(const char *stat, const char *statm, long ticks_per_second, long page_size,
                        struct process_stats *ret);
