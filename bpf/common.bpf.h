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

/* cwatchd's own pid namespace, set by user space before load (tracer.c): the device and inode of
 * /proc/self/ns/pid; 0 in the initial namespace, whose pids the kernel reports anyway (the checks
 * below are then compiled out). Pids are reported as cwatchd's namespace sees them, so that they
 * match its /proc. */
const volatile uint64_t cw_pidns_dev = 0;
const volatile uint64_t cw_pidns_ino = 0;

#define CW_PIDNS_LEVELS 32      /* the kernel's MAX_PID_NS_LEVEL */

/* The number of pid (a struct pid) in cwatchd's pid namespace, or 0 when it has none there. A pid
 * has a number in its own namespace and in each ancestor, numbers[0] the initial one; cwatchd's
 * level is not known from inside its namespace, so it is found by the namespace's inode. */
static __always_inline uint32_t cw_pid_nr(struct pid *pid)
{
        unsigned int level;

        if (!pid)
                return 0;
        if (!cw_pidns_ino)
                return BPF_CORE_READ(pid, numbers[0].nr);
        level = BPF_CORE_READ(pid, level);
        for (unsigned int i = 0; i < CW_PIDNS_LEVELS; i++) {
                struct upid upid = {};

                if (i > level)
                        break;
                bpf_core_read(&upid, sizeof(upid), &pid->numbers[i]);
                if (BPF_CORE_READ(upid.ns, ns.inum) == cw_pidns_ino)
                        return upid.nr;
        }
        return 0;
}

/* The process id (tgid) of task as cwatchd's pid namespace sees it; 0 when it is outside. */
static __always_inline uint32_t cw_task_tgid(struct task_struct *task)
{
        if (!cw_pidns_ino)
                return BPF_CORE_READ(task, tgid);
        return cw_pid_nr(BPF_CORE_READ(task, group_leader, thread_pid));
}

/* The parent's process id as cwatchd's pid namespace sees it: 0 when only the parent is outside it
 * (as getppid() says in a namespace whose init the task is), the host's when the task is outside
 * too (its event carries CW_EVENT_HOST_PIDS). */
static __always_inline uint32_t cw_task_ppid(struct task_struct *task)
{
        struct task_struct *parent = BPF_CORE_READ(task, real_parent);

        if (!cw_pidns_ino || !cw_task_tgid(task))
                return BPF_CORE_READ(parent, tgid);
        return cw_task_tgid(parent);
}

/* The current task's process and thread id in cwatchd's pid namespace; the host's, and
 * CW_EVENT_HOST_PIDS returned, when the task is outside it. */
static __always_inline uint8_t cw_current_pids(uint32_t *pid, uint32_t *tid)
{
        uint64_t id = bpf_get_current_pid_tgid();
        struct bpf_pidns_info ns = {};

        *pid = id >> 32;
        *tid = (uint32_t) id;
        if (!cw_pidns_ino)
                return 0;
        if (bpf_get_ns_current_pid_tgid(cw_pidns_dev, cw_pidns_ino, &ns, sizeof(ns)) == 0) {
                *pid = ns.tgid;
                *tid = ns.pid;
                return 0;
        }
        /* the helper answers only for a task whose own namespace is cwatchd's: one in a namespace
         * nested below it (a container started inside) has its number found among its pid's */
        {
                struct task_struct *task = bpf_get_current_task_btf();
                uint32_t p = cw_task_tgid(task), t = cw_pid_nr(BPF_CORE_READ(task, thread_pid));

                if (!p || !t)
                        return CW_EVENT_HOST_PIDS;
                *pid = p;
                *tid = t;
        }
        return 0;
}

static __always_inline void cw_fill_header(struct cw_event_header *h, uint8_t type, uint32_t size)
{
        uint64_t ugid = bpf_get_current_uid_gid();

        h->type = type;
        h->flags = cw_current_pids(&h->pid, &h->tid);
        h->version = CW_EVENT_VERSION;
        h->tracer = cw_tracer_id;
        h->size = size;
        h->time_ns = bpf_ktime_get_boot_ns();
        h->cgroup_id = bpf_get_current_cgroup_id();
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

#define CW_PATH_BUF 4096        /* longest path kept, with its NUL: PATH_MAX; a power of two */
#define CW_NAME_MAX 256
/* Components walked to find the root. Deeper paths (which need that many nested directories,
 * each pinned in the dentry cache) are reported unrooted: "..." and their leaf-side tail. */
#define CW_PATH_WALK_MAX (1 << 16)

/* Paths are resolved in bounded passes over the dentry/mount chain, leaf to root, each a
 * bpf_loop() (inlined by the verifier into a plain loop):
 *   1. measure: the length of the whole path, up to the root of the mount tree, and the path
 *      itself, written back from the end of the buffer while it fits: for almost every path the
 *      only pass;
 *   2. fill, for a path longer than the buffer: the components again, each written at its offset
 *      from the root, the ones past CW_PATH_BUF skipped; so the path keeps its root-side prefix (a
 *      rule on "/tmp/" holds whatever the depth) and is marked truncated.
 * The state of the walk lives in this per-CPU map value, not on the stack: the verifier sees
 * unknown scalars in the callbacks and checks each about once, where state on the stack or a
 * bounded loop makes it check every iteration (the former 32-component loop: 10,000 instructions
 * and 100 to 300 ms a program; this walk: 1,300 and 10 to 25 ms).
 * Doing it all in the kernel needs no race with the process (recovering the prefix from
 * /proc/PID/exe in user space would: the process may be gone, or its file renamed, by then) and
 * /proc cannot help beyond PATH_MAX either (d_path fails with ENAMETOOLONG). */
struct cw_path_scratch {
        char buf[CW_PATH_BUF + CW_NAME_MAX];    /* the path; the rest is room for masked offsets */
        uint64_t dentry;        /* the walk's position: a struct dentry * ... */
        uint64_t mnt;           /* ... in this struct mount * */
        uint64_t end;           /* measure: bytes so far; fill: where the current component ends */
        uint64_t written;       /* measure: bytes of it written back from CW_PATH_BUF - 1 */
        uint64_t lowest;        /* fill, unrooted: the lowest offset written */
        uint32_t rooted;        /* the walk reached the root */
        uint32_t unrooted;      /* fill: keep the leaf-side tail, written back from the buffer's end */
        uint32_t off;           /* the result: the path is buf[off..] */
        uint32_t pad;
};

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, uint32_t);
        __type(value, struct cw_path_scratch);
} path_scratch SEC(".maps");

#define CW_PATH_WALK_TRUNCATED (1u << 31)
#define CW_PATH_WALK_LEN_MASK 0xffffu

/* One step of the walk from s->dentry in s->mnt: crosses a mount point, or returns the dentry
 * (its parent is the next position), or NULL at the root (s->rooted set). */
static __always_inline struct dentry *cw_path_step(struct cw_path_scratch *s)
{
        struct dentry *dentry = bpf_rdonly_cast((void *) s->dentry, bpf_core_type_id_kernel(struct dentry));
        struct mount *mnt = bpf_rdonly_cast((void *) s->mnt, bpf_core_type_id_kernel(struct mount));
        struct dentry *parent = dentry->d_parent;
        struct dentry *mnt_root = mnt->mnt.mnt_root;

        if (dentry == mnt_root || dentry == parent) {
                struct mount *mnt_parent = mnt->mnt_parent;

                if (dentry != mnt_root || mnt == mnt_parent) {
                        s->rooted = 1;
                        return NULL;
                }
                s->dentry = (uint64_t) mnt->mnt_mountpoint;
                s->mnt = (uint64_t) mnt_parent;
                return NULL;
        }
        s->dentry = (uint64_t) parent;
        return dentry;
}

/* bpf_loop callback of pass 1: adds the current component's "/name" to s->end, and writes it
 * before the ones written so far while they all fit (with room for "..." before them). */
static long cw_path_measure(uint64_t i, void *ctx)
{
        uint32_t zero = 0;
        struct cw_path_scratch *s = bpf_map_lookup_elem(&path_scratch, &zero);
        struct dentry *dentry;
        uint64_t end, pos;
        uint32_t n;

        if (!s)
                return 1;
        dentry = cw_path_step(s);
        if (s->rooted)
                return 1;
        if (!dentry)
                return 0;
        n = dentry->d_name.len;
        if (n >= CW_NAME_MAX)
                return 1;       /* no such name: not rooted, reported as such */
        end = s->end + n + 1;
        if (s->written == s->end && end <= CW_PATH_BUF - 4) {
                pos = CW_PATH_BUF - 1 - end;
                s->buf[cw_bound(pos, CW_PATH_BUF - 1)] = '/';
                bpf_probe_read_kernel(&s->buf[cw_bound(pos + 1, CW_PATH_BUF - 1)],
                                      cw_bound(n, CW_NAME_MAX - 1), dentry->d_name.name);
                s->written = end;
        }
        s->end = end;
        return 0;
}

/* bpf_loop callback of pass 2: writes the current component's "/name" to end at s->end, the part
 * of it below CW_PATH_BUF - 1 (rooted), or stops where it would not fit (unrooted: the tail, with
 * room for "..." before it). */
static long cw_path_fill(uint64_t i, void *ctx)
{
        uint32_t zero = 0;
        struct cw_path_scratch *s = bpf_map_lookup_elem(&path_scratch, &zero);
        struct dentry *dentry;
        uint64_t end, start, room;
        uint32_t n;

        if (!s)
                return 1;
        end = s->end;
        if (end == 0 && !s->unrooted)
                return 1;       /* done; the mount points above add nothing */
        dentry = cw_path_step(s);
        if (s->rooted)
                return 1;
        if (!dentry)
                return 0;
        n = dentry->d_name.len;
        /* renamed since pass 1 (rooted), or the tail is full (unrooted) */
        if (n >= CW_NAME_MAX || n + 1 + (s->unrooted ? 3 : 0) > end)
                return 1;
        start = end - (n + 1);
        if (start < CW_PATH_BUF - 1) {
                room = CW_PATH_BUF - 2 - start;
                s->buf[cw_bound(start, CW_PATH_BUF - 1)] = '/';
                bpf_probe_read_kernel(&s->buf[cw_bound(start + 1, CW_PATH_BUF - 1)],
                                      cw_bound(n < room ? n : room, CW_NAME_MAX - 1), dentry->d_name.name);
        }
        s->end = start;
        s->lowest = start;
        return 0;
}

/* The walk of cw_resolve_path, as a global function: the verifier checks it once per program
 * instead of once per call site. Leaves the path in path_scratch's buf[off..], NUL-terminated;
 * returns its length (at most CW_PATH_BUF - 1), with CW_PATH_WALK_TRUNCATED when longer. */
__noinline uint32_t cw_path_walk(uint64_t dentry_addr, uint64_t vfsmnt_addr)
{
        uint64_t mnt_addr = vfsmnt_addr - bpf_core_field_offset(struct mount, mnt);
        uint32_t zero = 0, len, off;
        struct cw_path_scratch *s = bpf_map_lookup_elem(&path_scratch, &zero);
        struct dentry *dentry;
        struct mount *mnt;
        uint64_t total;

        if (!s)
                return CW_PATH_WALK_TRUNCATED;
        s->off = 0;
        s->buf[0] = 0;
        s->buf[CW_PATH_BUF - 1] = 0;
        s->dentry = dentry_addr;
        s->mnt = mnt_addr;
        s->end = 0;
        s->written = 0;
        s->rooted = 0;
        bpf_loop(CW_PATH_WALK_MAX, cw_path_measure, NULL, 0);
        total = s->end;
        if (s->rooted && total == 0) {
                dentry = bpf_rdonly_cast((void *) dentry_addr, bpf_core_type_id_kernel(struct dentry));
                mnt = bpf_rdonly_cast((void *) mnt_addr, bpf_core_type_id_kernel(struct mount));
                len = dentry->d_name.len;
                if (dentry != mnt->mnt.mnt_root && len > 0 && len < CW_NAME_MAX) {
                        /* a pseudo file (memfd, pipe, anon inode) is its own root: its name, as
                         * /proc/PID/exe shows it ("/memfd:NAME") */
                        s->buf[0] = '/';
                        bpf_probe_read_kernel(&s->buf[1], cw_bound(len, CW_NAME_MAX - 1),
                                              dentry->d_name.name);
                        s->buf[cw_bound(len + 1, CW_PATH_BUF - 1)] = 0;
                        return len + 1;
                }
                /* the root itself */
                s->buf[0] = '/';
                s->buf[1] = 0;
                return 1;
        }
        if (s->rooted && s->written == total) {
                /* it fit: written by pass 1 */
                off = cw_bound(CW_PATH_BUF - 1 - total, CW_PATH_BUF - 1);
                s->off = off;
                return CW_PATH_BUF - 1 - off;
        }
        if (!s->rooted) {
                /* No root within CW_PATH_WALK_MAX components: "..." and the leaf-side tail that pass 1
                 * wrote, which starts with no "/" so that no rule takes it for an absolute path the
                 * attacker chose. */
                off = cw_bound(CW_PATH_BUF - 4 - s->written, CW_PATH_BUF - 1);
                s->off = off;
                s->buf[off] = '.';
                s->buf[off + 1] = '.';
                s->buf[off + 2] = '.';
                return (CW_PATH_BUF - 1 - off) | CW_PATH_WALK_TRUNCATED;
        }
        /* longer than the buffer: pass 2 */
        s->dentry = dentry_addr;
        s->mnt = mnt_addr;
        s->end = total;
        s->unrooted = 0;
        s->rooted = 0;
        bpf_loop(CW_PATH_WALK_MAX, cw_path_fill, NULL, 0);
        if (s->end == 0) {
                len = total < CW_PATH_BUF - 1 ? total : CW_PATH_BUF - 1;
                s->buf[cw_bound(len, CW_PATH_BUF - 1)] = 0;
                return len | (total > len ? CW_PATH_WALK_TRUNCATED : 0);
        }
        /* The chain changed between the passes (a rename): "..." and its tail, written again */
        s->dentry = dentry_addr;
        s->mnt = mnt_addr;
        s->end = CW_PATH_BUF - 1;
        s->lowest = CW_PATH_BUF - 1;
        s->unrooted = 1;
        s->rooted = 0;
        bpf_loop(CW_PATH_WALK_MAX, cw_path_fill, NULL, 0);
        s->unrooted = 0;
        s->buf[CW_PATH_BUF - 1] = 0;
        off = cw_bound(s->lowest, CW_PATH_BUF - 1);
        if (s->rooted) {
                /* the whole path fit after all (it changed during the walk) */
                s->off = off;
                return CW_PATH_BUF - 1 - off;
        }
        off = cw_bound(off - 3, CW_PATH_BUF - 1);
        s->off = off;
        s->buf[off] = '.';
        s->buf[off + 1] = '.';
        s->buf[off + 2] = '.';
        return (CW_PATH_BUF - 1 - off) | CW_PATH_WALK_TRUNCATED;
}

/* Copies the path of (dentry, vfsmnt), crossing mount points up to the root of the mount tree,
 * NUL-terminated into out (size bytes, a power of two). Evaluates to its length; truncated tells
 * whether it was cut: out then holds the root-side prefix of the path (or, deeper than
 * CW_PATH_WALK_MAX components, "..." and the tail). A macro: size must stay a constant. */
#define cw_resolve_path(out, size, dentry, vfsmnt, truncated) ({                                        \
        uint32_t __r = cw_path_walk((uint64_t) (dentry), (uint64_t) (vfsmnt));                          \
        uint32_t __len = __r & CW_PATH_WALK_LEN_MASK, __zero = 0;                                       \
        struct cw_path_scratch *__s = bpf_map_lookup_elem(&path_scratch, &__zero);                      \
                                                                                                        \
        *(truncated) = __r & CW_PATH_WALK_TRUNCATED;                                                    \
        if (__len >= (size)) {                                                                          \
                __len = (size) - 1;                                                                     \
                *(truncated) = true;                                                                    \
        }                                                                                               \
        if (__s)                                                                                        \
                bpf_probe_read_kernel((out), cw_bound(__len, (size) - 1) + 1,                           \
                                      &__s->buf[cw_bound(__s->off, CW_PATH_BUF - 1)]);                  \
        else                                                                                            \
                __len = 0;                                                                              \
        (out)[cw_bound(__len, (size) - 1)] = 0;                                                         \
        __len;                                                                                          \
})
