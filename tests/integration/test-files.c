/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The files tracer on the live kernel: exact per-file counts, socket rows, watched-path opens
 * matched in the kernel, the pid filter, --sort/--top, and the bound of the aggregate map. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "tracer-test.h"
#include "tracers/files.h"
#include <files.h>               /* bpf/files.h: what the kernel side keeps */

#include "tracers/files-schema.h"

/* A manager with the files tracer started after the caller's settings. */
static struct tracer *start_files(struct tt *t, int pid_filter, const char *sort, size_t top, uint32_t max_entries)
{
        static const char *const none[] = { NULL };
        struct tracer *tr;

        tt_setup(t, none);
        t->m->pid_filter = pid_filter;
        tt_set_output_order(t, sort, top);
        tr = manager_find_tracer(t->m, "files");
        assert_non_null(tr);
        tr->max_entries = max_entries;
        assert_int_equal(manager_start_tracer(t->m, "files"), 0);
        return tr;
}

/* Ends the interval now: drains the ring buffer and reports the aggregates. */
static void end_interval(struct tt *t, struct tracer *tr)
{
        (void) manager_drain(t->m);
        assert_int_equal(tr->ops->on_interval(tr), 0);
        (void) manager_drain(t->m);
}

static void make_dir(char *buf, size_t size, const char *prefix)
{
        char marker[64];

        snprintf(buf, size, "/tmp/%s", tt_marker(marker, sizeof(marker), prefix));
        assert_int_equal(mkdir(buf, 0700), 0);
}

static void test_file_row_exact(void **state)
{
        struct tt t;
        struct tracer *tr = start_files(&t, 0, NULL, 0, 0);
        char dir[PATH_MAX], path[PATH_MAX + 16], buf[8192] = {};
        struct json_object *row;
        struct stat st;
        int fd;

        make_dir(dir, sizeof(dir), "files-row");
        snprintf(path, sizeof(path), "%s/data.bin", dir);
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal(write(fd, buf, 5000), 5000);
        assert_int_equal(write(fd, buf, 5000), 5000);
        assert_int_equal(write(fd, buf, 2345), 2345);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        assert_int_equal(read(fd, buf, 100), 100);
        assert_int_equal(read(fd, buf, 100), 100);
        close(fd);
        end_interval(&t, tr);

        row = tt_find(&t, "file_io", "ino", (int64_t) st.st_ino);
        assert_non_null(row);
        assert_int_equal(tt_int(row, "pid"), getpid());
        assert_int_equal(tt_int(row, "writes"), 3);
        assert_int_equal(tt_int(row, "write_bytes"), 12345);
        assert_int_equal(tt_int(row, "reads"), 2);
        assert_int_equal(tt_int(row, "read_bytes"), 200);
        assert_string_equal(tt_str(row, "type"), "R");
        assert_string_equal(tt_str(row, "filename"), "data.bin");
        assert_string_equal(tt_str(row, "path"), path);
        assert_int_equal(tt_int(row, "uid"), 0);
        assert_true(tt_int(row, "cgroup_id") > 0);
        assert_true(tt_has(row, "dev"));
        unlink(path);
        rmdir(dir);
        tt_done(&t);
}

static void test_socket_row(void **state)
{
        struct tt t;
        struct tracer *tr = start_files(&t, 0, NULL, 0, 0);
        struct json_object *row;
        char buf[64], name[64];
        struct stat st;
        int sv[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        assert_int_equal(fstat(sv[1], &st), 0);
        assert_int_equal(write(sv[0], "0123456", 7), 7);
        assert_int_equal(read(sv[1], buf, sizeof(buf)), 7);
        end_interval(&t, tr);
        row = tt_find(&t, "file_io", "ino", (int64_t) st.st_ino);
        assert_non_null(row);
        assert_string_equal(tt_str(row, "type"), "S");
        assert_int_equal(tt_int(row, "reads"), 1);
        assert_int_equal(tt_int(row, "read_bytes"), 7);
        assert_int_equal(tt_int(row, "writes"), 0);
        snprintf(name, sizeof(name), "socket:[%lu]", (unsigned long) st.st_ino);
        assert_string_equal(tt_str(row, "filename"), name);
        close(sv[0]);
        close(sv[1]);
        tt_done(&t);
}

static struct json_object *find_open(struct tt *t, const char *path)
{
        for (size_t i = 0; i < t->n_records; i++) {
                struct json_object *o = t->records[i];

                if (streq(tt_str(o, "event"), "open") && tt_str(o, "path") && streq(tt_str(o, "path"), path))
                        return o;
        }
        return NULL;
}

static bool have_open(struct tt *t, void *path)
{
        return find_open(t, path) != NULL;
}

static size_t count_open(struct tt *t, const char *path)
{
        size_t n = 0;

        for (size_t i = 0; i < t->n_records; i++)
                n += streq(tt_str(t->records[i], "event"), "open") && tt_str(t->records[i], "path") &&
                     streq(tt_str(t->records[i], "path"), path);
        return n;
}

struct open_count {
        const char *path;
        size_t before;
};

static bool more_opens(struct tt *t, void *userdata)
{
        struct open_count *c = userdata;

        return count_open(t, c->path) > c->before;
}

static struct json_object *wait_open(struct tt *t, const char *path)
{
        assert_true(tt_wait_for(t, have_open, (void *) path, 5000));
        return find_open(t, path);
}

static void test_default_watched_paths(void **state)
{
        struct tt t;
        struct json_object *o;
        int fd;

        start_files(&t, 0, NULL, 0, 0);
        fd = open("/etc/shadow", O_RDONLY);
        assert_true(fd >= 0);
        close(fd);
        o = wait_open(&t, "/etc/shadow");
        assert_int_equal(tt_int(o, "pid"), getpid());
        assert_int_equal(tt_int(o, "ppid"), getppid());
        assert_string_equal(tt_str(o, "syscall"), "openat");
        assert_string_equal(tt_str(o, "flags_text"), "O_RDONLY");
        assert_false(json_object_get_boolean(json_object_object_get(o, "write")));
        assert_int_equal(tt_int(o, "result"), fd);
        assert_string_equal(tt_str(o, "filename"), "shadow");
        tt_done(&t);
}

/* Sets the tracer's patterns for opens. */
static int watch_opens(struct tracer *tr, char **patterns, size_t n)
{
        return tr->ops->set_watched_paths(tr, &(struct tracer_watched_paths) { .open = { patterns, n } });
}

static void test_watched_opens(void **state)
{
        struct tt t;
        struct tracer *tr = start_files(&t, 0, NULL, 0, 0);
        struct files_tracer_stats before, after;
        char dir[PATH_MAX], other[PATH_MAX], p[PATH_MAX + 64], q[PATH_MAX + 64], cwd[PATH_MAX];
        char watch_all[PATH_MAX + 16], watch_star[PATH_MAX + 16], watch_write[PATH_MAX + 32];
        char *patterns[] = { watch_all, watch_star, watch_write };
        struct json_object *o;
        struct open_how how = { .flags = O_RDONLY };
        int fd;

        make_dir(dir, sizeof(dir), "files-watch");
        make_dir(other, sizeof(other), "files-other");
        snprintf(watch_all, sizeof(watch_all), "%s/secret", dir);
        snprintf(watch_star, sizeof(watch_star), "%s/*/key", dir);
        snprintf(watch_write, sizeof(watch_write), "write:%s/wonly", dir);
        assert_int_equal(watch_opens(tr, patterns, 3), 0);

        /* created for writing, with flags, mode and fd */
        snprintf(p, sizeof(p), "%s/secret", dir);
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0640);
        assert_true(fd >= 0);
        close(fd);
        o = wait_open(&t, p);
        assert_string_equal(tt_str(o, "flags_text"), "O_WRONLY|O_CREAT|O_TRUNC");
        assert_int_equal(tt_int(o, "flags"), O_WRONLY | O_CREAT | O_TRUNC);
        assert_true(json_object_get_boolean(json_object_object_get(o, "write")));
        assert_int_equal(tt_int(o, "result"), fd);
        assert_int_equal(tt_int(o, "mode"), 0640);
        assert_int_equal(tt_int(o, "uid"), 0);
        assert_string_equal(tt_str(o, "comm"), "test-files");

        /* a failing open: the path as passed, -ENOENT */
        snprintf(p, sizeof(p), "%s/secret-missing/x", dir);
        assert_true(open(p, O_RDONLY) < 0);
        o = wait_open(&t, p);
        assert_int_equal(tt_int(o, "result"), -ENOENT);

        /* a failing relative open, made absolute against the cwd in the kernel */
        assert_non_null(getcwd(cwd, sizeof(cwd)));
        assert_int_equal(chdir(dir), 0);
        assert_true(syscall(SYS_open, "secret-rel", O_RDONLY) < 0);
        assert_int_equal(chdir(cwd), 0);
        snprintf(p, sizeof(p), "%s/secret-rel", dir);
        o = wait_open(&t, p);
        assert_int_equal(tt_int(o, "result"), -ENOENT);
        assert_string_equal(tt_str(o, "syscall"), "open");

        /* "*" matches one component, not two */
        snprintf(p, sizeof(p), "%s/abc", dir);
        assert_int_equal(mkdir(p, 0700), 0);
        snprintf(p, sizeof(p), "%s/abc/key", dir);
        fd = syscall(SYS_openat2, AT_FDCWD, p, &how, sizeof(how));
        assert_true(fd < 0);
        o = wait_open(&t, p);
        assert_string_equal(tt_str(o, "syscall"), "openat2");
        assert_int_equal(tt_int(o, "result"), -ENOENT);
        snprintf(q, sizeof(q), "%s/abc/def/key", dir);
        assert_true(open(q, O_RDONLY) < 0);

        /* write-only patterns: a read open stays in the kernel, creat() does not */
        snprintf(p, sizeof(p), "%s/wonly", dir);
        fd = syscall(SYS_creat, p, 0600);
        assert_true(fd >= 0);
        close(fd);
        o = wait_open(&t, p);
        assert_string_equal(tt_str(o, "syscall"), "creat");
        assert_string_equal(tt_str(o, "flags_text"), "O_WRONLY|O_CREAT|O_TRUNC");
        fd = open(p, O_RDONLY);
        assert_true(fd >= 0);
        close(fd);

        /* a symlink into the watched directory: the opened file's path counts */
        snprintf(q, sizeof(q), "%s/link", other);
        snprintf(p, sizeof(p), "%s/secret", dir);
        assert_int_equal(symlink(p, q), 0);
        {
                size_t n0 = count_open(&t, p);

                fd = open(q, O_RDONLY);
                assert_true(fd >= 0);
                close(fd);
                assert_true(tt_wait_for(&t, more_opens, &(struct open_count) { p, n0 }, 5000));
        }

        /* unwatched opens never reach user space; the kernel counts them */
        assert_int_equal(files_tracer_get_stats(tr, &before), 0);
        snprintf(q, sizeof(q), "%s/unwatched", other);
        for (int i = 0; i < 100; i++) {
                fd = open(q, O_RDWR | O_CREAT, 0600);
                assert_true(fd >= 0);
                close(fd);
        }
        snprintf(p, sizeof(p), "%s/wonly", dir);
        fd = open(p, O_RDONLY);
        close(fd);
        tt_run_for(&t, 300);
        assert_int_equal(files_tracer_get_stats(tr, &after), 0);
        assert_true(after.opens_checked - before.opens_checked >= 101);
        assert_true(after.opens_unmatched - before.opens_unmatched >= 101);
        assert_null(find_open(&t, q));
        /* only the creat() of the write-only pattern arrived, none of its two read opens */
        assert_int_equal(count_open(&t, p), 1);
        snprintf(q, sizeof(q), "%s/abc/def/key", dir);
        assert_null(find_open(&t, q));

        /* bad patterns change nothing */
        {
                char *bad[] = { "relative/path" }, *bad2[] = { "/a/b*/c" }, *bad3[] = { "/*/*/*/x" };

                assert_int_equal(watch_opens(tr, bad, 1), -EINVAL);
                assert_int_equal(watch_opens(tr, bad2, 1), -EINVAL);
                assert_int_equal(watch_opens(tr, bad3, 1), -EINVAL);
        }
        snprintf(p, sizeof(p), "%s/secret", dir);
        fd = open(p, O_RDONLY);
        close(fd);
        assert_true(tt_wait_for(&t, have_open, p, 5000));

        unlink(q);
        snprintf(q, sizeof(q), "%s/link", other);
        unlink(q);
        snprintf(q, sizeof(q), "%s/unwatched", other);
        unlink(q);
        rmdir(other);
        snprintf(p, sizeof(p), "rm -rf '%s'", dir);
        assert_int_equal(system(p), 0);
        tt_done(&t);
}

/* The tree of test_deep_paths, removed by the group teardown too: a failed assertion leaves the
 * test function early. */
static char deep_tree[64];

static int teardown(void **state)
{
        if (deep_tree[0])
                (void) tt_remove_tree(deep_tree);
        return 0;
}

static bool flag(struct json_object *o, const char *key)
{
        return json_object_get_boolean(json_object_object_get(o, key));
}

/* Files 100, 1,000 and 2,100 components below a watched directory in /tmp (227 bytes: whole
 * everywhere; about 2,000: over the 255 bytes an aggregate keeps; about 4,200: over PATH_MAX - 1),
 * opened there and written: the open event and the aggregate row keep the root-side prefix (the
 * watched prefix matches whatever the depth), mark where they were cut, keep the file's name, and
 * say path_truncated exactly when they were cut. */
static void test_deep_paths(void **state)
{
        static const size_t depths[] = { 100, 1000, 2100 };
        struct tt t;
        struct tracer *tr = start_files(&t, 0, NULL, 0, 0);
        char tmp[] = "/tmp/cwatch-fdepth.XXXXXX", watch[64], buf[1000] = {};
        char *patterns[] = { watch };
        int top;

        assert_non_null(mkdtemp(tmp));
        snprintf(deep_tree, sizeof(deep_tree), "%s", tmp);
        snprintf(watch, sizeof(watch), "%s/", tmp);
        assert_int_equal(watch_opens(tr, patterns, 1), 0);
        top = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(top >= 0);
        for (size_t i = 0; i < ELEMENTSOF(depths); i++) {
                _cleanup_free_ char *path = tt_deep_path(tmp, "d", depths[i], "f"), *open_cut = NULL;
                _cleanup_free_ char *row_cut = NULL;
                int dir = tt_make_deep_dir(top, "d", depths[i]), fd;
                size_t len = strlen(path);
                struct json_object *o;
                struct stat st;

                assert_true(dir >= 0);
                open_cut = tt_cut_path(path, CW_OPEN_PATH_MAX - 1, "f");
                row_cut = tt_cut_path(path, CW_FILE_LEAF_OFF - 1, "f");
                fd = openat(dir, "f", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                assert_true(fd >= 0);
                assert_int_equal(fstat(fd, &st), 0);
                assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
                close(fd);
                close(dir);

                o = wait_open(&t, len < CW_OPEN_PATH_MAX ? path : open_cut);
                assert_true(strneq(tt_str(o, "path"), watch, strlen(watch)));
                assert_string_equal(tt_str(o, "filename"), "f");
                assert_int_equal(flag(o, "path_truncated"), len >= CW_OPEN_PATH_MAX);

                end_interval(&t, tr);
                o = tt_find(&t, "file_io", "ino", (int64_t) st.st_ino);
                assert_non_null(o);
                assert_int_equal(tt_int(o, "write_bytes"), sizeof(buf));
                assert_string_equal(tt_str(o, "path"), len < CW_FILE_PATH_MAX ? path : row_cut);
                assert_string_equal(tt_str(o, "filename"), "f");
                assert_int_equal(flag(o, "path_truncated"), len >= CW_FILE_PATH_MAX);
        }
        close(top);
        assert_int_equal(tt_remove_tree(tmp), 0);
        deep_tree[0] = '\0';
        tt_done(&t);
}

static void test_pid_filter_sort_top(void **state)
{
        struct tt t;
        struct tracer *tr;
        char dir[PATH_MAX], path[PATH_MAX + 16];
        struct files_tracer_stats st;
        pid_t child;
        int fds[3], status;
        struct json_object *rows[2];


        /* a bad sort column is refused with a clear error */
        assert_int_equal(output_check_sort_key("nope", &files_schema), -EINVAL);
        assert_int_equal(output_check_sort_key("flags", &files_schema), -EINVAL);
        assert_int_equal(output_check_sort_key("writes", &files_schema), 0);

        make_dir(dir, sizeof(dir), "files-sort");
        tr = start_files(&t, getpid(), "writes", 2, 0);
        for (int i = 0; i < 3; i++) {
                char b = 'x';
                static const int writes[] = { 1, 5, 3 };

                snprintf(path, sizeof(path), "%s/f%d", dir, i);
                fds[i] = open(path, O_WRONLY | O_CREAT, 0600);
                assert_true(fds[i] >= 0);
                for (int j = 0; j < writes[i]; j++)
                        assert_int_equal(write(fds[i], &b, 1), 1);
        }
        /* another process's I/O is filtered in the kernel */
        child = fork();
        if (child == 0) {
                int fd = open("/dev/null", O_WRONLY);

                for (int i = 0; i < 100; i++)
                        if (write(fd, "x", 1) != 1)
                                _exit(1);
                _exit(0);
        }
        status = tt_wait(child);
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_int_equal(files_tracer_get_stats(tr, &st), 0);
        end_interval(&t, tr);

        /* --top 2, --sort writes: the 5 then the 3 are printed, the 1 is only counted */
        assert_int_equal(tt_printed(&t, rows, 2), 2);
        assert_int_equal(tt_int(rows[0], "writes"), 5);
        assert_int_equal(tt_int(rows[1], "writes"), 3);
        assert_int_equal(t.n_records, 3);
        assert_int_equal(tt_int(t.records[2], "writes"), 1);
        for (size_t i = 0; i < t.n_records; i++)
                assert_int_equal(tt_int(t.records[i], "pid"), getpid());
        /* nothing of the child was even counted in the kernel */
        assert_true(st.inserts <= 4);

        for (int i = 0; i < 3; i++)
                close(fds[i]);
        snprintf(path, sizeof(path), "rm -rf '%s'", dir);
        assert_int_equal(system(path), 0);
        tt_done(&t);
}

static long map_memlock(struct tracer *tr)
{
        /* the aggregate map is the one sized by max_entries: find its fdinfo by max_entries */
        char p[64], line[256];
        long memlock = -1;

        for (int fd = 3; fd < 1024; fd++) {
                FILE *f;
                bool ours = false;
                long ml = -1;

                snprintf(p, sizeof(p), "/proc/self/fdinfo/%d", fd);
                f = fopen(p, "re");
                if (!f)
                        continue;
                while (fgets(line, sizeof(line), f)) {
                        unsigned long v;

                        if (sscanf(line, "max_entries: %lu", &v) == 1 && v == tr->max_entries)
                                ours = true;
                        if (sscanf(line, "memlock: %lu", &v) == 1)
                                ml = v;
                }
                fclose(f);
                if (ours && ml > 0) {
                        memlock = ml;
                        break;
                }
        }
        return memlock;
}

static long rss_kb(void)
{
        char line[256];
        long kb = -1;
        FILE *f = fopen("/proc/self/status", "re");

        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "VmRSS: %ld", &kb) == 1)
                        break;
        if (f)
                fclose(f);
        return kb;
}

#define MILLION 1000000
#define BOUND 4093      /* a max_entries no other map of the test has */

static void test_lru_bound_million_files(void **state)
{
        struct tt t;
        struct tracer *tr;
        struct files_tracer_stats st;
        char dir[PATH_MAX];
        long memlock_before, memlock_after, rss_before, rss_after;
        size_t entries, peak = 0;
        int dirfd;

        /* a tmpfs reached only through dirfd: detached at once, so that no mount outlives the
         * test, whatever assertion fails */
        make_dir(dir, sizeof(dir), "files-lru");
        assert_int_equal(mount("cwatch-test", dir, "tmpfs", 0, "size=16m,nr_inodes=0"), 0);
        dirfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        assert_int_equal(umount2(dir, MNT_DETACH), 0);
        (void) rmdir(dir);
        assert_true(dirfd >= 0);
        tr = start_files(&t, getpid(), NULL, 20, BOUND);
        memlock_before = map_memlock(tr);
        assert_true(memlock_before > 0);
        rss_before = rss_kb();

        /* a million distinct inodes: unnamed files, each written once */
        for (int i = 0; i < MILLION; i++) {
                int fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY, 0600);

                assert_true(fd >= 0);
                assert_int_equal(write(fd, "x", 1), 1);
                close(fd);
                if (i % 100000 == 0) {
                        assert_int_equal(files_tracer_count_entries(tr, &entries), 0);
                        peak = MAX(peak, entries);
                }
        }
        assert_int_equal(files_tracer_count_entries(tr, &entries), 0);
        peak = MAX(peak, entries);
        assert_true(peak <= BOUND);
        assert_true(peak > BOUND / 2);
        memlock_after = map_memlock(tr);
        assert_int_equal(memlock_after, memlock_before);

        end_interval(&t, tr);
        rss_after = rss_kb();
        assert_int_equal(files_tracer_get_stats(tr, &st), 0);
        fprintf(stderr, "# %d files, bound %d: %zu entries at most, %" PRIu64 " inserts, %" PRIu64
                " read, %" PRIu64 " evicted, map memlock %ld bytes, RSS %ld -> %ld kB\n", MILLION, BOUND,
                peak, st.inserts, st.read, st.evictions, memlock_after, rss_before, rss_after);
        assert_true(st.inserts >= MILLION);
        assert_true(st.read <= BOUND);
        assert_true(st.evictions >= MILLION - BOUND);
        assert_int_equal(tr->ops->lost(tr), st.evictions);
        assert_true(tt_printed(&t, NULL, 0) <= 20);
        assert_true(rss_after - rss_before < 16 * 1024);

        tt_done(&t);
        close(dirfd);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_file_row_exact),
                cmocka_unit_test(test_socket_row),
                cmocka_unit_test(test_default_watched_paths),
                cmocka_unit_test(test_watched_opens),
                cmocka_unit_test(test_deep_paths),
                cmocka_unit_test(test_pid_filter_sort_top),
                cmocka_unit_test(test_lru_bound_million_files),
        };

        tt_require_privileges();
        return cmocka_run_group_tests(tests, NULL, teardown);
}
