/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Events of the cgroup watcher (identity): cgroup2 directories created and removed. */
#pragma once

#include "event.h"

#define CW_CGROUP_PATH_MAX 1024         /* the kernel's own limit for tracepoint cgroup paths */

/* The watcher's event types, in its own ring buffer. */
enum cw_cgroup_event_type {
        CW_EV_CGROUP_MKDIR = 1,
        CW_EV_CGROUP_RMDIR = 2,
};

/* Values of the cgroup_allow map (common.bpf.h). */
enum cw_cgroup_allow {
        CW_CGROUP_ALLOWED = 1,          /* user space found it matches the filter */
        CW_CGROUP_PENDING = 2,          /* created after start, not classified yet: let events pass */
};

struct cw_cgroup_event {
        struct cw_event_header hdr;     /* of the task that made or removed the directory */
        uint64_t id;                    /* the cgroup's id: its inode in the cgroup2 mount */
        uint32_t level;                 /* depth below the root */
        uint16_t path_len;              /* bytes in path, without the NUL */
        uint16_t pad;
        char path[CW_CGROUP_PATH_MAX];  /* relative to the cgroup2 root, NUL-terminated */
};

_Static_assert(__builtin_offsetof(struct cw_cgroup_event, id) == 56, "cw_cgroup_event layout");
_Static_assert(__builtin_offsetof(struct cw_cgroup_event, path) == 72, "cw_cgroup_event layout");
_Static_assert(sizeof(struct cw_cgroup_event) == 72 + CW_CGROUP_PATH_MAX, "cw_cgroup_event layout");
