/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "shared/argv.h"

static void assert_arg(const struct argv_view *v, size_t n, const char *want)
{
        size_t len;
        const char *s = argv_view_get(v, n, &len);

        assert_non_null(s);
        assert_int_equal(len, strlen(want));
        assert_memory_equal(s, want, len);
}

static void test_whole(void **state)
{
        static const char data[] = "sh\0-c\0exit 7\0m4rk3r";   /* final NUL from the literal */
        struct argv_view v;

        argv_view_init(&v, data, sizeof(data), sizeof(data));
        assert_false(v.truncated);
        assert_int_equal(v.argc, 4);
        assert_int_equal(v.len, sizeof(data) - 1);
        assert_arg(&v, 0, "sh");
        assert_arg(&v, 2, "exit 7");
        assert_arg(&v, 3, "m4rk3r");
        assert_null(argv_view_get(&v, 4, &(size_t) { 0 }));
}

static void test_truncated(void **state)
{
        static const char data[] = "prog\0aaaa\0bbbbbbbb";
        struct argv_view v;

        /* captured 15 of 4096 bytes: the last argument is cut after "bbbbb" */
        argv_view_init(&v, data, 15, 4096);
        assert_true(v.truncated);
        assert_int_equal(v.argc, 3);
        assert_arg(&v, 2, "bbbbb");
}

static void test_empty_arguments(void **state)
{
        static const char data[] = "a\0\0b";
        struct argv_view v;

        argv_view_init(&v, data, sizeof(data), sizeof(data));
        assert_int_equal(v.argc, 3);
        assert_arg(&v, 1, "");
        assert_arg(&v, 2, "b");

        argv_view_init(&v, data, 0, 0);
        assert_int_equal(v.argc, 0);
        assert_false(v.truncated);
        assert_null(argv_view_get(&v, 0, &(size_t) { 0 }));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_whole),
                cmocka_unit_test(test_truncated),
                cmocka_unit_test(test_empty_arguments),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
