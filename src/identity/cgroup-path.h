/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a cgroup path alone says about who runs in it: the container runtime and id (or name),
 * the Kubernetes pod uid, the systemd unit and slice. No file is read. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define CGROUP_ID_MAX 128
#define CGROUP_NAME_MAX 256

struct cgroup_path_identity {
        const char *runtime;                    /* static string, NULL: no container */
        char container_id[CGROUP_ID_MAX];       /* docker, podman, CRI: the hex id */
        char container_name[CGROUP_NAME_MAX];   /* nspawn, LXC: the name in the path, unescaped */
        char pod_uid[CGROUP_ID_MAX];            /* with "-", as Kubernetes writes it */
        char unit[CGROUP_NAME_MAX];             /* innermost systemd unit, as systemd names it */
        char slice[CGROUP_NAME_MAX];            /* innermost slice */
};

/* Runtime names, as they appear in records. */
#define RUNTIME_DOCKER "docker"
#define RUNTIME_PODMAN "podman"
#define RUNTIME_CONTAINERD "containerd"
#define RUNTIME_CRIO "cri-o"
#define RUNTIME_CRI "cri"               /* a Kubernetes container under the cgroupfs driver */
#define RUNTIME_NSPAWN "nspawn"
#define RUNTIME_LXC "lxc"

/* Whether runtime has no container ids of its own (nspawn/machined, LXC): its containers are known by
 * their name, unique on the host while they run, and that name is their container id too. */
static inline bool runtime_id_is_name(const char *runtime)
{
        return runtime && (strcmp(runtime, RUNTIME_NSPAWN) == 0 || strcmp(runtime, RUNTIME_LXC) == 0);
}

/* Parses path (relative to the cgroup2 mount, "/..."); the innermost container wins, so a
 * process in a nested cgroup below a container (nspawn's "payload") belongs to it. Never fails:
 * a path that says nothing gives an empty result. */
void cgroup_path_parse(const char *path, struct cgroup_path_identity *ret);

/* Decodes systemd's unit-name escapes (\x2d is "-") from s (len bytes) into out (size bytes). */
void unit_name_unescape(const char *s, size_t len, char *out, size_t size);

/* The cgroup of unit itself in path (a process's cgroup, which may lie below it, as nspawn's "payload"
 * does): path up to and including the component named unit. NULL with errno ENOENT when path has no
 * such component, or ENOMEM. */
char *cgroup_path_unit_dir(const char *path, const char *unit);
