/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include "pidns.h"

int pidns_of(const char *proc_pid_dir, struct pidns *ret)
{
        char path[256];
        struct stat st;

        snprintf(path, sizeof(path), "%s/ns/pid", proc_pid_dir);
        if (stat(path, &st) < 0)
                return -errno;
        *ret = (struct pidns) { .dev = st.st_dev, .ino = st.st_ino };
        return 0;
}
