/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "process-stats.h"
#include "shared/macro.h"

int process_stats_parse(const char *stat, const char *statm, long ticks_per_second, long page_size,
                        struct process_stats *ret)
{
        unsigned long long utime, stime, size, resident;
        const char *p;

        /* comm may hold spaces and parentheses: the fields start after the last ")" */
        p = strrchr(stat, ')');
        if (!p || ticks_per_second <= 0 || page_size <= 0)
                return -EINVAL;
        /* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime */
        if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
                return -EINVAL;
        if (sscanf(statm, "%llu %llu", &size, &resident) != 2)
                return -EINVAL;
        *ret = (struct process_stats) {
                .cpu_seconds = (double) (utime + stime) / (double) ticks_per_second,
                .resident_bytes = (uint64_t) resident * (uint64_t) page_size,
        };
        return 0;
}

static int read_small_file(const char *path, char *buf, size_t size)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        return 0;
}

int process_stats_read(struct process_stats *ret)
{
        char stat[1024], statm[256];
        int r;

        r = read_small_file("/proc/self/stat", stat, sizeof(stat));
        if (r < 0)
                return r;
        r = read_small_file("/proc/self/statm", statm, sizeof(statm));
        if (r < 0)
                return r;
        return process_stats_parse(stat, statm, sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE), ret);
}
