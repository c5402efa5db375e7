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
