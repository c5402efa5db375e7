// SPDX-License-Identifier: GPL-2.0-or-later
/* The files tracer: bytes and calls per (process, file) aggregated in the kernel, and opens of
 * watched paths. One program on tp_btf/sys_exit does it all: the syscall number and arguments
 * are still in the task's saved registers there, and the return value says how many bytes
 * moved, so no sys_enter program and no in-flight map are needed (bench/hooks/RESULTS.md). */
#include "common.bpf.h"
#include "files.h"

/* Set through rodata before load: only this process (0: all). */
const volatile uint32_t cw_target_tgid = 0;

#if defined(__TARGET_ARCH_x86)
#define SYSCALL_NR(regs) ((regs)->orig_ax)
#define SYSCALL_ARG1(regs) ((regs)->di)
#define SYSCALL_ARG2(regs) ((regs)->si)
#define SYSCALL_ARG3(regs) ((regs)->dx)
#define SYSCALL_ARG4(regs) ((regs)->r10)
enum {
        NR_read = 0, NR_write = 1, NR_open = 2, NR_pread64 = 17, NR_pwrite64 = 18, NR_readv = 19,
        NR_writev = 20, NR_sendfile = 40, NR_creat = 85, NR_openat = 257, NR_preadv = 295,
        NR_pwritev = 296, NR_preadv2 = 327, NR_pwritev2 = 328, NR_openat2 = 437,
};
#elif defined(__TARGET_ARCH_arm64)
/* the generic syscall table; not tested on arm64 yet */
#define SYSCALL_NR(regs) ((regs)->syscallno)
#define SYSCALL_ARG1(regs) ((regs)->orig_x0)
#define SYSCALL_ARG2(regs) ((regs)->regs[1])
#define SYSCALL_ARG3(regs) ((regs)->regs[2])
#define SYSCALL_ARG4(regs) ((regs)->regs[3])
enum {
        NR_read = 63, NR_write = 64, NR_open = -2, NR_pread64 = 67, NR_pwrite64 = 68, NR_readv = 65,
        NR_writev = 66, NR_sendfile = 71, NR_creat = -3, NR_openat = 56, NR_preadv = 69,
        NR_pwritev = 70, NR_preadv2 = 286, NR_pwritev2 = 287, NR_openat2 = 437,
};
#else
#error "files tracer: no syscall table for this architecture"
#endif

#define AT_FDCWD -100
#define O_WRONLY 00000001
#define O_RDWR 00000002
#define O_CREAT 00000100
#define O_TRUNC 00001000
#define S_IFMT 00170000
#define S_IFSOCK 0140000
/* include/linux/fs.h: set in file->f_mode when the open created the file (stable since 4.19) */
#define CW_FMODE_CREATED (1U << 20)

struct {
        __uint(type, BPF_MAP_TYPE_LRU_HASH);
        __uint(max_entries, CW_FILE_STATS_DEFAULT_MAX);
        __type(key, struct cw_file_key);
        __type(value, struct cw_file_stats);
} file_stats SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, _CW_FILE_CNT_MAX);
        __type(key, uint32_t);
        __type(value, uint64_t);
} file_counters SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_LPM_TRIE);
        __uint(max_entries, 1024);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, struct cw_watch_key);
        __type(value, struct cw_watch_value);
} watched SEC(".maps");

/* New aggregates and open events are larger than the stack: built in per-CPU scratch. */
struct stats_scratch {
        struct cw_file_stats stats;
};

struct open_scratch {
        struct cw_open_event ev;
        char slack[CW_OPEN_PATH_MAX];   /* the verifier's view of path + masked offsets */
        char name[CW_OPEN_PATH_MAX];    /* the path argument as passed */
        struct cw_watch_key key;
        char key_slack[256];            /* the verifier's view of key.data + masked offsets */
};

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, uint32_t);
        __type(value, struct stats_scratch);
} stats_scratch SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, uint32_t);
        __type(value, struct open_scratch);
} open_scratch SEC(".maps");

static __always_inline void count(uint32_t which)
{
        uint64_t *n = bpf_map_lookup_elem(&file_counters, &which);

        if (n)
                *n += 1;
}

/* The struct file behind fd of task, or NULL. */
static __always_inline struct file *task_file(struct task_struct *task, unsigned long fd)
{
        struct fdtable *fdt = task->files->fdt;
        struct file *file = NULL;
        struct kiocb *slot;

        if (fd >= fdt->max_fds)
                return NULL;
        /* fdt->fd is an array of pointers, which BTF loads cannot index. Its slot is read as the
         * first member of a struct that starts with a struct file *: a plain load the verifier
         * inlines, where bpf_probe_read_kernel costs a helper call on every read and write. */
        if (bpf_core_field_offset(struct kiocb, ki_filp) == 0) {
                slot = bpf_rdonly_cast((void *) &fdt->fd[fd], bpf_core_type_id_kernel(struct kiocb));
                return slot->ki_filp;
        }
        bpf_probe_read_kernel(&file, sizeof(file), &fdt->fd[fd]);
        return file;
}

/* The struct file behind fd of the current task, or NULL. */
static __always_inline struct file *current_file(unsigned long fd)
{
        return task_file(bpf_get_current_task_btf(), fd);
}

/* Fills a new aggregate's name: the path for files with one, the dentry name for pseudo files
 * (sockets, pipes, anon inodes), whose dentry is its own parent. */
static __noinline void stats_set_path(struct stats_scratch *s, struct file *file)
{
        struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
        uint32_t len;
        bool truncated;

        s->stats.flags = 0;
        if (BPF_CORE_READ(dentry, d_parent) == dentry) {
                long n = bpf_probe_read_kernel_str(s->stats.path, CW_FILE_PATH_MAX,
                                                   BPF_CORE_READ(dentry, d_name.name));

                s->stats.path_len = n > 0 ? n - 1 : 0;
                s->stats.flags = CW_FILE_PSEUDO;
                return;
        }
        /* a longer path keeps its root-side prefix, as everywhere: what rules and prefixes match */
        len = cw_resolve_path(s->stats.path, CW_FILE_PATH_MAX, dentry, BPF_CORE_READ(file, f_path.mnt),
                              &truncated);
        if (truncated) {
                /* a shorter prefix, and the file's own name after it: what the table shows */
                if (len > CW_FILE_LEAF_OFF - 1)
                        len = CW_FILE_LEAF_OFF - 1;
                s->stats.path[cw_bound(len, CW_FILE_PATH_MAX - 1)] = 0;
                bpf_probe_read_kernel_str(&s->stats.path[CW_FILE_LEAF_OFF], CW_FILE_PATH_MAX - CW_FILE_LEAF_OFF,
                                          BPF_CORE_READ(dentry, d_name.name));
                s->stats.flags |= CW_FILE_LEAF;
        }
        s->stats.path_len = len;
        if (truncated)
                s->stats.flags |= CW_FILE_PATH_TRUNCATED;
}

static __noinline void count_io(unsigned long fd, long bytes, bool write)
{
        struct cw_file_key key;
        struct cw_file_stats *v;
        struct stats_scratch *s;
        struct task_struct *task = bpf_get_current_task_btf();
        struct file *file = task_file(task, fd);
        struct inode *inode;
        uint32_t zero = 0, own_tgid;

        if (!file)
                return;
        file = bpf_rdonly_cast(file, bpf_core_type_id_kernel(struct file));
        inode = file->f_inode;
        own_tgid = cw_task_tgid(task);
        key.tgid = own_tgid ?: task->tgid;
        key.dev = inode->i_sb->s_dev;
        key.ino = inode->i_ino;

        v = bpf_map_lookup_elem(&file_stats, &key);
        if (v) {
                if (write) {
                        __sync_fetch_and_add(&v->writes, 1);
                        __sync_fetch_and_add(&v->write_bytes, bytes);
                } else {
                        __sync_fetch_and_add(&v->reads, 1);
                        __sync_fetch_and_add(&v->read_bytes, bytes);
                }
                return;
        }

        s = bpf_map_lookup_elem(&stats_scratch, &zero);
        if (!s)
                return;
        s->stats.reads = !write;
        s->stats.writes = write;
        s->stats.read_bytes = write ? 0 : bytes;
        s->stats.write_bytes = write ? bytes : 0;
        s->stats.cgroup_id = bpf_get_current_cgroup_id();
        s->stats.uid = (uint32_t) bpf_get_current_uid_gid();
        s->stats.mode = inode->i_mode;
        bpf_get_current_comm(s->stats.comm, sizeof(s->stats.comm));
        stats_set_path(s, file);
        if (!own_tgid)
                s->stats.flags |= CW_FILE_HOST_PID;
        if (bpf_map_update_elem(&file_stats, &key, &s->stats, BPF_NOEXIST) == 0) {
                /* user space compares this with the entries it finds: the rest were evicted */
                count(CW_FILE_CNT_INSERTS);
                return;
        }
        /* another CPU created it meanwhile */
        v = bpf_map_lookup_elem(&file_stats, &key);
        if (!v)
                return;
        if (write) {
                __sync_fetch_and_add(&v->writes, 1);
                __sync_fetch_and_add(&v->write_bytes, bytes);
        } else {
                __sync_fetch_and_add(&v->reads, 1);
                __sync_fetch_and_add(&v->read_bytes, bytes);
        }
}

/* Resolves the path of file into s->ev.path; returns its length. */
static __noinline uint32_t open_path_of_file(struct open_scratch *s, struct file *file)
{
        bool truncated;
        uint32_t len = cw_resolve_path(s->ev.path, CW_OPEN_PATH_MAX, BPF_CORE_READ(file, f_path.dentry),
                                       BPF_CORE_READ(file, f_path.mnt), &truncated);

        if (truncated) {
                /* the prefix went out, the tail is lost: the file's own name, after the path */
                const unsigned char *name = BPF_CORE_READ(file, f_path.dentry, d_name.name);
                long n = bpf_probe_read_kernel_str(&s->ev.path[cw_bound(len, CW_OPEN_PATH_MAX - 1)],
                                                   CW_OPEN_NAME_MAX, name);

                s->ev.name_len = n > 0 ? n - 1 : 0;
                s->ev.flags |= CW_OPEN_PATH_TRUNCATED;
        }
        return len;
}

/* The path of a failed open: the argument, made absolute against the cwd or dirfd. */
static __noinline uint32_t open_path_of_argument(struct open_scratch *s, long dfd, const char *arg)
{
        struct task_struct *task = bpf_get_current_task_btf();
        struct file *dir;
        long n = bpf_probe_read_user_str(s->name, sizeof(s->name), arg);
        uint32_t len, base, room;
        bool truncated;

        if (n <= 0)
                return 0;
        len = n - 1;
        if (s->name[0] == '/') {
                bpf_probe_read_kernel(s->ev.path, cw_bound(len, CW_OPEN_PATH_MAX - 1) + 1, s->name);
                return len;
        }
        if (dfd == AT_FDCWD) {
                base = cw_resolve_path(s->ev.path, CW_OPEN_PATH_MAX, BPF_CORE_READ(task, fs, pwd.dentry),
                                       BPF_CORE_READ(task, fs, pwd.mnt), &truncated);
        } else {
                dir = current_file(dfd);
                if (!dir) {
                        s->ev.flags |= CW_OPEN_PATH_RELATIVE;
                        bpf_probe_read_kernel(s->ev.path, cw_bound(len, CW_OPEN_PATH_MAX - 1) + 1, s->name);
                        return len;
                }
                base = cw_resolve_path(s->ev.path, CW_OPEN_PATH_MAX, BPF_CORE_READ(dir, f_path.dentry),
                                       BPF_CORE_READ(dir, f_path.mnt), &truncated);
        }
        /* Too long for the buffer: the root-side prefix, marked, like every resolved path (a rule on
         * a directory must not be evaded by the depth of the cwd) */
        if (truncated || base >= CW_OPEN_PATH_MAX - 2) {
                s->ev.flags |= CW_OPEN_PATH_TRUNCATED;
                return base;
        }
        /* "/" as base already ends in a slash */
        if (base > 1) {
                s->ev.path[cw_bound(base, CW_OPEN_PATH_MAX - 1)] = '/';
                base++;
        }
        room = CW_OPEN_PATH_MAX - 1 - base;
        if (len > room) {
                len = room;
                s->ev.flags |= CW_OPEN_PATH_TRUNCATED;
        }
        bpf_probe_read_kernel(&s->ev.path[cw_bound(base, CW_OPEN_PATH_MAX - 1)],
                              cw_bound(len, CW_OPEN_PATH_MAX - 1) + 1, s->name);
        s->ev.path[cw_bound(base + len, CW_OPEN_PATH_MAX - 1)] = 0;
        return base + len;
}

struct component_scan {
        struct open_scratch *s;
        uint32_t end;
        uint32_t n;
};

/* bpf_loop callback: advances end to the "/" after the component (or to n). */
static long component_end(uint64_t i, void *ctx)
{
        struct component_scan *c = ctx;

        if (c->end >= c->n || c->s->key.data[cw_bound(c->end, 0xff)] == '/')
                return 1;
        c->end++;
        return 0;
}

/* Whether the path in s->ev.path (len bytes) is watched for an open with this intent. Looks up
 * the longest watched prefix; where it is followed by a "*" component, replaces the next
 * component of the path with "*" and looks again. */
static __noinline bool open_path_watched(struct open_scratch *s, uint32_t len, bool write)
{
        uint32_t n = len < CW_WATCH_KEY_MAX ? len : CW_WATCH_KEY_MAX, shift = 0;

        bpf_probe_read_kernel(s->key.data, cw_bound(n, 0xff), s->ev.path);
        s->key.prefixlen = n * 8;
        for (int round = 0; round < 3; round++) {
                struct cw_watch_value *v = bpf_map_lookup_elem(&watched, &s->key);
                struct component_scan scan;
                uint32_t star, end, rest;

                if (!v)
                        return false;
                if ((v->flags & CW_WATCH_OPEN) || ((v->flags & CW_WATCH_WRITE) && write))
                        return true;
                star = v->star_len;
                if (!(v->flags & CW_WATCH_STAR) || star == 0 || star >= n)
                        return false;
                star = cw_bound(star, 0xff);
                if (s->key.data[star] == '*')
                        return false;
                scan = (struct component_scan) { .s = s, .end = star, .n = n };
                bpf_loop(CW_WATCH_KEY_MAX, component_end, &scan, 0);
                end = scan.end;
                /* data[star] = '*', then the rest from end, which is path[end + shift] */
                rest = n - end;
                s->key.data[star] = '*';
                if (rest > 0)
                        bpf_probe_read_kernel(&s->key.data[cw_bound(star + 1, 0xff)], cw_bound(rest, 0xff),
                                              &s->ev.path[cw_bound(end + shift, CW_OPEN_PATH_MAX - 1)]);
                shift += end - (star + 1);
                n = star + 1 + rest;
                s->key.prefixlen = n * 8;
        }
        return false;
}

/* Whether the open's path argument is absolute and below /proc/. */
static __noinline bool argument_in_proc(struct open_scratch *s, const char *arg)
{
        if (bpf_probe_read_user(s->name, 6, arg) < 0)
                return false;
        return s->name[0] == '/' && s->name[1] == 'p' && s->name[2] == 'r' && s->name[3] == 'o' &&
               s->name[4] == 'c' && s->name[5] == '/';
}

static __always_inline bool open_for_writing(uint64_t flags)
{
        return (flags & (O_WRONLY | O_RDWR)) || (flags & O_TRUNC);
}

/* Whether the resolved path in s->ev.path is below /proc/. */
static __always_inline bool path_in_proc(struct open_scratch *s)
{
        return s->ev.path[0] == '/' && s->ev.path[1] == 'p' && s->ev.path[2] == 'r' && s->ev.path[3] == 'o' &&
               s->ev.path[4] == 'c' && s->ev.path[5] == '/';
}

/* Sends the open event in s with len bytes of path. */
static __noinline void open_output(struct open_scratch *s, uint32_t len)
{
        uint32_t size;

        len = cw_bound(len, CW_OPEN_PATH_MAX - 1);
        size = offsetof(struct cw_open_event, path) + len + cw_bound(s->ev.name_len, CW_OPEN_NAME_MAX - 1);
        s->ev.path_len = len;
        s->ev.pad = 0;
        cw_fill_header(&s->ev.hdr, CW_EV_FILE_OPEN, size);
        cw_output(&s->ev, size);
}

static __noinline void handle_open(struct pt_regs *regs, long nr, long ret)
{
        struct task_struct *task = bpf_get_current_task_btf();
        struct open_scratch *s;
        const char *arg;
        struct open_how how = {};
        struct file *file = NULL;
        uint32_t zero = 0, len = 0;
        uint64_t flags, a1, a2, a3, a4;
        long dfd = AT_FDCWD;
        bool watched;
        uint8_t sys;

        s = bpf_map_lookup_elem(&open_scratch, &zero);
        if (!s)
                return;
        count(CW_FILE_CNT_OPENS_CHECKED);
        /* the arguments as scalars first: loads from regs and from how must not merge */
        a1 = SYSCALL_ARG1(regs);
        a2 = SYSCALL_ARG2(regs);
        a3 = SYSCALL_ARG3(regs);
        a4 = SYSCALL_ARG4(regs);
        barrier_var(a4);
        if (nr == NR_openat) {
                sys = CW_SYS_OPENAT;
                dfd = (int) a1;
                arg = (const char *) a2;
                flags = (uint32_t) a3;
                s->ev.mode = a4;
        } else if (nr == NR_open) {
                sys = CW_SYS_OPEN;
                arg = (const char *) a1;
                flags = (uint32_t) a2;
                s->ev.mode = a3;
        } else if (nr == NR_creat) {
                sys = CW_SYS_CREAT;
                arg = (const char *) a1;
                flags = O_CREAT | O_WRONLY | O_TRUNC;
                s->ev.mode = a2;
        } else {
                sys = CW_SYS_OPENAT2;
                dfd = (int) a1;
                arg = (const char *) a2;
                bpf_probe_read_user(&how, sizeof(how), (void *) a3);
                flags = how.flags;
                s->ev.mode = how.mode;
        }

        s->ev.flags = 0;
        s->ev.name_len = 0;
        if (ret >= 0)
                file = current_file(ret);
        if (file) {
                len = open_path_of_file(s, file);
                s->ev.flags |= CW_OPEN_PATH_FROM_FILE;
                if (BPF_CORE_READ(file, f_mode) & CW_FMODE_CREATED)
                        s->ev.flags |= CW_OPEN_CREATED;
        } else
                len = open_path_of_argument(s, dfd, arg);
        if (len == 0) {
                count(CW_FILE_CNT_OPENS_NO_PATH);
                return;
        }
        s->ev.open_flags = flags;
        s->ev.result = ret;
        s->ev.ppid = cw_task_ppid(task);
        s->ev.syscall = sys;
        len = cw_bound(len, CW_OPEN_PATH_MAX - 1);
        watched = open_path_watched(s, len, open_for_writing(flags));
        if (watched)
                open_output(s, len);
        /* A /proc magic link (/proc/PID/root, cwd, fd/N) resolves to its target, which hides how
         * the file was reached ("/proc/1/root/etc/shadow" is "/etc/shadow"): the path as passed
         * is reported too, in a second event, when it is watched. */
        if (file && argument_in_proc(s, arg) && !path_in_proc(s)) {
                s->ev.flags &= CW_OPEN_CREATED;
                s->ev.name_len = 0;
                len = open_path_of_argument(s, dfd, arg);
                if (len > 0) {
                        len = cw_bound(len, CW_OPEN_PATH_MAX - 1);
                        if (open_path_watched(s, len, open_for_writing(flags))) {
                                open_output(s, len);
                                watched = true;
                        }
                }
        }
        if (!watched)
                count(CW_FILE_CNT_OPENS_UNMATCHED);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(files_sys_exit, struct pt_regs *regs, long ret)
{
        long nr = SYSCALL_NR(regs);

        switch (nr) {
        case NR_read: case NR_pread64: case NR_readv: case NR_preadv: case NR_preadv2:
        case NR_write: case NR_pwrite64: case NR_writev: case NR_pwritev: case NR_pwritev2:
        case NR_sendfile:
        case NR_open: case NR_openat: case NR_openat2: case NR_creat:
                break;
        default:
                return 0;
        }
        if (cw_target_tgid) {
                uint32_t pid, tid;

                cw_current_pids(&pid, &tid);
                if (pid != cw_target_tgid)
                        return 0;
        }
        if (!cw_cgroup_allowed())
                return 0;

        switch (nr) {
        case NR_read: case NR_pread64: case NR_readv: case NR_preadv: case NR_preadv2:
                if (ret >= 0)
                        count_io(SYSCALL_ARG1(regs), ret, false);
                break;
        case NR_write: case NR_pwrite64: case NR_writev: case NR_pwritev: case NR_pwritev2:
                if (ret >= 0)
                        count_io(SYSCALL_ARG1(regs), ret, true);
                break;
        case NR_sendfile:
                /* sendfile(out_fd, in_fd, ...): written to one, read from the other */
                if (ret >= 0) {
                        count_io(SYSCALL_ARG1(regs), ret, true);
                        count_io(SYSCALL_ARG2(regs), ret, false);
                }
                break;
        default:
                handle_open(regs, nr, ret);
                break;
        }
        return 0;
}
