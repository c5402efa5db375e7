/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define NSEC_PER_SEC UINT64_C(1000000000)
#define NSEC_PER_MSEC UINT64_C(1000000)
#define NSEC_PER_USEC UINT64_C(1000)
#define USEC_PER_SEC UINT64_C(1000000)
#define USEC_PER_MSEC UINT64_C(1000)

uint64_t now_realtime_ns(void);
uint64_t now_boottime_ns(void);
uint64_t now_monotonic_ns(void);

/* Offset to add to a CLOCK_BOOTTIME stamp (as BPF's bpf_ktime_get_boot_ns) to get realtime. */
uint64_t boottime_to_realtime_offset(void);

/* "2024-08-04 16:22:30.123" in local time. */
char *format_timestamp(char *buf, size_t size, uint64_t realtime_ns);
/* "2024-08-04T16:22:30.123456Z" */
char *format_timestamp_iso(char *buf, size_t size, uint64_t realtime_ns);
