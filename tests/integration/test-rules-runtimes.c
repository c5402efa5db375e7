/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One container rule on the live kernel for every runtime identity recognises, table-driven: a real
 * cgroup2 directory laid out as each runtime lays it out (docker and podman with both cgroup drivers,
 * Kubernetes pods of both drivers with containerd and CRI-O, systemd-nspawn in a machine scope or in
 * its own systemd-nspawn@.service with the nested "payload", LXC old and new), a shell one-liner run
 * in it, and the alert of container-shell-oneliner with the container's name, id and runtime.
 * Runtimes without ids (nspawn, LXC) are known by their name, which is their id too and is shown
 * whole. The runtimes' helpers beside their containers (conmon, the LXC monitor) are no containers:
 * no alert. */
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

/* The layouts, one row per runtime and driver. In cgroup, {id} stands for a fresh 64-digit hex id,
 * {uid} for a fresh pod uid ({uid_}: with "_" for "-", as the systemd driver writes it), {name} for
 * a fresh container name and {ename} for the same escaped as a unit name. */
static const struct runtime_layout {
        const char *runtime;            /* NULL: no container (a runtime's helper), so no alert */
        const char *cgroup;
        enum {
                NAME_SHORT_ID,          /* no metadata of ours: named by the first 12 characters of {id} */
                NAME_FROM_METADATA,     /* rules-test.c's docker container, named in its config.v2.json */
                NAME_IS_ID,             /* no ids (nspawn, LXC): {name} is name and id, shown whole */
        } naming;
} layouts[] = {
        { "docker", "/system.slice/docker-" RT_CONTAINER_ID ".scope", NAME_FROM_METADATA },
        { "docker", "/docker/{id}", NAME_SHORT_ID },
        { "podman", "/machine.slice/libpod-{id}.scope", NAME_SHORT_ID },
        { NULL, "/machine.slice/libpod-conmon-{id}.scope" },
        { "podman", "/libpod_parent/libpod-{id}", NAME_SHORT_ID },
        /* Kubernetes, systemd driver: containerd in a burstable pod, CRI-O in a best-effort one */
        { "containerd", "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{uid_}.slice/"
                        "cri-containerd-{id}.scope", NAME_SHORT_ID },
        { "cri-o", "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{uid_}.slice/"
                   "crio-{id}.scope", NAME_SHORT_ID },
        { NULL, "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{uid_}.slice/"
                "crio-conmon-{id}.scope" },
        /* Kubernetes, cgroupfs driver: a burstable pod (any CRI runtime), a guaranteed one with CRI-O */
        { "cri", "/kubepods/burstable/pod{uid}/{id}", NAME_SHORT_ID },
        { "cri-o", "/kubepods/pod{uid}/crio-{id}", NAME_SHORT_ID },
        /* systemd-nspawn: registered with machined, or in its systemd-nspawn@.service (machinectl start) */
        { "nspawn", "/machine.slice/machine-{ename}.scope/payload", NAME_IS_ID },
        { "nspawn", "/machine.slice/systemd-nspawn@{ename}.service/payload", NAME_IS_ID },
        /* LXC 4+, its monitor, and older LXC */
        { "lxc", "/lxc.payload.{name}", NAME_IS_ID },
        { NULL, "/lxc.monitor.{name}" },
        { "lxc", "/lxc/{name}", NAME_IS_ID },
};

/* The fresh values of one row. */
struct row_values {
        char id[65], uid[37], uid_[37], name[64], ename[128];
};

/* Cgroups this run made, removed deepest first at the end even when a test failed. */
static char made[64][PATH_MAX];
static size_t n_made;

static void hex_id(char *out, size_t len)
{
        for (size_t i = 0; i < len; i++)
                out[i] = "0123456789abcdef"[random() % 16];
        out[len] = 0;
}

static void row_values_new(struct row_values *v, size_t row)
{
        char hex[33], *e = v->ename;

        hex_id(v->id, 64);
        hex_id(hex, 32);
        snprintf(v->uid, sizeof(v->uid), "%.8s-%.4s-%.4s-%.4s-%.12s",
                 hex, hex + 8, hex + 12, hex + 16, hex + 20);
        snprintf(v->uid_, sizeof(v->uid_), "%s", v->uid);
        for (char *p = v->uid_; *p; p++)
                if (*p == '-')
                        *p = '_';
        /* longer than 12 characters, with dashes that the unit name escapes */
        snprintf(v->name, sizeof(v->name), "cw-rt-%.8s-%zu", hex, row);
        for (const char *p = v->name; *p; p++)
                e += *p == '-' ? sprintf(e, "\\x2d") : sprintf(e, "%c", *p);
}

/* The cgroup of a row: its template with the row's values. */
static void expand(const char *template, const struct row_values *v, char *out, size_t size)
{
        const struct { const char *key, *value; } vars[] = {
                { "{id}", v->id }, { "{uid}", v->uid }, { "{uid_}", v->uid_ }, { "{name}", v->name },
                { "{ename}", v->ename },
        };
        size_t o = 0;

        for (const char *p = template; *p;) {
                size_t i;

                for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
                        if (strncmp(p, vars[i].key, strlen(vars[i].key)) == 0)
                                break;
                if (i < sizeof(vars) / sizeof(vars[0])) {
                        o += snprintf(out + o, size - o, "%s", vars[i].value);
                        p += strlen(vars[i].key);
                } else
                        o += snprintf(out + o, size - o, "%c", *p++);
                assert_true(o < size);
        }
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
        for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
                const struct runtime_layout *l = &layouts[i];
                struct row_values v;
                char rel[512], path[PATH_MAX], row[32], id[65], name[64], shown[65];
                /* a command line of its own per row (letters: the dedup reads digits as variable),
                 * so that no alert can be taken for a repeat of another row's */
                char *argv[] = { "/bin/sh", "-c", "exit 0", row, NULL };
                const struct seen *s;
                pid_t pid;

                row_values_new(&v, i);
                expand(l->cgroup, &v, rel, sizeof(rel));
                snprintf(row, sizeof(row), "row-%c", (char) ('a' + i));
                print_message("%s: %s\n", l->runtime ?: "(no container)", rel);
                make_cgroup(rel, path, sizeof(path));
                pid = rt_run_in(path, argv);
                if (!l->runtime) {
                        rt_assert_none(pid);
                        continue;
                }
                switch (l->naming) {
                case NAME_FROM_METADATA:
                        snprintf(id, sizeof(id), "%s", RT_CONTAINER_ID);
                        snprintf(name, sizeof(name), "%s", RT_CONTAINER_NAME);
                        snprintf(shown, sizeof(shown), "%.12s", id);
                        break;
                case NAME_SHORT_ID:
                        snprintf(id, sizeof(id), "%s", v.id);
                        snprintf(name, sizeof(name), "%.12s", id);
                        snprintf(shown, sizeof(shown), "%.12s", id);
                        break;
                case NAME_IS_ID:
                        snprintf(id, sizeof(id), "%s", v.name);
                        snprintf(name, sizeof(name), "%s", v.name);
                        snprintf(shown, sizeof(shown), "%s", v.name);
                        break;
                }
                s = rt_assert_one(RULE, pid, rt_realpath("/bin/sh"));
                assert_string_equal(s->runtime, l->runtime);
                assert_string_equal(s->container_id, id);
                assert_string_equal(s->container, name);
                assert_string_equal(s->event_container_id, shown);
                assert_non_null(strstr(s->message, name));
        }
}

static int setup(void **state)
{
        static const char *const tracers[] = { "process", NULL };

        srandom(getpid() ^ now_monotonic_ns());
        return rt_setup(tracers);
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
