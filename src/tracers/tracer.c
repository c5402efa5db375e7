/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What all tracers share: the ring buffer hand-over and drop accounting. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "tracer.h"
#include "shared/log.h"
#include "shared/pidns.h"

/* Pids as cwatchd's pid namespace sees them (common.bpf.h cw_current_pids()): in the initial
 * namespace nothing is set and the kernel's pids are reported as they are. */
static int tracer_set_pidns(struct tracer *t, struct bpf_object *obj)
{
        struct pidns ns;
        int r;

        r = pidns_of("/proc/self", &ns);
        if (r < 0)
                return log_warning_errno(r, "%s: failed to find cwatchd's pid namespace, "
                                         "reporting the host's pids: %m", t->ops->info->name), 0;
        if (pidns_is_initial(&ns))
                return 0;
        r = bpf_object_set_rodata(obj, "cw_pidns_dev", &ns.dev, sizeof(ns.dev));
        if (r >= 0)
                r = bpf_object_set_rodata(obj, "cw_pidns_ino", &ns.ino, sizeof(ns.ino));
        if (r < 0 && r != -ENOENT)
                return log_debug_errno(r, "%s: failed to set the pid namespace: %m", t->ops->info->name);
        return 0;
}

static int tracer_prepare_object(struct tracer *t, struct bpf_object *obj)
{
        struct bpf_map *map = bpf_object__find_map_by_name(obj, "events");
        uint8_t index = t->index | (t->env->generation ? TRACER_ID_GENERATION : 0);
        uint64_t wakeup;
        int r;

        /* every event names its tracer: the registry index */
        r = bpf_object_set_rodata(obj, "cw_tracer_id", &index, sizeof(index));
        if (r < 0)
                return log_debug_errno(r, "%s: failed to set the tracer id: %m", t->ops->info->name);
        if (!map)
                return log_debug_errno(ENOENT, "%s: BPF object has no events map", t->ops->info->name);
        r = bpf_map__reuse_fd(map, t->env->ringbuf_fd);
        if (r < 0)
                return log_debug_errno(r, "%s: failed to share the ring buffer: %m", t->ops->info->name);
        wakeup = t->env->wakeup_bytes;
        r = bpf_object_set_rodata(obj, "cw_wakeup_bytes", &wakeup, sizeof(wakeup));
        if (r < 0 && r != -ENOENT)
                return log_debug_errno(r, "%s: failed to set the wake-up threshold: %m", t->ops->info->name);
        /* --pid: in the kernel where the tracer can (the others' records are filtered by the
         * manager) */
        r = bpf_object_set_rodata(obj, "cw_target_tgid", &t->env->target_tgid, sizeof(t->env->target_tgid));
        if (r < 0 && r != -ENOENT)
                return log_debug_errno(r, "%s: failed to set the process filter: %m", t->ops->info->name);
        r = tracer_set_pidns(t, obj);
        if (r < 0)
                return r;

        /* --container: share the identity's map of wanted cgroups and switch the check on */
        map = bpf_object__find_map_by_name(obj, "cgroup_allow");
        if (map && t->env->cgroup_allow_fd >= 0) {
                uint8_t on = 1;

                r = bpf_map__reuse_fd(map, t->env->cgroup_allow_fd);
                if (r < 0)
                        return log_debug_errno(r, "%s: failed to share the container filter: %m", t->ops->info->name);
                r = bpf_object_set_rodata(obj, "cw_cgroup_filter", &on, sizeof(on));
                if (r < 0)
                        return log_debug_errno(r, "%s: failed to switch the container filter on: %m",
                                               t->ops->info->name);
        }
        return 0;
}

static int tracer_loaded_object(struct tracer *t, struct bpf_object *obj)
{
        struct bpf_map *map = bpf_object__find_map_by_name(obj, "drops");

        if (!map)
                return log_debug_errno(ENOENT, "%s: BPF object has no drops map", t->ops->info->name);
        t->drops_fd = bpf_map__fd(map);
        return 0;
}

int tracer_load_skeleton(struct tracer *t, struct bpf_object_skeleton *s)
{
        int r;

        r = tracer_prepare_object(t, *s->obj);
        if (r < 0)
                return r;
        r = bpf_object__load_skeleton(s);
        if (r < 0)
                return log_debug_errno(r, "%s: failed to load the BPF programs: %m", t->ops->info->name);
        return tracer_loaded_object(t, *s->obj);
}

int tracer_attach_skeleton(struct tracer *t, struct bpf_object_skeleton *s, const char *hooks)
{
        int r = bpf_object__attach_skeleton(s);

        if (r < 0)
                return log_debug_errno(r, "%s: failed to attach to %s: %m", t->ops->info->name, hooks);
        return 0;
}

struct link_span {
        struct bpf_link **links;
        size_t n;
};

static void *destroy_link_span(void *p)
{
        struct link_span *s = p;

        for (size_t i = 0; i < s->n; i++) {
                bpf_link__destroy(s->links[i]);
                s->links[i] = NULL;
        }
        return NULL;
}

void tracer_destroy_links(struct bpf_link **links, size_t n)
{
        struct link_span spans[TRACER_DETACH_THREADS];
        pthread_t threads[TRACER_DETACH_THREADS];
        bool started[TRACER_DETACH_THREADS] = {};
        size_t per = (n + TRACER_DETACH_THREADS - 1) / TRACER_DETACH_THREADS, k = 0;

        if (n <= 2) {
                destroy_link_span(&(struct link_span) { links, n });
                return;
        }
        for (size_t i = 0; i < n; i += per, k++) {
                spans[k] = (struct link_span) { links + i, MIN(per, n - i) };
                started[k] = pthread_create(&threads[k], NULL, destroy_link_span, &spans[k]) == 0;
                if (!started[k])
                        destroy_link_span(&spans[k]);
        }
        for (size_t i = 0; i < k; i++)
                if (started[i])
                        (void) pthread_join(threads[i], NULL);
}

void tracer_detach_skeleton(struct bpf_object_skeleton *s)
{
        struct bpf_link *links[64];
        size_t n = 0;

        if (!s)
                return;
        for (int i = 0; i < s->prog_cnt && n < ELEMENTSOF(links); i++)
                if (s->progs[i].link && *s->progs[i].link) {
                        links[n++] = *s->progs[i].link;
                        *s->progs[i].link = NULL;
                }
        tracer_destroy_links(links, n);
}

uint64_t tracer_drops(const struct tracer *t)
{
        uint64_t n = 0;

        if (t->drops_fd >= 0 && bpf_percpu_sum(t->drops_fd, 0, &n) < 0)
                n = 0;
        return t->drops_before + n;
}
