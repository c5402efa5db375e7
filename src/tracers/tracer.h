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
#include "shared/bpf-util.h"
#include "shared/strbuf.h"
#include "shared/strv.h"
#include "sink/record.h"

struct tracer;
struct bpf_object;
struct record;

/* The path patterns the rules (and the operator) need the tracers to filter on in the kernel, a
 * list per kind of call; each tracer takes its own (detect_engine_watched_paths()). "/" in a list
 * wants every path. */
struct tracer_watched_paths {
        struct strv open;               /* opened files: the files tracer (files-watch.h) */
        struct strv unix_connect;       /* Unix-socket addresses connected to: the sockets tracer */
};

static inline void tracer_watched_paths_done(struct tracer_watched_paths *p)
{
        strv_done(&p->open);
        strv_done(&p->unix_connect);
}

struct tracer_ops {
        const struct tracer_info *info; /* name, description, schema, events: no BPF needed */
        bool needs_tracefs;     /* attaches tp/ programs, which need tracefs mounted */
        bool has_interval;      /* on_interval runs every interval (aggregating tracers) */
        bool external;          /* an external tracer (ext-tracer.c): its own ring buffer, not in the registry */

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
        /* Calls checked in the kernel and left out because no pattern wants them (the summary
         * at exit), or NULL. */
        uint64_t (*filtered)(struct tracer *t);
        /* Aggregating tracers: what their intervals read from the kernel maps since start, for the
         * summary at exit ("12 intervals, 345 (process, file) aggregates read from the kernel map"),
         * appended to out; their evictions are lost(). Or NULL. */
        void (*interval_summary)(struct tracer *t, struct strbuf *out);
        /* Tracers that filter calls in the kernel by path patterns (files: opens; sockets: Unix
         * connects): replaces the patterns of the running tracer with its own list of paths
         * (the ones it starts with are in tracer_env). NULL: none. */
        int (*set_watched_paths)(struct tracer *t, const struct tracer_watched_paths *paths);
};

/* What a tracer gets from its owner, pushed down to it: where its events go, and the settings
 * that are compiled into its BPF programs at load. The owner keeps it current. */
struct tracer_env {
        int ringbuf_fd;                 /* the shared ring buffer ("events" map) */
        uint64_t wakeup_bytes;          /* cw_wakeup_bytes: see manager_wakeup_bytes() */
        int cgroup_allow_fd;            /* --container: the map of wanted cgroups; -1: no filter */
        uint32_t target_tgid;           /* --pid: cw_target_tgid where a tracer has it; 0: all */
        uint64_t boot_to_realtime;      /* added to BPF boottime stamps */
        /* 0 or 1, stamped with the index (TRACER_ID_GENERATION): which instance of cwatchd loaded
         * the programs, when one takes over another's ring buffer (daemon/manager-handover.c) */
        uint8_t generation;
        /* for set_watched_paths tracers; NULL: their defaults */
        const struct tracer_watched_paths *watched_paths;
        /* a decoded record, and the bounds of an aggregating tracer's interval rows */
        int (*emit)(void *owner, struct record *r);
        void (*interval)(void *owner, const struct schema *s, bool begin);
        void *owner;
        /* external tracers: the loop that drains their own ring buffers, and the cgroup id of a pid
         * for records that carry no cgroup id (0: unknown) */
        sd_event *event;
        uint64_t (*cgroup_of_pid)(void *owner, uint32_t pid);
};

/* cw_tracer_id: the registry index, and this bit for the generation of tracer_env */
#define TRACER_ID_GENERATION 0x80

struct tracer {
        const struct tracer_ops *ops;
        const struct tracer_env *env;
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

static inline int tracer_emit(struct tracer *t, struct record *r)
{
        return t->env->emit(t->env->owner, r);
}

static inline uint64_t tracer_realtime(const struct tracer *t, uint64_t boot_ns)
{
        return boot_ns + t->env->boot_to_realtime;
}

/* An aggregating tracer's rows of one interval go between these. */
static inline void tracer_begin_interval(struct tracer *t)
{
        t->env->interval(t->env->owner, t->ops->info->schema, true);
}

static inline void tracer_end_interval(struct tracer *t)
{
        t->env->interval(t->env->owner, t->ops->info->schema, false);
}

/* Loads a tracer's opened skeleton: makes it use the shared ring buffer (and, with a --container
 * filter, the shared map of wanted cgroups: common.bpf.h cw_cgroup_allowed(); with --pid,
 * cw_target_tgid where the object has it), loads it with cw_tracer_id set to the tracer's index
 * and remembers its drop counter for tracer_drops(). Logs what failed. */
struct bpf_object_skeleton;
int tracer_load_skeleton(struct tracer *t, struct bpf_object_skeleton *s);
/* Attaches every program of a loaded skeleton; hooks names them for the error message. */
int tracer_attach_skeleton(struct tracer *t, struct bpf_object_skeleton *s, const char *hooks);

/* Destroys links (NULLs allowed) in up to TRACER_DETACH_THREADS threads: closing a tracepoint's
 * link waits for an RCU grace period (~30 ms here), and one at a time the syscalls tracer's 51
 * took 1.6 s; side by side the waits overlap (0.2-0.3 s). Sets each to NULL. */
#define TRACER_DETACH_THREADS 8
struct bpf_link;
void tracer_destroy_links(struct bpf_link **links, size_t n);
/* The same for the links of a skeleton's programs, before its __destroy(). */
void tracer_detach_skeleton(struct bpf_object_skeleton *s);

/* Ring-buffer reserve failures of this tracer, over all its runs. */
uint64_t tracer_drops(const struct tracer *t);
