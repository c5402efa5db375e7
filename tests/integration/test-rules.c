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
#include "tracer-test.h"
#include "detect/detect.h"

#define CONTAINER_ID "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"

struct seen {
        char rule[64];
        char exe[PATH_MAX];
        char container[64];
        char message[512];
        uint32_t pid;
        uint64_t count;
        bool summary;
        char mitre[16];
        enum alert_severity severity;
        size_t n_ancestors;
        uint32_t ppid;
};

static struct tt tt;
static struct seen *alerts;
static size_t n_alerts;
static char slice[512], cgroup[1024], workdir[256], docker_root[512];
static bool made_slice;

static int capture(const struct alert *a, void *userdata)
{
        struct seen *s;

        alerts = realloc(alerts, (n_alerts + 1) * sizeof(*alerts));
        assert_non_null(alerts);
        s = &alerts[n_alerts++];
        *s = (struct seen) { .pid = a->process.pid, .count = a->count, .summary = !a->event,
                             .severity = a->severity, .n_ancestors = a->n_ancestors, .ppid = a->process.ppid };
        snprintf(s->rule, sizeof(s->rule), "%s", a->rule);
        snprintf(s->exe, sizeof(s->exe), "%s", a->process.exe ?: "");
        snprintf(s->message, sizeof(s->message), "%s", a->message ?: "");
        snprintf(s->mitre, sizeof(s->mitre), "%s", a->mitre ?: "");
        if (a->identity && a->identity->container_name)
                snprintf(s->container, sizeof(s->container), "%s", a->identity->container_name);
        return 0;
}

/* docker's own metadata for the test container, as docker writes it */
static void write_docker_metadata(void)
{
        char path[PATH_MAX + 64];
        FILE *f;

        assert_int_equal(mkdir(docker_root, 0755), 0);
        snprintf(path, sizeof(path), "%s/containers", docker_root);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/containers/%s", docker_root, CONTAINER_ID);
        assert_int_equal(mkdir(path, 0755), 0);
        strncat(path, "/config.v2.json", sizeof(path) - strlen(path) - 1);
        f = fopen(path, "we");
        assert_non_null(f);
        fprintf(f, "{\"ID\":\"%s\",\"Name\":\"/cwatch-test-web\",\"Config\":{\"Image\":\"busybox:latest\"}}",
                CONTAINER_ID);
        fclose(f);
}

static int setup(void **state)
{
        static const char *const tracers[] = { "process", NULL };
        const char *dirs[] = { RULES_SOURCE_DIR };
        struct rules_paths paths = { dirs, 1 };
        struct alert_sink sink = { "test", capture, NULL };
        struct strbuf errors = {};
        const char *root = access("/sys/fs/cgroup/unified/cgroup.procs", F_OK) == 0 ?
                           "/sys/fs/cgroup/unified" : "/sys/fs/cgroup";
        struct stat st;

        snprintf(slice, sizeof(slice), "%s/system.slice", root);
        made_slice = mkdir(slice, 0755) == 0;
        snprintf(cgroup, sizeof(cgroup), "%s/docker-%s.scope", slice, CONTAINER_ID);
        (void) rmdir(cgroup);
        if (mkdir(cgroup, 0755) < 0 || stat(cgroup, &st) < 0) {
                fprintf(stderr, "FAIL: cannot create %s: %m\n", cgroup);
                return -1;
        }
        snprintf(workdir, sizeof(workdir), "/run/cwatch-test-rules-%d", getpid());
        assert_int_equal(mkdir(workdir, 0755), 0);
        snprintf(docker_root, sizeof(docker_root), "%s/docker", workdir);
        write_docker_metadata();

        tt_setup_identity(&tt, tracers, &(struct identity_config) { .roots.docker = docker_root });
        assert_int_equal(manager_add_alert_sink(tt.m, &sink), 0);
        if (detect_enable(tt.m, &paths, NULL, &errors) < 0) {
                fprintf(stderr, "FAIL: rules: %s\n", errors.data);
                return -1;
        }
        strbuf_free(&errors);
        return 0;
}

static int teardown(void **state)
{
        char cmd[PATH_MAX + 16];

        tt_done(&tt);
        free(alerts);
        (void) rmdir(cgroup);
        if (made_slice)
                (void) rmdir(slice);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", workdir);
        (void) system(cmd);
        return 0;
}

/* fork; the child optionally joins the container cgroup, sets stdio, execs (by path or fd). */
static pid_t spawn(char *const argv[], bool in_container, int stdio_fd, int exec_fd)
{
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0) {
                int fd = stdio_fd >= 0 ? stdio_fd : open("/dev/null", O_RDWR);

                if (in_container) {
                        char procs[PATH_MAX + 16], me[16];
                        int c;

                        snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
                        snprintf(me, sizeof(me), "%d", getpid());
                        c = open(procs, O_WRONLY);
                        if (c < 0 || write(c, me, strlen(me)) < 0)
                                _exit(126);
                        close(c);
                }
                dup2(fd, 0);
                dup2(fd, 1);
                if (exec_fd >= 0) {
                        extern char **environ;

                        fexecve(exec_fd, argv, environ);
                } else
                        execv(argv[0], argv);
                _exit(127);
        }
        return pid;
}

static bool have_exit(struct tt *t, void *pid)
{
        return tt_find(t, "exit", "pid", *(pid_t *) pid) != NULL;
}

static pid_t run(char *const argv[], bool in_container, int stdio_fd, int exec_fd)
{
        pid_t pid = spawn(argv, in_container, stdio_fd, exec_fd);

        tt_wait(pid);
        assert_true(tt_wait_for(&tt, have_exit, &pid, 5000));
        return pid;
}

static size_t count(const char *rule, pid_t pid)
{
        size_t n = 0;

        for (size_t i = 0; i < n_alerts; i++)
                n += streq(alerts[i].rule, rule) && alerts[i].pid == (uint32_t) pid;
        return n;
}

static const struct seen *find(const char *rule, pid_t pid)
{
        for (size_t i = 0; i < n_alerts; i++)
                if (streq(alerts[i].rule, rule) && alerts[i].pid == (uint32_t) pid)
                        return &alerts[i];
        return NULL;
}

static const struct seen *assert_one(const char *rule, pid_t pid, const char *exe)
{
        const struct seen *s = find(rule, pid);

        if (!s)
                fail_msg("no alert %s for pid %d", rule, pid);
        assert_int_equal(count(rule, pid), 1);
        assert_int_equal(s->count, 1);
        assert_false(s->summary);
        assert_int_equal(s->ppid, getpid());
        assert_true(s->n_ancestors >= 1);
        assert_true(strlen(s->mitre) >= 5);
        if (exe)
                assert_string_equal(s->exe, exe);
        return s;
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
        char cmd[2 * PATH_MAX + 16];

        snprintf(cmd, sizeof(cmd), "cp %s %s", from, to);
        assert_int_equal(system(cmd), 0);
        assert_int_equal(chmod(to, mode), 0);
}

static char *realpath_of(const char *p)
{
        static char buf[PATH_MAX];

        assert_non_null(realpath(p, buf));
        return buf;
}

static void test_exec_from_tmp(void **state)
{
        char dir[] = "/tmp/cwatch-rules-XXXXXX", exe[PATH_MAX];
        char *argv[] = { exe, NULL }, *near[] = { "/bin/true", dir, NULL };
        pid_t pid;

        assert_non_null(mkdtemp(dir));
        snprintf(exe, sizeof(exe), "%s/payload", dir);
        copy_file("/bin/true", exe, 0755);
        pid = run(argv, false, -1, -1);
        assert_non_null(strstr(assert_one("exec-from-tmp", pid, exe)->message, "executed from a temporary directory"));
        pid = run(near, false, -1, -1);
        assert_int_equal(count("exec-from-tmp", pid), 0);
        unlink(exe);
        rmdir(dir);
}

static void test_exec_from_dev_shm(void **state)
{
        char exe[PATH_MAX];
        char *argv[] = { exe, NULL }, *near[] = { "/bin/true", exe, NULL };
        pid_t pid;

        snprintf(exe, sizeof(exe), "/dev/shm/cwatch-test-%d", getpid());
        copy_file("/bin/true", exe, 0755);
        pid = run(argv, false, -1, -1);
        assert_int_equal(assert_one("exec-from-dev-shm", pid, exe)->severity, SEVERITY_ERROR);
        pid = run(near, false, -1, -1);
        assert_int_equal(count("exec-from-dev-shm", pid), 0);
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
        int fd = memfd_with(realpath_of("/bin/true")), plain = open(realpath_of("/bin/true"), O_RDONLY | O_CLOEXEC);
        pid_t pid;

        pid = run(argv, false, -1, fd);
        /* the process tracer resolves a memfd's path to "/" for now: the flag is what counts */
        assert_int_equal(assert_one("exec-from-memfd", pid, NULL)->severity, SEVERITY_ERROR);
        /* near miss: the same through the descriptor of a plain file */
        pid = run(argv, false, -1, plain);
        assert_int_equal(count("exec-from-memfd", pid), 0);
        assert_int_equal(count("exec-of-deleted-file", pid), 0);
        close(fd);
        close(plain);
}

static void test_exec_of_deleted_file(void **state)
{
        char exe[PATH_MAX], other[PATH_MAX];
        char *argv[] = { "gone", NULL };
        int fd, kept;
        pid_t pid;

        snprintf(exe, sizeof(exe), "%s/gone", workdir);
        snprintf(other, sizeof(other), "%s/kept", workdir);
        copy_file("/bin/true", exe, 0755);
        copy_file("/bin/true", other, 0755);
        fd = open(exe, O_RDONLY | O_CLOEXEC);
        kept = open(other, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0 && kept >= 0);
        assert_int_equal(unlink(exe), 0);
        pid = run(argv, false, -1, fd);
        assert_non_null(strstr(assert_one("exec-of-deleted-file", pid, NULL)->exe, exe));
        assert_int_equal(count("exec-from-memfd", pid), 0);
        pid = run(argv, false, -1, kept);
        assert_int_equal(count("exec-of-deleted-file", pid), 0);
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
        pid = run(argv, false, c, -1);
        assert_int_equal(assert_one("reverse-shell", pid, realpath_of("/bin/sh"))->severity, SEVERITY_CRITICAL);
        assert_non_null(strstr(find("reverse-shell", pid)->message, "stdin socket and stdout socket"));
        /* near miss: the same shell on a pipe */
        assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
        pid = run(argv, false, pipefd[0], -1);
        assert_int_equal(count("reverse-shell", pid), 0);
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
        copy_file("/bin/true", exe, 04755);
        pid = run(argv, false, -1, -1);
        assert_one("setuid-exec-from-writable-dir", pid, exe);
        /* near miss: a setuid program where it belongs */
        pid = run(near, false, -1, -1);
        assert_int_equal(count("setuid-exec-from-writable-dir", pid), 0);
        unlink(exe);
        rmdir(dir);
}

static void test_container_shell_oneliner(void **state)
{
        char *argv[] = { "/bin/sh", "-c", "exit 0", NULL }, *script[] = { "/bin/sh", "/dev/null", NULL };
        const struct seen *s;
        pid_t pid;

        pid = run(argv, true, -1, -1);
        s = assert_one("container-shell-oneliner", pid, realpath_of("/bin/sh"));
        assert_string_equal(s->container, "cwatch-test-web");
        assert_non_null(strstr(s->message, "in container cwatch-test-web"));
        /* near misses: the same on the host; a script in the container */
        pid = run(argv, false, -1, -1);
        assert_int_equal(count("container-shell-oneliner", pid), 0);
        pid = run(script, true, -1, -1);
        assert_int_equal(count("container-shell-oneliner", pid), 0);
}

static void test_container_interpreter_oneliner(void **state)
{
        char *argv[] = { "/usr/bin/perl", "-e", "exit 0", NULL }, *script[] = { "/usr/bin/perl", "/dev/null", NULL };
        pid_t pid;

        pid = run(argv, true, -1, -1);
        assert_string_equal(assert_one("container-interpreter-oneliner", pid, NULL)->container, "cwatch-test-web");
        pid = run(script, true, -1, -1);
        assert_int_equal(count("container-interpreter-oneliner", pid), 0);
}

static void test_container_package_manager(void **state)
{
        char *argv[] = { "/usr/bin/dpkg", "--version", NULL };
        pid_t pid;

        pid = run(argv, true, -1, -1);
        assert_string_equal(assert_one("container-package-manager", pid, "/usr/bin/dpkg")->container,
                            "cwatch-test-web");
        pid = run(argv, false, -1, -1);
        assert_int_equal(count("container-package-manager", pid), 0);
}

static void test_container_network_tool(void **state)
{
        char exe[PATH_MAX];
        char *argv[] = { exe, "--help", NULL };
        pid_t pid;

        /* busybox as "nc", as an image would ship it */
        snprintf(exe, sizeof(exe), "%s/nc", workdir);
        copy_file("/bin/busybox", exe, 0755);
        pid = run(argv, true, -1, -1);
        assert_one("container-network-tool", pid, exe);
        pid = run(argv, false, -1, -1);
        assert_int_equal(count("container-network-tool", pid), 0);
}

static void test_container_namespace_tool(void **state)
{
        char *argv[] = { "/usr/bin/nsenter", "--version", NULL };
        pid_t pid;

        pid = run(argv, true, -1, -1);
        assert_one("container-namespace-tool", pid, "/usr/bin/nsenter");
        pid = run(argv, false, -1, -1);
        assert_int_equal(count("container-namespace-tool", pid), 0);
}

static void test_crypto_miner(void **state)
{
        char *argv[] = { "/bin/true", "-o", "stratum+tcp://pool.example.org:3333", NULL };
        char *near[] = { "/bin/true", "stratum", NULL };
        pid_t pid;

        pid = run(argv, false, -1, -1);
        assert_one("crypto-miner", pid, NULL);
        pid = run(near, false, -1, -1);
        assert_int_equal(count("crypto-miner", pid), 0);
}

static void test_log_truncation_command(void **state)
{
        char log[PATH_MAX], other[PATH_MAX];
        char *argv[] = { "/usr/bin/truncate", "-s0", log, NULL }, *near[] = { "/usr/bin/truncate", "-s0", other, NULL };
        pid_t pid;

        snprintf(log, sizeof(log), "/var/log/cwatch-test-%d.log", getpid());
        snprintf(other, sizeof(other), "%s/app.log", workdir);
        pid = run(argv, false, -1, -1);
        assert_one("log-truncation-command", pid, "/usr/bin/truncate");
        pid = run(near, false, -1, -1);
        assert_int_equal(count("log-truncation-command", pid), 0);
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
        copy_file("/bin/true", exe, 0755);
        leader = fork();
        assert_true(leader >= 0);
        if (leader == 0) {
                char *argv[] = { exe, NULL };

                for (int i = 0; i < REPEATS; i++)
                        tt_wait(tt_spawn(argv));
                _exit(0);
        }
        assert_true(tt_wait_for(&tt, have_exit, &leader, 120000));
        tt_wait(leader);
        tt_run_for(&tt, 200);
        assert_int_equal(alert_pipeline_flush(tt.m->alert_pipeline), 0);
        for (size_t i = 0; i < n_alerts; i++) {
                if (!streq(alerts[i].rule, "exec-from-tmp") || !streq(alerts[i].exe, exe))
                        continue;
                if (alerts[i].summary) {
                        summaries++;
                        total = alerts[i].count;
                } else
                        first++;
        }
        assert_int_equal(first, 1);
        assert_int_equal(summaries, 1);
        assert_int_equal(total, REPEATS);
        unlink(exe);
        rmdir(dir);
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
