/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Identity on the live kernel: real cgroup2 directories named as each runtime names them, a real
 * process moved into each before it execs, the runtimes' files in their formats in a temporary
 * root; cgroups created after start (the BPF watcher) and removed (entries dropped); --container
 * filtering in the kernel and in user space. */
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "tracer-test.h"
#include "shared/timeutil.h"
#include "identity/cgroup-tree.h"

static const char *const process_only[] = { "process", NULL };

/* Per-run names, so that parallel runs and leftovers never collide. */
static char docker_id[65], podman_id[65], cri_id[65], crio_id[65], pod_uid[37], pod_uid_[37], tag[16];
static char root[64], mount[256];

/* Cgroups this run made, removed (deepest first) at the end even when a test failed. */
static char made[32][1024];
static size_t n_made;

static void hex_id(char *out, size_t len)
{
        for (size_t i = 0; i < len; i++)
                out[i] = "0123456789abcdef"[random() % 16];
        out[len] = 0;
}

static void write_file(const char *path, const char *content)
{
        char cmd[1200];
        FILE *f;

        snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
        assert_int_equal(system(cmd), 0);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(content, f);
        assert_int_equal(fclose(f), 0);
}

/* mkdir -p of a cgroup below the cgroup2 mount; returns its id (the directory's inode). */
static uint64_t make_cgroup(const char *rel)
{
        char path[1024], *p;
        struct stat st;

        snprintf(path, sizeof(path), "%s%s", mount, rel);
        for (p = path + strlen(mount) + 1; (p = strchr(p, '/')); p++) {
                *p = 0;
                if (mkdir(path, 0755) == 0)
                        snprintf(made[n_made++], sizeof(made[0]), "%s", path);
                *p = '/';
        }
        if (mkdir(path, 0755) == 0)
                snprintf(made[n_made++], sizeof(made[0]), "%s", path);
        assert_int_equal(stat(path, &st), 0);
        return st.st_ino;
}

static void remove_cgroups(void)
{
        while (n_made > 0)
                (void) rmdir(made[--n_made]);
}

static int setup_group(void **state)
{
        char path[512];

        srandom(getpid() ^ now_monotonic_ns());
        hex_id(docker_id, 64);
        hex_id(podman_id, 64);
        hex_id(cri_id, 64);
        hex_id(crio_id, 64);
        hex_id(tag, 8);
        snprintf(pod_uid, sizeof(pod_uid), "%.8s-%.4s-%.4s-%.4s-%.12s", cri_id + 1, cri_id + 9, cri_id + 13,
                 cri_id + 17, cri_id + 21);
        snprintf(pod_uid_, sizeof(pod_uid_), "%s", pod_uid);
        for (char *p = pod_uid_; *p; p++)
                if (*p == '-')
                        *p = '_';

        snprintf(root, sizeof(root), "/tmp/cwatch-identity-XXXXXX");
        if (!mkdtemp(root))
                return -1;
        /* docker: <root>/docker/containers/<id>/config.v2.json */
        snprintf(path, sizeof(path), "%s/docker/containers/%s/config.v2.json", root, docker_id);
        {
                char json[1024];

                snprintf(json, sizeof(json),
                         "{\"State\":{\"Running\":true},\"ID\":\"%s\",\"Path\":\"nginx\",\"Config\":{\"Hostname\":"
                         "\"%.12s\",\"Image\":\"nginx:1.27\",\"Cmd\":[\"nginx\"]},\"Image\":\"sha256:5ef7\","
                         "\"Name\":\"/web-%s\",\"Driver\":\"overlay2\"}", docker_id, docker_id, tag);
                write_file(path, json);
                /* podman: <root>/podman/storage/overlay-containers/containers.json */
                snprintf(path, sizeof(path), "%s/podman/storage/overlay-containers/containers.json", root);
                snprintf(json, sizeof(json),
                         "[{\"id\":\"%s\",\"names\":[\"db-%s\"],\"image\":\"aaaa\",\"layer\":\"bbbb\","
                         "\"metadata\":\"{\\\"image-name\\\":\\\"docker.io/library/postgres:16\\\",\\\"name\\\":"
                         "\\\"db-%s\\\"}\",\"created\":\"2024-08-04T16:22:30Z\"}]", podman_id, tag, tag);
                write_file(path, json);
        }
        /* kubelet: <root>/pods/<namespace>_<pod>_<uid>/<container>/0.log */
        snprintf(path, sizeof(path), "%s/pods/shop_cart-%s_%s/app/0.log", root, tag, pod_uid);
        write_file(path, "");
        return 0;
}

static int teardown_group(void **state)
{
        char cmd[128];

        remove_cgroups();
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        return system(cmd) == 0 ? 0 : -1;
}

static struct identity_config config(const char *filter)
{
        static char docker[128], podman[128], pods[128];

        snprintf(docker, sizeof(docker), "%s/docker", root);
        snprintf(podman, sizeof(podman), "%s/podman", root);
        snprintf(pods, sizeof(pods), "%s/pods", root);
        return (struct identity_config) {
                .roots = { .docker = docker, .podman = podman, .pods = pods },
                .container_filter = filter,
        };
}

/* Forks a child that moves itself into the cgroup, then execs /bin/true MARKER. */
static pid_t spawn_in(const char *rel, const char *marker)
{
        char procs[1024];
        pid_t pid;

        snprintf(procs, sizeof(procs), "%s%s/cgroup.procs", mount, rel);
        pid = fork();
        if (pid == 0) {
                char *argv[] = { "/bin/true", (char *) marker, NULL };
                char buf[32];
                int fd = open(procs, O_WRONLY | O_CLOEXEC);

                snprintf(buf, sizeof(buf), "%d\n", getpid());
                if (fd < 0 || write(fd, buf, strlen(buf)) < 0)
                        _exit(126);
                close(fd);
                execv(argv[0], argv);
                _exit(127);
        }
        assert_true(pid > 0);
        return pid;
}

static bool have_exit_of(struct tt *t, void *pid)
{
        return tt_find(t, "exit", "pid", *(pid_t *) pid) != NULL;
}

/* Runs /bin/true in cgroup rel and returns its exec record. */
static struct json_object *exec_in(struct tt *t, const char *rel)
{
        char marker[64];
        pid_t pid = spawn_in(rel, tt_marker(marker, sizeof(marker), "id"));

        assert_int_equal(WEXITSTATUS(tt_wait(pid)), 0);
        assert_true(tt_wait_for(t, have_exit_of, &pid, 5000));
        return tt_find(t, "exec", "pid", pid);
}

static void assert_field(struct json_object *o, const char *key, const char *want)
{
        const char *got = tt_str(o, key);

        if (!want) {
                if (got)
                        fail_msg("%s is \"%s\", expected absent", key, got);
                return;
        }
        if (!got)
                fail_msg("%s is absent, expected \"%s\"", key, want);
        assert_string_equal(got, want);
}

struct expect {
        const char *runtime, *container_id, *container_name, *image, *pod, *namespace, *unit;
};

static void assert_identity(struct json_object *o, const struct expect *e)
{
        assert_non_null(o);
        assert_field(o, "runtime", e->runtime);
        assert_field(o, "container_id", e->container_id);
        assert_field(o, "container_name", e->container_name);
        assert_field(o, "image", e->image);
        assert_field(o, "pod", e->pod);
        assert_field(o, "namespace", e->namespace);
        assert_field(o, "unit", e->unit);
}

struct path_known {
        struct identity_context *c;
        uint64_t id;
        bool present;
};

static bool path_is(struct tt *t, void *userdata)
{
        struct path_known *k = userdata;

        return (identity_cgroup_path(k->c, k->id) != NULL) == k->present;
}

static void test_layouts(void **state)
{
        char docker[256], podman[256], pod[256], cri[512], crio[512], machine[256], payload[300], service[128];
        char id12[13], name[64], unit[128], podname[64];
        struct identity_config cfg = config(NULL);
        struct identity_stats before, after;
        struct tt t;

        snprintf(docker, sizeof(docker), "/system.slice/docker-%s.scope", docker_id);
        snprintf(podman, sizeof(podman), "/machine.slice/libpod-%s.scope", podman_id);
        snprintf(pod, sizeof(pod), "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod%s.slice", pod_uid_);
        snprintf(cri, sizeof(cri), "%s/cri-containerd-%s.scope", pod, cri_id);
        snprintf(crio, sizeof(crio), "%s/crio-%s.scope", pod, crio_id);
        snprintf(machine, sizeof(machine), "/machine.slice/machine-cw\\x2dtest\\x2d%s.scope", tag);
        snprintf(payload, sizeof(payload), "%s/payload", machine);
        snprintf(service, sizeof(service), "/system.slice/cwatch-test-%s.service", tag);

        /* docker and podman exist before start (the walk finds them); the rest come after */
        make_cgroup(docker);
        make_cgroup(podman);
        tt_setup_identity(&t, process_only, &cfg);
        identity_get_stats(t.m->identity, &before);

        struct path_known k = { .c = t.m->identity, .present = true };
        const char *after_start[] = { cri, crio, payload, service };
        for (size_t i = 0; i < 4; i++) {
                k.id = make_cgroup(after_start[i]);
                /* reported by the cgroup watcher, before anything looked it up */
                assert_true(tt_wait_for(&t, path_is, &k, 5000));
                assert_string_equal(identity_cgroup_path(t.m->identity, k.id), after_start[i]);
        }

        snprintf(name, sizeof(name), "web-%s", tag);
        snprintf(unit, sizeof(unit), "docker-%s.scope", docker_id);
        snprintf(id12, sizeof(id12), "%.12s", docker_id);
        assert_identity(exec_in(&t, docker), &(struct expect) {
                "docker", id12, name, "nginx:1.27", NULL, NULL, unit });

        snprintf(name, sizeof(name), "db-%s", tag);
        snprintf(unit, sizeof(unit), "libpod-%s.scope", podman_id);
        snprintf(id12, sizeof(id12), "%.12s", podman_id);
        assert_identity(exec_in(&t, podman), &(struct expect) {
                "podman", id12, name, "docker.io/library/postgres:16", NULL, NULL, unit });

        /* CRI containers: no runtime files of ours, so the name is the short id; the pod's from the kubelet */
        snprintf(podname, sizeof(podname), "cart-%s", tag);
        snprintf(unit, sizeof(unit), "cri-containerd-%s.scope", cri_id);
        snprintf(id12, sizeof(id12), "%.12s", cri_id);
        assert_identity(exec_in(&t, cri), &(struct expect) {
                "containerd", id12, id12, NULL, podname, "shop", unit });
        snprintf(unit, sizeof(unit), "crio-%s.scope", crio_id);
        snprintf(id12, sizeof(id12), "%.12s", crio_id);
        assert_identity(exec_in(&t, crio), &(struct expect) {
                "cri-o", id12, id12, NULL, podname, "shop", unit });

        /* nspawn: the name unescaped from the scope, the process in the nested payload cgroup; no id
         * of its own, so the name is its id too, shown whole */
        snprintf(name, sizeof(name), "cw-test-%s", tag);
        assert_identity(exec_in(&t, payload), &(struct expect) {
                "nspawn", name, name, NULL, NULL, NULL, machine + strlen("/machine.slice/") });

        /* a plain service: a unit and no container */
        assert_identity(exec_in(&t, service), &(struct expect) {
                NULL, NULL, NULL, NULL, NULL, NULL, service + strlen("/system.slice/") });

        /* every id was in the map before its first event: no lookup had to ask the kernel */
        identity_get_stats(t.m->identity, &after);
        assert_int_equal(after.misses, before.misses);
        assert_int_equal(after.watch_drops, 0);
        tt_done(&t);
}

static void test_created_and_removed(void **state)
{
        char rel[256], unit[128], marker[64];
        struct identity_config cfg = config(NULL);
        struct identity_stats st;
        struct json_object *exec, *exit;
        struct tt t;
        pid_t pid;

        tt_setup_identity(&t, process_only, &cfg);
        snprintf(unit, sizeof(unit), "cwatch-late-%s.service", tag);
        snprintf(rel, sizeof(rel), "/system.slice/%s", unit);
        struct path_known k = { .c = t.m->identity, .id = make_cgroup(rel), .present = true };

        /* the child leaves the cgroup empty on exit; remove it at once, before draining anything */
        pid = spawn_in(rel, tt_marker(marker, sizeof(marker), "late"));
        assert_int_equal(WEXITSTATUS(tt_wait(pid)), 0);
        assert_int_equal(rmdir(made[--n_made]), 0);

        k.present = false;
        assert_true(tt_wait_for(&t, path_is, &k, 5000));
        assert_true(tt_wait_for(&t, have_exit_of, &pid, 5000));
        /* its events still carry its identity: removals wait for the tracers' events */
        exec = tt_find(&t, "exec", "pid", pid);
        exit = tt_find(&t, "exit", "pid", pid);
        assert_identity(exec, &(struct expect) { .unit = unit });
        assert_identity(exit, &(struct expect) { .unit = unit });
        assert_int_equal(tt_int(exit, "cgroup_id"), (int64_t) k.id);

        identity_get_stats(t.m->identity, &st);
        assert_true(st.removed >= 1);
        assert_null(identity_cgroup_path(t.m->identity, k.id));
        /* a lookup of the removed id finds nothing, and adds nothing */
        assert_null(identity_lookup(t.m->identity, k.id));
        assert_null(identity_cgroup_path(t.m->identity, k.id));
        tt_done(&t);
}

/* On hybrid hosts, directories made in a cgroup v1 hierarchy are not cgroup2's: the watcher skips them. */
static void test_v1_hierarchy_ignored(void **state)
{
        char v1[256], rel[256];
        struct identity_config cfg = config(NULL);
        struct stat st;
        struct tt t;

        if (access("/sys/fs/cgroup/pids/cgroup.procs", F_OK) < 0) {
                print_message("no cgroup v1 pids hierarchy here, nothing to check\n");
                return;
        }
        tt_setup_identity(&t, process_only, &cfg);
        snprintf(v1, sizeof(v1), "/sys/fs/cgroup/pids/cwatch-v1-%s", tag);
        assert_int_equal(mkdir(v1, 0755), 0);
        snprintf(made[n_made++], sizeof(made[0]), "%s", v1);
        assert_int_equal(stat(v1, &st), 0);
        /* a cgroup2 directory made after it: once it is in the map, the v1 event would have been too */
        snprintf(rel, sizeof(rel), "/cwatch-v2-%s", tag);
        struct path_known k = { .c = t.m->identity, .id = make_cgroup(rel), .present = true };
        assert_true(tt_wait_for(&t, path_is, &k, 5000));
        const char *p = identity_cgroup_path(t.m->identity, st.st_ino);
        assert_true(!p || !strstr(p, "cwatch-v1-"));
        tt_done(&t);
}

static bool only_matching(struct json_object *o, void *name)
{
        const char *n = tt_str(o, "container_name");

        return !n || !streq(n, name);
}

static bool has_exec_marker(struct json_object *o, void *marker)
{
        struct json_object *args;

        return streq(tt_str(o, "event"), "exec") && json_object_object_get_ex(o, "args", &args) &&
               json_object_array_length(args) == 2 &&
               streq(json_object_get_string(json_object_array_get_idx(args, 1)), marker);
}

static void test_container_filter(void **state)
{
        char docker[256], other[256], late[256], late_id[65], name[64], late_name[64], marker[64], path[512];
        struct identity_config cfg;
        struct tracer *tr;
        struct tt t;
        pid_t pid;

        snprintf(name, sizeof(name), "web-%s", tag);
        snprintf(docker, sizeof(docker), "/system.slice/docker-%s.scope", docker_id);
        snprintf(other, sizeof(other), "/system.slice/cwatch-other-%s.service", tag);
        make_cgroup(docker);
        make_cgroup(other);

        cfg = config(name);
        tt_setup_identity(&t, process_only, &cfg);
        tr = manager_find_tracer(t.m, "process");

        /* host processes and another cgroup: filtered in the kernel, never reach user space */
        uint64_t events_before = tr->events;
        for (int i = 0; i < 20; i++) {
                char *argv[] = { "/bin/true", (char *) tt_marker(marker, sizeof(marker), "host"), NULL };

                tt_wait(tt_spawn(argv));
        }
        tt_wait(spawn_in(other, tt_marker(marker, sizeof(marker), "other")));
        tt_run_for(&t, 300);
        assert_int_equal(tt_count(&t, has_exec_marker, marker), 0);

        /* the container's own events come through, named */
        struct json_object *exec = exec_in(&t, docker);
        assert_non_null(exec);
        assert_field(exec, "container_name", name);
        assert_int_equal(tt_count(&t, only_matching, name), 0);
        /* 20 host execs with their forks and exits, and everything else running on this machine,
         * did not reach the ring buffer: only the container's exec and exit did (and events of
         * cgroups created meanwhile that were let through while pending) */
        assert_true(tr->events - events_before < 10);

        /* a container created after start is classified when it appears: same filter by id prefix */
        tt_done(&t);
        hex_id(late_id, 64);
        snprintf(late_name, sizeof(late_name), "late-%s", tag);
        snprintf(path, sizeof(path), "%s/docker/containers/%s/config.v2.json", root, late_id);
        {
                char json[512];

                snprintf(json, sizeof(json), "{\"ID\":\"%s\",\"Name\":\"/%s\",\"Config\":{\"Image\":\"busybox\"}}",
                         late_id, late_name);
                write_file(path, json);
        }
        snprintf(marker, sizeof(marker), "%.8s", late_id);
        cfg = config(marker);
        tt_setup_identity(&t, process_only, &cfg);
        snprintf(late, sizeof(late), "/system.slice/docker-%s.scope", late_id);
        make_cgroup(late);
        exec = exec_in(&t, late);
        assert_non_null(exec);
        assert_field(exec, "container_name", late_name);
        pid = spawn_in(docker, "not-this-one");
        tt_wait(pid);
        tt_run_for(&t, 300);
        assert_null(tt_find(&t, "exec", "pid", pid));
        assert_int_equal(tt_count(&t, only_matching, late_name), 0);
        tt_done(&t);
}

/* --container NAME selects an nspawn machine or LXC container by its whole name, never by a prefix:
 * their id is their name, and "web" is not "web2". A hex id still matches by 4 or more characters. */
static void test_container_filter_by_name(void **state)
{
        static const struct {
                const char *path;
                bool wanted;
        } cgroups[] = {
                { "/machine.slice/machine-cw\\x2dweb.scope/payload", true },
                { "/machine.slice/machine-cw\\x2dweb2.scope/payload", false },
                { "/machine.slice/systemd-nspawn@cw\\x2dweb.service/payload", true },
                { "/lxc.payload.cw-web", true },
                { "/lxc.payload.cw-webapp", false },
                { "/system.slice/cw-web.service", false },
        };
        struct identity_context *c;
        struct identity_config cfg = { .container_filter = "cw-web", .cgroup_mount = mount, .no_walk = true };
        /* ids no cgroup has: the entries come from the walk or the watcher, here from the test */
        uint64_t base = UINT64_C(1) << 62;

        assert_int_equal(identity_context_new(&c, &cfg), 0);
        for (size_t i = 0; i < sizeof(cgroups) / sizeof(cgroups[0]); i++) {
                assert_int_equal(identity_cgroup_added(c, base + i, cgroups[i].path), 0);
                print_message("%s\n", cgroups[i].path);
                assert_int_equal(identity_wanted(c, base + i), cgroups[i].wanted);
        }
        identity_context_free(c);

        /* a docker container by a prefix of its id */
        char rel[256], prefix[8];
        snprintf(rel, sizeof(rel), "/system.slice/docker-%s.scope", docker_id);
        snprintf(prefix, sizeof(prefix), "%.6s", docker_id);
        cfg.container_filter = prefix;
        assert_int_equal(identity_context_new(&c, &cfg), 0);
        assert_int_equal(identity_cgroup_added(c, base, rel), 0);
        assert_true(identity_wanted(c, base));
        identity_context_free(c);
}

static void test_malformed_metadata_falls_back(void **state)
{
        char id[65], rel[256], path[512], id12[13];
        struct identity_config cfg = config(NULL);
        struct tt t;

        hex_id(id, 64);
        snprintf(path, sizeof(path), "%s/docker/containers/%s/config.v2.json", root, id);
        write_file(path, "{\"Name\":\"/cut-sh");
        snprintf(rel, sizeof(rel), "/system.slice/docker-%s.scope", id);
        make_cgroup(rel);
        tt_setup_identity(&t, process_only, &cfg);
        snprintf(id12, sizeof(id12), "%.12s", id);
        struct json_object *exec = exec_in(&t, rel);
        assert_field(exec, "runtime", "docker");
        assert_field(exec, "container_name", id12);
        assert_field(exec, "container_id", id12);
        tt_done(&t);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_layouts),
                cmocka_unit_test(test_created_and_removed),
                cmocka_unit_test(test_container_filter),
                cmocka_unit_test(test_v1_hierarchy_ignored),
                cmocka_unit_test(test_container_filter_by_name),
                cmocka_unit_test(test_malformed_metadata_falls_back),
        };
        FILE *f;
        char *m = NULL;

        tt_require_privileges();
        f = fopen("/proc/self/mountinfo", "re");
        if (!f || cgroup2_find_mount(f, &m) < 0) {
                fprintf(stderr, "SKIP: no cgroup2 mount\n");
                return 77;
        }
        fclose(f);
        snprintf(mount, sizeof(mount), "%s", m);
        free(m);
        return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
