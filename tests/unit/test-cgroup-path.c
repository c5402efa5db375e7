/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Cgroup path -> identity for each runtime's layout, with paths as real hosts have them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "identity/cgroup-path.h"

#define ID64 "3f2c1e9a8b7d6c5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e"
#define ID64B "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"
#define UID "8d4bd3d6-7c3e-4f62-9e3b-2b0f3c6d9a11"
#define UID_ "8d4bd3d6_7c3e_4f62_9e3b_2b0f3c6d9a11"

struct layout {
        const char *path;
        const char *runtime, *id, *name, *pod_uid, *unit, *slice;
};

static const struct layout layouts[] = {
        /* docker, systemd and cgroupfs drivers */
        { "/system.slice/docker-" ID64 ".scope", "docker", ID64, "", "", "docker-" ID64 ".scope", "system.slice" },
        { "/docker/" ID64, "docker", ID64, "", "", "", "" },
        { "/system.slice/docker.service", NULL, "", "", "", "docker.service", "system.slice" },
        /* podman, root and rootless; conmon is not the container */
        { "/machine.slice/libpod-" ID64 ".scope", "podman", ID64, "", "", "libpod-" ID64 ".scope", "machine.slice" },
        { "/machine.slice/libpod-" ID64 ".scope/container", "podman", ID64, "", "", "libpod-" ID64 ".scope",
          "machine.slice" },
        { "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID64 ".scope", "podman", ID64, "", "",
          "libpod-" ID64 ".scope", "user.slice" },
        { "/machine.slice/libpod-conmon-" ID64 ".scope", NULL, "", "", "", "libpod-conmon-" ID64 ".scope",
          "machine.slice" },
        { "/libpod_parent/libpod-" ID64, "podman", ID64, "", "", "", "" },
        /* Kubernetes, systemd driver: containerd and CRI-O in a burstable pod */
        { "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice/cri-containerd-" ID64 ".scope",
          "containerd", ID64, "", UID, "cri-containerd-" ID64 ".scope", "kubepods-burstable-pod" UID_ ".slice" },
        { "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice/crio-" ID64 ".scope",
          "cri-o", ID64, "", UID, "crio-" ID64 ".scope", "kubepods-burstable-pod" UID_ ".slice" },
        { "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice/crio-conmon-" ID64 ".scope",
          NULL, "", "", UID, "crio-conmon-" ID64 ".scope", "kubepods-burstable-pod" UID_ ".slice" },
        { "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" ID64B
          ".scope", "containerd", ID64B, "", UID, "cri-containerd-" ID64B ".scope",
          "kubepods-besteffort-pod" UID_ ".slice" },
        /* guaranteed pods sit directly under kubepods.slice; the pod slice itself has no container */
        { "/kubepods.slice/kubepods-pod" UID_ ".slice", NULL, "", "", UID, "", "kubepods-pod" UID_ ".slice" },
        { "/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID64 ".scope", "containerd", ID64, "", UID,
          "cri-containerd-" ID64 ".scope", "kubepods-pod" UID_ ".slice" },
        /* cgroupfs driver */
        { "/kubepods/burstable/pod" UID "/" ID64, "cri", ID64, "", UID, "", "" },
        { "/kubepods/pod" UID "/" ID64B, "cri", ID64B, "", UID, "", "" },
        { "/kubepods/besteffort/pod" UID "/crio-" ID64, "cri-o", ID64, "", UID, "", "" },
        /* systemd-nspawn / machined, escaped names, the nested payload */
        { "/machine.slice/machine-web1.scope", "nspawn", "", "web1", "", "machine-web1.scope", "machine.slice" },
        { "/machine.slice/machine-my\\x2dweb\\x2d1.scope/payload", "nspawn", "", "my-web-1", "",
          "machine-my\\x2dweb\\x2d1.scope", "machine.slice" },
        /* systemd-nspawn@.service (machinectl start): the unit is kept, machined registers it */
        { "/machine.slice/systemd-nspawn@web2.service/payload", "nspawn", "", "web2", "",
          "systemd-nspawn@web2.service", "machine.slice" },
        { "/machine.slice/systemd-nspawn@my\\x2dweb.service/payload/system.slice/nginx.service", "nspawn", "",
          "my-web", "", "nginx.service", "system.slice" },
        { "/machine.slice/systemd-nspawn@.service", NULL, "", "", "", "systemd-nspawn@.service", "machine.slice" },
        { "/machine.slice/machine-qemu\\x2d1\\x2dvm.scope/libvirt/emulator", "nspawn", "", "qemu-1-vm", "",
          "machine-qemu\\x2d1\\x2dvm.scope", "machine.slice" },
        /* LXC */
        { "/lxc.payload.web", "lxc", "", "web", "", "", "" },
        { "/lxc.payload.web/system.slice/nginx.service", "lxc", "", "web", "", "nginx.service", "system.slice" },
        { "/lxc.monitor.web", NULL, "", "", "", "", "" },
        { "/lxc/legacy1", "lxc", "", "legacy1", "", "", "" },
        /* plain systemd */
        { "/system.slice/nginx.service", NULL, "", "", "", "nginx.service", "system.slice" },
        { "/system.slice/system-getty.slice/getty@tty1.service", NULL, "", "", "", "getty@tty1.service",
          "system-getty.slice" },
        { "/user.slice/user-1000.slice/session-3.scope", NULL, "", "", "", "session-3.scope", "user-1000.slice" },
        { "/user.slice/user-1000.slice/user@1000.service/app.slice/dbus.service", NULL, "", "", "",
          "dbus.service", "app.slice" },
        { "/init.scope", NULL, "", "", "", "init.scope", "" },
        { "/", NULL, "", "", "", "", "" },
        { "", NULL, "", "", "", "", "" },
        /* lookalikes that are not containers */
        { "/system.slice/docker-notanid.scope", NULL, "", "", "", "docker-notanid.scope", "system.slice" },
        { "/docker/short", NULL, "", "", "", "", "" },
        { "/machine.slice/machine-.scope", NULL, "", "", "", "machine-.scope", "machine.slice" },
        { "/.slice/.service", NULL, "", "", "", "", "" },
        /* a docker container inside an nspawn machine: the innermost wins */
        { "/machine.slice/machine-host2.scope/payload/system.slice/docker-" ID64 ".scope", "docker", ID64, "", "",
          "docker-" ID64 ".scope", "system.slice" },
};

static void test_layouts(void **state)
{
        for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
                const struct layout *l = &layouts[i];
                struct cgroup_path_identity p;

                cgroup_path_parse(l->path, &p);
                print_message("%s\n", l->path);
                if (l->runtime)
                        assert_string_equal(p.runtime, l->runtime);
                else
                        assert_null(p.runtime);
                assert_string_equal(p.container_id, l->id);
                assert_string_equal(p.container_name, l->name);
                assert_string_equal(p.pod_uid, l->pod_uid);
                assert_string_equal(p.unit, l->unit);
                assert_string_equal(p.slice, l->slice);
        }
}

static void test_unescape(void **state)
{
        char out[16];

        unit_name_unescape("a\\x2db\\x2fc", 11, out, sizeof(out));
        assert_string_equal(out, "a-b/c");
        /* incomplete or invalid escapes and \x00 stay as they are */
        unit_name_unescape("x\\x2", 4, out, sizeof(out));
        assert_string_equal(out, "x\\x2");
        unit_name_unescape("\\xzz\\x00", 8, out, sizeof(out));
        assert_string_equal(out, "\\xzz\\x00");
        /* the output is bounded */
        unit_name_unescape("0123456789abcdefghij", 20, out, 8);
        assert_string_equal(out, "0123456");
}

static void test_long_path_bounded(void **state)
{
        char path[8192], id[200];
        struct cgroup_path_identity p;

        memset(path, 'a', sizeof(path) - 1);
        path[0] = '/';
        memcpy(path + sizeof(path) - 12, ".service", 9);
        cgroup_path_parse(path, &p);
        assert_int_equal(strlen(p.unit), CGROUP_NAME_MAX - 1);
        /* a hex id longer than any runtime's is not an id */
        memset(id, 'a', sizeof(id));
        snprintf(path, sizeof(path), "/docker-%.*s.scope", 190, id);
        cgroup_path_parse(path, &p);
        assert_null(p.runtime);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_layouts),
                cmocka_unit_test(test_unescape),
                cmocka_unit_test(test_long_path_bounded),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
