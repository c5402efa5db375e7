/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup2 hierarchy in user space: where it is mounted, its directories and their ids (the
 * id of a cgroup is its directory's inode number, as bpf_get_current_cgroup_id() reports it). */
#pragma once

#include <stdint.h>
#include <stdio.h>

/* Mount point of the cgroup2 hierarchy in mountinfo (as /proc/self/mountinfo reads): the
 * pure-v2 /sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts. -ENOENT when none. */
int cgroup2_find_mount(FILE *mountinfo, char **ret);

/* Calls cb for every cgroup directory under mount, the root included, with its id and its path
 * relative to mount ("/" for the root, "/system.slice", ...). Stops at cb's first error. */
int cgroup_tree_walk(const char *mount, int (*cb)(uint64_t id, const char *path, void *userdata),
                     void *userdata);

/* The path (relative to mount) of the live cgroup with this id, through open_by_handle_at()
 * (needs CAP_DAC_READ_SEARCH); -ESTALE when it is gone. */
int cgroup_path_from_id(int mount_fd, const char *mount, uint64_t id, char **ret);
