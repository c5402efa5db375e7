/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The default rules on open, connect and syscall events, on the live kernel: the files, tcp,
 * syscalls and process tracers run in-process with the rules (the files tracer watches the paths
 * the rules derive), each rule sees its real behaviour (inside a real cgroup named like a Docker
 * container where the rule is about containers) and raises exactly one alert with the right
 * fields, and a near miss (an excepted program, a slightly different path or action) raises none.
 *
 * What is done for real, and how it is kept harmless:
 * - credentials (/etc/shadow, /proc/PID/environ) are read by copies of cat; ssh keys, cloud
 *   credentials and authorized_keys are files this test creates under /home/cwatch-test-PID;
 * - writes under /etc, /etc/cron.d, /etc/systemd/system, /usr/bin and /var/log create a file of
 *   this test's own and remove it;
 * - release_agent and core_pattern are NEVER written: a child in a private mount namespace bind-
 *   mounts the real file read-only onto itself and opens it for writing, which fails with EROFS;
 *   the rules match the attempt (the files tracer reports failed opens with the path as passed);
 * - docker.sock: a socket this test binds at /run/docker.sock only when nothing is there, opened
 *   (as `exec 3<>/var/run/docker.sock` would) from the container; it is removed afterwards;
 * - mining pools: the rule excludes loopback by design, so the connect goes to a private address
 *   (10.77.0.1) on the loopback device of a network namespace the child creates and that dies
 *   with it;
 * - port scans (the scan detection beside the rules): 150 ports of 127.0.0.1 in a network
 *   namespace of the child's own, where nothing listens, so every connect is refused;
 * - mounts from the container go to a tmpfs in the child's own mount namespace (made private
 *   before the child joins the container), so nothing reaches the host's mount table;
 * - kernel modules: init_module gets a buffer that is no ELF object, finit_module a file of text
 *   and delete_module a name no module has, so nothing is loaded or unloaded anywhere; on this
 *   kernel (no module support) all three fail with ENOSYS and have no trace events, and the
 *   syscalls tracer sees them through its raw_tp fallback;
 * - process memory: the victim is a child of this test that only sleeps; its copy of a buffer of
 *   this test is read and overwritten;
 * - file capabilities: setcap gives cap_setuid to a copy of /bin/true in the work directory,
 *   which is removed with it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "rules-test.h"

#define POOL_ADDR "10.77.0.1"

static char self[PATH_MAX], home[PATH_MAX];

/* Files this test creates outside its work directory: removed by the group teardown too, so a
 * failed assertion (which leaves the test function early) leaves nothing behind. */
static char leftovers[16][PATH_MAX];
static size_t n_leftovers;

static const char *created_here(const char *path)
{
        assert_true(n_leftovers < ELEMENTSOF(leftovers));
        snprintf(leftovers[n_leftovers], sizeof(leftovers[0]), "%s", path);
        return leftovers[n_leftovers++];
}

/* unlink, and forget it */
static int remove_created(const char *path)
{
        for (size_t i = 0; i < n_leftovers; i++)
                if (streq(leftovers[i], path))
                        leftovers[i][0] = '\0';
        return unlink(path);
}

static void remove_leftovers(void)
{
        for (size_t i = 0; i < n_leftovers; i++)
                if (leftovers[i][0])
                        (void) unlink(leftovers[i]);
        n_leftovers = 0;
}

/* ---- the actions, run in a child (forked, or this binary exec'd under another name) ---- */

static int act_open(const char *path, int flags)
{
        int fd = open(path, flags | O_CLOEXEC, 0600);

        if (fd < 0)
                return errno;
        close(fd);
        return 0;
}

/* Opens path for writing where it is a read-only bind mount of itself, in a private mount
 * namespace: the real file, the real path, and no way to change it. 0 when the open failed with
 * EROFS as it must. */
static int act_open_readonly(const char *path, int flags)
{
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount(path, path, NULL, MS_BIND, NULL) < 0 ||
            mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
                return 2;
        return act_open(path, flags) == EROFS ? 0 : 3;
}

static int act_ptrace_attach(pid_t target)
{
        int status;

        if (ptrace(PTRACE_ATTACH, target, NULL, NULL) < 0)
                return 2;
        if (waitpid(target, &status, 0) != target)
                return 3;
        return ptrace(PTRACE_DETACH, target, NULL, NULL) < 0 ? 4 : 0;
}

static char vm_buffer[64] = "cwatch: a secret in the victim";

/* process_vm_readv (or writev) of vm_buffer's size at address addr of process target */
static int act_vm(pid_t target, const char *addr, bool write)
{
        char local[sizeof(vm_buffer)] = "cwatch: written by the injector";
        struct iovec liov = { local, sizeof(local) };
        struct iovec riov = { (void *) (uintptr_t) strtoull(addr, NULL, 16), sizeof(local) };
        ssize_t n = write ? process_vm_writev(target, &liov, 1, &riov, 1, 0)
                          : process_vm_readv(target, &liov, 1, &riov, 1, 0);

        return n == (ssize_t) sizeof(local) ? 0 : 2;
}

/* Runs argv as a child, prints its pid, returns its exit status. */
static int act_run(char **argv)
{
        pid_t pid = fork();
        int status;

        if (pid < 0)
                return 2;
        if (pid == 0) {
                execv(argv[0], argv);
                _exit(127);
        }
        printf("%d\n", pid);
        fflush(stdout);
        if (waitpid(pid, &status, 0) != pid)
                return 3;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 4;
}

static int act_finit_module(void)
{
        char path[] = "/tmp/cwatch-module-XXXXXX";
        int fd = mkstemp(path), r;

        if (fd < 0)
                return 2;
        (void) unlink(path);
        r = syscall(SYS_finit_module, fd, "", 0) < 0 ? 0 : 3;
        close(fd);
        return r;
}

/* The name is on the stack, as a program builds it: a kernel without modules fails the call
 * without reading it, and a string constant in a page this child never touched could not be read
 * by the tracer either (BPF reads user memory without faulting it in). */
static int delete_module_by_name(void)
{
        char name[] = "cwatch_no_such_module";

        return syscall(SYS_delete_module, name, O_NONBLOCK) < 0 ? 0 : 2;
}

/* The helper mode: this binary, copied under a program's name, does one action. */
static int helper(int argc, char **argv)
{
        if (argc == 3 && streq(argv[2], "finit-module"))
                return act_finit_module();
        if (argc == 3 && streq(argv[2], "delete-module"))
                return delete_module_by_name();
        if (argc == 5 && streq(argv[2], "vm-read"))
                return act_vm(atoi(argv[3]), argv[4], false);
        if (argc == 5 && streq(argv[2], "vm-write"))
                return act_vm(atoi(argv[3]), argv[4], true);
        if (argc == 3 && streq(argv[2], "vm-read-self")) {
                char addr[32];

                snprintf(addr, sizeof(addr), "%lx", (unsigned long) (uintptr_t) vm_buffer);
                return act_vm(getpid(), addr, false);
        }
        if (argc >= 4 && streq(argv[2], "run"))
                return act_run(argv + 3);
        if (argc == 5 && streq(argv[2], "open"))
                return act_open(argv[3], (int) strtol(argv[4], NULL, 0));
        if (argc == 5 && streq(argv[2], "open-readonly"))
                return act_open_readonly(argv[3], (int) strtol(argv[4], NULL, 0));
        if (argc == 4 && streq(argv[2], "ptrace-attach"))
                return act_ptrace_attach(atoi(argv[3]));
        fprintf(stderr, "bad helper arguments\n");
        return 64;
}

/* ---- running them ---- */

/* A copy of from named workdir/name (made once), as a program of that name would be. */
static const char *program(const char *from, const char *name)
{
        static char path[48][PATH_MAX];
        static size_t n;
        char p[PATH_MAX];

        snprintf(p, sizeof(p), "%s/%s", rt.workdir, name);
        for (size_t i = 0; i < n; i++)
                if (streq(path[i], p))
                        return path[i];
        assert_true(n < ELEMENTSOF(path));
        rt_copy_file(from, p, 0755);
        snprintf(path[n], sizeof(path[n]), "%s", p);
        return path[n++];
}

/* This binary under name, in helper mode. */
static const char *actor(const char *name)
{
        return program(self, name);
}

/* Runs exe with args (NULL-terminated after exe), asserts the exit status; returns the pid. */
static pid_t run_expect(int status, bool in_container, const char *exe, ...)
{
        char *argv[8] = { (char *) exe };
        size_t n = 1;
        va_list ap;
        pid_t pid;
        int st;

        va_start(ap, exe);
        while (n < ELEMENTSOF(argv) - 1 && (argv[n] = va_arg(ap, char *)))
                n++;
        va_end(ap);
        argv[n] = NULL;
        pid = rt_spawn(argv, in_container, -1, -1);
        st = tt_wait(pid);
        rt_wait_exit_record(pid);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != status)
                fail_msg("%s exited with status 0x%x, expected %d", exe, st, status);
        return pid;
}

#define RUN(in_container, exe, ...) run_expect(0, (in_container), (exe), __VA_ARGS__, NULL)

static char *flags_arg(int flags)
{
        static char buf[4][16];
        static int i;

        i = (i + 1) % 4;
        snprintf(buf[i], sizeof(buf[i]), "%#o", flags);
        return buf[i];
}

/* The helper opening path with flags; returns the pid. */
static pid_t open_as(const char *name, bool in_container, const char *path, int flags)
{
        return RUN(in_container, actor(name), "--act", "open", path, flags_arg(flags));
}

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
}

static const struct seen *assert_open_alert(const char *rule, pid_t pid, const char *exe, const char *path)
{
        const struct seen *s = rt_assert_one(rule, pid, exe);

        assert_string_equal(s->event, "open");
        assert_string_equal(s->path, path);
        return s;
}

/* ---- reads of credentials ---- */

static void test_read_shadow(void **state)
{
        const char *peek = program("/bin/cat", "peek-shadow");
        const struct seen *s;
        pid_t pid;

        pid = RUN(false, peek, "/etc/shadow");
        s = assert_open_alert("read-shadow", pid, peek, "/etc/shadow");
        assert_int_equal(s->severity, SEVERITY_ERROR);
        assert_string_equal(s->mitre, "T1003.008");
        assert_non_null(strstr(s->message, "/etc/shadow opened by"));
        assert_non_null(strstr(s->message, peek));
        /* near miss: a program that manages passwords */
        pid = RUN(false, program("/bin/cat", "unix_chkpwd"), "/etc/shadow");
        rt_assert_none(pid);
}

static void test_read_ssh_private_key(void **state)
{
        const char *peek = program("/bin/cat", "peek-key");
        char key[PATH_MAX + 32], pub[PATH_MAX + 32];
        pid_t pid;

        snprintf(key, sizeof(key), "%s/.ssh/id_ed25519", home);
        snprintf(pub, sizeof(pub), "%s/.ssh/id_ed25519.pub", home);
        pid = RUN(false, peek, key);
        assert_open_alert("read-ssh-private-key", pid, peek, key);
        /* near misses: the public key; the private key read by ssh-keygen */
        pid = RUN(false, peek, pub);
        rt_assert_none(pid);
        pid = RUN(false, program("/bin/cat", "ssh-keygen"), key);
        rt_assert_none(pid);
}

static void test_read_proc_environ(void **state)
{
        const char *peek = program("/bin/cat", "peek-env");
        char path[64];
        pid_t pid;

        pid = RUN(false, peek, "/proc/self/environ");
        /* /proc/self is resolved: the path names the process */
        snprintf(path, sizeof(path), "/proc/%d/environ", pid);
        assert_open_alert("read-proc-environ", pid, peek, path);
        /* near misses: another file of the process; ps reading it */
        pid = RUN(false, peek, "/proc/self/status");
        rt_assert_none(pid);
        pid = RUN(false, program("/bin/cat", "ps"), "/proc/self/environ");
        rt_assert_none(pid);
}

static void test_read_cloud_credentials(void **state)
{
        const char *peek = program("/bin/cat", "peek-cloud");
        char path[PATH_MAX + 32];
        pid_t pid;

        snprintf(path, sizeof(path), "%s/.aws/credentials", home);
        pid = RUN(false, peek, path);
        assert_open_alert("read-cloud-credentials", pid, peek, path);
        /* near miss: the aws command line tool */
        pid = RUN(false, program("/bin/cat", "aws"), path);
        rt_assert_none(pid);
}

/* ---- writes ---- */

static void test_write_below_etc(void **state)
{
        char path[64];
        pid_t pid;

        snprintf(path, sizeof(path), "/etc/cwatch-test-etc-%d.conf", getpid());
        created_here(path);
        pid = open_as("etc-writer", false, path, O_WRONLY | O_CREAT);
        assert_open_alert("write-below-etc", pid, actor("etc-writer"), path);
        assert_int_equal(rt_find("write-below-etc", pid)->severity, SEVERITY_NOTICE);
        /* near misses: a reader; a configuration tool writing */
        pid = open_as("etc-writer", false, path, O_RDONLY);
        rt_assert_none(pid);
        pid = open_as("ldconfig", false, path, O_WRONLY);
        rt_assert_none(pid);
        assert_int_equal(remove_created(path), 0);
}

static void test_write_below_binary_dir(void **state)
{
        char path[64];
        pid_t pid;

        snprintf(path, sizeof(path), "/usr/bin/cwatch-test-bin-%d", getpid());
        created_here(path);
        pid = open_as("bin-writer", false, path, O_WRONLY | O_CREAT | O_EXCL);
        assert_open_alert("write-below-binary-dir", pid, actor("bin-writer"), path);
        /* near misses: the package manager writing; a reader */
        pid = open_as("dpkg", false, path, O_WRONLY);
        rt_assert_none(pid);
        pid = open_as("bin-writer", false, path, O_RDONLY);
        rt_assert_none(pid);
        assert_int_equal(remove_created(path), 0);
}

static void test_write_cron(void **state)
{
        char path[64];
        pid_t pid;

        snprintf(path, sizeof(path), "/etc/cron.d/cwatch-test-%d", getpid());
        created_here(path);
        pid = open_as("cron-writer", false, path, O_WRONLY | O_CREAT | O_EXCL);
        assert_open_alert("write-cron", pid, actor("cron-writer"), path);
        /* the rule on /etc says nothing about cron files: this rule does */
        assert_int_equal(rt_count("write-below-etc", pid), 0);
        pid = open_as("crontab", false, path, O_WRONLY | O_TRUNC);
        /* a crontab given arguments other than -l/-e/-r installs a table: crontab-installed's */
        assert_int_equal(rt_count("write-cron", pid), 0);
        assert_int_equal(remove_created(path), 0);
}

static void test_write_systemd_unit(void **state)
{
        char path[64];
        pid_t pid;

        snprintf(path, sizeof(path), "/etc/systemd/system/cwatch-test-%d.service", getpid());
        created_here(path);
        pid = open_as("unit-writer", false, path, O_WRONLY | O_CREAT | O_EXCL);
        assert_open_alert("write-systemd-unit", pid, actor("unit-writer"), path);
        assert_int_equal(rt_count("write-below-etc", pid), 0);
        pid = open_as("systemctl", false, path, O_WRONLY | O_TRUNC);
        rt_assert_none(pid);
        assert_int_equal(remove_created(path), 0);
}

static void test_write_authorized_keys(void **state)
{
        char path[PATH_MAX + 32];
        pid_t pid;

        snprintf(path, sizeof(path), "%s/.ssh/authorized_keys", home);
        pid = open_as("key-adder", false, path, O_WRONLY | O_APPEND | O_CREAT);
        assert_open_alert("write-authorized-keys", pid, actor("key-adder"), path);
        /* near miss: sshd reads it at every login */
        pid = RUN(false, program("/bin/cat", "key-reader"), path);
        rt_assert_none(pid);
}

static void test_log_file_truncated(void **state)
{
        char path[64], fresh[64];
        pid_t pid;
        int fd;

        snprintf(path, sizeof(path), "/var/log/cwatch-test-%d.log", getpid());
        snprintf(fresh, sizeof(fresh), "/var/log/cwatch-test-new-%d.log", getpid());
        created_here(path);
        created_here(fresh);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "line\n", 5), 5);
        close(fd);
        pid = open_as("log-wiper", false, path, O_WRONLY | O_TRUNC);
        assert_open_alert("log-file-truncated", pid, actor("log-wiper"), path);
        /* near misses: appending; logrotate truncating; creating a new log */
        pid = open_as("log-wiper", false, path, O_WRONLY | O_APPEND);
        rt_assert_none(pid);
        pid = open_as("logrotate", false, path, O_WRONLY | O_TRUNC);
        rt_assert_none(pid);
        /* a new log created with O_TRUNC (as "cmd > /var/log/new.log" does) throws nothing away */
        pid = open_as("log-wiper", false, fresh, O_WRONLY | O_CREAT | O_TRUNC);
        rt_assert_none(pid);
        assert_int_equal(remove_created(fresh), 0);
        assert_int_equal(remove_created(path), 0);
}

/* ---- container escapes through files ---- */

static void test_container_runtime_socket(void **state)
{
        struct sockaddr_un a = { .sun_family = AF_UNIX, .sun_path = "/run/docker.sock" };
        const struct seen *s;
        bool made = false;
        int fd = -1;
        pid_t pid;

        if (access(a.sun_path, F_OK) < 0) {
                fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                assert_true(fd >= 0);
                assert_int_equal(bind(fd, (struct sockaddr *) &a, sizeof(a)), 0);
                created_here(a.sun_path);
                made = true;
        }
        /* a socket cannot be opened (ENXIO): the rule sees the attempt, by the path as passed */
        pid = run_expect(ENXIO, true, actor("sock-opener"), "--act", "open", "/var/run/docker.sock",
                         flags_arg(O_RDWR), NULL);
        s = assert_open_alert("container-runtime-socket", pid, actor("sock-opener"), "/var/run/docker.sock");
        assert_string_equal(s->container, RT_CONTAINER_NAME);
        assert_non_null(strstr(s->message, "in container " RT_CONTAINER_NAME));
        assert_int_equal(s->severity, SEVERITY_CRITICAL);
        /* near miss: the same on the host */
        pid = run_expect(ENXIO, false, actor("sock-opener"), "--act", "open", "/var/run/docker.sock",
                         flags_arg(O_RDWR), NULL);
        rt_assert_none(pid);
        if (made) {
                close(fd);
                assert_int_equal(remove_created(a.sun_path), 0);
        }
}

/* Opens /proc/1/root/etc/hostname as process 1 of a new PID namespace (with its /proc in a
 * private mount namespace), in the container if asked. Returns that process's pid (as the host
 * sees it); its parent, this test's child, is in *ret_parent. */
static pid_t open_through_pid1_root(bool in_container, pid_t *ret_parent)
{
        pid_t parent, pid1 = 0;
        int p[2], status;

        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        parent = fork();
        assert_true(parent >= 0);
        if (parent == 0) {
                if (unshare(CLONE_NEWPID | CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        _exit(2);
                pid1 = fork();
                if (pid1 == 0) {
                        if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                                _exit(3);
                        if (in_container)
                                rt_join_container();
                        _exit(act_open("/proc/1/root/etc/hostname", O_RDONLY) == 0 ? 0 : 4);
                }
                if (pid1 < 0 || write(p[1], &pid1, sizeof(pid1)) != sizeof(pid1) || waitpid(pid1, &status, 0) != pid1)
                        _exit(5);
                _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 6);
        }
        close(p[1]);
        assert_int_equal(read(p[0], &pid1, sizeof(pid1)), sizeof(pid1));
        close(p[0]);
        status = tt_wait(parent);
        rt_wait_exit_record(parent);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                fail_msg("child failed (status 0x%x)", status);
        *ret_parent = parent;
        return pid1;
}

static void test_container_host_root_access(void **state)
{
        const struct seen *s;
        pid_t pid, parent;

        /* Process 1 of this machine cannot be traced even by root (it is the sandbox's own), so
         * the container's process opens /proc/1/root as process 1 of a PID namespace of its own:
         * the same path and the same magic link, resolved by the kernel to "/etc/hostname"; the
         * files tracer reports the path as passed as well. */
        pid = open_through_pid1_root(true, &parent);
        s = rt_find("container-host-root-access", pid);
        if (!s)
                fail_msg("no alert container-host-root-access for pid %d", pid);
        assert_int_equal(rt_count("container-host-root-access", pid), 1);
        assert_int_equal(s->ppid, parent);
        assert_string_equal(s->event, "open");
        assert_string_equal(s->path, "/proc/1/root/etc/hostname");
        assert_string_equal(s->exe, self);
        assert_string_equal(s->container, RT_CONTAINER_NAME);
        assert_int_equal(s->severity, SEVERITY_CRITICAL);
        /* near misses: the same on the host; another file of process 1 in the container */
        pid = open_through_pid1_root(false, &parent);
        rt_assert_none(pid);
        pid = open_as("root-peek", true, "/proc/1/status", O_RDONLY);
        rt_assert_none(pid);
}

static void test_write_release_agent(void **state)
{
        char path[PATH_MAX];
        glob_t g;
        pid_t pid;

        if (glob("/sys/fs/cgroup/*/release_agent", 0, NULL, &g) != 0)
                fail_msg("no cgroup v1 hierarchy with a release_agent here");
        snprintf(path, sizeof(path), "%s", g.gl_pathv[0]);
        globfree(&g);
        pid = RUN(false, actor("agent-writer"), "--act", "open-readonly", path, flags_arg(O_WRONLY | O_TRUNC));
        assert_int_equal(assert_open_alert("write-release-agent", pid, actor("agent-writer"), path)->severity,
                         SEVERITY_CRITICAL);
        /* near miss: reading it */
        pid = open_as("agent-writer", false, path, O_RDONLY);
        rt_assert_none(pid);
}

static void test_write_core_pattern(void **state)
{
        const char *path = "/proc/sys/kernel/core_pattern";
        pid_t pid;

        pid = RUN(false, actor("core-writer"), "--act", "open-readonly", path, flags_arg(O_WRONLY | O_TRUNC));
        assert_open_alert("write-core-pattern", pid, actor("core-writer"), path);
        /* near misses: reading it; sysctl writing it (here too only an attempt) */
        pid = open_as("core-writer", false, path, O_RDONLY);
        rt_assert_none(pid);
        pid = RUN(false, actor("sysctl"), "--act", "open-readonly", path, flags_arg(O_WRONLY | O_TRUNC));
        rt_assert_none(pid);
}

/* ---- connections ---- */

struct pool_connect {
        const char *addr;
        uint16_t port;
};

/* In a network namespace of its own (gone when the child exits): POOL_ADDR on lo, a listener on
 * each port, one connection to each (addr, port). */
static int connect_in_private_netns(void *userdata)
{
        const struct pool_connect *c;

        if (unshare(CLONE_NEWNET) < 0 ||
            system("ip link set lo up && ip addr add " POOL_ADDR "/32 dev lo") != 0)
                return 2;
        for (c = userdata; c->addr; c++) {
                struct sockaddr_in listen_at = { .sin_family = AF_INET, .sin_port = htons(c->port) };
                struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(c->port) };
                int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                int a;

                if (l < 0 || s < 0 || bind(l, (struct sockaddr *) &listen_at, sizeof(listen_at)) < 0 ||
                    listen(l, 1) < 0 || inet_pton(AF_INET, c->addr, &to.sin_addr) != 1 ||
                    connect(s, (struct sockaddr *) &to, sizeof(to)) < 0)
                        return 3;
                a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
                if (a < 0)
                        return 4;
                close(a);
                close(s);
                close(l);
        }
        return 0;
}

static void test_mining_pool_connection(void **state)
{
        static const struct pool_connect pool[] = { { POOL_ADDR, 3333 }, {} };
        /* loopback is excepted by design (local proxies, tests); 8080 is no pool port */
        static const struct pool_connect near[] = { { "127.0.0.1", 3333 }, { POOL_ADDR, 8080 }, {} };
        const struct seen *s;
        pid_t pid;

        pid = rt_run_fn(connect_in_private_netns, (void *) pool, false);
        s = rt_assert_one("mining-pool-connection", pid, self);
        assert_string_equal(s->event, "connect");
        assert_string_equal(s->daddr, POOL_ADDR);
        assert_int_equal(s->dport, 3333);
        assert_non_null(strstr(s->message, "mining pool port " POOL_ADDR ":3333"));
        pid = rt_run_fn(connect_in_private_netns, (void *) near, false);
        rt_assert_none(pid);
}

/* ---- scans ---- */

struct port_plan {
        uint16_t first_port;
        int n_ports;            /* distinct ports, from first_port; 1: one listener there */
        int n_connects;
};

static int loopback_up(void)
{
        struct ifreq ifr = { .ifr_name = "lo" };
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

        if (fd < 0)
                return -errno;
        r = ioctl(fd, SIOCGIFFLAGS, &ifr);
        if (r >= 0) {
                ifr.ifr_flags |= IFF_UP;
                r = ioctl(fd, SIOCSIFFLAGS, &ifr);
        }
        close(fd);
        return r < 0 ? -errno : 0;
}

/* In a network namespace of its own (gone when the child exits), n_connects connects to
 * 127.0.0.1: to n_ports closed ports in turn (refused), or, with n_ports 1, to a listener there
 * (accepted and closed each time). */
static int connect_ports_in_private_netns(void *userdata)
{
        const struct port_plan *p = userdata;
        struct sockaddr_in at = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int l = -1;

        if (unshare(CLONE_NEWNET) < 0 || loopback_up() < 0)
                return 2;
        if (p->n_ports == 1) {
                at.sin_port = htons(p->first_port);
                l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (l < 0 || bind(l, (struct sockaddr *) &at, sizeof(at)) < 0 || listen(l, 8) < 0)
                        return 3;
        }
        for (int i = 0; i < p->n_connects; i++) {
                int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

                at.sin_port = htons(p->first_port + i % p->n_ports);
                if (s < 0)
                        return 4;
                r = connect(s, (struct sockaddr *) &at, sizeof(at));
                if (l >= 0) {
                        int a = r < 0 ? -1 : accept4(l, NULL, NULL, SOCK_CLOEXEC);

                        if (a < 0)
                                return 5;
                        close(a);
                } else if (r == 0 || errno != ECONNREFUSED)
                        return 6;
                close(s);
        }
        return 0;
}

struct pid_event {
        pid_t pid;
        const char *event;
};

static bool is_pid_event(struct json_object *o, void *userdata)
{
        const struct pid_event *want = userdata;
        const char *event = tt_str(o, "event");

        return event && streq(event, want->event) && tt_int(o, "pid") == want->pid;
}

static void test_port_scan(void **state)
{
        static const struct port_plan scan = { 20000, 150, 150 }, reconnect = { 20000, 1, 200 };
        char expect[128];
        const struct seen *s;
        pid_t pid;

        pid = rt_run_fn(connect_ports_in_private_netns, (void *) &scan, false);
        s = rt_assert_one("port-scan", pid, self);
        assert_string_equal(s->mitre, "T1046");
        assert_int_equal(s->severity, SEVERITY_WARNING);
        /* the attempt that made it a scan: the 100th refused connect */
        assert_string_equal(s->event, "tcp_failed");
        assert_string_equal(s->daddr, "127.0.0.1");
        assert_int_equal(s->dport, 20099);
        snprintf(expect, sizeof(expect), "test-rules-live (pid %d) connected to 100 distinct ports of 127.0.0.1 in ",
                 pid);
        if (strncmp(s->message, expect, strlen(expect)) != 0)
                fail_msg("message '%s' does not start with '%s'", s->message, expect);
        assert_int_equal(tt_count(&rt.tt, is_pid_event, &(struct pid_event) { pid, "tcp_failed" }), 150);

        /* a client reconnecting 200 times to one port is no scan (the connects were seen) */
        pid = rt_run_fn(connect_ports_in_private_netns, (void *) &reconnect, false);
        assert_int_equal(tt_count(&rt.tt, is_pid_event, &(struct pid_event) { pid, "connect" }), 200);
        rt_assert_none(pid);
}

/* ---- system calls ---- */

static void test_ptrace_attach(void **state)
{
        char target[16];
        const struct seen *s;
        pid_t victim, pid;

        victim = fork();
        assert_true(victim >= 0);
        if (victim == 0) {
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                for (;;)
                        pause();
        }
        snprintf(target, sizeof(target), "%d", victim);
        pid = RUN(false, actor("injector"), "--act", "ptrace-attach", target);
        s = rt_assert_one("ptrace-attach", pid, actor("injector"));
        assert_string_equal(s->event, "syscall");
        assert_string_equal(s->syscall, "ptrace");
        assert_int_equal(s->target_pid, victim);
        assert_non_null(strstr(s->message, "request PTRACE_ATTACH"));
        /* near miss: a debugger doing the same */
        pid = RUN(false, actor("gdb"), "--act", "ptrace-attach", target);
        rt_assert_none(pid);
        kill(victim, SIGKILL);
        tt_wait(victim);
}

static int do_unshare_uts(void *userdata)
{
        return unshare(CLONE_NEWUTS) < 0 ? 2 : 0;
}

static void test_container_namespace_change(void **state)
{
        const struct seen *s;
        pid_t pid;

        pid = rt_run_fn(do_unshare_uts, NULL, true);
        s = rt_assert_one("container-namespace-change", pid, self);
        assert_string_equal(s->syscall, "unshare");
        assert_string_equal(s->container, RT_CONTAINER_NAME);
        assert_non_null(strstr(s->message, "unshare by"));
        pid = rt_run_fn(do_unshare_uts, NULL, false);
        rt_assert_none(pid);
}

/* A mount namespace of its own made private on the host, then (if asked) into the container,
 * then a tmpfs on workdir/mnt: one mount call there. */
static int do_mount_tmpfs(void *userdata)
{
        char target[PATH_MAX];

        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return 2;
        if (userdata)
                rt_join_container();
        snprintf(target, sizeof(target), "%s/mnt", rt.workdir);
        return mount("cwatch-test", target, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") < 0 ? 3 : 0;
}

static void test_container_mount(void **state)
{
        char target[PATH_MAX];
        const struct seen *s;
        pid_t pid;

        snprintf(target, sizeof(target), "%s/mnt", rt.workdir);
        assert_int_equal(mkdir(target, 0755), 0);
        pid = rt_run_fn(do_mount_tmpfs, (void *) 1, false);
        s = rt_assert_one("container-mount", pid, self);
        assert_string_equal(s->syscall, "mount");
        assert_string_equal(s->container, RT_CONTAINER_NAME);
        pid = rt_run_fn(do_mount_tmpfs, NULL, false);
        rt_assert_none(pid);
}

static int do_bpf_map(void *userdata)
{
        union bpf_attr attr = { .map_type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 1 };
        long fd = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));

        if (fd < 0)
                return 2;
        close(fd);
        return 0;
}

static void test_container_bpf(void **state)
{
        const struct seen *s;
        pid_t pid;

        pid = rt_run_fn(do_bpf_map, NULL, true);
        s = rt_assert_one("container-bpf", pid, self);
        assert_string_equal(s->syscall, "bpf");
        assert_string_equal(s->container, RT_CONTAINER_NAME);
        pid = rt_run_fn(do_bpf_map, NULL, false);
        rt_assert_none(pid);
}

static int do_chmod(void *mode)
{
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/suid-target", rt.workdir);
        return chmod(path, (mode_t) (uintptr_t) mode) < 0 ? 2 : 0;
}

static void test_setuid_bit_set(void **state)
{
        char path[PATH_MAX];
        const struct seen *s;
        pid_t pid;

        snprintf(path, sizeof(path), "%s/suid-target", rt.workdir);
        rt_copy_file("/bin/true", path, 0755);
        pid = rt_run_fn(do_chmod, (void *) 04755, false);
        s = rt_assert_one("setuid-bit-set", pid, self);
        assert_string_equal(s->syscall, "chmod");
        assert_non_null(strstr(s->message, "(mode 2541)"));
        /* near miss: execute bits only */
        pid = rt_run_fn(do_chmod, (void *) 0750, false);
        rt_assert_none(pid);
}

/* The module calls fail everywhere (see the top); the errno goes back through shared memory. */
static int *shared_errno;

static int do_init_module(void *userdata)
{
        static const char image[] = "not a kernel module";

        if (syscall(SYS_init_module, image, sizeof(image), "") == 0)
                return 2;
        *shared_errno = errno;
        return 0;
}

static int do_finit_module(void *userdata)
{
        int r = act_finit_module();

        *shared_errno = errno;
        return r;
}

static int do_delete_module(void *userdata)
{
        if (delete_module_by_name() != 0)
                return 2;
        *shared_errno = errno;
        return 0;
}

static void assert_module_alert(const char *rule, pid_t pid, const char *syscall_name)
{
        const struct seen *s = rt_assert_one(rule, pid, self);
        char result[32];

        assert_string_equal(s->event, "syscall");
        assert_string_equal(s->syscall, syscall_name);
        assert_true(*shared_errno > 0);
        assert_int_equal(s->ret, -*shared_errno);
        snprintf(result, sizeof(result), "result %d)", -*shared_errno);
        assert_non_null(strstr(s->message, result));
}

static void test_kernel_module_load(void **state)
{
        const struct seen *s;
        pid_t pid;

        pid = rt_run_fn(do_init_module, NULL, false);
        assert_module_alert("kernel-module-load", pid, "init_module");
        s = rt_find("kernel-module-load", pid);
        assert_int_equal(s->severity, SEVERITY_CRITICAL);
        assert_string_equal(s->mitre, "T1547.006");
        assert_non_null(strstr(s->message, "Kernel module load (init_module, "));

        pid = rt_run_fn(do_finit_module, NULL, false);
        assert_module_alert("kernel-module-load", pid, "finit_module");
        /* from a container, even modprobe */
        pid = RUN(true, actor("modprobe"), "--act", "finit-module");
        assert_string_equal(rt_assert_one("kernel-module-load", pid, actor("modprobe"))->container, RT_CONTAINER_NAME);
        /* near miss: the module tools on the host */
        pid = RUN(false, actor("modprobe"), "--act", "finit-module");
        rt_assert_none(pid);
}

static void test_kernel_module_unload(void **state)
{
        const struct seen *s;
        pid_t pid;

        pid = rt_run_fn(do_delete_module, NULL, false);
        assert_module_alert("kernel-module-unload", pid, "delete_module");
        s = rt_find("kernel-module-unload", pid);
        assert_int_equal(s->severity, SEVERITY_WARNING);
        assert_non_null(strstr(s->message, "Unload of kernel module cwatch_no_such_module"));
        /* near miss: rmmod */
        pid = RUN(false, actor("rmmod"), "--act", "delete-module");
        rt_assert_none(pid);
}

/* A child of this test that sleeps, with its copy of vm_buffer; its address as hex in addr. */
static pid_t memory_victim(char addr[static 32])
{
        pid_t victim = fork();

        assert_true(victim >= 0);
        if (victim == 0) {
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                for (;;)
                        pause();
        }
        snprintf(addr, 32, "%lx", (unsigned long) (uintptr_t) vm_buffer);
        return victim;
}

static void test_process_memory_read(void **state)
{
        char target[16], addr[32];
        const struct seen *s;
        pid_t victim, pid;

        victim = memory_victim(addr);
        snprintf(target, sizeof(target), "%d", victim);
        pid = RUN(false, actor("dumper"), "--act", "vm-read", target, addr);
        s = rt_assert_one("process-memory-read", pid, actor("dumper"));
        assert_string_equal(s->syscall, "process_vm_readv");
        assert_int_equal(s->target_pid, victim);
        assert_int_equal(s->ret, sizeof(vm_buffer));
        assert_int_equal(s->severity, SEVERITY_WARNING);
        assert_string_equal(s->mitre, "T1003.007");
        assert_non_null(strstr(s->message, "read the memory of process"));
        /* near misses: its own memory; a debugger */
        pid = RUN(false, actor("dumper"), "--act", "vm-read-self");
        rt_assert_none(pid);
        pid = RUN(false, actor("gdb"), "--act", "vm-read", target, addr);
        rt_assert_none(pid);
        kill(victim, SIGKILL);
        tt_wait(victim);
}

static void test_process_memory_write(void **state)
{
        char target[16], addr[32];
        const struct seen *s;
        pid_t victim, pid;

        victim = memory_victim(addr);
        snprintf(target, sizeof(target), "%d", victim);
        pid = RUN(false, actor("injector"), "--act", "vm-write", target, addr);
        s = rt_assert_one("process-memory-write", pid, actor("injector"));
        assert_string_equal(s->syscall, "process_vm_writev");
        assert_int_equal(s->target_pid, victim);
        assert_int_equal(s->severity, SEVERITY_ERROR);
        assert_string_equal(s->mitre, "T1055");
        /* near miss: a debugger */
        pid = RUN(false, actor("gdb"), "--act", "vm-write", target, addr);
        rt_assert_none(pid);
        kill(victim, SIGKILL);
        tt_wait(victim);
}

static const char *setcap_program(void)
{
        static const char *const paths[] = { "/usr/sbin/setcap", "/sbin/setcap", "/usr/bin/setcap" };
        static char real[PATH_MAX];

        for (size_t i = 0; i < ELEMENTSOF(paths); i++)
                if (access(paths[i], X_OK) == 0) {
                        snprintf(real, sizeof(real), "%s", rt_realpath(paths[i]));
                        return real;
                }
        fail_msg("setcap not found: install libcap2-bin (tools/setup does)");
        return NULL;
}

static void test_file_capability(void **state)
{
        const char *setcap = setcap_program();
        char path[PATH_MAX], out[PATH_MAX], line[32];
        const struct seen *s;
        pid_t pid, child;
        FILE *f;
        int fd;

        snprintf(path, sizeof(path), "%s/cap-target", rt.workdir);
        rt_copy_file("/bin/true", path, 0755);
        pid = RUN(false, setcap, "cap_setuid+ep", path);
        s = rt_assert_one("file-capability-privileged", pid, setcap);
        assert_string_equal(s->syscall, "setxattr");
        assert_string_equal(s->path, path);
        assert_string_equal(s->caps, "cap_setuid");
        assert_int_equal(s->ret, 0);
        assert_int_equal(s->severity, SEVERITY_ERROR);
        assert_string_equal(s->mitre, "T1548.001");
        assert_non_null(strstr(s->message, path));
        assert_non_null(strstr(s->message, "given capabilities cap_setuid by"));
        assert_int_equal(rt_count("file-capability-set", pid), 0);

        /* a capability that gives no root: the lesser rule */
        pid = RUN(false, setcap, "cap_net_bind_service+ep", path);
        s = rt_assert_one("file-capability-set", pid, setcap);
        assert_string_equal(s->caps, "cap_net_bind_service");
        assert_int_equal(s->severity, SEVERITY_WARNING);
        assert_int_equal(rt_count("file-capability-privileged", pid), 0);

        /* near miss: setcap run by dpkg (as a maintainer script would) */
        snprintf(out, sizeof(out), "%s/setcap-pid", rt.workdir);
        fd = open(out, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        {
                char *argv[] = { (char *) actor("dpkg"), "--act", "run", (char *) setcap, "cap_sys_admin+ep",
                                 path, NULL };

                pid = rt_run(argv, false, fd, -1);
        }
        close(fd);
        f = fopen(out, "re");
        assert_non_null(f);
        assert_non_null(fgets(line, sizeof(line), f));
        fclose(f);
        unlink(out);
        child = atoi(line);
        assert_true(child > 0);
        rt_wait_exit_record(child);
        rt_assert_none(child);
        rt_assert_none(pid);
        unlink(path);
}

static int setup(void **state)
{
        static const char *const tracers[] = { "process", "files", "tcp", "syscalls", NULL };
        static const char *const dirs[] = { ".ssh", ".aws" };
        char path[PATH_MAX + 64];

        snprintf(self, sizeof(self), "%s", rt_realpath("/proc/self/exe"));
        shared_errno = mmap(NULL, sizeof(*shared_errno), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (shared_errno == MAP_FAILED) {
                fprintf(stderr, "FAIL: mmap: %m\n");
                return -1;
        }
        snprintf(home, sizeof(home), "/home/cwatch-test-%d", getpid());
        if (mkdir(home, 0700) < 0) {
                fprintf(stderr, "FAIL: cannot create %s: %m\n", home);
                return -1;
        }
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                snprintf(path, sizeof(path), "%s/%s", home, dirs[i]);
                assert_int_equal(mkdir(path, 0700), 0);
        }
        snprintf(path, sizeof(path), "%s/.ssh/id_ed25519", home);
        write_file(path, "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key: cwatch test\n");
        snprintf(path, sizeof(path), "%s/.ssh/id_ed25519.pub", home);
        write_file(path, "ssh-ed25519 AAAA cwatch-test\n");
        snprintf(path, sizeof(path), "%s/.aws/credentials", home);
        write_file(path, "[default]\naws_access_key_id = CWATCHTEST\n");
        return rt_setup(tracers);
}

/* ---- paths of any depth ---- */

/* Their trees, removed by the group teardown too (after the tracers stop: rm opens every level). */
static char deep_trees[2][64];

/* exec-from-tmp holds whatever the depth: copies of /bin/true at 33 and 1,000 components below
 * /tmp (the kernel side walked 32 and kept the tail: "/tmp/" was lost from the 33rd on), and at
 * about 10,000 bytes (over PATH_MAX - 1: the root-side prefix, marked "/.../" before the name, in
 * the alert and its journal entry). Deeper than the kernel walks to find the root (66,000
 * components, on a tmpfs), exec-from-unresolved-path fires instead, and the "..." path trips no
 * rule on a directory. */
static void test_exec_from_tmp_deep(void **state)
{
        static const struct { const char *comp; size_t depth; bool cut; } cases[] = {
                { "e", 30, false }, { "f", 997, false }, { "g", 5000, true },
        };
        char tmp[] = "/tmp/cwatch-rules-deep.XXXXXX", shm[] = "/dev/shm/cwatch-rules-deep.XXXXXX";
        char *argv[] = { "t", NULL };
        const struct seen *s;
        int top, dir, fd;
        pid_t pid;

        assert_non_null(mkdtemp(tmp));
        snprintf(deep_trees[0], sizeof(deep_trees[0]), "%s", tmp);
        top = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(top >= 0);
        /* "/tmp/cwatch-rules-deep.X" is 2 components, "t" one more: 33 and 1,000 */
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *path = tt_deep_path(tmp, cases[i].comp, cases[i].depth, "t");
                _cleanup_free_ char *cut = tt_cut_path(path, 4095, "t");

                dir = tt_make_deep_dir(top, cases[i].comp, cases[i].depth);
                assert_true(dir >= 0);
                assert_int_equal(tt_copy_file_at("/bin/true", dir, "t", 0755), 0);
                fd = openat(dir, "t", O_RDONLY | O_CLOEXEC);
                assert_true(fd >= 0);
                pid = rt_run(argv, false, -1, fd);
                close(fd);
                close(dir);
                s = rt_assert_one("exec-from-tmp", pid, cases[i].cut ? cut : path);
                assert_int_equal(s->exe_truncated, cases[i].cut);
                assert_string_equal(s->journal_exe_truncated, cases[i].cut ? "1" : "");
                assert_int_equal(rt_count("exec-from-unresolved-path", pid), 0);
        }
        close(top);
        assert_int_equal(tt_remove_tree(tmp), 0);
        deep_trees[0][0] = '\0';

        assert_non_null(mkdtemp(shm));
        snprintf(deep_trees[1], sizeof(deep_trees[1]), "%s", shm);
        pid = tt_deep_chain_exec(shm, "z", 66000, "/bin/true", "t", argv);
        assert_true(pid > 0);
        assert_int_equal(WEXITSTATUS(tt_wait(pid)), 0);
        rt_wait_exit_record(pid);
        s = rt_assert_one("exec-from-unresolved-path", pid, NULL);
        assert_true(strneq(s->exe, ".../z/z/", 8));
        assert_true(s->exe_truncated);
        assert_string_equal(s->journal_exe_truncated, "1");
        assert_int_equal(rt_count("exec-from-dev-shm", pid), 0);
        assert_int_equal(tt_deep_chain_remove(shm, "z", 66000, "t"), 0);
        assert_int_equal(rmdir(shm), 0);
        deep_trees[1][0] = '\0';
}

static int teardown(void **state)
{
        char cmd[PATH_MAX + 16];
        int r;

        snprintf(cmd, sizeof(cmd), "rm -rf %s", home);
        (void) system(cmd);
        remove_leftovers();
        r = rt_teardown();
        for (size_t i = 0; i < ELEMENTSOF(deep_trees); i++)
                if (deep_trees[i][0])
                        (void) tt_remove_tree(deep_trees[i]);
        return r;
}

int main(int argc, char **argv)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_read_shadow),
                cmocka_unit_test(test_read_ssh_private_key),
                cmocka_unit_test(test_read_proc_environ),
                cmocka_unit_test(test_read_cloud_credentials),
                cmocka_unit_test(test_write_below_etc),
                cmocka_unit_test(test_write_below_binary_dir),
                cmocka_unit_test(test_write_cron),
                cmocka_unit_test(test_write_systemd_unit),
                cmocka_unit_test(test_write_authorized_keys),
                cmocka_unit_test(test_log_file_truncated),
                cmocka_unit_test(test_container_runtime_socket),
                cmocka_unit_test(test_container_host_root_access),
                cmocka_unit_test(test_write_release_agent),
                cmocka_unit_test(test_write_core_pattern),
                cmocka_unit_test(test_mining_pool_connection),
                cmocka_unit_test(test_port_scan),
                cmocka_unit_test(test_ptrace_attach),
                cmocka_unit_test(test_container_namespace_change),
                cmocka_unit_test(test_container_mount),
                cmocka_unit_test(test_container_bpf),
                cmocka_unit_test(test_setuid_bit_set),
                cmocka_unit_test(test_kernel_module_load),
                cmocka_unit_test(test_kernel_module_unload),
                cmocka_unit_test(test_process_memory_read),
                cmocka_unit_test(test_process_memory_write),
                cmocka_unit_test(test_file_capability),
                cmocka_unit_test(test_exec_from_tmp_deep),
        };

        if (argc >= 2 && streq(argv[1], "--act"))
                return helper(argc, argv);
        tt_require_privileges();
        return cmocka_run_group_tests(tests, setup, teardown);
}
