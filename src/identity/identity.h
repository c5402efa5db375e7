/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who an event belongs to: container, pod or systemd unit, resolved from its cgroup id.
 *
 * The identity context keeps a map cgroup id -> path, filled by one walk of the cgroup2 mount at
 * start and kept current by the cgroup watcher (BPF on cgroup_mkdir/cgroup_rmdir), and resolves a
 * path to an identity (cgroup-path.c, then the runtimes' files in metadata.c) once per cgroup, on
 * its first lookup. Lookups are one hash probe. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <systemd/sd-event.h>
#include "cgroup-path.h"
#include "metadata.h"

struct identity {
        const char *runtime;            /* "docker", "podman", "containerd", "cri-o", "cri", "nspawn",
                                         * "lxc"; NULL on the host */
        const char *container_id;       /* as the runtime names it (full length); nspawn and LXC,
                                         * which have no ids: the container's name */
        const char *container_name;     /* from the runtime's files, else the first 12 characters
                                         * of the id; nspawn and LXC: the name in the path */
        const char *image;
        const char *pod;
        const char *pod_namespace;
        const char *pod_uid;
        const char *unit;               /* systemd unit (service or scope) */
        const char *slice;
        const char *cgroup_path;        /* relative to the cgroup2 mount, starting with "/" */
};

/* How much of id->container_id to show in a column: the first 12 characters of a runtime's hex id (as
 * docker ps shows it), a name (nspawn, LXC) whole, since a cut name could be another container's. */
static inline size_t identity_container_id_display_len(const struct identity *id)
{
        size_t len = id->container_id ? strlen(id->container_id) : 0;

        return runtime_id_is_name(id->runtime) || len < 12 ? len : 12;
}

#define IDENTITY_DEFAULT_MAX_CGROUPS 65536

struct identity_config {
        struct runtime_roots roots;     /* NULL members: the defaults */
        const char *container_filter;   /* --container NAME|ID: a container name, or 4 or more
                                         * leading characters of its hex id; NULL: none */
        size_t max_cgroups;             /* bound on the map; 0: IDENTITY_DEFAULT_MAX_CGROUPS */
        const char *cgroup_mount;       /* NULL: the cgroup2 mount from /proc/self/mountinfo */
        bool no_walk;                   /* do not walk the mount at start (benchmarks) */
};

struct identity_stats {
        uint64_t cgroups;               /* in the map now */
        uint64_t resolved;              /* identities resolved (once per cgroup) */
        uint64_t misses;                /* lookups of ids not in the map, found by handle */
        uint64_t unknown;               /* lookups of ids that were gone */
        uint64_t evicted;               /* entries dropped because the map was full */
        uint64_t removed;               /* entries dropped on rmdir */
        uint64_t watch_drops;           /* cgroup events lost to a full ring buffer */
};

struct identity_context;

int identity_context_new(struct identity_context **ret, const struct identity_config *config);
struct identity_context *identity_context_free(struct identity_context *c);

/* Starts the cgroup watcher on event. drain(userdata) must drain the events of the tracers: it
 * runs before removed cgroups are dropped, so the last events of a cgroup still find it. */
int identity_context_watch(struct identity_context *c, sd_event *event, int (*drain)(void *userdata),
                           void *userdata);

/* The identity of cgroup id; a host cgroup has only unit, slice and path. NULL when the cgroup is
 * unknown and gone. The pointers stay valid until the next call into the context. */
const struct identity *identity_lookup(struct identity_context *c, uint64_t cgroup_id);

/* Whether events of cgroup id pass the container filter (true without a filter). */
bool identity_wanted(struct identity_context *c, uint64_t cgroup_id);
bool identity_has_filter(const struct identity_context *c);
/* The BPF map of wanted cgroup ids that tracers share (common.bpf.h cgroup_allow), or -1 without a
 * filter. */
int identity_allow_map_fd(const struct identity_context *c);

/* What the walk and the watcher report; exposed for tests and benchmarks. */
int identity_cgroup_added(struct identity_context *c, uint64_t id, const char *path);
void identity_cgroup_removed(struct identity_context *c, uint64_t id);
/* The path the map holds for id, without resolving anything; NULL when it is not in the map. */
const char *identity_cgroup_path(const struct identity_context *c, uint64_t id);
const char *identity_cgroup_mount(const struct identity_context *c);

/* The systemd unit of a container (its name, or 4 or more leading characters of its hex id) or, with
 * container NULL, unit itself, and that unit's cgroup (relative to the mount), from the cgroups known.
 * -ENOENT: none; -ENOTUNIQ: an id prefix of several containers. */
int identity_find_unit(struct identity_context *c, const char *container, const char *unit, char **ret_unit,
                       char **ret_cgroup);

void identity_get_stats(const struct identity_context *c, struct identity_stats *ret);
