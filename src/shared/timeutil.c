/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <time.h>
#include "timeutil.h"

static uint64_t now_ns(clockid_t clock)
{
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * NSEC_PER_SEC + (uint64_t) ts.tv_nsec;
}

uint64_t now_realtime_ns(void)
{
        return now_ns(CLOCK_REALTIME);
}

uint64_t now_boottime_ns(void)
{
        return now_ns(CLOCK_BOOTTIME);
}

uint64_t now_monotonic_ns(void)
{
        return now_ns(CLOCK_MONOTONIC);
}

uint64_t boottime_to_realtime_offset(void)
{
        uint64_t b1 = now_boottime_ns(), r = now_realtime_ns(), b2 = now_boottime_ns();

        return r - (b1 + (b2 - b1) / 2);
}

char *format_timestamp(char *buf, size_t size, uint64_t realtime_ns)
{
        time_t sec = realtime_ns / NSEC_PER_SEC;
        struct tm tm;
        size_t n;

        localtime_r(&sec, &tm);
        n = strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
        snprintf(buf + n, size - n, ".%03u", (unsigned) (realtime_ns % NSEC_PER_SEC / NSEC_PER_MSEC));
        return buf;
}

char *format_timestamp_iso(char *buf, size_t size, uint64_t realtime_ns)
{
        time_t sec = realtime_ns / NSEC_PER_SEC;
        struct tm tm;
        size_t n;

        gmtime_r(&sec, &tm);
        n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, size - n, ".%06uZ", (unsigned) (realtime_ns % NSEC_PER_SEC / NSEC_PER_USEC));
        return buf;
}
