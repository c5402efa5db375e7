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
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
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

/* How the tracer sees the call: through its trace events where the kernel has them, else
 * through the raw_tp fallback. */
static const char *expected_hook(const char *event)
{
        char path[128];

        snprintf(path, sizeof(path), "/sys/kernel/tracing/events/syscalls/sys_enter_%s", event);
        if (access(path, F_OK) == 0)
                return "tracepoint";
        snprintf(path, sizeof(path), "/sys/kernel/debug/tracing/events/syscalls/sys_enter_%s", event);
        return access(path, F_OK) == 0 ? "tracepoint" : "raw_tp";
}

/* The module calls, made for real: on this kernel (no module support) they fail with ENOSYS and
 * have no trace events, so the raw_tp fallback sees them; where modules exist they fail too (a
 * buffer that is no ELF object, a file of text, a module that is not loaded). */
static void test_module_calls(void **state)
{
        /* on the stack: a call failing with ENOSYS never reads its strings, and the tracer can
         * only read memory the caller has touched (no page faults in BPF) */
        char image[] = "not a kernel module", params1[] = "cwatch_test=1", params2[] = "cwatch_test=2";
        char name[] = "cwatch_no_such_module";
        char path[] = "/tmp/cwatch-module-XXXXXX";
        size_t from = tt.n_records;
        struct json_object *o;
        int fd, err_init, err_finit, err_delete;

        fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, image, sizeof(image)), (ssize_t) sizeof(image));

        assert_int_equal(syscall(SYS_init_module, image, sizeof(image), params1), -1);
        err_init = errno;
        assert_int_equal(syscall(SYS_finit_module, fd, params2, 2), -1);
        err_finit = errno;
        assert_int_equal(syscall(SYS_delete_module, name, O_NONBLOCK), -1);
        err_delete = errno;
        close(fd);

        o = wait_call("init_module", getpid(), from);
        assert_common(o, "test-syscalls", getppid());
        assert_int_equal(tt_int(o, "ret"), -err_init);
        assert_string_equal(tt_str(o, "error_name"), strerrorname_np(err_init));
        assert_int_equal(tt_int(o, "length"), sizeof(image));
        assert_string_equal(tt_str(o, "params"), "cwatch_test=1");
        assert_string_equal(tt_str(o, "hook"), expected_hook("init_module"));
        assert_string_equal(tt_str(o, "summary"), "length=20 params=cwatch_test=1");

        o = wait_call("finit_module", getpid(), from);
        assert_int_equal(tt_int(o, "ret"), -err_finit);
        assert_int_equal(tt_int(o, "fd"), fd);
        assert_string_equal(tt_str(o, "path"), path);
        assert_string_equal(tt_str(o, "params"), "cwatch_test=2");
        assert_int_equal(tt_int(o, "flags"), 2);
        assert_string_equal(tt_str(o, "flags_text"), "MODULE_INIT_IGNORE_VERMAGIC");
        assert_string_equal(tt_str(o, "hook"), expected_hook("finit_module"));

        o = wait_call("delete_module", getpid(), from);
        assert_int_equal(tt_int(o, "ret"), -err_delete);
        assert_string_equal(tt_str(o, "name"), "cwatch_no_such_module");
        assert_int_equal(tt_int(o, "flags"), O_NONBLOCK);
        assert_string_equal(tt_str(o, "flags_text"), "O_NONBLOCK");
        assert_string_equal(tt_str(o, "hook"), expected_hook("delete_module"));
        unlink(path);
}

/* A 32-bit call whose number is a traced call's in the 64-bit table is another call: 176 is
 * rt_sigpending there and delete_module here. The fallback leaves compat calls out, as the trace
 * events do. */
static void test_compat_call_not_traced(void **state)
{
#if defined(__x86_64__)
        size_t from = tt.n_records;
        long ret;

        asm volatile("int $0x80" : "=a"(ret) : "a"(176L), "b"(0L), "c"(8L) : "memory");
        assert_int_equal(ret, -EFAULT);
        barrier();
        for (size_t i = from; i < tt.n_records; i++)
                assert_string_not_equal(tt_str(tt.records[i], "syscall"), "delete_module");
#else
        skip();
#endif
}

/* Calls that have trace events are seen through them. */
static void test_hook_tracepoint(void **state)
{
        size_t from = tt.n_records;
        struct json_object *o;

        assert_int_equal(setuid(0), 0);
        o = wait_call("setuid", getpid(), from);
        assert_string_equal(tt_str(o, "hook"), "tracepoint");
}

static char vm_buffer[64] = "cwatch process_vm test";

static void test_process_vm(void **state)
{
        char local[sizeof(vm_buffer)] = {};
        struct iovec liov = { local, sizeof(local) }, riov = { vm_buffer, sizeof(vm_buffer) };
        size_t from = tt.n_records;
        struct json_object *o;
        pid_t child;

        child = fork();
        assert_true(child >= 0);
        if (child == 0) {
                pause();
                _exit(0);
        }
        /* another process: read its copy of vm_buffer, then write it */
        assert_int_equal(process_vm_readv(child, &liov, 1, &riov, 1, 0), sizeof(vm_buffer));
        assert_string_equal(local, "cwatch process_vm test");
        assert_int_equal(process_vm_writev(child, &liov, 1, &riov, 1, 0), sizeof(vm_buffer));
        /* itself */
        assert_int_equal(process_vm_readv(getpid(), &liov, 1, &riov, 1, 0), sizeof(vm_buffer));
        kill(child, SIGKILL);
        tt_wait(child);

        o = wait_call("process_vm_writev", getpid(), from);
        assert_int_equal(tt_int(o, "target_pid"), child);
        assert_false(json_object_get_boolean(json_object_object_get(o, "target_self")));
        assert_int_equal(tt_int(o, "ret"), sizeof(vm_buffer));

        o = wait_call("process_vm_readv", getpid(), from);
        assert_common(o, "test-syscalls", getppid());
        assert_int_equal(tt_int(o, "target_pid"), child);
        assert_false(json_object_get_boolean(json_object_object_get(o, "target_self")));
        assert_int_equal(tt_int(o, "ret"), sizeof(vm_buffer));
        assert_string_equal(tt_str(o, "hook"), expected_hook("process_vm_readv"));

        /* the second read is the one on itself */
        o = NULL;
        for (size_t i = from; i < tt.n_records; i++) {
                const char *sc = tt_str(tt.records[i], "syscall");

                if (sc && streq(sc, "process_vm_readv") && tt_int(tt.records[i], "target_pid") == getpid())
                        o = tt.records[i];
        }
        if (!o) {
                barrier();
                for (size_t i = from; i < tt.n_records && !o; i++) {
                        const char *sc = tt_str(tt.records[i], "syscall");

                        if (sc && streq(sc, "process_vm_readv") && tt_int(tt.records[i], "target_pid") == getpid())
                                o = tt.records[i];
                }
        }
        assert_non_null(o);
        assert_true(json_object_get_boolean(json_object_object_get(o, "target_self")));
}

/* struct vfs_cap_data, revision 2, little endian as stored */
static void make_caps(uint8_t v[20], uint64_t permitted, bool effective)
{
        uint32_t w[5] = { 0x02000000 | (effective ? 1 : 0), (uint32_t) permitted, 0, (uint32_t) (permitted >> 32), 0 };

        for (int i = 0; i < 5; i++)
                for (int j = 0; j < 4; j++)
                        v[4 * i + j] = (uint8_t) (w[i] >> (8 * j));
}

static void test_setxattr_caps(void **state)
{
        char path[] = "/tmp/cwatch-caps-XXXXXX", summary[256];
        uint8_t caps[20];
        size_t from = tt.n_records;
        struct json_object *o;
        int fd;

        fd = mkstemp(path);
        assert_true(fd >= 0);
        /* cap_setuid (7) and cap_sys_admin (21), effective: setcap cap_setuid,cap_sys_admin+ep */
        make_caps(caps, (1ULL << 7) | (1ULL << 21), true);
        assert_int_equal(setxattr(path, "security.capability", caps, sizeof(caps), 0), 0);
        o = wait_call("setxattr", getpid(), from);
        assert_common(o, "test-syscalls", getppid());
        assert_int_equal(tt_int(o, "ret"), 0);
        assert_string_equal(tt_str(o, "path"), path);
        assert_string_equal(tt_str(o, "xattr"), "security.capability");
        assert_int_equal(tt_int(o, "value_size"), 20);
        assert_string_equal(tt_str(o, "caps"), "cap_setuid,cap_sys_admin");
        assert_int_equal(tt_int(o, "cap_permitted"), (1 << 7) | (1 << 21));
        assert_true(json_object_get_boolean(json_object_object_get(o, "cap_effective")));
        snprintf(summary, sizeof(summary),
                 "path=%s xattr=security.capability value_size=20 caps=cap_setuid,cap_sys_admin flags_text=0", path);
        assert_string_equal(tt_str(o, "summary"), summary);

        /* fsetxattr: the path is the fd's; cap_net_bind_service (10), permitted only */
        from = tt.n_records;
        make_caps(caps, 1ULL << 10, false);
        assert_int_equal(fsetxattr(fd, "security.capability", caps, sizeof(caps), XATTR_REPLACE), 0);
        o = wait_call("fsetxattr", getpid(), from);
        assert_int_equal(tt_int(o, "fd"), fd);
        assert_string_equal(tt_str(o, "path"), path);
        assert_string_equal(tt_str(o, "caps"), "cap_net_bind_service");
        assert_false(json_object_get_boolean(json_object_object_get(o, "cap_effective")));
        assert_string_equal(tt_str(o, "flags_text"), "XATTR_REPLACE");

        /* a value too short for a capability set: refused by the kernel, recorded without caps */
        from = tt.n_records;
        assert_int_equal(lsetxattr(path, "security.capability", caps, 3, 0), -1);
        o = wait_call("lsetxattr", getpid(), from);
        assert_true(tt_int(o, "ret") < 0);
        assert_int_equal(tt_int(o, "value_size"), 3);
        assert_false(tt_has(o, "caps"));

        /* setxattrat (Linux 6.13): the value in a struct xattr_args; cap_sys_admin, effective */
        from = tt.n_records;
        make_caps(caps, 1ULL << 21, true);
        {
                struct { uint64_t value; uint32_t size, flags; } args = { (uintptr_t) caps, sizeof(caps), 0 };

                if (syscall(463, AT_FDCWD, path, 0, "security.capability", &args, sizeof(args)) == 0) {
                        o = wait_call("setxattrat", getpid(), from);
                        assert_int_equal(tt_int(o, "fd"), AT_FDCWD);
                        assert_string_equal(tt_str(o, "path"), path);
                        assert_string_equal(tt_str(o, "xattr"), "security.capability");
                        assert_int_equal(tt_int(o, "value_size"), 20);
                        assert_string_equal(tt_str(o, "caps"), "cap_sys_admin");
                        assert_int_equal(tt_int(o, "ret"), 0);
                } else {
                        /* a kernel before 6.13, which has no trace events for it either */
                        assert_int_equal(errno, ENOSYS);
                        assert_string_equal(expected_hook("setxattrat"), "raw_tp");
                }
        }

        /* the user. and system. namespaces are not reported (their calls may fail here) */
        from = tt.n_records;
        (void) fsetxattr(fd, "user.cwatch", "x", 1, 0);
        (void) fsetxattr(fd, "system.posix_acl_access", "x", 1, 0);
        barrier();
        for (size_t i = from; i < tt.n_records; i++)
                assert_string_not_equal(tt_str(tt.records[i], "syscall"), "fsetxattr");
        close(fd);
        unlink(path);
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
                cmocka_unit_test(test_module_calls),
                cmocka_unit_test(test_compat_call_not_traced),
                cmocka_unit_test(test_hook_tracepoint),
                cmocka_unit_test(test_process_vm),
                cmocka_unit_test(test_setxattr_caps),
        };

        tt_require_privileges();
        return cmocka_run_group_tests(tests, setup, teardown);
}
