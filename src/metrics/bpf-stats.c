/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "bpf-stats.h"
#include "shared/macro.h"

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

int bpf_prog_stats_collect(struct bpf_prog_stats *stats, size_t max)
{
        _cleanup_(closedirp) DIR *d = opendir("/proc/self/fd");
        uint32_t seen[BPF_PROG_STATS_MAX];
        size_t n = 0, n_seen = 0;
        struct dirent *de;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                struct bpf_prog_info info = {};
                uint32_t len = sizeof(info);
                char target[64];
                bool dup = false;
                ssize_t k;
                size_t i;
                int fd;

                if (de->d_name[0] == '.')
                        continue;
                k = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
                if (k < 0)
                        continue;
                target[k] = 0;
                if (!streq(target, "anon_inode:bpf-prog"))
                        continue;
                fd = atoi(de->d_name);
                if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
                        continue;
                /* one program may be reachable through several fds */
                for (i = 0; i < n_seen && !dup; i++)
                        dup = seen[i] == info.id;
                if (dup || n_seen >= ELEMENTSOF(seen))
                        continue;
                seen[n_seen++] = info.id;
                for (i = 0; i < n && !streq(stats[i].name, info.name); i++)
                        ;
                if (i == n) {
                        if (n >= max)
                                continue;
                        stats[n] = (struct bpf_prog_stats) {};
                        snprintf(stats[n].name, sizeof(stats[n].name), "%s", info.name);
                        n++;
                }
                stats[i].run_time_ns += info.run_time_ns;
                stats[i].run_count += info.run_cnt;
        }
        return (int) n;
}
