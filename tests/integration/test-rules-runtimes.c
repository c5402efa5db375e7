/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One container rule on the live kernel for every runtime identity recognises: a real cgroup2
 * directory laid out as each runtime lays it out (docker and podman with both cgroup drivers,
 * Kubernetes pods of both drivers with containerd and CRI-O, systemd-nspawn in a machine scope or
 * its own systemd-nspawn@.service, with the nested "payload", LXC old and new), a shell one-liner run in it, and the alert of
 * container-shell-oneliner with the container's name, id and runtime. Runtimes without ids (nspawn,
 * LXC) are known by their name, which is their id too and is shown whole. The runtimes' helpers
 * beside their containers (conmon, the LXC monitor) are no containers: no alert. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "rules-test.h"
#include "shared/timeutil.h"

#define RULE "container-shell-oneliner"

struct runtime_case {
        char cgroup[512];               /* below the cgroup2 mount, starting with "/" */
        const char *runtime;            /* NULL: not a container, no alert */
        char container_id[128];         /* the identity's, full */
        char container_name[128];
        char shown_id[128];             /* the record's container_id column */
};

/* Per-run ids and names, so that leftovers and parallel runs never collide. */
static struct runtime_case cases[16];
static size_t n_cases;

/* Cgroups this run made, removed deepest first at the end even when a test failed. */
static char made[64][PATH_MAX];
static size_t n_made;

static void hex_id(char *out, size_t len)
{
        for (size_t i = 0; i < len; i++)
                out[i] = "0123456789abcdef"[random() % 16];
        out[len] = 0;
}

/* A pod uid with "-" (as Kubernetes writes it) and with "_" (as the systemd driver escapes it). */
static void pod_uid(char uid[37], char uid_[37])
{
        char hex[33];

        hex_id(hex, 32);
        snprintf(uid, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
        snprintf(uid_, 37, "%s", uid);
        for (char *p = uid_; *p; p++)
                if (*p == '-')
                        *p = '_';
}

static struct runtime_case *add_case(const char *runtime, const char *id, const char *name)
{
        struct runtime_case *c = &cases[n_cases++];

        assert_true(n_cases <= sizeof(cases) / sizeof(cases[0]));
        *c = (struct runtime_case) { .runtime = runtime };
        snprintf(c->container_id, sizeof(c->container_id), "%s", id);
        snprintf(c->container_name, sizeof(c->container_name), "%s", name ?: "");
        if (!name)
                snprintf(c->container_name, sizeof(c->container_name), "%.12s", id);
        /* the column shows 12 characters of a hex id, a name whole */
        snprintf(c->shown_id, sizeof(c->shown_id), "%.*s", runtime && (streq(runtime, "nspawn") ||
                 streq(runtime, "lxc")) ? (int) strlen(id) : 12, id);
        return c;
}

/* A container of runtime with a hex id (name from metadata where given, else the short id). */
#define ADD_HEX(runtime, name, fmt, ...) \
        snprintf(add_case(runtime, id, name)->cgroup, sizeof(cases[0].cgroup), fmt, __VA_ARGS__)

static void make_cases(void)
{
        char id[65], tag[9], uid[37], uid_[37], name[64];

        hex_id(tag, 8);
        /* docker: the test container of rules-test.c (name and image from its config.v2.json), and
         * one under the cgroupfs driver without metadata (its name is the short id) */
        snprintf(id, sizeof(id), "%s", RT_CONTAINER_ID);
        ADD_HEX("docker", RT_CONTAINER_NAME, "/system.slice/docker-%s.scope", id);
        hex_id(id, 64);
        ADD_HEX("docker", NULL, "/docker/%s", id);
        /* podman: systemd and cgroupfs managers; no storage of ours, so the name is the short id */
        hex_id(id, 64);
        ADD_HEX("podman", NULL, "/machine.slice/libpod-%s.scope", id);
        snprintf(add_case(NULL, "", "")->cgroup, sizeof(cases[0].cgroup), "/machine.slice/libpod-conmon-%s.scope",
                 id);
        hex_id(id, 64);
        ADD_HEX("podman", NULL, "/libpod_parent/libpod-%s", id);
        /* Kubernetes, systemd driver: containerd in a burstable pod, CRI-O in a best-effort pod */
        hex_id(id, 64);
        pod_uid(uid, uid_);
        ADD_HEX("containerd", NULL,
                "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod%s.slice/cri-containerd-%s.scope",
                uid_, id);
        hex_id(id, 64);
        pod_uid(uid, uid_);
        ADD_HEX("cri-o", NULL, "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod%s.slice/crio-%s.scope",
                uid_, id);
        snprintf(add_case(NULL, "", "")->cgroup, sizeof(cases[0].cgroup),
                 "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod%s.slice/crio-conmon-%s.scope",
                 uid_, id);
        /* Kubernetes, cgroupfs driver: a burstable pod (any CRI runtime), a guaranteed one with CRI-O */
        hex_id(id, 64);
        pod_uid(uid, uid_);
        ADD_HEX("cri", NULL, "/kubepods/burstable/pod%s/%s", uid, id);
        hex_id(id, 64);
        pod_uid(uid, uid_);
        ADD_HEX("cri-o", NULL, "/kubepods/pod%s/crio-%s", uid, id);
        /* systemd-nspawn registered with machined: the name escaped in the scope, processes in "payload" */
        snprintf(name, sizeof(name), "cw-rt-%s", tag);
        snprintf(add_case("nspawn", name, name)->cgroup, sizeof(cases[0].cgroup),
                 "/machine.slice/machine-cw\\x2drt\\x2d%s.scope/payload", tag);
        /* systemd-nspawn@.service (machinectl start): its own unit, processes in "payload" */
        snprintf(name, sizeof(name), "cw-rt-unit-%s", tag);
        snprintf(add_case("nspawn", name, name)->cgroup, sizeof(cases[0].cgroup),
                 "/machine.slice/systemd-nspawn@%s.service/payload", name);
        /* LXC 4+ and older */
        snprintf(name, sizeof(name), "cw-rt-lxc-%s", tag);
        snprintf(add_case("lxc", name, name)->cgroup, sizeof(cases[0].cgroup), "/lxc.payload.%s", name);
        snprintf(add_case(NULL, "", "")->cgroup, sizeof(cases[0].cgroup), "/lxc.monitor.%s", name);
        snprintf(name, sizeof(name), "cw-rt-old-%s", tag);
        snprintf(add_case("lxc", name, name)->cgroup, sizeof(cases[0].cgroup), "/lxc/%s", name);
}

/* mkdir -p below the cgroup2 mount, remembering what it made. */
static void make_cgroup(const char *rel, char *path, size_t size)
{
        assert_true(strlen(rt.mount) + strlen(rel) < size);
        strcpy(stpcpy(path, rt.mount), rel);
        for (char *p = path + strlen(rt.mount) + 1;; p++) {
                bool last = !(p = strchr(p, '/'));

                if (!last)
                        *p = 0;
                if (mkdir(path, 0755) == 0) {
                        assert_true(n_made < sizeof(made) / sizeof(made[0]));
                        snprintf(made[n_made++], sizeof(made[0]), "%s", path);
                } else
                        assert_int_equal(errno, EEXIST);
                if (last)
                        break;
                *p = '/';
        }
}

static void test_shell_oneliner_in_every_runtime(void **state)
{
        for (size_t i = 0; i < n_cases; i++) {
                const struct runtime_case *c = &cases[i];
                char path[PATH_MAX], row[32];
                /* a command line of its own per row (letters: the dedup reads digits as variable),
                 * so that no alert can be taken for a repeat of another row's */
                char *argv[] = { "/bin/sh", "-c", "exit 0", row, NULL };
                const struct seen *s;
                pid_t pid;

                snprintf(row, sizeof(row), "row-%c", (char) ('a' + i));
                print_message("%s: %s\n", c->runtime ?: "(no container)", c->cgroup);
                make_cgroup(c->cgroup, path, sizeof(path));
                pid = rt_run_in(path, argv);
                if (!c->runtime) {
                        rt_assert_none(pid);
                        continue;
                }
                s = rt_assert_one(RULE, pid, rt_realpath("/bin/sh"));
                assert_string_equal(s->runtime, c->runtime);
                assert_string_equal(s->container_id, c->container_id);
                assert_string_equal(s->container, c->container_name);
                assert_string_equal(s->event_container_id, c->shown_id);
                assert_non_null(strstr(s->message, c->container_name));
        }
}

static int setup(void **state)
{
        static const char *const tracers[] = { "process", NULL };

        srandom(getpid() ^ now_monotonic_ns());
        if (rt_setup(tracers) < 0)
                return -1;
        make_cases();
        return 0;
}

static int teardown(void **state)
{
        while (n_made > 0)
                (void) rmdir(made[--n_made]);
        return rt_teardown();
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_shell_oneliner_in_every_runtime),
        };

        tt_require_privileges();
        return cmocka_run_group_tests(tests, setup, teardown);
}
