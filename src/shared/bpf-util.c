/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpf-util.h"
#include "macro.h"

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
