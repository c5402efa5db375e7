/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the kernel and our privileges offer, checked once at start. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

struct probe {
        bool btf;               /* /sys/kernel/btf/vmlinux */
        bool cap_bpf;           /* CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN */
        bool tracefs;           /* tracefs mounted, for tp/ programs */
        bool bpf_stats;         /* kernel.bpf_stats_enabled can be read */
};

void probe_run(struct probe *p);
/* Prints each missing piece the given needs call for, with how to fix it. Returns the number
 * of missing pieces. */
int probe_report_missing(const struct probe *p, bool need_tracefs, FILE *out);
