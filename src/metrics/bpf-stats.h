/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Run time and run count of the BPF programs this process has loaded. The kernel counts them only
 * while statistics are enabled (kernel.bpf_stats_enabled=1 or a BPF_ENABLE_STATS fd held open). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define BPF_PROG_STATS_MAX 64

struct bpf_prog_stats {
        char name[16];                  /* the kernel keeps 15 characters of a program's name */
        uint64_t run_time_ns;
        uint64_t run_count;
};

/* Our loaded programs (found through /proc/self/fd), summed by name. Returns how many. */
int bpf_prog_stats_collect(struct bpf_prog_stats *stats, size_t max);
