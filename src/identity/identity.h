/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who an event belongs to: container, pod or systemd unit, resolved from its cgroup id. */
#pragma once

#include <stdint.h>

struct identity {
        const char *runtime;            /* "docker", "podman", "containerd", "cri-o", "nspawn",
                                         * "lxc"; NULL on the host */
        const char *container_id;       /* as the runtime names it (full length) */
        const char *container_name;
        const char *image;
        const char *pod;
        const char *pod_namespace;
        const char *pod_uid;
        const char *unit;               /* systemd unit (service or scope) */
        const char *slice;
        const char *cgroup_path;        /* relative to the cgroup2 mount, starting with "/" */
};
