/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The runtimes' files, in their real formats, in a temporary root; malformed ones fall back. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "identity/metadata.h"

#define ID "3f2c1e9a8b7d6c5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e"
#define ID2 "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"

static char root[64];

static void write_file(const char *rel, const char *content)
{
        char path[512], cmd[600];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", root, rel);
        snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
        assert_int_equal(system(cmd), 0);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(content, f);
        fclose(f);
}

static int setup(void **state)
{
        snprintf(root, sizeof(root), "/tmp/cwatch-meta-XXXXXX");
        return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        return system(cmd) == 0 ? 0 : -1;
}

static void test_docker(void **state)
{
        char name[64], image[64];

        /* trimmed from a real config.v2.json */
        write_file("containers/" ID "/config.v2.json",
                   "{\"StreamConfig\":{},\"State\":{\"Running\":true,\"Pid\":4242},\"ID\":\"" ID "\","
                   "\"Created\":\"2024-08-04T16:22:30.1Z\",\"Managed\":false,\"Path\":\"nginx\","
                   "\"Args\":[\"-g\",\"daemon off;\"],\"Config\":{\"Hostname\":\"3f2c1e9a8b7d\","
                   "\"Env\":[\"PATH=/usr/bin\"],\"Cmd\":[\"nginx\"],\"Image\":\"nginx:1.27\","
                   "\"Labels\":{}},\"Image\":\"sha256:5ef79149e0ec84a7a9f9284c3f91aa3c20608f8391f5445eabe92ef07dbda03c\","
                   "\"Name\":\"/web-frontend\",\"RestartCount\":0,\"Driver\":\"overlay2\"}");
        assert_int_equal(docker_read_container(root, ID, name, sizeof(name), image, sizeof(image)), 0);
        assert_string_equal(name, "web-frontend");
        assert_string_equal(image, "nginx:1.27");

        assert_int_equal(docker_read_container(root, ID2, name, sizeof(name), image, sizeof(image)), -ENOENT);
        assert_string_equal(name, "");
        /* an id cannot walk out of the root */
        assert_int_equal(docker_read_container(root, "../x", name, sizeof(name), image, sizeof(image)), -EINVAL);
}

static void test_docker_malformed(void **state)
{
        static const char *const bad[] = {
                "{\"Name\":\"/half",                            /* cut short */
                "",                                             /* empty */
                "[1,2,3]",                                      /* not an object */
                "{\"Name\":42,\"Config\":{\"Image\":7}}",       /* wrong types */
                "{\"Config\":\"nginx\"}",                       /* no name */
                "\xff\xfe garbage",
        };
        char name[64], image[64];

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                write_file("containers/" ID2 "/config.v2.json", bad[i]);
                assert_int_equal(docker_read_container(root, ID2, name, sizeof(name), image, sizeof(image)),
                                 -EBADMSG);
                assert_string_equal(name, "");
        }
        /* a long name is cut to the buffer */
        write_file("containers/" ID2 "/config.v2.json",
                   "{\"Name\":\"/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}");
        assert_int_equal(docker_read_container(root, ID2, name, 16, image, sizeof(image)), 0);
        assert_int_equal(strlen(name), 14);
}

static void test_podman(void **state)
{
        char name[64], image[128];

        /* the format of storage/overlay-containers/containers.json */
        write_file("storage/overlay-containers/containers.json",
                   "[{\"id\":\"" ID2 "\",\"names\":[\"db\"],\"image\":\"aaaa\",\"layer\":\"bbbb\","
                   "\"metadata\":\"{\\\"image-name\\\":\\\"docker.io/library/postgres:16\\\",\\\"image-id\\\":\\\"aaaa\\\","
                   "\\\"name\\\":\\\"db\\\",\\\"created-at\\\":1722788550}\",\"created\":\"2024-08-04T16:22:30Z\","
                   "\"flags\":{\"MountLabel\":\"\",\"ProcessLabel\":\"\"}},"
                   "{\"id\":\"" ID "\",\"names\":[\"cache\",\"alias\"],\"image\":\"5ef79149e0ec\",\"metadata\":\"not json\"}]");
        assert_int_equal(podman_read_container(root, ID2, name, sizeof(name), image, sizeof(image)), 0);
        assert_string_equal(name, "db");
        assert_string_equal(image, "docker.io/library/postgres:16");
        /* unparsable metadata: the image id */
        assert_int_equal(podman_read_container(root, ID, name, sizeof(name), image, sizeof(image)), 0);
        assert_string_equal(name, "cache");
        assert_string_equal(image, "5ef79149e0ec");
        assert_int_equal(podman_read_container(root, "0000", name, sizeof(name), image, sizeof(image)), -ENOENT);
}

static void test_podman_malformed(void **state)
{
        static const char *const bad[] = {
                "{\"id\":\"x\"}",                                       /* not an array */
                "[{\"id\":",                                            /* cut short */
        };
        char name[64], image[64];

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                write_file("storage/overlay-containers/containers.json", bad[i]);
                assert_int_equal(podman_read_container(root, ID, name, sizeof(name), image, sizeof(image)),
                                 -EBADMSG);
        }
        /* wrong types inside: skipped or nameless */
        write_file("storage/overlay-containers/containers.json",
                   "[1, null, {\"id\":5}, {\"id\":\"" ID "\",\"names\":\"notalist\"}]");
        assert_int_equal(podman_read_container(root, ID, name, sizeof(name), image, sizeof(image)), -EBADMSG);
        assert_string_equal(name, "");
}

static void test_pods(void **state)
{
        char pods[128], path[256], name[64], ns[64];

        snprintf(pods, sizeof(pods), "%s/pods", root);
        snprintf(path, sizeof(path), "%s/kube-system_coredns-5d78c9869d-abcde_8d4bd3d6-7c3e-4f62-9e3b-2b0f3c6d9a11/coredns",
                 pods);
        {
                char cmd[1024];

                snprintf(cmd, sizeof(cmd), "mkdir -p '%s' '%s/default_web-0_11111111-2222-3333-4444-555555555555' "
                         "'%s/odd_name' '%s/__x'", path, pods, pods, pods);
                assert_int_equal(system(cmd), 0);
        }
        assert_int_equal(pods_read_pod(pods, "8d4bd3d6-7c3e-4f62-9e3b-2b0f3c6d9a11", name, sizeof(name), ns, sizeof(ns)), 0);
        assert_string_equal(name, "coredns-5d78c9869d-abcde");
        assert_string_equal(ns, "kube-system");
        assert_int_equal(pods_read_pod(pods, "11111111-2222-3333-4444-555555555555", name, sizeof(name), ns, sizeof(ns)), 0);
        assert_string_equal(name, "web-0");
        assert_string_equal(ns, "default");
        assert_int_equal(pods_read_pod(pods, "x", name, sizeof(name), ns, sizeof(ns)), -ENOENT);
        assert_int_equal(pods_read_pod("/nonexistent", "x", name, sizeof(name), ns, sizeof(ns)), -ENOENT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_docker),
                cmocka_unit_test(test_docker_malformed),
                cmocka_unit_test(test_podman),
                cmocka_unit_test(test_podman_malformed),
                cmocka_unit_test(test_pods),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
