/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup of a process, for events that name a process but not its cgroup. */
#pragma once

#include <stdint.h>

/* The id (inode) of the cgroup2 directory of process pid, as /proc/PID/cgroup says, under the cgroup2
 * mount; -ESRCH when the process is gone, -ENOENT when it has no cgroup2 line. */
int cgroup_id_of_pid(const char *mount, uint32_t pid, uint64_t *ret);
