/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What all tracers share: the ring buffer hand-over and drop accounting. */
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "tracer.h"
#include "daemon/manager.h"
#include "identity/identity.h"
#include "shared/log.h"

int bpf_object_set_rodata(struct bpf_object *obj, const char *name, const void *value, size_t size)
{
        struct btf *btf = bpf_object__btf(obj);
        struct bpf_map *map = bpf_object__find_map_by_name(obj, ".rodata");
        const struct btf_var_secinfo *vs;
        const struct btf_type *sec;
        size_t map_size;
        char *data;
        int id;

        if (!btf || !map)
                return -ENOENT;
        id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
        if (id < 0)
                return -ENOENT;
        sec = btf__type_by_id(btf, id);
        vs = btf_var_secinfos(sec);
        for (unsigned i = 0; i < btf_vlen(sec); i++, vs++) {
                const struct btf_type *var = btf__type_by_id(btf, vs->type);

                if (!streq(btf__name_by_offset(btf, var->name_off), name))
                        continue;
                data = (char *) bpf_map__initial_value(map, &map_size);
                if (!data || vs->size != size || vs->offset + size > map_size)
                        return -EINVAL;
                memcpy(data + vs->offset, value, size);
                return 0;
        }
        return -ENOENT;
}

static int tracer_prepare_object(struct tracer *t, struct bpf_object *obj)
{
        struct bpf_map *map = bpf_object__find_map_by_name(obj, "events");
        uint8_t index = t->index;
        uint64_t wakeup;
        int r;

        /* every event names its tracer: the registry index */
        r = bpf_object_set_rodata(obj, "cw_tracer_id", &index, sizeof(index));
        if (r < 0)
                return log_error_errno(r, "%s: failed to set the tracer id: %m", t->ops->info->name);
        if (!map)
                return log_error_errno(ENOENT, "%s: BPF object has no events map", t->ops->info->name);
        r = bpf_map__reuse_fd(map, t->manager->ringbuf_fd);
        if (r < 0)
                return log_error_errno(r, "%s: failed to share the ring buffer: %m", t->ops->info->name);
        wakeup = manager_wakeup_bytes(t->manager);
        r = bpf_object_set_rodata(obj, "cw_wakeup_bytes", &wakeup, sizeof(wakeup));
        if (r < 0 && r != -ENOENT)
                return log_error_errno(r, "%s: failed to set the wake-up threshold: %m", t->ops->info->name);

        /* --container: share the identity's map of wanted cgroups and switch the check on */
        map = bpf_object__find_map_by_name(obj, "cgroup_allow");
        if (map && t->manager->identity && identity_allow_map_fd(t->manager->identity) >= 0) {
                uint8_t on = 1;

                r = bpf_map__reuse_fd(map, identity_allow_map_fd(t->manager->identity));
                if (r < 0)
                        return log_error_errno(r, "%s: failed to share the container filter: %m",
                                               t->ops->info->name);
                r = bpf_object_set_rodata(obj, "cw_cgroup_filter", &on, sizeof(on));
                if (r < 0)
                        return log_error_errno(r, "%s: failed to switch the container filter on: %m",
                                               t->ops->info->name);
        }
        return 0;
}

static int tracer_loaded_object(struct tracer *t, struct bpf_object *obj)
{
        struct bpf_map *map = bpf_object__find_map_by_name(obj, "drops");

        if (!map)
                return log_error_errno(ENOENT, "%s: BPF object has no drops map", t->ops->info->name);
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
                return log_error_errno(r, "%s: failed to load the BPF programs: %m", t->ops->info->name);
        return tracer_loaded_object(t, *s->obj);
}

int tracer_attach_skeleton(struct tracer *t, struct bpf_object_skeleton *s, const char *hooks)
{
        int r = bpf_object__attach_skeleton(s);

        if (r < 0)
                return log_error_errno(r, "%s: failed to attach to %s: %m", t->ops->info->name, hooks);
        return 0;
}

int bpf_percpu_sum(int map_fd, uint32_t key, uint64_t *ret)
{
        int n = libbpf_num_possible_cpus();
        uint64_t *values, sum = 0;

        if (n <= 0)
                return n < 0 ? n : -EINVAL;
        values = calloc(n, sizeof(*values));
        if (!values)
                return -ENOMEM;
        if (bpf_map_lookup_elem(map_fd, &key, values) < 0) {
                free(values);
                return -errno;
        }
        for (int i = 0; i < n; i++)
                sum += values[i];
        free(values);
        *ret = sum;
        return 0;
}

uint64_t tracer_drops(const struct tracer *t)
{
        uint64_t n = 0;

        if (t->drops_fd >= 0 && bpf_percpu_sum(t->drops_fd, 0, &n) < 0)
                n = 0;
        return t->drops_before + n;
}
