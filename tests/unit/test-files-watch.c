/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The watched-path patterns: what goes into the kernel's LPM trie, and how it matches. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "tracers/files-watch.h"
#include "shared/log.h"

static void build(struct watch_set *s, char **patterns, size_t n)
{
        assert_int_equal(watch_set_build(s, patterns, n), 0);
}

static void test_entries(void **state)
{
        char *p[] = { "/etc/shadow", "/proc/*/environ", "/home/*/.ssh/", "write:/etc/passwd", "/proc/*/root" };
        const struct watch_entry *e;
        struct watch_set s;

        build(&s, p, 5);
        /* 5 patterns and 2 markers ("/proc/" is shared) */
        assert_int_equal(s.n, 7);
        e = watch_set_find(&s, "/etc/shadow");
        assert_non_null(e);
        assert_int_equal(e->key.prefixlen, 11 * 8);
        assert_int_equal(e->value.flags, CW_WATCH_OPEN);
        e = watch_set_find(&s, "/proc/");
        assert_non_null(e);
        assert_int_equal(e->value.flags, CW_WATCH_STAR);
        assert_int_equal(e->value.star_len, 6);
        e = watch_set_find(&s, "/proc/*/environ");
        assert_non_null(e);
        assert_int_equal(e->value.flags, CW_WATCH_OPEN | CW_WATCH_STAR);
        assert_int_equal(e->value.star_len, 6);
        e = watch_set_find(&s, "/etc/passwd");
        assert_int_equal(e->value.flags, CW_WATCH_WRITE);
        watch_set_free(&s);
}

static void test_match(void **state)
{
        char *p[] = { "/etc/shadow", "/proc/*/environ", "/home/*/.ssh/", "write:/etc/passwd", "/root/.ssh/",
                      "/a/*/b/*/c" };
        struct watch_set s;

        build(&s, p, ELEMENTSOF(p));
        assert_true(watch_set_match(&s, "/etc/shadow", false));
        assert_true(watch_set_match(&s, "/etc/shadow-", false));
        assert_false(watch_set_match(&s, "/etc/shado", false));
        assert_false(watch_set_match(&s, "/etc/hosts", true));
        assert_true(watch_set_match(&s, "/proc/1/environ", false));
        assert_true(watch_set_match(&s, "/proc/self/environ", false));
        assert_false(watch_set_match(&s, "/proc/1/task/1/environ", false));
        assert_false(watch_set_match(&s, "/proc/1/status", false));
        assert_false(watch_set_match(&s, "/proc/", false));
        assert_true(watch_set_match(&s, "/home/alice/.ssh/authorized_keys", false));
        assert_false(watch_set_match(&s, "/home/alice/.bashrc", true));
        assert_false(watch_set_match(&s, "/etc/passwd", false));
        assert_true(watch_set_match(&s, "/etc/passwd", true));
        assert_true(watch_set_match(&s, "/root/.ssh/id_rsa", false));
        assert_false(watch_set_match(&s, "/root/.sshx", false));
        assert_true(watch_set_match(&s, "/a/x/b/y/c", false));
        assert_true(watch_set_match(&s, "/a/x/b/y/cd/e", false));
        assert_false(watch_set_match(&s, "/a/x/b/y/z/c", false));
        assert_false(watch_set_match(&s, "/a/x/y/b/y/c", false));
        watch_set_free(&s);
}

static void test_inherited_flags(void **state)
{
        /* the longest match decides, so it must know what its prefixes watch */
        char *p[] = { "/etc/", "write:/etc/passwd", "write:/var/", "/var/*/log" };
        struct watch_set s;

        build(&s, p, ELEMENTSOF(p));
        assert_true(watch_set_match(&s, "/etc/passwd", false));
        assert_true(watch_set_match(&s, "/var/x/log", false));
        assert_false(watch_set_match(&s, "/var/x/other", false));
        assert_true(watch_set_match(&s, "/var/x/other", true));
        watch_set_free(&s);
}

static void test_bad_patterns(void **state)
{
        char *bad[][1] = { { "" }, { "etc/shadow" }, { "/a*/b" }, { "/a/*b" }, { "/*/*/*/x" }, { "write:" },
                           { "write:etc" } };
        char long_path[300];
        char *too_long[] = { long_path };
        struct watch_set s;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(watch_set_build(&s, bad[i], 1), -EINVAL);
        memset(long_path, 'a', sizeof(long_path) - 1);
        long_path[0] = '/';
        long_path[sizeof(long_path) - 1] = 0;
        assert_int_equal(watch_set_build(&s, too_long, 1), -EINVAL);
        assert_int_equal(watch_set_build(&s, too_long, WATCH_MAX_PATTERNS + 1), -E2BIG);
}

static void test_defaults_compile(void **state)
{
        struct watch_set s;
        size_t n = 0;

        while (files_default_watched_paths[n])
                n++;
        build(&s, (char **) files_default_watched_paths, n);
        assert_true(watch_set_match(&s, "/etc/shadow", false));
        assert_true(watch_set_match(&s, "/proc/42/root", false));
        assert_true(watch_set_match(&s, "/var/run/docker.sock", false));
        assert_false(watch_set_match(&s, "/etc/passwd", false));
        assert_true(watch_set_match(&s, "/etc/passwd", true));
        assert_false(watch_set_match(&s, "/usr/lib/libc.so.6", false));
        watch_set_free(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_entries),
                cmocka_unit_test(test_match),
                cmocka_unit_test(test_inherited_flags),
                cmocka_unit_test(test_bad_patterns),
                cmocka_unit_test(test_defaults_compile),
        };

        log_setup(LOG_TARGET_CONSOLE, LOG_CRIT);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
