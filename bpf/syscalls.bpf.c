// SPDX-License-Identifier: GPL-2.0-or-later
/* The syscalls tracer: security-relevant system calls with their arguments and result.
 *
 * Two programs, attached by user space to the enter and exit trace events of each traced call
 * (tp/syscalls/sys_{enter,exit}_NAME): those run only for the calls traced, so every other system
 * call costs just the kernel's bitmap test (bench/tcp-syscalls-hooks.md). Enter filters (chmod
 * only with setuid/setgid bits, execveat only with AT_EMPTY_PATH, *setxattr* only of security. and
 * trusted. attributes) and keeps the arguments per thread; exit reads the strings and sends one
 * event with the result.
 *
 * A traced call without trace events on the running kernel (init_module and co. on a kernel built
 * without modules) is seen by two more programs on raw_tp/sys_enter and raw_tp/sys_exit, which
 * run for every system call and keep only the numbers user space marked in cw_syscall_raw; they
 * share everything else with the trace event programs. User space loads them only when some call
 * needs them (bench/hooks/RESULTS.md has their cost). */
#include "common.bpf.h"
#include "syscalls.h"

#define AT_EMPTY_PATH 0x1000
#define S_ISUID 0004000
#define S_ISGID 0002000
#define CW_FILE_NAME_MAX 64

/* bpf() commands not reported: per-element map operations and the bookkeeping of loaders, which
 * agents (this one too) issue by the thousands: MAP_LOOKUP_ELEM, MAP_UPDATE_ELEM,
 * MAP_DELETE_ELEM, MAP_GET_NEXT_KEY, OBJ_GET_INFO_BY_FD, MAP_LOOKUP_AND_DELETE_ELEM, MAP_FREEZE,
 * the four batch operations and PROG_BIND_MAP. */
#define CW_BPF_QUIET_CMDS ((1ULL << 1) | (1ULL << 2) | (1ULL << 3) | (1ULL << 4) | (1ULL << 15) | \
                           (1ULL << 21) | (1ULL << 22) | (1ULL << 24) | (1ULL << 25) | (1ULL << 26) | \
                           (1ULL << 27) | (1ULL << 35))

/* Set by user space before load: syscall number -> enum cw_syscall_kind (0: not traced). */
const volatile uint8_t cw_syscall_kind[CW_SYSCALL_NR_MAX] = {};
/* Set by user space before load: 1 for the traced calls that have no trace event here, which the
 * raw_tp programs trace instead. */
const volatile uint8_t cw_syscall_raw[CW_SYSCALL_NR_MAX] = {};

#if defined(__TARGET_ARCH_x86)
#define SYSCALL_NR(regs) ((regs)->orig_ax)
#define TS_COMPAT 0x0002        /* thread_info.status: in a 32-bit system call */
#elif defined(__TARGET_ARCH_arm64)
#define SYSCALL_NR(regs) ((regs)->syscallno)
#else
#error "syscalls tracer: no syscall number register for this architecture"
#endif

/* The records of the syscalls trace events (events/syscalls/sys_{enter,exit}_NAME/format): the
 * number is an int, not the long of vmlinux.h's trace_event_raw_sys_enter. */
struct syscall_enter_record {
        uint64_t common;
        int32_t nr;
        uint32_t pad;
};

struct syscall_exit_record {
        uint64_t common;
        int32_t nr;
        uint32_t pad;
        int64_t ret;
};

struct inflight {
        uint64_t args[6];
        uint32_t nr;
        uint16_t kind;
        uint16_t flags;         /* CW_SC_RAW_TP */
        uint32_t uid;           /* the caller's, before a setuid changes them */
        uint32_t gid;
        char comm[CW_COMM_LEN]; /* the caller's, before an exec changes it */
        char name[CW_FILE_NAME_MAX];    /* execveat: name of the fd's file */
};

/* thread id -> arguments of its call in progress */
struct {
        __uint(type, BPF_MAP_TYPE_LRU_HASH);
        __uint(max_entries, 4096);
        __type(key, uint32_t);
        __type(value, struct inflight);
} inflight SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, uint32_t);
        __type(value, struct cw_syscall_event);
} syscall_scratch SEC(".maps");

static __always_inline uint8_t syscall_kind(long nr)
{
        if ((unsigned long) nr >= CW_SYSCALL_NR_MAX)
                return CW_SC_NONE;
        return cw_syscall_kind[nr];
}

static __always_inline struct file *fd_to_file(int fd)
{
        struct task_struct *task = bpf_get_current_task_btf();
        struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
        unsigned int max = BPF_CORE_READ(task, files, fdt, max_fds);
        struct file *file = NULL;

        if ((unsigned int) fd >= max)
                return NULL;
        bpf_core_read(&file, sizeof(file), &fds[fd]);
        return file;
}

/* The call's arguments, from the task's registers: the trace event record only has room for the
 * arguments of its own call, and one program serves all of them. */
static __always_inline void read_args(uint64_t args[6])
{
        struct pt_regs *regs = (struct pt_regs *) bpf_task_pt_regs(bpf_get_current_task_btf());

        args[0] = PT_REGS_PARM1_CORE_SYSCALL(regs);
        args[1] = PT_REGS_PARM2_CORE_SYSCALL(regs);
        args[2] = PT_REGS_PARM3_CORE_SYSCALL(regs);
        args[3] = PT_REGS_PARM4_CORE_SYSCALL(regs);
        args[4] = PT_REGS_PARM5_CORE_SYSCALL(regs);
        args[5] = 0;    /* none of the traced calls has a sixth */
}

static __always_inline bool starts_with(const char *s, const char *prefix, int len)
{
        for (int i = 0; i < len; i++)
                if (s[i] != prefix[i])
                        return false;
        return true;
}

/* Whether the extended attribute named at src (user memory) is in the security. or trusted.
 * namespace: file capabilities, LSM labels, IMA/EVM, overlayfs. The others are left out: user.
 * is applications' own data (journald, browsers set it all day) and system. holds the ACLs that
 * sed -i, cp -a and tar copy onto every file they write. */
static __always_inline bool xattr_wanted(uint64_t src)
{
        char name[16] = {};

        if (!src || bpf_probe_read_user_str(name, sizeof(name), (const void *) src) <= 0)
                return false;
        return starts_with(name, "security.", 9) || starts_with(name, "trusted.", 8);
}

/* The entry of a traced call (kind != CW_SC_NONE) number nr: filters, and keeps its arguments. */
static __always_inline int enter_call(long nr, uint8_t kind, uint16_t flags)
{
        uint32_t tid = (uint32_t) bpf_get_current_pid_tgid();
        uint64_t ugid;
        struct inflight in = {};
        struct file *file;

        if (!cw_cgroup_allowed())
                return 0;
        read_args(in.args);
        switch (kind) {
        case CW_SC_CHMOD:
        case CW_SC_FCHMOD:
                if (!(in.args[1] & (S_ISUID | S_ISGID)))
                        return 0;
                break;
        case CW_SC_FCHMODAT:
        case CW_SC_FCHMODAT2:
                if (!(in.args[2] & (S_ISUID | S_ISGID)))
                        return 0;
                break;
        case CW_SC_BPF:
                if (in.args[0] < 64 && (CW_BPF_QUIET_CMDS & (1ULL << in.args[0])))
                        return 0;
                break;
        case CW_SC_EXECVEAT:
                if (!(in.args[4] & AT_EMPTY_PATH))
                        return 0;
                /* the fd may be close-on-exec: name its file now */
                file = fd_to_file(in.args[0]);
                if (file)
                        bpf_probe_read_kernel_str(in.name, sizeof(in.name),
                                                  BPF_CORE_READ(file, f_path.dentry, d_name.name));
                break;
        case CW_SC_SETXATTR:
        case CW_SC_LSETXATTR:
        case CW_SC_FSETXATTR:
                if (!xattr_wanted(in.args[1]))
                        return 0;
                break;
        case CW_SC_SETXATTRAT:
                if (!xattr_wanted(in.args[3]))
                        return 0;
                break;
        default:
                break;
        }
        in.nr = nr;
        in.kind = kind;
        in.flags = flags;
        ugid = bpf_get_current_uid_gid();
        in.uid = (uint32_t) ugid;
        in.gid = ugid >> 32;
        bpf_get_current_comm(in.comm, sizeof(in.comm));
        bpf_map_update_elem(&inflight, &tid, &in, BPF_ANY);
        return 0;
}

SEC("tp")
int handle_sys_enter(struct syscall_enter_record *ctx)
{
        uint8_t kind = syscall_kind(ctx->nr);

        if (kind == CW_SC_NONE)
                return 0;
        return enter_call(ctx->nr, kind, 0);
}

/* Whether the current thread is in a 32-bit compat system call, whose numbers are another
 * table's: the trace events leave those out, and so does the fallback. */
static __always_inline bool in_compat_syscall(void)
{
#if defined(__TARGET_ARCH_x86)
        struct task_struct *task = bpf_get_current_task_btf();

        if (bpf_core_field_exists(task->thread_info.status))
                return BPF_CORE_READ(task, thread_info.status) & TS_COMPAT;
#endif
        return false;
}

/* Every system call passes here while the fallback is loaded: one bounds check and one load of
 * read-only data turn away all but the calls marked in cw_syscall_raw. */
SEC("raw_tp/sys_enter")
int BPF_PROG(handle_raw_sys_enter, struct pt_regs *regs, long id)
{
        if ((unsigned long) id >= CW_SYSCALL_NR_MAX || !cw_syscall_raw[id])
                return 0;
        if (syscall_kind(id) == CW_SC_NONE || in_compat_syscall())
                return 0;
        return enter_call(id, syscall_kind(id), CW_SC_RAW_TP);
}

static __always_inline uint16_t read_user_str(char *dst, uint32_t size, uint64_t src)
{
        long n;

        if (!src)
                return 0;
        n = bpf_probe_read_user_str(dst, size, (const void *) src);
        return n > 0 ? n - 1 : 0;
}

static __always_inline void resolve_fd_path(struct cw_syscall_event *e, int fd)
{
        struct file *file = fd_to_file(fd);
        bool truncated;

        if (!file)
                return;
        e->path_len = cw_resolve_path(e->path, CW_SYSCALL_PATH_MAX, BPF_CORE_READ(file, f_path.dentry),
                                      BPF_CORE_READ(file, f_path.mnt), &truncated);
        e->flags |= CW_SC_PATH_RESOLVED;
        if (truncated)
                e->flags |= CW_SC_PATH_TRUNCATED;
}

/* An extended attribute's value of size bytes at src (user memory): its first bytes, at most
 * CW_SYSCALL_VALUE_MAX, its size and the XATTR_* flags. */
static __always_inline void read_user_value(struct cw_syscall_event *e, uint64_t src, uint64_t size,
                                            uint64_t flags)
{
        uint32_t n = size < CW_SYSCALL_VALUE_MAX ? size : CW_SYSCALL_VALUE_MAX;

        e->value_size = size > 0xffffffffULL ? 0xffffffffU : size;
        e->xattr_flags = flags > 0xff ? 0xff : flags;
        if (src && n > 0 && bpf_probe_read_user(e->value, n, (const void *) src) == 0)
                e->value_len = n;
}

/* setxattrat: the value, its size and flags are in a struct xattr_args at src (user memory). */
static __always_inline void read_user_xattr_args(struct cw_syscall_event *e, uint64_t src)
{
        struct xattr_args args = {};

        if (src && bpf_probe_read_user(&args, sizeof(args), (const void *) src) == 0)
                read_user_value(e, args.value, args.size, args.flags);
}

/* The number of pid in the pid namespace it was created in: the one its process sees. */
static __always_inline uint32_t pid_nr_in_own_ns(struct pid *pid)
{
        unsigned int level = BPF_CORE_READ(pid, level);
        struct upid upid = {};

        bpf_core_read(&upid, sizeof(upid), &pid->numbers[level]);
        return upid.nr;
}

/* Whether target (a pid as the caller passed it) is the caller's own process or thread. */
static __always_inline bool target_is_self(uint32_t target)
{
        struct task_struct *task = bpf_get_current_task_btf();

        return target == pid_nr_in_own_ns(BPF_CORE_READ(task, thread_pid)) ||
               target == pid_nr_in_own_ns(BPF_CORE_READ(task, group_leader, thread_pid));
}

/* Sends the event of the call in, which returned ret, and forgets the call. */
static __always_inline void emit_call(struct inflight *in, uint32_t tid, int64_t ret)
{
        uint32_t zero = 0;
        struct cw_syscall_event *e = bpf_map_lookup_elem(&syscall_scratch, &zero);
        long n;

        if (!e) {
                bpf_map_delete_elem(&inflight, &tid);
                return;
        }
        cw_fill_header(&e->hdr, CW_EV_SYSCALL_CALL, sizeof(*e));
        e->hdr.uid = in->uid;
        e->hdr.gid = in->gid;
        __builtin_memcpy(e->hdr.comm, in->comm, sizeof(e->hdr.comm));
        e->ret = ret;
        for (int i = 0; i < 6; i++)
                e->args[i] = in->args[i];
        e->nr = in->nr;
        e->kind = in->kind;
        e->flags = in->flags & CW_SC_RAW_TP;
        e->ppid = cw_task_ppid(bpf_get_current_task_btf());
        e->path_len = e->str_len = e->fstype_len = 0;
        e->value_len = e->xattr_flags = 0;
        e->value_size = 0;
        e->path[0] = e->str[0] = e->fstype[0] = 0;

        switch (in->kind) {
        case CW_SC_CHMOD:
        case CW_SC_UMOUNT2:
                e->path_len = read_user_str(e->path, sizeof(e->path), in->args[0]);
                break;
        case CW_SC_FCHMODAT:
        case CW_SC_FCHMODAT2:
                e->path_len = read_user_str(e->path, sizeof(e->path), in->args[1]);
                break;
        case CW_SC_FCHMOD:
                resolve_fd_path(e, in->args[0]);
                break;
        case CW_SC_INIT_MODULE:
                e->str_len = read_user_str(e->str, sizeof(e->str), in->args[2]);
                break;
        case CW_SC_FINIT_MODULE:
                resolve_fd_path(e, in->args[0]);
                e->str_len = read_user_str(e->str, sizeof(e->str), in->args[1]);
                break;
        case CW_SC_SETXATTR:
        case CW_SC_LSETXATTR:
                e->path_len = read_user_str(e->path, sizeof(e->path), in->args[0]);
                e->str_len = read_user_str(e->str, sizeof(e->str), in->args[1]);
                read_user_value(e, in->args[2], in->args[3], in->args[4]);
                break;
        case CW_SC_FSETXATTR:
                resolve_fd_path(e, in->args[0]);
                e->str_len = read_user_str(e->str, sizeof(e->str), in->args[1]);
                read_user_value(e, in->args[2], in->args[3], in->args[4]);
                break;
        case CW_SC_SETXATTRAT:
                e->path_len = read_user_str(e->path, sizeof(e->path), in->args[1]);
                e->str_len = read_user_str(e->str, sizeof(e->str), in->args[3]);
                read_user_xattr_args(e, in->args[4]);
                break;
        case CW_SC_PROCESS_VM_READV:
        case CW_SC_PROCESS_VM_WRITEV:
                if (target_is_self(in->args[0]))
                        e->flags |= CW_SC_TARGET_SELF;
                break;
        case CW_SC_MOUNT:
                e->str_len = read_user_str(e->str, sizeof(e->str), in->args[0]);
                e->path_len = read_user_str(e->path, sizeof(e->path), in->args[1]);
                e->fstype_len = read_user_str(e->fstype, sizeof(e->fstype), in->args[2]);
                break;
        case CW_SC_MEMFD_CREATE:
        case CW_SC_DELETE_MODULE:
                e->str_len = read_user_str(e->str, sizeof(e->str), in->args[0]);
                break;
        case CW_SC_EXECVEAT:
                n = bpf_probe_read_kernel_str(e->path, CW_FILE_NAME_MAX, in->name);
                e->path_len = n > 0 ? n - 1 : 0;
                break;
        default:
                break;
        }
        bpf_map_delete_elem(&inflight, &tid);
        cw_output(e, sizeof(*e));
}

SEC("tp")
int handle_sys_exit(struct syscall_exit_record *ctx)
{
        uint32_t tid = (uint32_t) bpf_get_current_pid_tgid();
        struct inflight *in;

        if (syscall_kind(ctx->nr) == CW_SC_NONE)
                return 0;
        in = bpf_map_lookup_elem(&inflight, &tid);
        if (in)
                emit_call(in, tid, ctx->ret);
        return 0;
}

/* The fallback's exit: the number is read from the saved registers (the tracepoint passes only
 * the result); only a call whose entry was kept has an in-flight entry to send. */
SEC("raw_tp/sys_exit")
int BPF_PROG(handle_raw_sys_exit, struct pt_regs *regs, long ret)
{
        struct pt_regs *r = bpf_rdonly_cast(regs, bpf_core_type_id_kernel(struct pt_regs));
        long nr = SYSCALL_NR(r);
        uint32_t tid;
        struct inflight *in;

        if ((unsigned long) nr >= CW_SYSCALL_NR_MAX || !cw_syscall_raw[nr])
                return 0;
        tid = (uint32_t) bpf_get_current_pid_tgid();
        in = bpf_map_lookup_elem(&inflight, &tid);
        if (in && in->nr == nr && (in->flags & CW_SC_RAW_TP))
                emit_call(in, tid, ret);
        return 0;
}

/* A successful execveat() has no exit event: the new program's registers no longer hold the
 * syscall number. Its success is this tracepoint; old_pid is the calling thread. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
        uint32_t tid = old_pid;
        struct inflight *in = bpf_map_lookup_elem(&inflight, &tid);

        if (in && in->kind == CW_SC_EXECVEAT)
                emit_call(in, tid, 0);
        return 0;
}
