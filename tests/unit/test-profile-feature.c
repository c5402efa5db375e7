/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Feature generalisation: digits, hex and random tokens, per-user and container prefixes, depth,
 * peers; keys. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "profile/feature.h"

static void check_path(const char *in, const char *want)
{
        char out[FEATURE_OBJECT_MAX];
        size_t n = feature_generalise_path(in, strlen(in), out, sizeof(out));

        assert_string_equal(out, want);
        assert_int_equal(n, strlen(want));
}

static void test_paths(void **state)
{
        check_path("/etc/passwd", "/etc/passwd");
        check_path("/etc/hostname", "/etc/hostname");
        check_path("/proc/1234/status", "/proc/*/status");
        check_path("/var/log/app-2024-08-01.log", "/var/log/app-*-*-*.log");
        check_path("/tmp/tmp.Xa8fK2pQzL", "/tmp/tmp.*");
        check_path("/run/user/1000/bus", "/run/user/*/bus");
        check_path("/var/cache/0a1b2c3d4e5f6789/data", "/var/cache/*/data");
        check_path("/home/alice/.ssh/id_rsa", "~/.ssh/id_rsa");
        check_path("/home/bob/.ssh/id_ed25519", "~/.ssh/id_ed*");
        check_path("/root/.bashrc", "~/.bashrc");
        check_path("/rootfs/x", "/rootfs/x");
        check_path("/var/lib/docker/overlay2/5c0f8a1e2d3b4c5d6e7f/merged/etc/shadow", "/etc/shadow");
        check_path("/var/lib/machines/web1/usr/bin/sh", "/usr/bin/sh");
        check_path("/usr/lib/python3/dist-packages/foo/bar/baz.py", "/usr/lib/python*/**/baz.py");
        check_path("/a/b/c/d", "/a/b/c/d");
        check_path("/", "/");
        check_path("", "?");
        check_path("relative/file1", "relative/file*");
        check_path("//etc//passwd", "/etc/passwd");
}

static void test_tokens(void **state)
{
        char out[64];

        feature_generalise_token("libc.so.6", 9, out, sizeof(out));
        assert_string_equal(out, "libc.so.*");
        feature_generalise_token("deadbeefcafe", 12, out, sizeof(out));
        assert_string_equal(out, "deadbeefcafe");       /* all letters: a word, not random */
        feature_generalise_token("deadbeef01", 10, out, sizeof(out));
        assert_string_equal(out, "*");
        feature_generalise_token("aBcDeFgH", 8, out, sizeof(out));
        assert_string_equal(out, "*");
        feature_generalise_token("nginx", 5, out, sizeof(out));
        assert_string_equal(out, "nginx");
        /* a short buffer is cut, never overrun */
        feature_generalise_token("abcdefgh", 8, out, 4);
        assert_string_equal(out, "abc");
}

static void test_peers(void **state)
{
        char out[64];

        feature_generalise_peer("tcp", "127.0.0.1", 9, 80, out, sizeof(out));
        assert_string_equal(out, "tcp loopback :80");
        feature_generalise_peer("tcp", "10.1.2.3", 8, 45678, out, sizeof(out));
        assert_string_equal(out, "tcp private :ephemeral");
        feature_generalise_peer("tcp", "8.8.8.8", 7, 443, out, sizeof(out));
        assert_string_equal(out, "tcp public :443");
        feature_generalise_peer("tcp", "::1", 3, 5432, out, sizeof(out));
        assert_string_equal(out, "tcp loopback :5432");
        feature_generalise_peer("tcp", "garbage", 7, 22, out, sizeof(out));
        assert_string_equal(out, "tcp unknown :22");
        feature_generalise_peer("tcp", NULL, 0, 22, out, sizeof(out));
        assert_string_equal(out, "tcp unknown :22");
}

static void test_keys(void **state)
{
        struct feature a, b, c;

        feature_set(&a, REL_READ, "/etc/passwd", 11);
        feature_set(&b, REL_WRITE, "/etc/passwd", 11);
        feature_set(&c, REL_READ, "/etc/passwd", 11);
        assert_int_not_equal(a.key, b.key);
        assert_int_equal(a.key, c.key);
        assert_true(a.key != 0 && a.key <= FEATURE_KEY_MASK);
        assert_string_equal(feature_relation_name(REL_EXEC_CHILD), "EXEC_CHILD");
        assert_null(feature_relation_name(_REL_MAX));
        assert_string_equal(feature_relation_verb(REL_READ), "read");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_paths),
                cmocka_unit_test(test_tokens),
                cmocka_unit_test(test_peers),
                cmocka_unit_test(test_keys),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
