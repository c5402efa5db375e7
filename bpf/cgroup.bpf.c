// SPDX-License-Identifier: GPL-2.0-or-later
/* The cgroup watcher of the identity module: reports cgroup2 directories as they are created and
 * removed, so user space keeps its cgroup id -> path map current without rescanning. Its events
 * go to the identity module's own small ring buffer (user space points "events" at it). */
#include "common.bpf.h"
#include "cgroup.h"

/* The cgroup2 (default) hierarchy is the one with hierarchy id 0; v1 hierarchies count from 1. */
static __always_inline bool on_cgroup2(struct cgroup *cgrp)
{
        return BPF_CORE_READ(cgrp, root, hierarchy_id) == 0;
}

static __always_inline int report(struct cgroup *cgrp, const char *path, uint16_t type)
{
        struct cw_cgroup_event *e;
        long n;

        e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
        if (!e) {
                cw_count_drop();
                return 0;
        }
        cw_fill_header(&e->hdr, type, sizeof(*e));
        e->id = BPF_CORE_READ(cgrp, kn, id);
        e->level = BPF_CORE_READ(cgrp, level);
        e->pad = 0;
        n = bpf_probe_read_kernel_str(e->path, sizeof(e->path), path);
        e->path_len = n > 0 ? n - 1 : 0;
        if (n <= 0)
                e->path[0] = 0;
        bpf_ringbuf_submit(e, 0);
        return 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(handle_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
        uint64_t id;
        uint8_t pending = CW_CGROUP_PENDING;

        if (!on_cgroup2(cgrp))
                return 0;
        /* with --container, let events of new cgroups through until user space has classified them */
        if (cw_cgroup_filter) {
                id = BPF_CORE_READ(cgrp, kn, id);
                bpf_map_update_elem(&cgroup_allow, &id, &pending, BPF_NOEXIST);
        }
        return report(cgrp, path, CW_EV_CGROUP_MKDIR);
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(handle_cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
        if (!on_cgroup2(cgrp))
                return 0;
        return report(cgrp, path, CW_EV_CGROUP_RMDIR);
}
