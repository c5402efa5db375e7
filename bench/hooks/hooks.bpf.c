// SPDX-License-Identifier: GPL-2.0-or-later
/* Hook variants for syscall-based tracers, each a program that the loader switches on by name.
 * "empty" programs are the floor; "id" programs only read the syscall number and compare it, as
 * a tracer filtering in the kernel would. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

uint64_t hits;

/* per-syscall trace events (need tracefs) */
SEC("tp/syscalls/sys_enter_pread64") int tp_enter_pread(void *ctx) { return 0; }
SEC("tp/syscalls/sys_exit_pread64") int tp_exit_pread(void *ctx) { return 0; }
SEC("tp/syscalls/sys_enter_write") int tp_enter_write(void *ctx) { return 0; }
SEC("tp/syscalls/sys_exit_write") int tp_exit_write(void *ctx) { return 0; }

/* one raw tracepoint for all syscalls */
SEC("raw_tp/sys_enter") int raw_enter(void *ctx) { return 0; }
SEC("raw_tp/sys_exit") int raw_exit(void *ctx) { return 0; }

/* the same, with BTF-typed arguments */
SEC("tp_btf/sys_enter") int btf_enter(void *ctx) { return 0; }
SEC("tp_btf/sys_exit") int btf_exit(void *ctx) { return 0; }

/* filter by syscall number: raw_tp must copy regs->orig_ax with a probe read ... */
SEC("raw_tp/sys_exit")
int BPF_PROG(raw_exit_id, struct pt_regs *regs, long ret)
{
        long id = BPF_CORE_READ(regs, orig_ax);

        if (id == 0 || id == 1)
                __sync_fetch_and_add(&hits, 1);
        return 0;
}

/* ... tp_btf loads it directly */
SEC("tp_btf/sys_exit")
int BPF_PROG(btf_exit_id, struct pt_regs *regs, long ret)
{
        long id = regs->orig_ax;

        if (id == 0 || id == 1)
                __sync_fetch_and_add(&hits, 1);
        return 0;
}

/* The syscalls tracer's raw_tp fallback (bpf/syscalls.bpf.c), as it runs for every system call
 * that is not one of the calls it traces through it: a bounds check and a load from a read-only
 * array of numbers (here init_module, delete_module and finit_module of x86_64) on enter; on exit
 * the number from the saved registers (a direct load through bpf_rdonly_cast) and the same test. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

const volatile uint8_t fallback_nr[512] = { [175] = 1, [176] = 1, [313] = 1 };

SEC("raw_tp/sys_enter")
int BPF_PROG(raw_enter_fallback, struct pt_regs *regs, long id)
{
        if ((unsigned long) id >= 512 || !fallback_nr[id])
                return 0;
        __sync_fetch_and_add(&hits, 1);
        return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(raw_exit_fallback, struct pt_regs *regs, long ret)
{
        struct pt_regs *r = bpf_rdonly_cast(regs, bpf_core_type_id_kernel(struct pt_regs));
        long id = r->orig_ax;

        if ((unsigned long) id >= 512 || !fallback_nr[id])
                return 0;
        __sync_fetch_and_add(&hits, 1);
        return 0;
}

/* The files tracer's hot path in steps, to see where its cost goes: ... + the fd's inode ... */

struct file_key {
        uint32_t tgid;
        uint32_t dev;
        uint64_t ino;
};

struct file_val {
        uint64_t calls;
        uint64_t bytes;
};

struct {
        __uint(type, BPF_MAP_TYPE_LRU_HASH);
        __uint(max_entries, 8192);
        __type(key, struct file_key);
        __type(value, struct file_val);
} counts SEC(".maps");

static __always_inline bool file_key_of(unsigned long fd, struct file_key *key)
{
        struct task_struct *task = bpf_get_current_task_btf();
        struct fdtable *fdt = task->files->fdt;
        struct file *file = NULL;
        struct inode *inode;

        if (fd >= fdt->max_fds)
                return false;
        bpf_probe_read_kernel(&file, sizeof(file), &fdt->fd[fd]);
        if (!file)
                return false;
        file = bpf_rdonly_cast(file, bpf_core_type_id_kernel(struct file));
        inode = file->f_inode;
        key->tgid = bpf_get_current_pid_tgid() >> 32;
        key->dev = inode->i_sb->s_dev;
        key->ino = inode->i_ino;
        return true;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(btf_exit_fd_inode, struct pt_regs *regs, long ret)
{
        struct file_key key;
        long id = regs->orig_ax;

        if ((id == 1 || id == 17) && file_key_of(regs->di, &key))
                __sync_fetch_and_add(&hits, key.ino);
        return 0;
}

/* ... + the per-(tgid, dev, inode) lookup and two atomic adds (the tracer's common case) */
SEC("tp_btf/sys_exit")
int BPF_PROG(btf_exit_fd_lookup, struct pt_regs *regs, long ret)
{
        struct file_key key;
        struct file_val *v, zero = {};
        long id = regs->orig_ax;

        if ((id != 1 && id != 17) || !file_key_of(regs->di, &key))
                return 0;
        v = bpf_map_lookup_elem(&counts, &key);
        if (!v) {
                bpf_map_update_elem(&counts, &key, &zero, BPF_NOEXIST);
                return 0;
        }
        __sync_fetch_and_add(&v->calls, 1);
        __sync_fetch_and_add(&v->bytes, ret);
        return 0;
}
