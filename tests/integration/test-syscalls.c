/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The syscalls tracer on the live kernel: real calls, decoded arguments and results. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <cmocka.h>
#include "tracer-test.h"

static struct tt tt;

static int setup(void **state)
{
        static const char *const tracers[] = { "syscalls", NULL };

        tt_setup(&tt, tracers);
        return 0;
}

static int teardown(void **state)
{
        tt_done(&tt);
        return 0;
}

struct call_match {
        const char *syscall;
        pid_t pid;
        size_t from;            /* only records from this index on */
};

static struct json_object *find_call(const struct call_match *c)
{
        for (size_t i = c->from; i < tt.n_records; i++) {
                struct json_object *o = tt.records[i];
                const char *sc = tt_str(o, "syscall");

                if (sc && streq(sc, c->syscall) && tt_int(o, "pid") == c->pid)
                        return o;
        }
        return NULL;
}

static bool have_call(struct tt *t, void *userdata)
{
        return find_call(userdata) != NULL;
}

static struct json_object *wait_call(const char *syscall, pid_t pid, size_t from)
{
        struct call_match c = { syscall, pid, from };

        assert_true(tt_wait_for(&tt, have_call, &c, 5000));
        return find_call(&c);
}

static size_t count_calls_of(pid_t pid, size_t from)
{
        size_t n = 0;

        for (size_t i = from; i < tt.n_records; i++)
                n += tt_int(tt.records[i], "pid") == pid;
        return n;
}

static void assert_common(struct json_object *o, const char *comm, pid_t ppid)
{
        assert_string_equal(tt_str(o, "event"), "syscall");
        assert_string_equal(tt_str(o, "comm"), comm);
        assert_int_equal(tt_int(o, "uid"), 0);
        assert_int_equal(tt_int(o, "ppid"), ppid);
        assert_true(tt_int(o, "cgroup_id") > 0);
}

static void test_unshare_binary(void **state)
{
        char *argv[] = { "/usr/bin/unshare", "-m", "true", NULL };
        struct json_object *o;
        pid_t pid;

        if (access(argv[0], X_OK) < 0)
                argv[0] = "/bin/unshare";
        pid = tt_spawn(argv);
        assert_int_equal(WEXITSTATUS(tt_wait(pid)), 0);
        o = wait_call("unshare", pid, 0);
        assert_common(o, "unshare", getpid());
        assert_int_equal(tt_int(o, "ret"), 0);
        assert_int_equal(tt_int(o, "flags"), CLONE_NEWNS);
        assert_string_equal(tt_str(o, "flags_text"), "CLONE_NEWNS");
        assert_string_equal(tt_str(o, "summary"), "flags_text=CLONE_NEWNS");
}

/* A traced call of this process that everything before it is ordered before. */
static void barrier(void)
{
        size_t from = tt.n_records;

        assert_int_equal(setuid(0), 0);
        (void) wait_call("setuid", getpid(), from);
}

static void test_chmod_setuid_only(void **state)
{
        char path[] = "/tmp/cwatch-chmod-XXXXXX", mode_arg[] = "u+s";
        char *setuid_argv[] = { "/bin/chmod", mode_arg, path, NULL };
        char *plain_argv[] = { "/bin/chmod", "644", path, NULL };
        struct json_object *o;
        const char *sc;
        pid_t pid;
        size_t from;
        int fd;

        fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);

        pid = tt_spawn(setuid_argv);
        assert_int_equal(WEXITSTATUS(tt_wait(pid)), 0);
        o = wait_call("fchmodat", pid, 0);
        if (!o)
                o = wait_call("chmod", pid, 0);
        sc = tt_str(o, "syscall");
        assert_true(streq(sc, "fchmodat") || streq(sc, "fchmodat2") || streq(sc, "chmod"));
        assert_common(o, "chmod", getpid());
        assert_int_equal(tt_int(o, "ret"), 0);
        assert_string_equal(tt_str(o, "path"), path);
        assert_int_equal(tt_int(o, "mode"), 04600);     /* mkstemp makes 0600 */
        assert_string_equal(tt_str(o, "mode_text"), "4600");

        from = tt.n_records;
        pid = tt_spawn(plain_argv);
        assert_int_equal(WEXITSTATUS(tt_wait(pid)), 0);
        barrier();
        assert_int_equal(count_calls_of(pid, from), 0);
        unlink(path);
}

static void test_memfd_exec(void **state)
{
        struct json_object *o;
        int64_t memfd;
        pid_t pid;
        int status;

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char *argv[] = { "true", NULL }, *envp[] = { NULL };
                int in = open("/bin/true", O_RDONLY | O_CLOEXEC);
                int fd = memfd_create("cwatch-test", MFD_CLOEXEC);
                struct stat st;

                if (in < 0 || fd < 0 || fstat(in, &st) < 0 ||
                    sendfile(fd, in, NULL, st.st_size) != st.st_size)
                        _exit(10);
                syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
                _exit(11);
        }
        status = tt_wait(pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);

        o = wait_call("memfd_create", pid, 0);
        assert_common(o, "test-syscalls", getpid());
        memfd = tt_int(o, "ret");
        assert_true(memfd >= 3);
        assert_string_equal(tt_str(o, "name"), "cwatch-test");
        assert_int_equal(tt_int(o, "flags"), MFD_CLOEXEC);
        assert_string_equal(tt_str(o, "flags_text"), "MFD_CLOEXEC");

        o = wait_call("execveat", pid, 0);
        /* the caller before the exec replaced it */
        assert_common(o, "test-syscalls", getpid());
        assert_int_equal(tt_int(o, "ret"), 0);
        assert_int_equal(tt_int(o, "fd"), memfd);
        assert_int_equal(tt_int(o, "flags"), AT_EMPTY_PATH);
        assert_string_equal(tt_str(o, "flags_text"), "AT_EMPTY_PATH");
        assert_string_equal(tt_str(o, "name"), "memfd:cwatch-test");
}

static void test_ptrace_attach(void **state)
{
        struct json_object *o;
        pid_t child;
        int status;

        child = fork();
        assert_true(child >= 0);
        if (child == 0) {
                pause();
                _exit(0);
        }
        assert_int_equal(ptrace(PTRACE_ATTACH, child, NULL, NULL), 0);
        assert_int_equal(waitpid(child, &status, 0), child);
        assert_true(WIFSTOPPED(status));
        assert_int_equal(ptrace(PTRACE_DETACH, child, NULL, NULL), 0);
        kill(child, SIGKILL);
        tt_wait(child);

        o = wait_call("ptrace", getpid(), 0);
        assert_string_equal(tt_str(o, "comm"), "test-syscalls");
        assert_string_equal(tt_str(o, "request"), "PTRACE_ATTACH");
        assert_int_equal(tt_int(o, "target_pid"), child);
        assert_int_equal(tt_int(o, "ret"), 0);
}

struct calls_of {
        const char *syscall;
        pid_t pid;
        size_t n;
        struct json_object *found[8];
};

static bool collect_calls(struct tt *t, void *userdata)
{
        struct calls_of *c = userdata;

        c->n = 0;
        for (size_t i = 0; i < t->n_records && c->n < ELEMENTSOF(c->found); i++) {
                const char *sc = tt_str(t->records[i], "syscall");

                if (sc && streq(sc, c->syscall) && tt_int(t->records[i], "pid") == c->pid)
                        c->found[c->n++] = t->records[i];
        }
        return c->n >= 3;
}

static void test_setresuid(void **state)
{
        struct calls_of calls = { "setresuid" };
        struct json_object *o;

        calls.pid = fork();
        assert_true(calls.pid >= 0);
        if (calls.pid == 0) {
                if (setresuid(-1, 65534, -1) < 0 || setresuid(-1, 0, -1) < 0 || setresuid(1000, 1000, 1000) < 0)
                        _exit(1);
                _exit(0);
        }
        assert_int_equal(WEXITSTATUS(tt_wait(calls.pid)), 0);
        assert_true(tt_wait_for(&tt, collect_calls, &calls, 5000));
        assert_int_equal(calls.n, 3);

        o = calls.found[0];
        assert_common(o, "test-syscalls", getpid());
        assert_int_equal(tt_int(o, "ret"), 0);
        /* -1: unchanged, left out */
        assert_false(tt_has(o, "new_uid"));
        assert_int_equal(tt_int(o, "new_euid"), 65534);
        assert_false(tt_has(o, "new_suid"));
        assert_string_equal(tt_str(o, "summary"), "new_euid=65534");

        o = calls.found[2];
        /* uid is the caller's before the call */
        assert_common(o, "test-syscalls", getpid());
        assert_int_equal(tt_int(o, "new_uid"), 1000);
        assert_int_equal(tt_int(o, "new_euid"), 1000);
        assert_int_equal(tt_int(o, "new_suid"), 1000);
        assert_int_equal(tt_int(o, "ret"), 0);
}

static void test_mount_tmpfs(void **state)
{
        char dir[] = "/tmp/cwatch-mnt-XXXXXX";
        struct json_object *o;
        pid_t pid;

        assert_non_null(mkdtemp(dir));
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
                    mount("cwatch-tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m") < 0 ||
                    umount2(dir, MNT_DETACH) < 0)
                        _exit(1);
                _exit(0);
        }
        assert_int_equal(WEXITSTATUS(tt_wait(pid)), 0);
        rmdir(dir);

        o = wait_call("unshare", pid, 0);
        assert_string_equal(tt_str(o, "flags_text"), "CLONE_NEWNS");
        o = wait_call("umount2", pid, 0);
        assert_string_equal(tt_str(o, "target"), dir);
        assert_int_equal(tt_int(o, "flags"), MNT_DETACH);
        assert_string_equal(tt_str(o, "flags_text"), "MNT_DETACH");
        assert_int_equal(tt_int(o, "ret"), 0);

        /* two mounts: the propagation change, then the tmpfs */
        o = NULL;
        for (size_t i = 0; i < tt.n_records && !o; i++) {
                const char *sc = tt_str(tt.records[i], "syscall"), *fstype = tt_str(tt.records[i], "fstype");

                if (tt_int(tt.records[i], "pid") == pid && sc && streq(sc, "mount") && fstype &&
                    streq(fstype, "tmpfs"))
                        o = tt.records[i];
        }
        assert_non_null(o);
        assert_common(o, "test-syscalls", getpid());
        assert_string_equal(tt_str(o, "source"), "cwatch-tmpfs");
        assert_string_equal(tt_str(o, "target"), dir);
        assert_int_equal(tt_int(o, "flags"), MS_NOSUID | MS_NODEV);
        assert_string_equal(tt_str(o, "flags_text"), "MS_NOSUID|MS_NODEV");
        assert_int_equal(tt_int(o, "ret"), 0);
}

static void test_bpf_command(void **state)
{
        size_t from = tt.n_records;
        struct json_object *o;
        int fd;

        fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "cwatch_test", 4, 4, 1, NULL);
        assert_true(fd >= 0);
        o = wait_call("bpf", getpid(), from);
        assert_string_equal(tt_str(o, "bpf_cmd"), "BPF_MAP_CREATE");
        assert_int_equal(tt_int(o, "ret"), fd);

        /* per-element map operations are not reported */
        from = tt.n_records;
        for (uint32_t i = 0; i < 100; i++) {
                uint32_t key = 0, value = i;

                assert_int_equal(bpf_map_update_elem(fd, &key, &value, BPF_ANY), 0);
        }
        close(fd);
        barrier();
        for (size_t i = from; i < tt.n_records; i++)
                assert_string_not_equal(tt_str(tt.records[i], "syscall"), "bpf");
}

static void test_setns_error(void **state)
{
        size_t from = tt.n_records;
        struct json_object *o;

        assert_int_equal(setns(12345, CLONE_NEWNET), -1);
        assert_int_equal(errno, EBADF);
        o = wait_call("setns", getpid(), from);
        assert_int_equal(tt_int(o, "ret"), -EBADF);
        assert_string_equal(tt_str(o, "error_name"), "EBADF");
        assert_int_equal(tt_int(o, "fd"), 12345);
        assert_string_equal(tt_str(o, "nstype"), "CLONE_NEWNET");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_unshare_binary),
                cmocka_unit_test(test_chmod_setuid_only),
                cmocka_unit_test(test_memfd_exec),
                cmocka_unit_test(test_ptrace_attach),
                cmocka_unit_test(test_setresuid),
                cmocka_unit_test(test_mount_tmpfs),
                cmocka_unit_test(test_bpf_command),
                cmocka_unit_test(test_setns_error),
        };

        tt_require_privileges();
        return cmocka_run_group_tests(tests, setup, teardown);
}
