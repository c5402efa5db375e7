/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small libbpf helpers shared by the tracers and the identity module's cgroup watcher. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct bpf_object;

/* Sets the const volatile global name of obj before load, found through the object's BTF;
 * -ENOENT when obj has no such variable. */
int bpf_object_set_rodata(struct bpf_object *obj, const char *name, const void *value, size_t size);
/* Sums a per-CPU u64 array entry. */
int bpf_percpu_sum(int map_fd, uint32_t key, uint64_t *ret);
