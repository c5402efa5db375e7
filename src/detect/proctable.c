/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proctable.h"
#include "shared/macro.h"
#include "shared/u64map.h"

struct exited {
        uint32_t pid;
        uint64_t exit_ns;
};

/* The columns of the process tracer's records that the table reads. */
enum {
        PC_PID, PC_PPID, PC_UID, PC_COMM, PC_EXE, PC_ARGS, PC_EXE_MEMFD, PC_EXE_DELETED, PC_EXE_SETUID,
        PC_EXE_TRUNCATED, PC_STDIN, PC_STDOUT, PC_STDERR, PC_SCRIPT, PC_STDIN_PIPE, PC_STDOUT_PIPE, PC_ENV,
        PC_STDIN_CODE,
        _PC_MAX,
};
static const char *const proc_columns[_PC_MAX] = {
        [PC_PID] = "pid", [PC_PPID] = "ppid", [PC_UID] = "uid", [PC_COMM] = "comm", [PC_EXE] = "exe",
        [PC_ARGS] = "args", [PC_EXE_MEMFD] = "exe_memfd", [PC_EXE_DELETED] = "exe_deleted",
        [PC_EXE_SETUID] = "exe_setuid", [PC_EXE_TRUNCATED] = "exe_truncated", [PC_STDIN] = "stdin",
        [PC_STDOUT] = "stdout", [PC_STDERR] = "stderr", [PC_SCRIPT] = "script", [PC_STDIN_PIPE] = "stdin_pipe",
        [PC_STDOUT_PIPE] = "stdout_pipe", [PC_ENV] = "env",
        [PC_STDIN_CODE] = "stdin_code",
};

struct proctable {
        struct column_index columns;
        struct proc_entry *slots;       /* open addressing, linear probing */
        size_t mask;
        size_t n_entries, max_entries;
        struct u64map pipe_writers;     /* pipe inode -> pid of the last exec with it on stdout */
        struct u64map pipe_readers;     /* ... on stdin; at most one key per entry in each */
        struct exited *exits;           /* FIFO of exited processes, max_entries long */
        size_t exits_head, n_exits;
        uint64_t inserts, full;
};

static size_t pid_hash(uint32_t pid)
{
        uint64_t h = pid * UINT64_C(0x9e3779b97f4a7c15);

        return (size_t) (h >> 32);
}

int proctable_new(struct proctable **ret, size_t max_entries)
{
        struct proctable *t;
        size_t cap = 64;

        if (max_entries == 0)
                max_entries = PROCTABLE_DEFAULT_MAX;
        while (cap < max_entries * 2)
                cap <<= 1;
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->slots = calloc(cap, sizeof(*t->slots));
        t->exits = calloc(max_entries, sizeof(*t->exits));
        if (!t->slots || !t->exits) {
                free(t->slots);
                free(t->exits);
                free(t);
                return -ENOMEM;
        }
        t->mask = cap - 1;
        column_index_init(&t->columns, proc_columns, _PC_MAX);
        t->max_entries = max_entries;
        *ret = t;
        return 0;
}

/* Forgets e's pipes in the indexes (where they still name it). */
static void pipes_forget(struct proctable *t, const struct proc_entry *e)
{
        if (e->stdout_pipe && (uintptr_t) u64map_get(&t->pipe_writers, e->stdout_pipe) == e->pid)
                (void) u64map_remove(&t->pipe_writers, e->stdout_pipe);
        if (e->stdin_pipe && (uintptr_t) u64map_get(&t->pipe_readers, e->stdin_pipe) == e->pid)
                (void) u64map_remove(&t->pipe_readers, e->stdin_pipe);
}

static void entry_free_contents(struct proc_entry *e)
{
        free(e->exe);
        free(e->applet);
        free(e->cmdline);
        free(e->script);
        free(e->env);
}

static void entry_clear(struct proctable *t, struct proc_entry *e)
{
        pipes_forget(t, e);
        entry_free_contents(e);
        *e = (struct proc_entry) {};
}

struct proctable *proctable_free(struct proctable *t)
{
        if (!t)
                return NULL;
        for (size_t i = 0; i <= t->mask; i++)
                if (t->slots[i].pid)
                        entry_free_contents(&t->slots[i]);
        u64map_clear(&t->pipe_writers);
        u64map_clear(&t->pipe_readers);
        free(t->slots);
        free(t->exits);
        free(t);
        return NULL;
}

static struct proc_entry *slot_find(const struct proctable *t, uint32_t pid)
{
        for (size_t i = pid_hash(pid) & t->mask;; i = (i + 1) & t->mask) {
                if (t->slots[i].pid == pid)
                        return &t->slots[i];
                if (t->slots[i].pid == 0)
                        return NULL;
        }
}

const struct proc_entry *proctable_get(const struct proctable *t, uint32_t pid)
{
        return pid == 0 ? NULL : slot_find(t, pid);
}

/* The entry of pid, created empty if needed; NULL when the table is full. */
static struct proc_entry *slot_get(struct proctable *t, uint32_t pid)
{
        size_t i;

        for (i = pid_hash(pid) & t->mask; t->slots[i].pid; i = (i + 1) & t->mask)
                if (t->slots[i].pid == pid)
                        return &t->slots[i];
        if (t->n_entries >= t->max_entries) {
                t->full++;
                return NULL;
        }
        t->slots[i] = (struct proc_entry) { .pid = pid };
        t->n_entries++;
        t->inserts++;
        return &t->slots[i];
}

static void slot_remove(struct proctable *t, struct proc_entry *e)
{
        size_t i = e - t->slots, j = i;

        entry_clear(t, e);
        t->n_entries--;
        /* backward-shift deletion keeps probe chains intact without tombstones */
        for (;;) {
                size_t home;

                j = (j + 1) & t->mask;
                if (t->slots[j].pid == 0)
                        break;
                home = pid_hash(t->slots[j].pid) & t->mask;
                if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
                        t->slots[i] = t->slots[j];
                        t->slots[j] = (struct proc_entry) {};
                        i = j;
                }
        }
}

static void expire_front(struct proctable *t)
{
        struct exited *x = &t->exits[t->exits_head];
        struct proc_entry *e = slot_find(t, x->pid);

        if (e && (e->flags & PROC_EXITED) && e->exit_ns == x->exit_ns)
                slot_remove(t, e);
        t->exits_head = (t->exits_head + 1) % t->max_entries;
        t->n_exits--;
}

void proctable_expire(struct proctable *t, uint64_t now_ns)
{
        while (t->n_exits > 0 && t->exits[t->exits_head].exit_ns + PROCTABLE_EXIT_GRACE_NS <= now_ns)
                expire_front(t);
}

static const struct proc_entry *pipe_end(const struct proctable *t, const struct u64map *m, uint64_t ino,
                                         uint32_t pid, bool writer)
{
        uint32_t other = (uintptr_t) u64map_get(m, ino);
        const struct proc_entry *e = other && other != pid ? slot_find(t, other) : NULL;

        /* the entry may have exec'd since with another stdio: then it is not that end any more */
        if (!e || (writer ? e->stdout_pipe : e->stdin_pipe) != ino)
                return NULL;
        return e;
}

const struct proc_entry *proctable_pipe_writer(const struct proctable *t, uint64_t ino, uint32_t pid)
{
        return ino ? pipe_end(t, &t->pipe_writers, ino, pid, true) : NULL;
}

const struct proc_entry *proctable_pipe_reader(const struct proctable *t, uint64_t ino, uint32_t pid)
{
        return ino ? pipe_end(t, &t->pipe_readers, ino, pid, false) : NULL;
}

/* Records the pipes of e's exec in the indexes (a failure to grow leaves the pipe unindexed). */
static void pipes_index(struct proctable *t, const struct proc_entry *e)
{
        if (e->stdout_pipe)
                (void) u64map_put(&t->pipe_writers, e->stdout_pipe, (void *) (uintptr_t) e->pid);
        if (e->stdin_pipe)
                (void) u64map_put(&t->pipe_readers, e->stdin_pipe, (void *) (uintptr_t) e->pid);
}

const char *path_basename(const char *s, size_t len, size_t *ret_len)
{
        const char *slash = memrchr(s, '/', len);

        if (!slash) {
                *ret_len = len;
                return s;
        }
        *ret_len = len - (slash + 1 - s);
        return slash + 1;
}

/* The multiplexer a multi-call binary's basename belongs to ("busybox" for busybox, busybox.static,
 * busybox-x86_64, busybox-extras), or NULL. */
static const char *multicall_family(const char *base, size_t len)
{
        static const char *const multiplexers[] = { "busybox", "toybox" };

        for (size_t i = 0; i < ELEMENTSOF(multiplexers); i++) {
                size_t n = strlen(multiplexers[i]);

                if (len >= n && memcmp(base, multiplexers[i], n) == 0 &&
                    (len == n || memchr(".-_", base[n], 3)))
                        return multiplexers[i];
        }
        return NULL;
}

const char *proc_name(const char *exe, size_t exe_len, const char *argv, size_t argv_len, size_t *ret_len)
{
        size_t base_len;
        const char *base = path_basename(exe, exe_len, &base_len), *family = multicall_family(base, base_len);
        const char *end = argv ? argv + argv_len : NULL;

        /* as the multiplexers do: argv[0], and past every argument naming the multiplexer ("busybox" or
         * any name that starts so) the next one */
        for (const char *a = argv; family && a && a < end;) {
                const char *nul = memchr(a, '\0', end - a), *name = a;
                size_t len = nul ? (size_t) (nul - a) : (size_t) (end - a);

                a += len + 1;
                if (name == argv && len > 0 && name[0] == '-')
                        name++, len--;          /* a login shell, "-sh" */
                else if (name != argv && len > 0 && name[0] == '-')
                        break;                  /* the multiplexer's own option: "busybox --list" */
                name = path_basename(name, len, &len);
                if (len == 0)
                        break;
                if (len >= strlen(family) && memcmp(name, family, strlen(family)) == 0)
                        continue;
                *ret_len = len;
                return name;
        }
        *ret_len = base_len;
        return base;
}

const char *proc_entry_name(const struct proc_entry *e, size_t *ret_len)
{
        if (e->applet) {
                *ret_len = strlen(e->applet);
                return e->applet;
        }
        return e->exe ? path_basename(e->exe, strlen(e->exe), ret_len) : NULL;
}

/* The applet of a multi-call binary, for the table (NULL when the name is the executable's). */
static char *applet_dup(const char *exe, const char *argv, size_t argv_len)
{
        size_t exe_len = exe ? strlen(exe) : 0, len;
        const char *name;

        if (!exe || !argv)
                return NULL;
        name = proc_name(exe, exe_len, argv, argv_len, &len);
        /* the executable's own name needs no copy */
        if ((uintptr_t) name >= (uintptr_t) exe && (uintptr_t) name < (uintptr_t) (exe + exe_len))
                return NULL;
        return strndup(name, len);
}

size_t argv_join(struct strbuf *b, const char *argv, size_t len, size_t max)
{
        size_t start = b->len, args = SIZE_MAX;

        if (len > max)
                len = max;
        for (size_t i = 0; i < len; i++) {
                if (argv[i] == '\0') {
                        if (i + 1 == len)
                                break;
                        if (args == SIZE_MAX)
                                args = b->len - start + 1;
                        strbuf_putc(b, ' ');
                } else
                        strbuf_putc(b, argv[i]);
        }
        return args == SIZE_MAX ? b->len - start : args;
}

static char *strndup_or_null(const char *s, size_t len)
{
        return s ? strndup(s, len) : NULL;
}

static const char *stdio_kind(const struct value *v)
{
        static const char *const kinds[] = { "none", "file", "pipe", "socket", "tty", "other" };

        if (!v)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
                if (v->len == strlen(kinds[i]) && memcmp(v->str, kinds[i], v->len) == 0)
                        return kinds[i];
        return "other";
}

static void set_comm(struct proc_entry *e, const struct value *v)
{
        if (v)
                snprintf(e->comm, sizeof(e->comm), "%.*s", (int) MIN(v->len, sizeof(e->comm) - 1), v->str);
}

static void update_exec(struct proctable *t, const struct record *r, const int *c, uint32_t pid)
{
        const struct value *v;
        struct proc_entry *e = slot_get(t, pid);
        struct strbuf b = {};

        if (!e)
                return;
        pipes_forget(t, e);
        e->flags &= ~(PROC_EXITED | PROC_EXE_MEMFD | PROC_EXE_DELETED | PROC_EXE_SETUID | PROC_EXE_TRUNCATED |
                      PROC_ENV_KNOWN | PROC_STDIN_CODE | PROC_CMDLINE_TRUNCATED);
        if ((v = record_value(r, c[PC_PPID])))
                e->ppid = v->u;
        if ((v = record_value(r, c[PC_UID])))
                e->uid = v->u;
        set_comm(e, record_value(r, c[PC_COMM]));
        free(e->exe);
        v = record_value(r, c[PC_EXE]);
        e->exe = v ? strndup_or_null(v->str, v->len) : NULL;
        free(e->applet);
        v = record_value(r, c[PC_ARGS]);
        e->applet = v ? applet_dup(e->exe, v->str, v->len) : NULL;
        free(e->cmdline);
        e->cmdline = NULL;
        if (v) {
                argv_join(&b, v->str, v->len, PROCTABLE_CMDLINE_MAX);
                if (!b.oom)
                        e->cmdline = strdup(b.data ?: "");
                strbuf_free(&b);
                if (v->truncated || v->len > PROCTABLE_CMDLINE_MAX)
                        e->flags |= PROC_CMDLINE_TRUNCATED;
        }
        if ((v = record_value(r, c[PC_EXE_MEMFD])) && v->u)
                e->flags |= PROC_EXE_MEMFD;
        if ((v = record_value(r, c[PC_EXE_DELETED])) && v->u)
                e->flags |= PROC_EXE_DELETED;
        if ((v = record_value(r, c[PC_EXE_SETUID])) && v->u)
                e->flags |= PROC_EXE_SETUID;
        if ((v = record_value(r, c[PC_EXE_TRUNCATED])) && v->u)
                e->flags |= PROC_EXE_TRUNCATED;
        e->stdio[0] = stdio_kind(record_value(r, c[PC_STDIN]));
        e->stdio[1] = stdio_kind(record_value(r, c[PC_STDOUT]));
        e->stdio[2] = stdio_kind(record_value(r, c[PC_STDERR]));
        free(e->script);
        v = record_value(r, c[PC_SCRIPT]);
        e->script = v ? strndup_or_null(v->str, v->len) : NULL;
        free(e->env);
        e->env = NULL;
        e->env_len = 0;
        if (c[PC_ENV] >= 0) {
                /* the column is absent when nothing was captured: known, and empty */
                v = record_value(r, c[PC_ENV]);
                if (v && v->len > 0 && (e->env = malloc(v->len))) {
                        memcpy(e->env, v->str, v->len);
                        e->env_len = v->len;
                }
                if (!v || e->env)
                        e->flags |= PROC_ENV_KNOWN;
        }
        if ((v = record_value(r, c[PC_STDIN_CODE])) && v->u)
                e->flags |= PROC_STDIN_CODE;
        v = record_value(r, c[PC_STDIN_PIPE]);
        e->stdin_pipe = v ? v->u : 0;
        v = record_value(r, c[PC_STDOUT_PIPE]);
        e->stdout_pipe = v ? v->u : 0;
        pipes_index(t, e);
}

static void copy_from_parent(struct proc_entry *e, const struct proc_entry *p)
{
        e->uid = p->uid;
        e->flags = p->flags & (PROC_EXE_MEMFD | PROC_EXE_DELETED | PROC_EXE_SETUID | PROC_EXE_TRUNCATED |
                               PROC_ENV_KNOWN);
        if (p->env && (e->env = malloc(p->env_len))) {
                memcpy(e->env, p->env, p->env_len);
                e->env_len = p->env_len;
        } else if (p->env)
                e->flags &= ~PROC_ENV_KNOWN;
        memcpy(e->comm, p->comm, sizeof(e->comm));
        e->exe = p->exe ? strdup(p->exe) : NULL;
        e->applet = p->applet ? strdup(p->applet) : NULL;
        e->cmdline = p->cmdline ? strdup(p->cmdline) : NULL;
        e->script = p->script ? strdup(p->script) : NULL;
        memcpy(e->stdio, p->stdio, sizeof(e->stdio));
        /* the pipes are not: a forked shell rearranges its descriptors before it execs */
}

static void update_fork(struct proctable *t, const struct record *r, const int *c, uint32_t pid)
{
        const struct value *ppid = record_value(r, c[PC_PPID]);
        const struct proc_entry *p;
        struct proc_entry *e;

        if (!ppid)
                return;
        e = slot_get(t, pid);
        if (!e)
                return;
        /* a recycled pid: start afresh */
        pipes_forget(t, e);
        entry_free_contents(e);
        *e = (struct proc_entry) { .pid = pid, .ppid = ppid->u };
        p = slot_find(t, ppid->u);
        if (p)
                copy_from_parent(e, p);
        else
                set_comm(e, record_value(r, c[PC_COMM]));
}

static void update_exit(struct proctable *t, uint32_t pid, uint64_t now_ns)
{
        struct proc_entry *e = slot_find(t, pid);

        if (!e || (e->flags & PROC_EXITED))
                return;
        if (t->n_exits == t->max_entries)
                expire_front(t);
        e->flags |= PROC_EXITED;
        e->exit_ns = now_ns;
        t->exits[(t->exits_head + t->n_exits) % t->max_entries] = (struct exited) { pid, now_ns };
        t->n_exits++;
}

void proctable_update(struct proctable *t, const struct record *r, uint64_t now_ns)
{
        const char *ev = record_event(r);
        const struct value *pid;
        const int *c;

        if (!ev || !streq(r->schema->event, "process"))
                return;
        c = column_index_get(&t->columns, r->schema);
        pid = c ? record_value(r, c[PC_PID]) : NULL;
        if (!pid || pid->u == 0 || pid->u > UINT32_MAX)
                return;
        if (streq(ev, "exec"))
                update_exec(t, r, c, pid->u);
        else if (streq(ev, "fork"))
                update_fork(t, r, c, pid->u);
        else if (streq(ev, "exit"))
                update_exit(t, pid->u, now_ns);
}

static ssize_t read_small_file(int dirfd, const char *path, char *buf, size_t size)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
        size_t n = 0;

        if (fd < 0)
                return -errno;
        while (n < size - 1) {
                ssize_t k = read(fd, buf + n, size - 1 - n);

                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                n += k;
        }
        buf[n] = '\0';
        return n;
}

static void scan_one(struct proctable *t, int dirfd, uint32_t pid)
{
        char buf[4096], exe[PATH_MAX];
        struct proc_entry *e;
        struct strbuf b = {};
        ssize_t n;
        char *p;

        n = read_small_file(dirfd, "stat", buf, sizeof(buf));
        if (n <= 0)
                return;
        /* "pid (comm) state ppid ...": comm may hold anything, so look for the last ')' */
        p = strrchr(buf, ')');
        if (!p)
                return;
        e = slot_get(t, pid);
        if (!e)
                return;
        sscanf(p + 1, " %*c %" SCNu32, &e->ppid);
        *p = '\0';
        if ((p = strchr(buf, '(')))
                snprintf(e->comm, sizeof(e->comm), "%s", p + 1);
        n = readlinkat(dirfd, "exe", exe, sizeof(exe) - 1);
        if (n > 0) {
                exe[n] = '\0';
                if (strneq(exe, "/memfd:", 7))
                        e->flags |= PROC_EXE_MEMFD;
                else if (n > 10 && streq(exe + n - 10, " (deleted)"))
                        e->flags |= PROC_EXE_DELETED;
                e->exe = strdup(exe);
        }
        n = read_small_file(dirfd, "cmdline", buf, sizeof(buf));
        if (n > 0) {
                e->applet = applet_dup(e->exe, buf, n);
                argv_join(&b, buf, n, PROCTABLE_CMDLINE_MAX);
                if (!b.oom)
                        e->cmdline = strdup(b.data ?: "");
                strbuf_free(&b);
                if ((size_t) n > PROCTABLE_CMDLINE_MAX)
                        e->flags |= PROC_CMDLINE_TRUNCATED;
        }
        n = read_small_file(dirfd, "status", buf, sizeof(buf));
        if (n > 0 && (p = strstr(buf, "\nUid:")))
                sscanf(p + 5, "%" SCNu32, &e->uid);
}

int proctable_scan(struct proctable *t, const char *proc_dir)
{
        DIR *d = opendir(proc_dir ?: "/proc");
        struct dirent *de;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                char *end;
                unsigned long pid = strtoul(de->d_name, &end, 10);
                int fd;

                if (*end || pid == 0 || pid > UINT32_MAX)
                        continue;
                fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                if (!slot_find(t, pid))
                        scan_one(t, fd, pid);
                close(fd);
        }
        closedir(d);
        return 0;
}

void proctable_get_stats(const struct proctable *t, struct proctable_stats *ret)
{
        *ret = (struct proctable_stats) { .entries = t->n_entries, .inserts = t->inserts, .full = t->full };
}
