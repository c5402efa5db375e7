/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The process tracer on the live kernel: exec, fork and exit of real processes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "tracer-test.h"

static struct tt tt;
/* Trees of the path depth tests, removed by the group teardown too: a failed assertion leaves the
 * test function early. */
static char trees[2][64];

static int setup(void **state)
{
        static const char *const tracers[] = { "process", NULL };

        tt_setup(&tt, tracers);
        return 0;
}

static int teardown(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(trees); i++)
                if (trees[i][0])
                        (void) tt_remove_tree(trees[i]);
        tt_done(&tt);
        return 0;
}

static bool have_exit_of(struct tt *t, void *pid)
{
        return tt_find(t, "exit", "pid", *(pid_t *) pid) != NULL;
}

static void assert_args(struct json_object *o, char *const want[])
{
        struct json_object *args;
        size_t n = 0;

        assert_true(json_object_object_get_ex(o, "args", &args));
        while (want[n])
                n++;
        assert_int_equal(json_object_array_length(args), n);
        for (size_t i = 0; i < n; i++)
                assert_string_equal(json_object_get_string(json_object_array_get_idx(args, i)), want[i]);
}

static void test_exec_fork_exit(void **state)
{
        char marker[64], sh[PATH_MAX];
        char *argv[] = { "/bin/sh", "-c", "exit 7", (char *) tt_marker(marker, sizeof(marker), "m4rk3r"), NULL };
        struct json_object *exec, *fork, *exit;
        pid_t pid;

        assert_non_null(realpath("/bin/sh", sh));
        pid = tt_spawn(argv);
        assert_true(pid > 0);
        assert_int_equal(WEXITSTATUS(tt_wait(pid)), 7);
        assert_true(tt_wait_for(&tt, have_exit_of, &pid, 5000));

        fork = tt_find(&tt, "fork", "pid", pid);
        assert_non_null(fork);
        assert_int_equal(tt_int(fork, "ppid"), getpid());

        exec = tt_find(&tt, "exec", "pid", pid);
        assert_non_null(exec);
        assert_int_equal(tt_int(exec, "ppid"), getpid());
        assert_int_equal(tt_int(exec, "uid"), 0);
        assert_string_equal(tt_str(exec, "exe"), sh);
        assert_string_equal(tt_str(exec, "comm"), "sh");
        assert_args(exec, argv);
        assert_int_equal(tt_int(exec, "argc"), 4);
        assert_false(json_object_get_boolean(json_object_object_get(exec, "args_truncated")));
        assert_string_equal(tt_str(exec, "stdin"), "other");    /* /dev/null */
        assert_true(tt_int(exec, "mnt_ns") > 0);
        assert_true(tt_int(exec, "pid_ns") > 0);
        assert_true(tt_int(exec, "net_ns") > 0);
        assert_true(tt_int(exec, "cgroup_id") > 0);

        exit = tt_find(&tt, "exit", "pid", pid);
        assert_int_equal(tt_int(exit, "exit_code"), 7);
        assert_false(tt_has(exit, "signal"));
        assert_int_equal(tt_int(exit, "ppid"), getpid());
        assert_true(tt_int(exit, "lifetime_ns") > 0);
        assert_true(tt_int(exit, "lifetime_ns") < INT64_C(10000000000));
}

static void test_exit_by_signal(void **state)
{
        char *argv[] = { "/bin/sh", "-c", "kill -TERM $$", NULL };
        struct json_object *exit;
        pid_t pid = tt_spawn(argv);

        assert_int_equal(WTERMSIG(tt_wait(pid)), SIGTERM);
        assert_true(tt_wait_for(&tt, have_exit_of, &pid, 5000));
        exit = tt_find(&tt, "exit", "pid", pid);
        assert_int_equal(tt_int(exit, "signal"), SIGTERM);
        assert_false(tt_has(exit, "exit_code"));
}

static void test_long_argv_truncated(void **state)
{
        char *argv[103] = { "/bin/true" }, args[100][64];
        struct json_object *exec, *arr;
        pid_t pid;

        for (int i = 0; i < 100; i++) {
                snprintf(args[i], sizeof(args[i]), "argument-%03d-%040d", i, 0);
                argv[i + 1] = args[i];
        }
        pid = tt_spawn(argv);
        tt_wait(pid);
        assert_true(tt_wait_for(&tt, have_exit_of, &pid, 5000));
        exec = tt_find(&tt, "exec", "pid", pid);
        assert_non_null(exec);
        assert_true(json_object_get_boolean(json_object_object_get(exec, "args_truncated")));
        assert_int_equal(tt_int(exec, "argc"), 101);
        arr = json_object_object_get(exec, "args");
        /* 2 KiB kept: well over 20 arguments of this length */
        assert_true(json_object_array_length(arr) >= 30);
        assert_true(json_object_array_length(arr) < 101);
        assert_string_equal(json_object_get_string(json_object_array_get_idx(arr, 25)), args[24]);
}

static void test_argv_bytes_escaped(void **state)
{
        char *argv[] = { "/bin/true", "quote\"back\\slash", "new\nline", "bad\xff" "byte", "tab\there", NULL };
        struct json_object *exec, *arr;
        pid_t pid = tt_spawn(argv);

        tt_wait(pid);
        assert_true(tt_wait_for(&tt, have_exit_of, &pid, 5000));
        exec = tt_find(&tt, "exec", "pid", pid);
        assert_non_null(exec);
        arr = json_object_object_get(exec, "args");
        /* escaped one way (shared/escape.h): "\\" for a backslash, \xNN for control and invalid bytes */
        assert_string_equal(json_object_get_string(json_object_array_get_idx(arr, 1)), "quote\"back\\\\slash");
        assert_string_equal(json_object_get_string(json_object_array_get_idx(arr, 2)), "new\\x0aline");
        assert_string_equal(json_object_get_string(json_object_array_get_idx(arr, 3)), "bad\\xffbyte");
        assert_string_equal(json_object_get_string(json_object_array_get_idx(arr, 4)), "tab\\x09here");
}

static void test_memfd_exec(void **state)
{
        struct json_object *exec;
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0) {
                char buf[65536], *argv[] = { "true", NULL }, *envp[] = { NULL };
                int fd = memfd_create("cwatch-memfd", 0), src = open("/bin/true", O_RDONLY);
                ssize_t n;

                while ((n = read(src, buf, sizeof(buf))) > 0)
                        if (write(fd, buf, n) != n)
                                _exit(1);
                fexecve(fd, argv, envp);
                _exit(127);
        }
        assert_int_equal(WEXITSTATUS(tt_wait(pid)), 0);
        assert_true(tt_wait_for(&tt, have_exit_of, &pid, 5000));
        exec = tt_find(&tt, "exec", "pid", pid);
        assert_non_null(exec);
        /* named as /proc/PID/exe names it */
        assert_string_equal(tt_str(exec, "exe"), "/memfd:cwatch-memfd");
        assert_true(json_object_get_boolean(json_object_object_get(exec, "exe_memfd")));
        assert_true(json_object_get_boolean(json_object_object_get(exec, "exe_deleted")));
}

/* The exec of pid, after its exit record is in. */
static struct json_object *exec_of(pid_t pid)
{
        assert_true(pid > 0);
        tt_wait(pid);
        assert_true(tt_wait_for(&tt, have_exit_of, &pid, 5000));
        return tt_find(&tt, "exec", "pid", pid);
}

/* fork + execve of argv with environment envp in directory cwd; stdin from a pipe and stdout into
 * another when pipes is set (their inodes in ino[0], ino[1]). Returns the exec record. */
static struct json_object *exec_env(const char *cwd, char *const envp[], char *const argv[], bool pipes,
                                    uint64_t ino[2])
{
        int in[2] = { -1, -1 }, out[2] = { -1, -1 };
        struct stat st;
        pid_t pid;

        if (pipes) {
                assert_int_equal(pipe(in), 0);
                assert_int_equal(pipe(out), 0);
                assert_int_equal(fstat(in[0], &st), 0);
                ino[0] = st.st_ino;
                assert_int_equal(fstat(out[1], &st), 0);
                ino[1] = st.st_ino;
        }
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (pipes) {
                        dup2(in[0], 0);
                        dup2(out[1], 1);
                }
                if (cwd && chdir(cwd) < 0)
                        _exit(126);
                execve(argv[0], argv, envp);
                _exit(127);
        }
        if (pipes) {
                close(in[0]);
                close(out[1]);
                close(in[1]);
                close(out[0]);
        }
        return exec_of(pid);
}

static bool strv_has(struct json_object *o, const char *column, const char *s)
{
        struct json_object *v;

        if (!json_object_object_get_ex(o, column, &v))
                return false;
        for (size_t i = 0; i < json_object_array_length(v); i++)
                if (streq(json_object_get_string(json_object_array_get_idx(v, i)), s))
                        return true;
        return false;
}

static const char *str_of(struct json_object *o, const char *column)
{
        struct json_object *v;

        return json_object_object_get_ex(o, column, &v) ? json_object_get_string(v) : NULL;
}

/* The captures at exec: the script of #! and of an interpreter's argument (with the working
 * directory), the pipes of stdin and stdout, and the few environment variables, bounded: an entry
 * longer than a 4 KiB piece does not hide the next one, and text in the middle of a value is never
 * taken for a variable. */
static void test_exec_captures(void **state)
{
        char dir[] = "/tmp/cwatch-test-captures-XXXXXX", script[64], big[8200], smuggle[8200];
        char *plain[] = { "PATH=/usr/bin:/bin", "HISTSIZE=0", "HISTSIZE=9", "LD_PRELOAD=/a.so",
                          "LD_PRELOAD=/b.so", NULL };
        struct json_object *exec;
        uint64_t ino[2] = {};
        int fd;

        assert_non_null(mkdtemp(dir));
        snprintf(script, sizeof(script), "%s/s.sh", dir);
        fd = open(script, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "#!/bin/sh\nexit 0\n", 17), 17);
        close(fd);

        /* #! by a relative name: the script's path from the working directory; pipes */
        exec = exec_env(dir, plain, (char *[]) { "./s.sh", NULL }, true, ino);
        assert_non_null(exec);
        assert_string_equal(str_of(exec, "exe"), "/usr/bin/dash");
        assert_string_equal(str_of(exec, "script"), script);
        assert_string_equal(str_of(exec, "cwd"), dir);
        assert_int_equal(json_object_get_int64(json_object_object_get(exec, "stdin_pipe")), ino[0]);
        assert_int_equal(json_object_get_int64(json_object_object_get(exec, "stdout_pipe")), ino[1]);
        /* the first HISTSIZE (the shell's getenv), the last LD_PRELOAD (the loader's) */
        assert_true(strv_has(exec, "env", "HISTSIZE=0"));
        assert_true(strv_has(exec, "env", "LD_PRELOAD=/b.so"));
        assert_false(strv_has(exec, "env", "HISTSIZE=9"));
        assert_false(json_object_get_boolean(json_object_object_get(exec, "env_truncated")));

        /* an interpreter's argument; no pipes */
        exec = exec_env(dir, plain, (char *[]) { "/bin/bash", "-e", "s.sh", NULL }, false, ino);
        assert_string_equal(str_of(exec, "script"), script);
        assert_null(json_object_object_get(exec, "stdin_pipe"));

        /* an entry of exactly 4,095 bytes, then one more: found */
        memset(big, 'x', sizeof(big));
        memcpy(big, "X=", 2);
        big[4095] = '\0';
        exec = exec_env(NULL, (char *[]) { big, "HISTFILE=/dev/null", NULL }, (char *[]) { "/bin/true", NULL },
                        false, ino);
        assert_true(strv_has(exec, "env", "HISTFILE=/dev/null"));
        /* a value whose text after the first 4 KiB piece reads like a variable: not one */
        memset(smuggle, 'a', sizeof(smuggle));
        memcpy(smuggle, "X=", 2);
        memcpy(smuggle + 4095, "LD_PRELOAD=/tmp/evil.so", 23);
        smuggle[4095 + 23] = '\0';
        exec = exec_env(NULL, (char *[]) { smuggle, NULL }, (char *[]) { "/bin/true", NULL }, false, ino);
        assert_null(json_object_object_get(exec, "env"));
        /* a value longer than kept: cut, and said so */
        memset(big, 'y', sizeof(big));
        memcpy(big, "LD_LIBRARY_PATH=", 16);
        big[600] = '\0';
        exec = exec_env(NULL, (char *[]) { big, NULL }, (char *[]) { "/bin/true", NULL }, false, ino);
        assert_true(json_object_get_boolean(json_object_object_get(exec, "env_truncated")));
        big[271] = '\0';
        assert_true(strv_has(exec, "env", big));

        assert_int_equal(unlink(script), 0);
        assert_int_equal(rmdir(dir), 0);
}

static bool exe_truncated(struct json_object *exec)
{
        return json_object_get_boolean(json_object_object_get(exec, "exe_truncated"));
}

/* Copies of /bin/true at paths of 31, 32, 33, 100 and 1,000 components below a directory in /tmp
 * (the kernel side walked 32 and kept the tail: "/tmp/" was lost from the 33rd on), and at paths
 * of 4,095 bytes (whole), 4,096 and about 10,000 bytes (longer than PATH_MAX - 1: the root-side
 * prefix, marked "/.../" before the name, and exe_truncated). */
static void test_exe_path_depth(void **state)
{
        static const size_t components[] = { 31, 32, 33, 100, 1000 };
        char tmp[] = "/tmp/cwatch-depth.XXXXXX", name_4095[4] = "uu", name_4096[4] = "uuu";
        struct json_object *exec;
        size_t base = strlen(tmp), k;
        int top, fd;

        assert_non_null(mkdtemp(tmp));
        snprintf(trees[0], sizeof(trees[0]), "%s", tmp);
        top = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(top >= 0);
        /* "/tmp/cwatch-depth.X" is 2 components, "t" one more */
        for (size_t i = 0; i < ELEMENTSOF(components); i++) {
                _cleanup_free_ char *path = tt_deep_path(tmp, "e", components[i] - 3, "t");
                char *argv[] = { path, NULL };

                fd = tt_make_deep_dir(top, "e", components[i] - 3);
                assert_true(fd >= 0);
                assert_int_equal(tt_copy_file_at("/bin/true", fd, "t", 0755), 0);
                close(fd);
                exec = exec_of(tt_spawn(argv));
                assert_non_null(exec);
                assert_string_equal(tt_str(exec, "exe"), path);
                assert_false(exe_truncated(exec));
        }

        /* base + k * "/f" + "/" + name: 4,095 bytes with a name of 1 or 2 bytes */
        if ((4094 - base - 2) % 2)
                name_4095[1] = name_4096[2] = '\0';
        k = (4094 - base - strlen(name_4095)) / 2;
        fd = tt_make_deep_dir(top, "f", k);
        assert_true(fd >= 0);
        assert_int_equal(tt_copy_file_at("/bin/true", fd, name_4095, 0755), 0);
        assert_int_equal(tt_copy_file_at("/bin/true", fd, name_4096, 0755), 0);
        {
                _cleanup_free_ char *path = tt_deep_path(tmp, "f", k, name_4095);
                char *argv[] = { path, NULL };

                assert_int_equal(strlen(path), 4095);
                exec = exec_of(tt_spawn(argv));
                assert_non_null(exec);
                assert_string_equal(tt_str(exec, "exe"), path);
                assert_false(exe_truncated(exec));
        }
        {
                _cleanup_free_ char *path = tt_deep_path(tmp, "f", k, name_4096), *cut = NULL;
                char *argv[] = { name_4096, NULL };

                assert_int_equal(strlen(path), 4096);
                cut = tt_cut_path(path, 4095, name_4096);
                exec = exec_of(tt_spawn_at(fd, name_4096, argv));
                assert_non_null(exec);
                assert_string_equal(tt_str(exec, "exe"), cut);
                assert_true(exe_truncated(exec));
        }
        close(fd);
        {
                _cleanup_free_ char *path = tt_deep_path(tmp, "g", 5000, "t"), *cut = NULL;
                char *argv[] = { "t", NULL };

                fd = tt_make_deep_dir(top, "g", 5000);
                assert_true(fd >= 0);
                assert_int_equal(tt_copy_file_at("/bin/true", fd, "t", 0755), 0);
                cut = tt_cut_path(path, 4095, "t");
                exec = exec_of(tt_spawn_at(fd, "t", argv));
                assert_non_null(exec);
                assert_string_equal(tt_str(exec, "exe"), cut);
                assert_true(strneq(tt_str(exec, "exe"), tmp, base));
                assert_true(exe_truncated(exec));
                close(fd);
        }
        close(top);
        assert_int_equal(tt_remove_tree(tmp), 0);
        trees[0][0] = '\0';
}

/* Deeper than the kernel side walks to find the root (65,536 components): "..." and the leaf-side
 * tail, which does not start with "/" (no rule takes it for an absolute path), and exe_truncated.
 * On a tmpfs: 66,000 directories come and go in a second there. */
static void test_exe_path_unrooted(void **state)
{
        char tmp[] = "/dev/shm/cwatch-depth.XXXXXX", *argv[] = { "t", NULL };
        struct json_object *exec;
        const char *exe;

        assert_non_null(mkdtemp(tmp));
        snprintf(trees[1], sizeof(trees[1]), "%s", tmp);
        exec = exec_of(tt_deep_chain_exec(tmp, "z", 66000, "/bin/true", "t", argv));
        assert_non_null(exec);
        exe = tt_str(exec, "exe");
        assert_true(strneq(exe, ".../z/z/z/", 10));
        assert_true(strlen(exe) > 6 && streq(exe + strlen(exe) - 6, "/z/z/t"));
        assert_true(strlen(exe) <= 4095);
        assert_true(exe_truncated(exec));
        assert_int_equal(tt_deep_chain_remove(tmp, "z", 66000, "t"), 0);
        assert_int_equal(rmdir(tmp), 0);
        trees[1][0] = '\0';
}

#define BURST 5000

struct burst {
        const char *marker;
        pid_t leader;
        size_t scanned;         /* records looked at so far */
        size_t execs;           /* burst execs among them */
        bool leader_exited;
};

static bool is_burst_exec(struct json_object *o, void *userdata)
{
        struct burst *b = userdata;
        struct json_object *args;

        if (!streq(tt_str(o, "event"), "exec") || tt_int(o, "ppid") != b->leader)
                return false;
        if (!json_object_object_get_ex(o, "args", &args) || json_object_array_length(args) != 2)
                return false;
        return streq(json_object_get_string(json_object_array_get_idx(args, 1)), b->marker);
}

/* Looks only at records that arrived since the last call: the system's other processes add
 * many. */
static bool burst_done(struct tt *t, void *userdata)
{
        struct burst *b = userdata;

        for (; b->scanned < t->n_records; b->scanned++) {
                struct json_object *o = t->records[b->scanned];

                b->execs += is_burst_exec(o, b);
                b->leader_exited |= streq(tt_str(o, "event"), "exit") && tt_int(o, "pid") == b->leader;
        }
        return b->leader_exited && b->execs >= BURST;
}

static void test_exec_burst_no_drops(void **state)
{
        char marker[64];
        struct burst b = { .marker = tt_marker(marker, sizeof(marker), "burst") };
        struct tracer *tr = manager_find_tracer(tt.m, "process");
        uint64_t drops_before = tracer_drops(tr);

        b.leader = fork();
        assert_true(b.leader >= 0);
        if (b.leader == 0) {
                char *argv[] = { "/bin/true", (char *) b.marker, NULL };

                for (int i = 0; i < BURST; i++) {
                        pid_t p = tt_spawn(argv);

                        if (p < 0)
                                _exit(1);
                        tt_wait(p);
                }
                _exit(0);
        }
        /* drain while the burst runs, as the daemon does */
        b.scanned = tt.n_records;
        assert_true(tt_wait_for(&tt, burst_done, &b, 240000));
        assert_int_equal(WEXITSTATUS(tt_wait(b.leader)), 0);
        tt_run_for(&tt, 200);
        (void) burst_done(&tt, &b);
        assert_int_equal(b.execs, BURST);
        assert_int_equal(tracer_drops(tr) - drops_before, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exec_fork_exit),
                cmocka_unit_test(test_exit_by_signal),
                cmocka_unit_test(test_long_argv_truncated),
                cmocka_unit_test(test_argv_bytes_escaped),
                cmocka_unit_test(test_memfd_exec),
                cmocka_unit_test(test_exe_path_depth),
                cmocka_unit_test(test_exe_path_unrooted),
                cmocka_unit_test(test_exec_burst_no_drops),
                cmocka_unit_test(test_exec_captures),
        };

        tt_require_privileges();
        return cmocka_run_group_tests(tests, setup, teardown);
}
