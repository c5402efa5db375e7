/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An example external tracer for cwatch: every openat() with the file name, the flags and the
 * result. It includes no cwatch header: its own struct, its own ring buffer. Build it with
 *
 *   clang -g -O2 -target bpf -I/usr/include/$(uname -m)-linux-gnu \
 *         -c opensnoop.bpf.c -o opensnoop.bpf.o
 *
 * (-g: cwatchd decodes the records from the BTF of the struct), then install it as root:
 *
 *   install -m 0644 opensnoop.bpf.o /etc/cwatch/tracers.d/
 *   install -m 0644 opensnoop.tracer /etc/cwatch/tracers.d/
 *   systemctl restart cwatchd          (tracers.d is read when cwatchd starts)
 *   cwatchctl list-tracers             (opensnoop.tracer says Enable=yes: it runs)
 *   cwatchd run opensnoop --format json
 *
 * It needs no vmlinux.h: the tracepoint's arguments are read from its documented layout
 * (/sys/kernel/tracing/events/syscalls/sys_enter_openat/format). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef unsigned char u8;
typedef unsigned int u32;
typedef int s32;
typedef unsigned long long u64;

enum open_kind {
        OPEN_READ = 0,
        OPEN_WRITE = 1,
        OPEN_READ_WRITE = 2,
};

/* what one record carries; cwatchd names its columns after these fields */
struct open_event {
        u64 cgroup_id;          /* a field called cgroup_id: cwatchd finds the container */
        u32 pid;
        u32 uid;
        s32 ret;                /* the fd, or -errno */
        enum open_kind kind;
        u32 flags __attribute__((btf_decl_tag("cwatch_hex")));
        char comm[16];
        char filename[256];
};

/* keeps the struct in the object's BTF even where no global refers to it */
struct open_event *unused_open_event __attribute__((unused));

struct {
        __uint(type, BPF_MAP_TYPE_RINGBUF);
        __uint(max_entries, 256 * 1024);
} opens SEC(".maps");

/* optional: a per-CPU counter of records the full ring buffer refused, which cwatchd reports as
 * this tracer's drops */
struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, u32);
        __type(value, u64);
} drops SEC(".maps");

/* the in-flight opens: pid+tid -> the event filled at entry */
struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, 4096);
        __type(key, u64);
        __type(value, struct open_event);
} pending SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, u32);
        __type(value, struct open_event);
} scratch SEC(".maps");

/* the layouts of /sys/kernel/tracing/events/syscalls/sys_{enter,exit}_openat/format */
struct enter_openat_args {
        u64 common;
        s32 syscall_nr;
        u32 pad;
        u64 dfd;
        const char *filename;
        u64 flags;
        u64 mode;
};

struct exit_openat_args {
        u64 common;
        s32 syscall_nr;
        u32 pad;
        long ret;
};

SEC("tp/syscalls/sys_enter_openat")
int enter_openat(struct enter_openat_args *ctx)
{
        u64 id = bpf_get_current_pid_tgid();
        u32 zero = 0;
        struct open_event *e = bpf_map_lookup_elem(&scratch, &zero);

        if (!e)
                return 0;
        e->cgroup_id = bpf_get_current_cgroup_id();
        e->pid = id >> 32;
        e->uid = (u32) bpf_get_current_uid_gid();
        e->flags = ctx->flags;
        e->kind = (ctx->flags & 3) == 1 ? OPEN_WRITE : (ctx->flags & 3) == 2 ? OPEN_READ_WRITE : OPEN_READ;
        bpf_get_current_comm(e->comm, sizeof(e->comm));
        bpf_probe_read_user_str(e->filename, sizeof(e->filename), ctx->filename);
        bpf_map_update_elem(&pending, &id, e, BPF_ANY);
        return 0;
}

SEC("tp/syscalls/sys_exit_openat")
int exit_openat(struct exit_openat_args *ctx)
{
        u64 id = bpf_get_current_pid_tgid();
        struct open_event *e = bpf_map_lookup_elem(&pending, &id);
        u32 zero = 0;

        if (!e)
                return 0;
        e->ret = ctx->ret;
        if (bpf_ringbuf_output(&opens, e, sizeof(*e), 0) < 0) {
                u64 *n = bpf_map_lookup_elem(&drops, &zero);

                if (n)
                        __sync_fetch_and_add(n, 1);
        }
        bpf_map_delete_elem(&pending, &id);
        return 0;
}

char LICENSE[] SEC("license") = "GPL";
