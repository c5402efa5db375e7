/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tracer interface. A tracer is bpf/NAME.bpf.c + src/tracers/NAME.c (load, attach, decode:
 * NAME_tracer_ops) + src/tracers/NAME-schema.c (its NAME_tracer_info: schema and events, no BPF,
 * so cwatchctl and the configuration know it) and one line TRACER(NAME) in registry.def; the
 * build, the default [Tracers] Enable= and the integration tests follow from that line. Optional:
 * bpf/NAME.h for the structs shared with the BPF side, NAME-schema.h for the decoder's column
 * indices, tests/integration/test-NAME.c. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>
#include "tracer-info.h"

struct manager;
struct tracer;
struct bpf_object;

struct tracer_ops {
        const struct tracer_info *info; /* name, description, schema, events: no BPF needed */
        bool needs_tracefs;     /* attaches tp/ programs, which need tracefs mounted */
        bool has_interval;      /* on_interval runs every interval (aggregating tracers) */

        /* Load and attach, with tracer_load_skeleton() and tracer_attach_skeleton(). Stores its
         * state in t->data. */
        int (*start)(struct tracer *t);
        /* Detach and free everything start made; t->data is NULL afterwards. */
        void (*stop)(struct tracer *t);
        /* One event from the ring buffer, header already validated (size >= header, type
         * belongs to a running tracer). */
        int (*on_event)(struct tracer *t, const void *data, size_t size);
        /* Every interval, for aggregating tracers: read, report and clear the kernel maps. */
        int (*on_interval)(struct tracer *t);
        /* Extra kernel-side losses besides ring-buffer drops (e.g. LRU evictions), or NULL. */
        uint64_t (*lost)(struct tracer *t);
};

struct tracer {
        const struct tracer_ops *ops;
        struct manager *manager;
        unsigned index;         /* in the registry; stamped on every event by the BPF side */
        void *data;             /* the tracer's own state while running */
        bool running;
        uint64_t events;        /* events received since the daemon started */
        uint64_t drops_before;  /* drops counted by earlier runs of this tracer */
        int drops_fd;           /* per-CPU drop counter of the loaded object, or -1 */
        uint32_t max_entries;   /* aggregating tracers: entries of the kernel map; 0: default; set before start */
        sd_event_source *interval_source;
};

extern const struct tracer_ops *const tracer_registry[];
extern const size_t tracer_registry_size;

/* Index of the tracer called name in the registry, or -ENOENT. */
int tracer_registry_find(const char *name);

/* Loads a tracer's opened skeleton: makes it use the manager's shared ring buffer (and, with a
 * --container filter, the shared map of wanted cgroups: common.bpf.h cw_cgroup_allowed()), loads
 * it with cw_tracer_id set to the tracer's index and remembers its drop counter for
 * tracer_drops(). Logs what failed. */
struct bpf_object_skeleton;
int tracer_load_skeleton(struct tracer *t, struct bpf_object_skeleton *s);
/* Attaches every program of a loaded skeleton; hooks names them for the error message. */
int tracer_attach_skeleton(struct tracer *t, struct bpf_object_skeleton *s, const char *hooks);

/* Ring-buffer reserve failures of this tracer, over all its runs. */
uint64_t tracer_drops(const struct tracer *t);
/* Sets the const volatile global name of obj before load, found through the object's BTF;
 * -ENOENT when obj has no such variable. */
int bpf_object_set_rodata(struct bpf_object *obj, const char *name, const void *value, size_t size);
/* Sums a per-CPU u64 array entry. */
int bpf_percpu_sum(int map_fd, uint32_t key, uint64_t *ret);
