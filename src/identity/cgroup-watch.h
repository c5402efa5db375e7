/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup watcher: BPF on tp_btf/cgroup_mkdir and cgroup_rmdir (cgroup2 only) writing to a
 * ring buffer of its own, watched by the sd-event loop. */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

struct cgroup_watch;

struct cgroup_watch_ops {
        /* one created (CW_EV_CGROUP_MKDIR) or removed (CW_EV_CGROUP_RMDIR) cgroup */
        void (*on_cgroup)(void *userdata, uint16_t type, uint64_t id, const char *path);
        /* the ring buffer is readable: call cgroup_watch_consume() (and whatever must go around it) */
        void (*on_readable)(void *userdata);
};

/* allow_fd >= 0: the --container filter's map, where new cgroups are added as pending. */
int cgroup_watch_new(struct cgroup_watch **ret, sd_event *event, int allow_fd,
                     const struct cgroup_watch_ops *ops, void *userdata);
struct cgroup_watch *cgroup_watch_free(struct cgroup_watch *w);
/* Hands every event in the ring buffer to on_cgroup. */
int cgroup_watch_consume(struct cgroup_watch *w);
uint64_t cgroup_watch_drops(const struct cgroup_watch *w);
