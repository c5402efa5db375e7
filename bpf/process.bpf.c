// SPDX-License-Identifier: GPL-2.0-or-later
/* The process tracer: exec, fork and exit from BTF tracepoints (no tracefs needed). */
#include "common.bpf.h"
#include "process.h"

/* Masks that bound sizes for the verifier without changing them: offsets in data below
 * CW_EXEC_OFF_MASK, with room after each for a part of CW_PATH_MAX bytes; the whole event below
 * CW_EXEC_SIZE_MASK. */
#define CW_EXEC_OFF_MASK 0x3fff
#define CW_EXEC_SIZE_MASK 0x7fff
_Static_assert(sizeof(struct cw_exec_event) > CW_EXEC_SIZE_MASK, "exec scratch too small");
_Static_assert(CW_EXEC_OFF_MASK + 1 + CW_PATH_MAX <= CW_EXEC_DATA_SIZE, "exec data too small for its mask");
_Static_assert(__builtin_offsetof(struct cw_exec_event, data) + CW_EXEC_OFF_MASK <= CW_EXEC_SIZE_MASK,
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

/* The kind of fd (enum cw_fd_kind); for a pipe its inode number goes to *pipe_ino. */
static __always_inline uint8_t fd_kind(struct task_struct *task, int fd, uint64_t *pipe_ino)
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
                if (pipe_ino)
                        *pipe_ino = BPF_CORE_READ(file, f_inode, i_ino);
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

/* The environment scan: the few variables rules look at (enum cw_env_var), read at exec from the
 * new process's environment area, which nobody can have changed yet. Each step reads one entry (or
 * a 4 KiB piece of a longer one) with one string read, which also measures it; its start is
 * compared with the names and a match is kept (CW_ENV_ENTRY_MAX bytes at most). A piece that is
 * not the start of an entry (mid) is never taken for one, so no value
 * can smuggle in a variable. The loader takes the last LD_* entry of a name, shells the first
 * HIST* one: so are they kept. Bounded by CW_ENV_SCAN_MAX bytes and CW_ENV_SCAN_STEPS steps; past
 * them CW_ENV_SCAN_CUT says the rest was not seen. */
#define CW_ENV_PIECE 4096
#define CW_ENV_SLOT 512

struct cw_env_scan {
        uint64_t pos, end;
        uint32_t mid;           /* pos is inside an entry */
        uint32_t found;         /* bit per enum cw_env_var */
        uint32_t flags;         /* enum cw_env_flags */
        uint32_t pad;
        uint16_t len[8];        /* bytes of each entry found, without NUL */
        char entry[8][CW_ENV_SLOT];     /* room for the masked length */
        char piece[CW_ENV_PIECE];
};

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, uint32_t);
        __type(value, struct cw_env_scan);
} env_scratch SEC(".maps");

static __always_inline bool cw_has_prefix(const char *h, const char *lit, int n)
{
        char d = 0;

#pragma unroll
        for (int i = 0; i < n; i++)
                d |= h[i] ^ lit[i];
        return d == 0;
}

/* The variable an entry starting with h names, or -1. */
static __always_inline int cw_env_match(const char *h)
{
        if (h[0] == 'L') {
                if (cw_has_prefix(h, "LD_PRELOAD=", 11))
                        return CW_ENV_LD_PRELOAD;
                if (cw_has_prefix(h, "LD_LIBRARY_PATH=", 16))
                        return CW_ENV_LD_LIBRARY_PATH;
        } else if (h[0] == 'H' && cw_has_prefix(h, "HIST", 4)) {
                if (cw_has_prefix(h + 4, "FILE=", 5))
                        return CW_ENV_HISTFILE;
                if (cw_has_prefix(h + 4, "SIZE=", 5))
                        return CW_ENV_HISTSIZE;
                if (cw_has_prefix(h + 4, "FILESIZE=", 9))
                        return CW_ENV_HISTFILESIZE;
        }
        return -1;
}

static long cw_env_step(uint64_t i, void *ctx)
{
        uint32_t zero = 0, k;
        struct cw_env_scan *s = bpf_map_lookup_elem(&env_scratch, &zero);
        long n;
        int v;

        if (!s || s->pos >= s->end)
                return 1;
        /* one read per entry: it measures the entry and brings its start for the names (the bytes
         * after its NUL are an older entry's, but no name holds a NUL, so they never match) */
        n = bpf_probe_read_user_str(s->piece, CW_ENV_PIECE, (void *) s->pos);
        if (n <= 0) {
                s->flags |= CW_ENV_FAULT;
                return 1;
        }
        if (!s->mid) {
                v = cw_env_match(s->piece);
                if (v >= 0 && !(v >= CW_ENV_HISTFILE && (s->found & (1u << v)))) {
                        k = n < CW_ENV_ENTRY_MAX ? n : CW_ENV_ENTRY_MAX;
                        bpf_probe_read_kernel(s->entry[v & 7], cw_bound(k, CW_ENV_SLOT - 1), s->piece);
                        s->entry[v & 7][cw_bound(k - 1, CW_ENV_SLOT - 1)] = 0;
                        s->found |= 1u << v;
                        s->len[v & 7] = k - 1;
                        if (n >= CW_ENV_ENTRY_MAX)
                                s->flags |= CW_ENV_VALUE_CUT;
                }
        }
        /* a full piece ended at no NUL of the entry: its last byte is the NUL the read added */
        s->mid = n == CW_ENV_PIECE;
        s->pos += s->mid ? n - 1 : n;
        return 0;
}

/* Scans the environment of task and appends the entries found to e->data at *at. */
static __always_inline void cw_env_capture(struct cw_exec_event *e, struct task_struct *task, uint32_t *at)
{
        uint32_t zero = 0, len = 0, n;
        struct cw_env_scan *s = bpf_map_lookup_elem(&env_scratch, &zero);
        uint64_t start, end;

        e->env_len = 0;
        e->env_flags = 0;
        if (!s)
                return;
        start = BPF_CORE_READ(task, mm, env_start);
        end = BPF_CORE_READ(task, mm, env_end);
        if (end <= start)
                return;
        s->pos = start;
        s->end = end - start > CW_ENV_SCAN_MAX ? start + CW_ENV_SCAN_MAX : end;
        s->mid = 0;
        s->found = 0;
        s->flags = 0;
        bpf_loop(CW_ENV_SCAN_STEPS, cw_env_step, NULL, 0);
        if (s->pos < end && !(s->flags & CW_ENV_FAULT))
                s->flags |= CW_ENV_SCAN_CUT;
        e->env_flags = s->flags;
#pragma unroll
        for (int v = 0; v < CW_ENV_VARS; v++) {
                if (!(s->found & (1u << v)))
                        continue;
                n = cw_bound(s->len[v], 511);
                if (n >= CW_ENV_ENTRY_MAX)
                        continue;
                bpf_probe_read_kernel(&e->data[cw_bound(*at + len, CW_EXEC_OFF_MASK)], n + 1, s->entry[v]);
                len += n + 1;
        }
        e->env_len = len;
        *at += len;
}

/* Whether the executable's name (its dentry's) is an interpreter that takes a script argument:
 * then the working directory is captured, to make a relative script name absolute. */
static __always_inline bool cw_is_interpreter(const unsigned char *name)
{
        char n[10] = {};

        bpf_probe_read_kernel_str(n, sizeof(n), name);
        switch (n[0]) {
        case 'a':
                return cw_has_prefix(n, "ash", 4);
        case 'b':
                return cw_has_prefix(n, "bash", 5) || cw_has_prefix(n, "busybox", 7);
        case 'd':
                return cw_has_prefix(n, "dash", 5);
        case 'k':
                return cw_has_prefix(n, "ksh", 4);
        case 'l':
                return cw_has_prefix(n, "lua", 3);
        case 'm':
                return cw_has_prefix(n, "mksh", 5);
        case 'n':
                return cw_has_prefix(n, "node", 4);
        case 'p':
                return cw_has_prefix(n, "python", 6) || cw_has_prefix(n, "perl", 4) ||
                       cw_has_prefix(n, "php", 3);
        case 'r':
                return cw_has_prefix(n, "ruby", 4);
        case 's':
                return cw_has_prefix(n, "sh", 3);
        case 'z':
                return cw_has_prefix(n, "zsh", 4);
        default:
                return false;
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
        uint32_t args_len, path_len, name_len = 0, len, at;
        const char *filename, *interp;
        bool truncated, relative = false;

        if (!e || !cw_cgroup_allowed())
                return 0;

        e->ppid = cw_task_ppid(task);
        /* the thread that called exec, gone by now: known in cwatchd's namespace when it was the leader */
        e->old_pid = old_pid == BPF_CORE_READ(task, tgid) ? cw_task_tgid(task) : cw_pidns_ino ? 0 : old_pid;
        e->euid = BPF_CORE_READ(task, cred, euid.val);
        e->flags = 0;
        e->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
        e->net_ns = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
        e->pid_ns = pid_ns_inum(task);
        e->stdin_pipe = 0;
        e->stdout_pipe = 0;
        e->stdio[0] = fd_kind(task, 0, &e->stdin_pipe);
        e->stdio[1] = fd_kind(task, 1, &e->stdout_pipe);
        e->stdio[2] = fd_kind(task, 2, NULL);

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
        at = path_len + args_len + name_len;

        /* An interpreter swapped in (#!, binfmt_misc) leaves interp != filename; filename is then the
         * file exec was asked to run, as given (the kernel has closed that file by now). */
        e->script_len = 0;
        filename = BPF_CORE_READ(bprm, filename);
        interp = BPF_CORE_READ(bprm, interp);
        if (filename != interp) {
                long n = bpf_probe_read_kernel_str(&e->data[cw_bound(at, CW_EXEC_OFF_MASK)], CW_PATH_MAX,
                                                   filename);

                if (n > 1) {
                        e->script_len = n - 1;
                        relative = e->data[cw_bound(at, CW_EXEC_OFF_MASK)] != '/';
                        at += n - 1;
                }
        }
        e->cwd_len = 0;
        if (relative || (e->argc >= 2 && cw_is_interpreter(name))) {
                struct fs_struct *fs = BPF_CORE_READ(task, fs);
                uint32_t n = cw_resolve_path(&e->data[cw_bound(at, CW_EXEC_OFF_MASK)], CW_PATH_MAX,
                                             BPF_CORE_READ(fs, pwd.dentry), BPF_CORE_READ(fs, pwd.mnt),
                                             &truncated);

                if (truncated)
                        e->flags |= CW_EXE_CWD_TRUNCATED;
                n = cw_bound(n, CW_PATH_MAX - 1);
                e->cwd_len = n;
                at += n;
        }
        cw_env_capture(e, task, &at);

        cw_fill_header(&e->hdr, CW_EV_EXEC, 0);
        len = offsetof(struct cw_exec_event, data) + at;
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
        e.child_pid = cw_task_tgid(child) ?: BPF_CORE_READ(child, tgid);
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
        e.ppid = cw_task_ppid(task);
        code = BPF_CORE_READ(task, exit_code);
        e.signal = code & 0x7f;
        e.core_dumped = !!(code & 0x80);
        e.exit_code = e.signal ? 0 : (code >> 8) & 0xff;
        e.lifetime_ns = bpf_ktime_get_ns() - BPF_CORE_READ(task, start_time);
        cw_output(&e, sizeof(e));
        return 0;
}
