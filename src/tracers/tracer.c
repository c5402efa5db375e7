/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What all tracers share: the ring buffer hand-over and drop accounting. */
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "tracer.h"
#include "daemon/manager.h"
#include "shared/log.h"

int tracer_prepare_object(struct tracer *t, struct bpf_object *obj)
{
        struct bpf_map *map = bpf_object__find_map_by_name(obj, "events");
        int r;

        if (!map)
                return log_error_errno(ENOENT, "%s: BPF object has no events map", t->ops->name);
        r = bpf_map__reuse_fd(map, t->manager->ringbuf_fd);
        if (r < 0)
                return log_error_errno(r, "%s: failed to share the ring buffer: %m", t->ops->name);
        return 0;
}

int tracer_loaded_object(struct tracer *t, struct bpf_object *obj)
{
        struct bpf_map *map = bpf_object__find_map_by_name(obj, "drops");

        if (!map)
                return log_error_errno(ENOENT, "%s: BPF object has no drops map", t->ops->name);
        t->drops_fd = bpf_map__fd(map);
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
