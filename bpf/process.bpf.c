// SPDX-License-Identifier: GPL-2.0-or-later
/* The process tracer: exec, fork and exit from BTF tracepoints (no tracefs needed). */
#include "common.bpf.h"
#include "process.h"

/* Masks that bound sizes for the verifier without changing them. */
#define CW_EXEC_SIZE_MASK 0x1fff
_Static_assert(sizeof(struct cw_exec_event) > CW_EXEC_SIZE_MASK, "exec scratch too small");
_Static_assert(__builtin_offsetof(struct cw_exec_event, data) + CW_PATH_MAX + CW_ARGS_MAX <= CW_EXEC_SIZE_MASK,
               "exec event too large for its mask");

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFREG 0100000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define S_ISUID 0004000
#define S_ISGID 0002000

/* Exec events are larger than the stack: build them in a per-CPU scratch slot. */
struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, uint32_t);
        __type(value, struct cw_exec_event);
} exec_scratch SEC(".maps");

static __always_inline uint8_t fd_kind(struct task_struct *task, int fd)
{
        struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
        struct file *file = NULL;
        unsigned int max = BPF_CORE_READ(task, files, fdt, max_fds);
        umode_t mode;
        unsigned int major;

        if ((unsigned int) fd >= max)
                return CW_FD_NONE;
        bpf_core_read(&file, sizeof(file), &fds[fd]);
        if (!file)
                return CW_FD_NONE;
        mode = BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT;
        switch (mode) {
        case S_IFREG:
                return CW_FD_FILE;
        case S_IFIFO:
                return CW_FD_PIPE;
        case S_IFSOCK:
                return CW_FD_SOCKET;
        case S_IFCHR:
                major = BPF_CORE_READ(file, f_inode, i_rdev) >> 20;
                /* tty, console, ptmx and the unix98 pty slaves */
                if (major == 4 || major == 5 || (major >= 136 && major <= 143))
                        return CW_FD_TTY;
                return CW_FD_OTHER;
        default:
                return CW_FD_OTHER;
        }
}

static __always_inline uint32_t pid_ns_inum(struct task_struct *task)
{
        struct pid *pid = BPF_CORE_READ(task, thread_pid);
        unsigned int level = BPF_CORE_READ(pid, level);
        struct pid_namespace *ns = NULL;

        bpf_core_read(&ns, sizeof(ns), &pid->numbers[level].ns);
        return BPF_CORE_READ(ns, ns.inum);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
        uint32_t zero = 0;
        struct cw_exec_event *e = bpf_map_lookup_elem(&exec_scratch, &zero);
        struct file *file;
        struct inode *inode;
        unsigned long arg_start, arg_end;
        const unsigned char *name;
        char prefix[8] = {};
        uint32_t args_len, path_len, name_len = 0, len;
        bool truncated;

        if (!e || !cw_cgroup_allowed())
                return 0;

        e->ppid = BPF_CORE_READ(task, real_parent, tgid);
        e->old_pid = old_pid;
        e->euid = BPF_CORE_READ(task, cred, euid.val);
        e->flags = 0;
        e->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
        e->net_ns = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
        e->pid_ns = pid_ns_inum(task);
        e->stdio[0] = fd_kind(task, 0);
        e->stdio[1] = fd_kind(task, 1);
        e->stdio[2] = fd_kind(task, 2);

        file = BPF_CORE_READ(bprm, file);
        inode = BPF_CORE_READ(file, f_inode);
        e->exe_ino = BPF_CORE_READ(inode, i_ino);
        e->exe_dev = BPF_CORE_READ(inode, i_sb, s_dev);
        e->exe_mode = BPF_CORE_READ(inode, i_mode);
        if (BPF_CORE_READ(inode, __i_nlink) == 0)
                e->flags |= CW_EXE_DELETED;
        if (e->exe_mode & S_ISUID)
                e->flags |= CW_EXE_SETUID;
        if ((e->exe_mode & S_ISGID) && (e->exe_mode & 00010))
                e->flags |= CW_EXE_SETGID;
        name = BPF_CORE_READ(file, f_path.dentry, d_name.name);
        bpf_probe_read_kernel(prefix, 6, name);
        if (prefix[0] == 'm' && prefix[1] == 'e' && prefix[2] == 'm' && prefix[3] == 'f' &&
            prefix[4] == 'd' && prefix[5] == ':')
                e->flags |= CW_EXE_MEMFD;

        path_len = cw_resolve_path(e->data, CW_PATH_MAX, BPF_CORE_READ(file, f_path.dentry),
                                   BPF_CORE_READ(file, f_path.mnt), &truncated);
        if (truncated)
                e->flags |= CW_EXE_PATH_TRUNCATED;
        path_len = cw_bound(path_len, CW_PATH_MAX - 1);
        e->path_len = path_len;

        arg_start = BPF_CORE_READ(task, mm, arg_start);
        arg_end = BPF_CORE_READ(task, mm, arg_end);
        e->args_total = arg_end - arg_start;
        args_len = e->args_total;
        if (args_len > CW_ARGS_MAX) {
                args_len = CW_ARGS_MAX;
                e->flags |= CW_EXE_ARGS_TRUNCATED;
        }
        if (bpf_probe_read_user(&e->data[path_len], cw_bound(args_len, CW_ARGS_MAX * 2 - 1),
                                (void *) arg_start) < 0)
                args_len = 0;
        e->args_len = args_len;
        e->argc = BPF_CORE_READ(bprm, argc);
        if (truncated) {
                /* the prefix went out, the tail is lost: the file's own name, for proc.name */
                uint32_t at = cw_bound(path_len + args_len, CW_EXEC_SIZE_MASK);
                long n;

                if (at > CW_PATH_MAX + CW_ARGS_MAX)
                        at = CW_PATH_MAX + CW_ARGS_MAX;
                n = bpf_probe_read_kernel_str(&e->data[at], CW_EXE_NAME_MAX, name);

                name_len = n > 0 ? n - 1 : 0;
        }
        e->name_len = name_len;
        e->pad = 0;
        e->pad2 = 0;

        cw_fill_header(&e->hdr, CW_EV_EXEC, 0);
        len = offsetof(struct cw_exec_event, data) + path_len + args_len + name_len;
        e->hdr.size = len;
        cw_output(e, cw_bound(len, CW_EXEC_SIZE_MASK));
        return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
        struct cw_fork_event e = {};

        if (!cw_cgroup_allowed())
                return 0;
        /* threads are not processes */
        if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
                return 0;
        cw_fill_header(&e.hdr, CW_EV_FORK, sizeof(e));
        e.child_pid = BPF_CORE_READ(child, tgid);
        cw_output(&e, sizeof(e));
        return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *task)
{
        struct cw_exit_event e = {};
        int code;

        if (!cw_cgroup_allowed())
                return 0;
        /* the process ends when its thread group leader does */
        if (BPF_CORE_READ(task, pid) != BPF_CORE_READ(task, tgid))
                return 0;
        cw_fill_header(&e.hdr, CW_EV_EXIT, sizeof(e));
        e.ppid = BPF_CORE_READ(task, real_parent, tgid);
        code = BPF_CORE_READ(task, exit_code);
        e.signal = code & 0x7f;
        e.core_dumped = !!(code & 0x80);
        e.exit_code = e.signal ? 0 : (code >> 8) & 0xff;
        e.lifetime_ns = bpf_ktime_get_ns() - BPF_CORE_READ(task, start_time);
        cw_output(&e, sizeof(e));
        return 0;
}
