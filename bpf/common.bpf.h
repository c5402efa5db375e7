/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the BPF programs: the shared ring buffer, drop counting, the event header,
 * path resolution. */
#pragma once

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "event.h"

/* Makes a pointer read with a probe readable with plain loads (inlined by the verifier). */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

char LICENSE[] SEC("license") = "GPL";

/* Set by user space before load. */
const volatile uint8_t cw_tracer_id = 0;

/* One ring buffer for all tracers: user space creates it and every skeleton reuses its fd. */
struct {
        __uint(type, BPF_MAP_TYPE_RINGBUF);
        __uint(max_entries, 1 << 22);
} events SEC(".maps");

/* Reserve/output failures, per CPU; user space sums them. */
struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, uint32_t);
        __type(value, uint64_t);
} drops SEC(".maps");

static __always_inline void cw_count_drop(void)
{
        uint32_t zero = 0;
        uint64_t *n = bpf_map_lookup_elem(&drops, &zero);

        if (n)
                *n += 1;
}

/* The --container filter. cw_cgroup_filter is set through rodata before load (tracer.c does it for
 * every tracer), so without a filter the check below is removed by the verifier and costs nothing.
 * With one, cgroup_allow holds the cgroup ids whose events are wanted; user space (identity) fills
 * it, and the cgroup watcher adds new cgroups as pending until user space has classified them. */
const volatile uint8_t cw_cgroup_filter = 0;

struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, 16384);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, uint64_t);
        __type(value, uint8_t);
} cgroup_allow SEC(".maps");

/* Whether events of the current task are wanted. Tracers call it first thing in each program,
 * before any other work:  if (!cw_cgroup_allowed()) return 0;
 * It costs one hash lookup only while a --container filter is active. */
static __always_inline bool cw_cgroup_allowed(void)
{
        uint64_t id;

        if (!cw_cgroup_filter)
                return true;
        id = bpf_get_current_cgroup_id();
        return bpf_map_lookup_elem(&cgroup_allow, &id) != NULL;
}

static __always_inline void cw_fill_header(struct cw_event_header *h, uint16_t type, uint32_t size)
{
        uint64_t id = bpf_get_current_pid_tgid();
        uint64_t ugid = bpf_get_current_uid_gid();

        h->type = type;
        h->version = CW_EVENT_VERSION;
        h->tracer = cw_tracer_id;
        h->size = size;
        h->time_ns = bpf_ktime_get_boot_ns();
        h->cgroup_id = bpf_get_current_cgroup_id();
        h->pid = id >> 32;
        h->tid = (uint32_t) id;
        h->uid = (uint32_t) ugid;
        h->gid = ugid >> 32;
        bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/* Batched wake-ups, set by user space before load: 0 wakes the consumer for every event (the
 * kernel's default). Otherwise events are written without a wake-up, except the one that makes
 * the unconsumed data cross cw_wakeup_bytes; user space drains the rest from a timer, so an
 * event waits at most that timer's period (the manager's latency bound). Thousands of
 * wake-ups per second (irq_work here, a context switch in cwatchd) become a few. */
const volatile uint64_t cw_wakeup_bytes = 0;

static __always_inline uint64_t cw_output_flags(uint64_t size)
{
        uint64_t avail;

        if (!cw_wakeup_bytes)
                return 0;
        avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
        return avail < cw_wakeup_bytes && avail + size >= cw_wakeup_bytes ? BPF_RB_FORCE_WAKEUP
                                                                          : BPF_RB_NO_WAKEUP;
}

/* Copies an event of size bytes into the ring buffer; counts a drop when it is full. */
static __always_inline int cw_output(void *event, uint64_t size)
{
        int r = bpf_ringbuf_output(&events, event, size, cw_output_flags(size));

        if (r < 0)
                cw_count_drop();
        return r;
}

/* v & mask, done where the verifier sees it: the compiler may not drop it as redundant. */
static __always_inline uint32_t cw_bound(uint32_t v, uint32_t mask)
{
        uint64_t x = v;

        asm volatile("%0 &= %1" : "+r"(x) : "i"(mask));
        return x;
}

#define CW_PATH_DEPTH 32
#define CW_PATH_BUF 512         /* longest path kept, with its NUL; a power of two */
#define CW_NAME_MAX 256

/* Paths are built backwards from the end of a per-CPU scratch buffer. */
struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, uint32_t);
        __type(value, char[CW_PATH_BUF + CW_NAME_MAX]);
} path_scratch SEC(".maps");

struct cw_path_out {
        char data[CW_PATH_BUF];
};

#define CW_PATH_WALK_TRUNCATED (1u << 31)

/* The walk of cw_resolve_path, as a global function: the verifier checks it once per program
 * instead of once per call site (the files tracer has seven: 140 ms of its load). Returns the
 * length, with CW_PATH_WALK_TRUNCATED when cut short. */
__noinline uint32_t cw_path_walk(struct cw_path_out *out, uint64_t dentry_addr, uint64_t vfsmnt_addr)
{
        /* the pointers as BTF pointers (read-only, faults read as 0): their fields are plain
         * loads the verifier inlines, where BPF_CORE_READ costs a helper call each (six per
         * path component) */
        struct dentry *dentry = bpf_rdonly_cast((void *) dentry_addr, bpf_core_type_id_kernel(struct dentry));
        struct mount *mnt = bpf_rdonly_cast((void *) (vfsmnt_addr - bpf_core_field_offset(struct mount, mnt)),
                                            bpf_core_type_id_kernel(struct mount));
        uint32_t zero = 0, pos = CW_PATH_BUF - 1, len;
        char *buf = bpf_map_lookup_elem(&path_scratch, &zero);
        bool truncated = true;

        if (!buf || !out)
                return CW_PATH_WALK_TRUNCATED;
        buf[CW_PATH_BUF - 1] = 0;
        for (int i = 0; i < CW_PATH_DEPTH; i++) {
                struct dentry *parent = dentry->d_parent;
                struct dentry *mnt_root = mnt->mnt.mnt_root;
                uint32_t n;

                if (dentry == mnt_root || dentry == parent) {
                        struct mount *mnt_parent = mnt->mnt_parent;

                        if (dentry != mnt_root || mnt == mnt_parent) {
                                truncated = false;
                                break;
                        }
                        dentry = mnt->mnt_mountpoint;
                        mnt = mnt_parent;
                        continue;
                }
                n = dentry->d_name.len;
                if (n >= CW_NAME_MAX || n + 1 > pos)
                        break;
                pos -= n + 1;
                pos = cw_bound(pos, CW_PATH_BUF - 1);
                buf[pos] = '/';
                bpf_probe_read_kernel(&buf[pos + 1], cw_bound(n, CW_NAME_MAX - 1), dentry->d_name.name);
                dentry = parent;
        }
        if (pos == CW_PATH_BUF - 1) {
                struct dentry *mnt_root = mnt->mnt.mnt_root;
                uint32_t n = dentry->d_name.len;

                if (dentry != mnt_root && n > 0 && n < CW_NAME_MAX) {
                        /* a pseudo file (memfd, pipe, anon inode) is its own root: its name, as
                         * /proc/PID/exe shows it ("/memfd:NAME") */
                        pos = cw_bound(CW_PATH_BUF - 2 - n, CW_PATH_BUF - 1);
                        buf[pos] = '/';
                        bpf_probe_read_kernel(&buf[pos + 1], cw_bound(n, CW_NAME_MAX - 1), dentry->d_name.name);
                } else {
                        /* the root itself */
                        pos = CW_PATH_BUF - 2;
                        buf[pos] = '/';
                }
        }
        len = CW_PATH_BUF - 1 - pos;
        bpf_probe_read_kernel(out->data, cw_bound(len + 1, CW_PATH_BUF - 1) + 1, &buf[cw_bound(pos, CW_PATH_BUF - 1)]);
        return len | (truncated ? CW_PATH_WALK_TRUNCATED : 0);
}

/* Copies the path of (dentry, vfsmnt), crossing mount points up to the root of the mount tree,
 * NUL-terminated into out (CW_PATH_BUF bytes). Returns its length; *truncated tells whether it
 * was cut short (out then holds the tail of the path, starting with "/"). */
static __always_inline uint32_t cw_resolve_path(char *out, struct dentry *dentry, struct vfsmount *vfsmnt,
                                                bool *truncated)
{
        uint32_t r = cw_path_walk((struct cw_path_out *) out, (uint64_t) dentry, (uint64_t) vfsmnt);

        *truncated = r & CW_PATH_WALK_TRUNCATED;
        return r & ~CW_PATH_WALK_TRUNCATED;
}
