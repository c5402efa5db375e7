/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The default rules on the live kernel: each process rule sees its real behaviour (in a real
 * cgroup named like a Docker container where the rule is about containers) and raises exactly one
 * alert with the right fields, and a near miss raises none. The cgroup's identity comes from the
 * identity module, with the container's name and image in a config.v2.json of a temporary docker
 * root. Also:
 * 1,000 repeats of one behaviour give one alert and a summary with the count 1,000. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "rules-test.h"
#include "alert/pipeline.h"
#include "detect/detect.h"

static void test_exec_from_tmp(void **state)
{
        char dir[] = "/tmp/cwatch-rules-XXXXXX", exe[PATH_MAX];
        char *argv[] = { exe, NULL }, *near[] = { "/bin/true", dir, NULL };
        pid_t pid;

        assert_non_null(mkdtemp(dir));
        snprintf(exe, sizeof(exe), "%s/payload", dir);
        rt_copy_file("/bin/true", exe, 0755);
        pid = rt_run(argv, false, -1, -1);
        assert_non_null(strstr(rt_assert_one("exec-from-tmp", pid, exe)->message, "executed from a temporary directory"));
        pid = rt_run(near, false, -1, -1);
        assert_int_equal(rt_count("exec-from-tmp", pid), 0);
        unlink(exe);
        rmdir(dir);
}

static void test_exec_from_dev_shm(void **state)
{
        char exe[PATH_MAX];
        char *argv[] = { exe, NULL }, *near[] = { "/bin/true", exe, NULL };
        pid_t pid;

        snprintf(exe, sizeof(exe), "/dev/shm/cwatch-test-%d", getpid());
        rt_copy_file("/bin/true", exe, 0755);
        pid = rt_run(argv, false, -1, -1);
        assert_int_equal(rt_assert_one("exec-from-dev-shm", pid, exe)->severity, SEVERITY_ERROR);
        pid = rt_run(near, false, -1, -1);
        assert_int_equal(rt_count("exec-from-dev-shm", pid), 0);
        unlink(exe);
}

static int memfd_with(const char *path)
{
        int fd = memfd_create("payload", MFD_CLOEXEC), in = open(path, O_RDONLY);
        char buf[65536];
        ssize_t n;

        assert_true(fd >= 0 && in >= 0);
        while ((n = read(in, buf, sizeof(buf))) > 0)
                assert_int_equal(write(fd, buf, n), n);
        close(in);
        return fd;
}

static void test_exec_from_memfd(void **state)
{
        char *argv[] = { "payload", NULL };
        int fd = memfd_with(rt_realpath("/bin/true")), plain = open(rt_realpath("/bin/true"), O_RDONLY | O_CLOEXEC);
        pid_t pid;

        pid = rt_run(argv, false, -1, fd);
        /* the process tracer resolves a memfd's path to "/" for now: the flag is what counts */
        assert_int_equal(rt_assert_one("exec-from-memfd", pid, NULL)->severity, SEVERITY_ERROR);
        /* near miss: the same through the descriptor of a plain file */
        pid = rt_run(argv, false, -1, plain);
        assert_int_equal(rt_count("exec-from-memfd", pid), 0);
        assert_int_equal(rt_count("exec-of-deleted-file", pid), 0);
        close(fd);
        close(plain);
}

static void test_exec_of_deleted_file(void **state)
{
        char exe[PATH_MAX], other[PATH_MAX];
        char *argv[] = { "gone", NULL };
        int fd, kept;
        pid_t pid;

        snprintf(exe, sizeof(exe), "%s/gone", rt.workdir);
        snprintf(other, sizeof(other), "%s/kept", rt.workdir);
        rt_copy_file("/bin/true", exe, 0755);
        rt_copy_file("/bin/true", other, 0755);
        fd = open(exe, O_RDONLY | O_CLOEXEC);
        kept = open(other, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0 && kept >= 0);
        assert_int_equal(unlink(exe), 0);
        pid = rt_run(argv, false, -1, fd);
        assert_non_null(strstr(rt_assert_one("exec-of-deleted-file", pid, NULL)->exe, exe));
        assert_int_equal(rt_count("exec-from-memfd", pid), 0);
        pid = rt_run(argv, false, -1, kept);
        assert_int_equal(rt_count("exec-of-deleted-file", pid), 0);
        close(fd);
        close(kept);
}

static void test_reverse_shell(void **state)
{
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(a);
        int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), s;
        int pipefd[2];
        char *argv[] = { "/bin/sh", "-c", "exit 0", NULL };
        pid_t pid;

        assert_int_equal(bind(l, (struct sockaddr *) &a, sizeof(a)), 0);
        assert_int_equal(listen(l, 1), 0);
        assert_int_equal(getsockname(l, (struct sockaddr *) &a, &len), 0);
        assert_int_equal(connect(c, (struct sockaddr *) &a, sizeof(a)), 0);
        s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        assert_true(s >= 0);
        pid = rt_run(argv, false, c, -1);
        assert_int_equal(rt_assert_one("reverse-shell", pid, rt_realpath("/bin/sh"))->severity, SEVERITY_CRITICAL);
        assert_non_null(strstr(rt_find("reverse-shell", pid)->message, "stdin socket and stdout socket"));
        /* near miss: the same shell on a pipe */
        assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
        pid = rt_run(argv, false, pipefd[0], -1);
        assert_int_equal(rt_count("reverse-shell", pid), 0);
        close(pipefd[0]);
        close(pipefd[1]);
        close(s);
        close(c);
        close(l);
}

static void test_setuid_exec_from_writable_dir(void **state)
{
        char dir[] = "/tmp/cwatch-suid-XXXXXX", exe[PATH_MAX];
        char *argv[] = { exe, NULL }, *near[] = { "/usr/bin/passwd", "--help", NULL };
        pid_t pid;

        assert_non_null(mkdtemp(dir));
        assert_int_equal(chmod(dir, 0755), 0);
        snprintf(exe, sizeof(exe), "%s/suid-true", dir);
        rt_copy_file("/bin/true", exe, 04755);
        pid = rt_run(argv, false, -1, -1);
        rt_assert_one("setuid-exec-from-writable-dir", pid, exe);
        /* near miss: a setuid program where it belongs */
        pid = rt_run(near, false, -1, -1);
        assert_int_equal(rt_count("setuid-exec-from-writable-dir", pid), 0);
        unlink(exe);
        rmdir(dir);
}

static void test_container_shell_oneliner(void **state)
{
        char *argv[] = { "/bin/sh", "-c", "exit 0", NULL }, *script[] = { "/bin/sh", "/dev/null", NULL };
        const struct seen *s;
        pid_t pid;

        pid = rt_run(argv, true, -1, -1);
        s = rt_assert_one("container-shell-oneliner", pid, rt_realpath("/bin/sh"));
        assert_string_equal(s->container, "cwatch-test-web");
        assert_non_null(strstr(s->message, "in container cwatch-test-web"));
        /* near misses: the same on the host; a script in the container */
        pid = rt_run(argv, false, -1, -1);
        assert_int_equal(rt_count("container-shell-oneliner", pid), 0);
        pid = rt_run(script, true, -1, -1);
        assert_int_equal(rt_count("container-shell-oneliner", pid), 0);
}

static void test_container_app_shell(void **state)
{
        char *interactive[] = { "/bin/sh", "-i", NULL }, *bare[] = { "/bin/sh", NULL };
        char *oneliner[] = { "/bin/sh", "-c", "true", NULL }, *script[] = { "/bin/sh", "/dev/null", NULL };
        const struct seen *s;
        pid_t pid;

        /* an application of the container (this test) starts a shell that reads its commands */
        pid = rt_run(interactive, true, -1, -1);
        s = rt_assert_one("container-app-shell", pid, rt_realpath("/bin/sh"));
        assert_string_equal(s->container, RT_CONTAINER_NAME);
        assert_string_equal(s->mitre, "T1059.004");
        assert_int_equal(s->severity, SEVERITY_WARNING);
        assert_non_null(strstr(s->message, "Interactive shell /bin/sh -i started by "));
        assert_non_null(strstr(s->message, "in container " RT_CONTAINER_NAME));
        pid = rt_run(bare, true, -1, -1);
        rt_assert_one("container-app-shell", pid, rt_realpath("/bin/sh"));
        /* near misses: -c is the one-liner rule's alone, a script is the application's business,
         * and on the host there is no container */
        pid = rt_run(oneliner, true, -1, -1);
        assert_int_equal(rt_count("container-app-shell", pid), 0);
        assert_int_equal(rt_count("container-shell-oneliner", pid), 1);
        pid = rt_run(script, true, -1, -1);
        rt_assert_none(pid);
        pid = rt_run(interactive, false, -1, -1);
        rt_assert_none(pid);
}

static void test_container_interpreter_oneliner(void **state)
{
        char *argv[] = { "/usr/bin/perl", "-e", "exit 0", NULL }, *script[] = { "/usr/bin/perl", "/dev/null", NULL };
        pid_t pid;

        pid = rt_run(argv, true, -1, -1);
        assert_string_equal(rt_assert_one("container-interpreter-oneliner", pid, NULL)->container, "cwatch-test-web");
        pid = rt_run(script, true, -1, -1);
        assert_int_equal(rt_count("container-interpreter-oneliner", pid), 0);
}

static void test_container_package_manager(void **state)
{
        char *argv[] = { "/usr/bin/dpkg", "--version", NULL };
        pid_t pid;

        pid = rt_run(argv, true, -1, -1);
        assert_string_equal(rt_assert_one("container-package-manager", pid, "/usr/bin/dpkg")->container,
                            "cwatch-test-web");
        pid = rt_run(argv, false, -1, -1);
        assert_int_equal(rt_count("container-package-manager", pid), 0);
}

static void test_container_network_tool(void **state)
{
        char exe[PATH_MAX];
        char *argv[] = { exe, "--help", NULL };
        pid_t pid;

        /* busybox as "nc", as an image would ship it */
        snprintf(exe, sizeof(exe), "%s/nc", rt.workdir);
        rt_copy_file("/bin/busybox", exe, 0755);
        pid = rt_run(argv, true, -1, -1);
        rt_assert_one("container-network-tool", pid, exe);
        pid = rt_run(argv, false, -1, -1);
        assert_int_equal(rt_count("container-network-tool", pid), 0);
}

static void test_container_namespace_tool(void **state)
{
        char *argv[] = { "/usr/bin/nsenter", "--version", NULL };
        pid_t pid;

        pid = rt_run(argv, true, -1, -1);
        rt_assert_one("container-namespace-tool", pid, "/usr/bin/nsenter");
        pid = rt_run(argv, false, -1, -1);
        assert_int_equal(rt_count("container-namespace-tool", pid), 0);
}

static void test_crypto_miner(void **state)
{
        char *argv[] = { "/bin/true", "-o", "stratum+tcp://pool.example.org:3333", NULL };
        char *near[] = { "/bin/true", "stratum", NULL };
        pid_t pid;

        pid = rt_run(argv, false, -1, -1);
        rt_assert_one("crypto-miner", pid, NULL);
        pid = rt_run(near, false, -1, -1);
        assert_int_equal(rt_count("crypto-miner", pid), 0);
}

static void test_log_truncation_command(void **state)
{
        char log[PATH_MAX], other[PATH_MAX];
        char *argv[] = { "/usr/bin/truncate", "-s0", log, NULL }, *near[] = { "/usr/bin/truncate", "-s0", other, NULL };
        pid_t pid;

        snprintf(log, sizeof(log), "/var/log/cwatch-test-%d.log", getpid());
        snprintf(other, sizeof(other), "%s/app.log", rt.workdir);
        pid = rt_run(argv, false, -1, -1);
        rt_assert_one("log-truncation-command", pid, "/usr/bin/truncate");
        pid = rt_run(near, false, -1, -1);
        assert_int_equal(rt_count("log-truncation-command", pid), 0);
        unlink(log);
}

#define REPEATS 1000

static void test_dedup_of_real_execs(void **state)
{
        char dir[] = "/tmp/cwatch-dedup-XXXXXX", exe[PATH_MAX];
        size_t first = 0, summaries = 0;
        uint64_t total = 0;
        pid_t leader;

        assert_non_null(mkdtemp(dir));
        snprintf(exe, sizeof(exe), "%s/again", dir);
        rt_copy_file("/bin/true", exe, 0755);
        leader = fork();
        assert_true(leader >= 0);
        if (leader == 0) {
                char *argv[] = { exe, NULL };

                for (int i = 0; i < REPEATS; i++)
                        tt_wait(tt_spawn(argv));
                _exit(0);
        }
        rt_wait_exit_record_for(leader, 120000);
        tt_wait(leader);
        tt_run_for(&rt.tt, 200);
        assert_int_equal(alert_pipeline_flush(rt.tt.m->alert_pipeline), 0);
        for (size_t i = 0; i < rt.n_alerts; i++) {
                if (!streq(rt.alerts[i].rule, "exec-from-tmp") || !streq(rt.alerts[i].exe, exe))
                        continue;
                if (rt.alerts[i].summary) {
                        summaries++;
                        total = rt.alerts[i].count;
                } else
                        first++;
        }
        assert_int_equal(first, 1);
        assert_int_equal(summaries, 1);
        assert_int_equal(total, REPEATS);
        unlink(exe);
        rmdir(dir);
}

static int setup(void **state)
{
        static const char *const tracers[] = { "process", NULL };

        return rt_setup(tracers);
}

static int teardown(void **state)
{
        return rt_teardown();
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exec_from_tmp),
                cmocka_unit_test(test_exec_from_dev_shm),
                cmocka_unit_test(test_exec_from_memfd),
                cmocka_unit_test(test_exec_of_deleted_file),
                cmocka_unit_test(test_reverse_shell),
                cmocka_unit_test(test_setuid_exec_from_writable_dir),
                cmocka_unit_test(test_container_shell_oneliner),
                cmocka_unit_test(test_container_app_shell),
                cmocka_unit_test(test_container_interpreter_oneliner),
                cmocka_unit_test(test_container_package_manager),
                cmocka_unit_test(test_container_network_tool),
                cmocka_unit_test(test_container_namespace_tool),
                cmocka_unit_test(test_crypto_miner),
                cmocka_unit_test(test_log_truncation_command),
                cmocka_unit_test(test_dedup_of_real_execs),
        };

        tt_require_privileges();
        return cmocka_run_group_tests(tests, setup, teardown);
}
