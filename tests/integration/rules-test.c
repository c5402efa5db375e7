/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "rules-test.h"
#include "alert/alert-fields.h"
#include "graph/provenance.h"
#include "detect/detect.h"
#include "shared/array.h"

struct rt rt;

static void copy_column(const struct record *r, const char *name, char *buf, size_t size)
{
        int i = r ? schema_find_column(r->schema, name) : -1;

        if (i >= 0 && r->values[i].present && r->schema->columns[i].type == VALUE_STR)
                snprintf(buf, size, "%.*s", (int) r->values[i].len, r->values[i].str);
}

static uint64_t u64_column(const struct record *r, const char *name)
{
        int i = r ? schema_find_column(r->schema, name) : -1;

        return i >= 0 && r->values[i].present && r->schema->columns[i].type == VALUE_U64 ? r->values[i].u : 0;
}

static int64_t s64_column(const struct record *r, const char *name)
{
        int i = r ? schema_find_column(r->schema, name) : -1;

        return i >= 0 && r->values[i].present && r->schema->columns[i].type == VALUE_S64 ? r->values[i].i : 0;
}

static int capture(const struct alert *a, void *userdata)
{
        struct alert_journal_fields f;
        struct seen *s;

        assert_int_equal(ARRAY_GROW(rt.alerts, rt.n_alerts), 0);
        s = &rt.alerts[rt.n_alerts++];
        *s = (struct seen) { .pid = a->process.pid, .ppid = a->process.ppid, .uid = a->process.uid,
                             .count = a->count, .summary = !a->event, .severity = a->severity,
                             .n_ancestors = a->n_ancestors };
        snprintf(s->rule, sizeof(s->rule), "%s", a->rule);
        snprintf(s->exe, sizeof(s->exe), "%s", a->process.exe ?: "");
        s->exe_truncated = a->process.exe_truncated;
        assert_int_equal(alert_to_journal_fields(a, &f), 0);
        snprintf(s->journal_exe_truncated, sizeof(s->journal_exe_truncated), "%s",
                 alert_journal_fields_get(&f, "CWATCH_EXE_TRUNCATED") ?: "");
        alert_journal_fields_done(&f);
        snprintf(s->message, sizeof(s->message), "%s", a->message ?: "");
        snprintf(s->mitre, sizeof(s->mitre), "%s", a->mitre ?: "");
        snprintf(s->incident_id, sizeof(s->incident_id), "%s", a->incident_id ?: "");
        snprintf(s->story, sizeof(s->story), "%s", a->story ?: "");
        if (a->identity) {
                snprintf(s->container, sizeof(s->container), "%s", a->identity->container_name ?: "");
                snprintf(s->container_id, sizeof(s->container_id), "%s", a->identity->container_id ?: "");
                snprintf(s->runtime, sizeof(s->runtime), "%s", a->identity->runtime ?: "");
        }
        if (a->event) {
                snprintf(s->event, sizeof(s->event), "%s", record_event(a->event) ?: "");
                copy_column(a->event, "path", s->path, sizeof(s->path));
                copy_column(a->event, "container_id", s->event_container_id, sizeof(s->event_container_id));
                copy_column(a->event, "syscall", s->syscall, sizeof(s->syscall));
                copy_column(a->event, "daddr", s->daddr, sizeof(s->daddr));
                s->dport = u64_column(a->event, "dport");
                s->target_pid = u64_column(a->event, "target_pid");
                copy_column(a->event, "caps", s->caps, sizeof(s->caps));
                s->ret = s64_column(a->event, "ret");
        }
        return 0;
}

/* docker's own metadata for the test container, as docker writes it */
static void write_docker_metadata(void)
{
        char path[PATH_MAX + 64];
        FILE *f;

        assert_int_equal(mkdir(rt.docker_root, 0755), 0);
        snprintf(path, sizeof(path), "%s/containers", rt.docker_root);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/containers/%s", rt.docker_root, RT_CONTAINER_ID);
        assert_int_equal(mkdir(path, 0755), 0);
        strncat(path, "/config.v2.json", sizeof(path) - strlen(path) - 1);
        f = fopen(path, "we");
        assert_non_null(f);
        fprintf(f, "{\"ID\":\"%s\",\"Name\":\"/%s\",\"Config\":{\"Image\":\"busybox:latest\"}}",
                RT_CONTAINER_ID, RT_CONTAINER_NAME);
        fclose(f);
}

int rt_setup(const char *const *tracers)
{
        const char *dirs[] = { RULES_SOURCE_DIR };
        struct rules_paths paths = { dirs, 1 };
        struct alert_sink sink = { "test", capture, NULL };
        struct strbuf errors = {};
        const char *root = access("/sys/fs/cgroup/unified/cgroup.procs", F_OK) == 0 ?
                           "/sys/fs/cgroup/unified" : "/sys/fs/cgroup";
        struct stat st;

        snprintf(rt.mount, sizeof(rt.mount), "%s", root);
        snprintf(rt.slice, sizeof(rt.slice), "%s/system.slice", root);
        rt.made_slice = mkdir(rt.slice, 0755) == 0;
        snprintf(rt.cgroup, sizeof(rt.cgroup), "%s/docker-%s.scope", rt.slice, RT_CONTAINER_ID);
        (void) rmdir(rt.cgroup);
        if (mkdir(rt.cgroup, 0755) < 0 || stat(rt.cgroup, &st) < 0) {
                fprintf(stderr, "FAIL: cannot create %s: %m\n", rt.cgroup);
                return -1;
        }
        snprintf(rt.workdir, sizeof(rt.workdir), "/run/cwatch-test-rules-%d", getpid());
        assert_int_equal(mkdir(rt.workdir, 0755), 0);
        snprintf(rt.docker_root, sizeof(rt.docker_root), "%s/docker", rt.workdir);
        write_docker_metadata();

        tt_setup_identity(&rt.tt, tracers, &(struct identity_config) { .roots.docker = rt.docker_root });
        assert_int_equal(manager_add_alert_sink(rt.tt.m, &sink), 0);
        if (rt.provenance)
                assert_int_equal(manager_enable_provenance(rt.tt.m, &PROVENANCE_DEFAULT_CONFIG, false), 0);
        if (manager_enable_rules(rt.tt.m, &paths, NULL, &errors) < 0) {
                fprintf(stderr, "FAIL: rules: %s\n", errors.data);
                strbuf_free(&errors);
                return -1;
        }
        strbuf_free(&errors);
        return 0;
}

int rt_teardown(void)
{
        char cmd[PATH_MAX + 16];

        tt_done(&rt.tt);
        free(rt.alerts);
        (void) rmdir(rt.cgroup);
        if (rt.made_slice)
                (void) rmdir(rt.slice);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", rt.workdir);
        (void) system(cmd);
        return 0;
}

void rt_join_container(void)
{
        rt_join_cgroup(rt.cgroup);
}

void rt_join_cgroup(const char *cgroup)
{
        char procs[PATH_MAX + 16], me[16];
        int c;

        snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
        snprintf(me, sizeof(me), "%d", getpid());
        c = open(procs, O_WRONLY | O_CLOEXEC);
        if (c < 0 || write(c, me, strlen(me)) < 0)
                _exit(126);
        close(c);
}

static pid_t spawn_in(const char *cgroup, char *const argv[], int stdio_fd, int exec_fd)
{
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0) {
                extern char **environ;
                int fd = stdio_fd >= 0 ? stdio_fd : open("/dev/null", O_RDWR);

                if (cgroup)
                        rt_join_cgroup(cgroup);
                dup2(fd, 0);
                dup2(fd, 1);
                if (exec_fd >= 0)
                        fexecve(exec_fd, argv, environ);
                else
                        execv(argv[0], argv);
                _exit(127);
        }
        return pid;
}

pid_t rt_spawn(char *const argv[], bool in_container, int stdio_fd, int exec_fd)
{
        return spawn_in(in_container ? rt.cgroup : NULL, argv, stdio_fd, exec_fd);
}

static bool have_exit(struct tt *t, void *pid)
{
        return tt_find(t, "exit", "pid", *(pid_t *) pid) != NULL;
}

void rt_wait_exit_record_for(pid_t pid, int timeout_ms)
{
        if (!tt_wait_for(&rt.tt, have_exit, &pid, timeout_ms))
                fail_msg("no exit record for pid %d", pid);
}

void rt_wait_exit_record(pid_t pid)
{
        rt_wait_exit_record_for(pid, 5000);
}

pid_t rt_run(char *const argv[], bool in_container, int stdio_fd, int exec_fd)
{
        pid_t pid = rt_spawn(argv, in_container, stdio_fd, exec_fd);

        tt_wait(pid);
        rt_wait_exit_record(pid);
        return pid;
}

pid_t rt_run_in(const char *cgroup, char *const argv[])
{
        pid_t pid = spawn_in(cgroup, argv, -1, -1);

        tt_wait(pid);
        rt_wait_exit_record(pid);
        return pid;
}

pid_t rt_run_fn(int (*fn)(void *userdata), void *userdata, bool in_container)
{
        pid_t pid = fork();
        int status;

        assert_true(pid >= 0);
        if (pid == 0) {
                if (in_container)
                        rt_join_container();
                _exit(fn(userdata));
        }
        status = tt_wait(pid);
        rt_wait_exit_record(pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                fail_msg("child %d failed (status 0x%x)", pid, status);
        return pid;
}

size_t rt_count(const char *rule, pid_t pid)
{
        size_t n = 0;

        for (size_t i = 0; i < rt.n_alerts; i++)
                n += streq(rt.alerts[i].rule, rule) && rt.alerts[i].pid == (uint32_t) pid;
        return n;
}

const struct seen *rt_find(const char *rule, pid_t pid)
{
        for (size_t i = 0; i < rt.n_alerts; i++)
                if (streq(rt.alerts[i].rule, rule) && rt.alerts[i].pid == (uint32_t) pid)
                        return &rt.alerts[i];
        return NULL;
}

const struct seen *rt_assert_one(const char *rule, pid_t pid, const char *exe)
{
        const struct seen *s = rt_find(rule, pid);

        if (!s)
                fail_msg("no alert %s for pid %d", rule, pid);
        assert_int_equal(rt_count(rule, pid), 1);
        assert_int_equal(s->count, 1);
        assert_false(s->summary);
        assert_int_equal(s->ppid, getpid());
        assert_true(s->n_ancestors >= 1);
        assert_true(strlen(s->mitre) >= 5);
        if (exe)
                assert_string_equal(s->exe, exe);
        return s;
}

void rt_assert_none(pid_t pid)
{
        for (size_t i = 0; i < rt.n_alerts; i++)
                if (rt.alerts[i].pid == (uint32_t) pid)
                        fail_msg("near miss raised %s for pid %d: %s", rt.alerts[i].rule, pid, rt.alerts[i].message);
}

void rt_copy_file(const char *from, const char *to, mode_t mode)
{
        char cmd[2 * PATH_MAX + 16];

        snprintf(cmd, sizeof(cmd), "cp %s %s", from, to);
        assert_int_equal(system(cmd), 0);
        assert_int_equal(chmod(to, mode), 0);
}

char *rt_realpath(const char *p)
{
        static char buf[PATH_MAX];

        assert_non_null(realpath(p, buf));
        return buf;
}
