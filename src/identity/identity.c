/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "identity.h"
#include "cgroup-path.h"
#include "cgroup-tree.h"
#include "cgroup-watch.h"
#include "cgroup.h"
#include "shared/array.h"
#include "shared/log.h"
#include "shared/u64map.h"

struct identity_entry {
        struct identity identity;       /* pointers into strings (and path) once resolved */
        uint64_t id;
        bool resolved;
        bool wanted;                    /* passes the container filter */
        char *path;
        char *strings;
};

struct identity_context {
        struct runtime_roots roots;
        char *filter;
        char *mount;
        int mount_fd;
        struct u64map entries;
        size_t max_cgroups;
        size_t evict_pos;
        int allow_fd;

        struct cgroup_watch *watch;
        sd_event_source *removal_source;        /* applies removals queued during a lookup */
        int (*drain)(void *userdata);
        void *drain_userdata;
        uint64_t *removed;              /* rmdirs waiting for the tracers' events to be drained */
        size_t n_removed;

        struct identity_stats stats;
};

static struct identity_entry *identity_entry_free(struct identity_entry *e)
{
        if (e) {
                free(e->path);
                free(e->strings);
                free(e);
        }
        return NULL;
}

/* Packs the non-empty strings into one allocation and points the fields at them. */
static int identity_entry_set(struct identity_entry *e, const char *runtime, const char *const strs[8])
{
        const char **fields[8] = {
                &e->identity.container_id, &e->identity.container_name, &e->identity.image,
                &e->identity.pod, &e->identity.pod_namespace, &e->identity.pod_uid,
                &e->identity.unit, &e->identity.slice,
        };
        size_t total = 0;
        char *p;

        for (size_t i = 0; i < 8; i++)
                total += strs[i][0] ? strlen(strs[i]) + 1 : 0;
        p = total ? malloc(total) : NULL;
        if (total && !p)
                return -ENOMEM;
        free(e->strings);
        e->strings = p;
        e->identity = (struct identity) { .runtime = runtime, .cgroup_path = e->path };
        for (size_t i = 0; i < 8; i++) {
                size_t n;

                if (!strs[i][0])
                        continue;
                n = strlen(strs[i]) + 1;
                memcpy(p, strs[i], n);
                *fields[i] = p;
                p += n;
        }
        return 0;
}

static bool identity_matches_filter(const char *filter, const struct identity *id)
{
        size_t n = strlen(filter);

        if (id->container_name && streq(id->container_name, filter))
                return true;
        /* a prefix of a hex id, never of a name: "web" must not select "web2" */
        return n >= 4 && id->container_id && !runtime_id_is_name(id->runtime) &&
               strncmp(id->container_id, filter, n) == 0;
}

static void identity_update_allow_map(struct identity_context *c, struct identity_entry *e)
{
        uint8_t v = CW_CGROUP_ALLOWED;

        if (c->allow_fd < 0)
                return;
        if (e->wanted) {
                if (bpf_map_update_elem(c->allow_fd, &e->id, &v, BPF_ANY) < 0)
                        log_warning_errno(errno, "identity: failed to allow cgroup %s in the kernel filter, "
                                          "ignoring: %m", e->path);
        } else
                (void) bpf_map_delete_elem(c->allow_fd, &e->id);
}

static int identity_resolve(struct identity_context *c, struct identity_entry *e)
{
        struct cgroup_path_identity p;
        char id[CGROUP_NAME_MAX] = "", name[256] = "", image[512] = "", pod[256] = "", ns[256] = "";
        int r = 0;

        cgroup_path_parse(e->path, &p);
        if (p.runtime && streq(p.runtime, RUNTIME_DOCKER))
                r = docker_read_container(c->roots.docker, p.container_id, name, sizeof(name),
                                          image, sizeof(image));
        else if (p.runtime && streq(p.runtime, RUNTIME_PODMAN))
                r = podman_read_container(c->roots.podman, p.container_id, name, sizeof(name),
                                          image, sizeof(image));
        if (r == -EBADMSG)
                log_debug("identity: malformed metadata of %s container %s, using its id",
                          p.runtime, p.container_id);
        if (p.pod_uid[0] && pods_read_pod(c->roots.pods, p.pod_uid, pod, sizeof(pod), ns, sizeof(ns)) < 0)
                pod[0] = ns[0] = 0;
        if (!name[0] && p.container_name[0])
                snprintf(name, sizeof(name), "%s", p.container_name);
        if (!name[0] && p.container_id[0])
                snprintf(name, sizeof(name), "%.12s", p.container_id);
        /* every container has an id, so rules on "container.id" hold for all runtimes */
        snprintf(id, sizeof(id), "%s", runtime_id_is_name(p.runtime) ? p.container_name : p.container_id);

        r = identity_entry_set(e, p.runtime, (const char *const[8]) {
                id, name, image, pod, ns, p.pod_uid, p.unit, p.slice });
        if (r < 0)
                return r;
        e->resolved = true;
        e->wanted = c->filter && identity_matches_filter(c->filter, &e->identity);
        identity_update_allow_map(c, e);
        c->stats.resolved++;
        return 0;
}

static void identity_evict_one(struct identity_context *c)
{
        uint64_t key;

        /* a clock hand over the table: cheap, and a dropped entry is found again by handle */
        if (!u64map_next(&c->entries, &c->evict_pos, &key, NULL)) {
                c->evict_pos = 0;
                if (!u64map_next(&c->entries, &c->evict_pos, &key, NULL))
                        return;
        }
        identity_entry_free(u64map_remove(&c->entries, key));
        c->stats.evicted++;
}

static struct identity_entry *identity_add(struct identity_context *c, uint64_t id, char *path)
{
        struct identity_entry *e;

        e = calloc(1, sizeof(*e));
        if (!e) {
                free(path);
                return NULL;
        }
        e->id = id;
        e->path = path;
        e->identity.cgroup_path = path;
        if (c->entries.n >= c->max_cgroups)
                identity_evict_one(c);
        if (u64map_put(&c->entries, id, e) < 0)
                return identity_entry_free(e);
        return e;
}

int identity_cgroup_added(struct identity_context *c, uint64_t id, const char *path)
{
        struct identity_entry *e = u64map_get(&c->entries, id);
        char *p;

        if (e && streq(e->path, path))
                return 0;
        if (e)
                identity_entry_free(u64map_remove(&c->entries, id));
        p = strdup(path);
        if (!p)
                return -ENOMEM;
        e = identity_add(c, id, p);
        if (!e)
                return -ENOMEM;
        /* with a filter, a new cgroup is classified now: the kernel lets it through until then */
        if (c->filter)
                return identity_resolve(c, e);
        return 0;
}

void identity_cgroup_removed(struct identity_context *c, uint64_t id)
{
        struct identity_entry *e = u64map_remove(&c->entries, id);

        if (c->allow_fd >= 0)
                (void) bpf_map_delete_elem(c->allow_fd, &id);
        if (e)
                c->stats.removed++;
        identity_entry_free(e);
}

/* A lookup missed: the cgroup may be new, its mkdir event still in the watcher's ring buffer. Read it
 * now (removals it holds are only queued: the caller is draining the tracers' events). */
static struct identity_entry *identity_catch_up(struct identity_context *c, uint64_t id)
{
        size_t removed = c->n_removed;

        if (!c->watch || cgroup_watch_consume(c->watch) < 0)
                return NULL;
        if (c->n_removed > removed && c->removal_source)
                (void) sd_event_source_set_enabled(c->removal_source, SD_EVENT_ONESHOT);
        return u64map_get(&c->entries, id);
}

static struct identity_entry *identity_get(struct identity_context *c, uint64_t id)
{
        struct identity_entry *e = u64map_get(&c->entries, id);
        char *path = NULL;

        if (!e && id != 0)
                e = identity_catch_up(c, id);
        if (!e) {
                /* created before its mkdir event was read, or evicted: ask the kernel */
                if (id == 0 || cgroup_path_from_id(c->mount_fd, c->mount, id, &path) < 0) {
                        c->stats.unknown++;
                        return NULL;
                }
                c->stats.misses++;
                e = identity_add(c, id, path);
                if (!e)
                        return NULL;
        }
        if (!e->resolved && identity_resolve(c, e) < 0)
                return NULL;
        return e;
}

const struct identity *identity_lookup(struct identity_context *c, uint64_t cgroup_id)
{
        struct identity_entry *e = identity_get(c, cgroup_id);

        return e ? &e->identity : NULL;
}

bool identity_wanted(struct identity_context *c, uint64_t cgroup_id)
{
        struct identity_entry *e;

        if (!c->filter)
                return true;
        e = identity_get(c, cgroup_id);
        return e && e->wanted;
}

bool identity_has_filter(const struct identity_context *c)
{
        return c->filter != NULL;
}

int identity_allow_map_fd(const struct identity_context *c)
{
        return c->allow_fd;
}

const char *identity_cgroup_path(const struct identity_context *c, uint64_t id)
{
        struct identity_entry *e = u64map_get(&c->entries, id);

        return e ? e->path : NULL;
}

const char *identity_cgroup_mount(const struct identity_context *c)
{
        return c->mount;
}

void identity_get_stats(const struct identity_context *c, struct identity_stats *ret)
{
        *ret = c->stats;
        ret->cgroups = c->entries.n;
        ret->watch_drops = c->watch ? cgroup_watch_drops(c->watch) : 0;
}

static int walk_cb(uint64_t id, const char *path, void *userdata)
{
        return identity_cgroup_added(userdata, id, path);
}

static int strdup_or(char **dst, const char *s, const char *def)
{
        *dst = strdup(s ?: def);
        return *dst ? 0 : -ENOMEM;
}

int identity_context_new(struct identity_context **ret, const struct identity_config *config)
{
        struct identity_context *c;
        int r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->mount_fd = -1;
        c->allow_fd = -1;
        c->max_cgroups = config->max_cgroups ?: IDENTITY_DEFAULT_MAX_CGROUPS;
        if (strdup_or((char **) &c->roots.docker, config->roots.docker, DEFAULT_DOCKER_ROOT) < 0 ||
            strdup_or((char **) &c->roots.podman, config->roots.podman, DEFAULT_PODMAN_ROOT) < 0 ||
            strdup_or((char **) &c->roots.pods, config->roots.pods, DEFAULT_PODS_ROOT) < 0 ||
            (config->container_filter && !(c->filter = strdup(config->container_filter)))) {
                r = -ENOMEM;
                goto fail;
        }

        if (config->cgroup_mount) {
                c->mount = strdup(config->cgroup_mount);
                r = c->mount ? 0 : -ENOMEM;
        } else {
                _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");

                r = f ? cgroup2_find_mount(f, &c->mount) : -errno;
                if (r == -ENOENT)
                        log_error("identity: no cgroup2 hierarchy is mounted");
                else if (r < 0)
                        log_error_errno(r, "identity: failed to read /proc/self/mountinfo: %m");
        }
        if (r < 0)
                goto fail;
        c->mount_fd = open(c->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (c->mount_fd < 0) {
                r = log_error_errno(errno, "identity: failed to open %s: %m", c->mount);
                goto fail;
        }
        if (c->filter) {
                c->allow_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "cw_cgroup_allow", sizeof(uint64_t),
                                             sizeof(uint8_t), 16384,
                                             &(struct bpf_map_create_opts) {
                                                     .sz = sizeof(struct bpf_map_create_opts),
                                                     .map_flags = BPF_F_NO_PREALLOC });
                if (c->allow_fd < 0) {
                        r = log_error_errno(errno, "identity: failed to create the container filter map: %m");
                        goto fail;
                }
        }
        if (!config->no_walk) {
                r = cgroup_tree_walk(c->mount, walk_cb, c);
                if (r < 0) {
                        log_error_errno(r, "identity: failed to walk %s: %m", c->mount);
                        goto fail;
                }
        }
        log_debug("identity: %zu cgroups under %s", c->entries.n, c->mount);
        *ret = c;
        return 0;
fail:
        identity_context_free(c);
        return r;
}

struct identity_context *identity_context_free(struct identity_context *c)
{
        size_t pos = 0;
        void *v;

        if (!c)
                return NULL;
        c->watch = cgroup_watch_free(c->watch);
        c->removal_source = sd_event_source_disable_unref(c->removal_source);
        while (u64map_next(&c->entries, &pos, NULL, &v))
                identity_entry_free(v);
        u64map_clear(&c->entries);
        free((char *) c->roots.docker);
        free((char *) c->roots.podman);
        free((char *) c->roots.pods);
        free(c->filter);
        free(c->mount);
        free(c->removed);
        if (c->mount_fd >= 0)
                close(c->mount_fd);
        if (c->allow_fd >= 0)
                close(c->allow_fd);
        free(c);
        return NULL;
}

static void identity_on_cgroup(void *userdata, uint16_t type, uint64_t id, const char *path)
{
        struct identity_context *c = userdata;

        if (type == CW_EV_CGROUP_MKDIR) {
                if (path && identity_cgroup_added(c, id, path) < 0)
                        log_warning("identity: failed to add cgroup %s, ignoring", path);
                return;
        }
        if (ARRAY_APPEND(c->removed, c->n_removed, id) < 0)
                identity_cgroup_removed(c, id);
}

static void identity_on_readable(void *userdata)
{
        struct identity_context *c = userdata;
        int r;

        r = cgroup_watch_consume(c->watch);
        if (r < 0)
                log_warning_errno(r, "identity: failed to read cgroup events, ignoring: %m");
        /* events of a removed cgroup were written before its rmdir: let them find it first */
        if (c->n_removed > 0 && c->drain)
                (void) c->drain(c->drain_userdata);
        for (size_t i = 0; i < c->n_removed; i++)
                identity_cgroup_removed(c, c->removed[i]);
        c->n_removed = 0;
}

static int identity_on_removals(sd_event_source *s, void *userdata)
{
        identity_on_readable(userdata);
        return 0;
}

static const struct cgroup_watch_ops identity_watch_ops = {
        .on_cgroup = identity_on_cgroup,
        .on_readable = identity_on_readable,
};

int identity_context_watch(struct identity_context *c, sd_event *event, int (*drain)(void *userdata),
                           void *userdata)
{
        int r;

        if (c->watch)
                return -EALREADY;
        c->drain = drain;
        c->drain_userdata = userdata;
        r = sd_event_add_defer(event, &c->removal_source, identity_on_removals, c);
        if (r < 0)
                return log_error_errno(r, "identity: failed to add the removal source: %m");
        (void) sd_event_source_set_enabled(c->removal_source, SD_EVENT_OFF);
        r = cgroup_watch_new(&c->watch, event, c->allow_fd, &identity_watch_ops, c);
        if (r < 0)
                c->removal_source = sd_event_source_disable_unref(c->removal_source);
        return r;
}

int identity_find_unit(struct identity_context *c, const char *container, const char *unit, char **ret_unit,
                       char **ret_cgroup)
{
        const char *best = NULL, *best_unit = NULL;
        size_t pos = 0, best_len = SIZE_MAX;
        void *v;

        while (u64map_next(&c->entries, &pos, NULL, &v)) {
                struct identity_entry *e = v;
                const char *u;
                size_t len;

                if (container) {
                        if ((!e->resolved && identity_resolve(c, e) < 0) || !e->identity.unit ||
                            !identity_matches_filter(container, &e->identity))
                                continue;
                        /* another container whose id has the same prefix */
                        if (best && !streq(e->identity.unit, best_unit))
                                return -ENOTUNIQ;
                        u = e->identity.unit;
                } else {
                        const char *last = strrchr(e->path, '/');

                        if (!last || !streq(last + 1, unit))
                                continue;
                        u = unit;
                }
                len = strlen(e->path);
                if (len < best_len) {
                        best = e->path;
                        best_unit = u;
                        best_len = len;
                }
        }
        if (!best)
                return -ENOENT;
        *ret_cgroup = cgroup_path_unit_dir(best, best_unit);
        *ret_unit = strdup(best_unit);
        if (!*ret_cgroup || !*ret_unit) {
                free(*ret_cgroup);
                free(*ret_unit);
                *ret_cgroup = *ret_unit = NULL;
                return -ENOMEM;
        }
        return 0;
}
