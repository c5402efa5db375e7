/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "cgroup-pid.h"
#include "shared/macro.h"

int cgroup_id_of_pid(const char *mount, uint32_t pid, uint64_t *ret)
{
        _cleanup_fclose_ FILE *f = NULL;
        char path[64], line[4096], dir[4096 + 256];
        struct stat st;

        if (pid == 0)
                return -ESRCH;
        snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
        f = fopen(path, "re");
        if (!f)
                return errno == ENOENT ? -ESRCH : -errno;
        while (fgets(line, sizeof(line), f)) {
                /* the cgroup2 line is "0::/path" */
                if (!strneq(line, "0::/", 4))
                        continue;
                line[strcspn(line, "\n")] = '\0';
                if (snprintf(dir, sizeof(dir), "%s%s", mount, line + 3) >= (int) sizeof(dir))
                        return -ENAMETOOLONG;
                if (stat(dir, &st) < 0)
                        return -errno;
                *ret = st.st_ino;
                return 0;
        }
        return -ENOENT;
}
