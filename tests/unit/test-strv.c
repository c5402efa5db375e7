/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The string vector: counted and NULL-terminated after every change. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "shared/strv.h"

static void assert_terminated(const struct strv *v)
{
        if (v->n == 0)
                return;
        assert_non_null(v->items);
        assert_null(v->items[v->n]);
}

static void test_add(void **state)
{
        struct strv v = {};
        char name[16];

        assert_false(strv_contains(&v, "a"));
        for (int i = 0; i < 1000; i++) {
                snprintf(name, sizeof(name), "s%d", i);
                assert_int_equal(strv_add(&v, name), 0);
                assert_terminated(&v);
        }
        assert_int_equal(v.n, 1000);
        assert_string_equal(v.items[999], "s999");
        assert_true(strv_contains(&v, "s500"));
        assert_false(strv_contains(&v, "s1000"));
        assert_int_equal(strv_addn(&v, "abcdef", 3), 0);
        assert_string_equal(v.items[1000], "abc");
        assert_int_equal(strv_consume(&v, strdup("owned")), 0);
        assert_string_equal(v.items[1001], "owned");
        assert_int_equal(strv_consume(&v, NULL), -ENOMEM);
        assert_int_equal(v.n, 1002);
        assert_terminated(&v);
        strv_done(&v);
        assert_null(v.items);
        assert_int_equal(v.n, 0);
        strv_done(&v);
}

static void test_split(void **state)
{
        struct strv v = {};

        assert_int_equal(strv_split(&v, "", " "), 0);
        assert_int_equal(v.n, 0);
        assert_int_equal(strv_split(&v, " ,, exec,open  fork,", " ,"), 0);
        assert_int_equal(v.n, 3);
        assert_string_equal(v.items[0], "exec");
        assert_string_equal(v.items[1], "open");
        assert_string_equal(v.items[2], "fork");
        /* appends */
        assert_int_equal(strv_split(&v, "a\tb", " \t"), 0);
        assert_int_equal(v.n, 5);
        assert_string_equal(v.items[4], "b");
        assert_terminated(&v);
        strv_done(&v);
}

static void test_copy_sort_steal(void **state)
{
        struct strv v = {}, c = {};
        char **items;
        size_t n;

        assert_int_equal(strv_split(&v, "pear apple fig apple", " "), 0);
        assert_int_equal(strv_copy(&c, &v), 0);
        strv_sort(&c);
        assert_int_equal(c.n, 4);
        assert_string_equal(c.items[0], "apple");
        assert_string_equal(c.items[1], "apple");
        assert_string_equal(c.items[2], "fig");
        assert_string_equal(c.items[3], "pear");
        assert_terminated(&c);
        assert_string_equal(v.items[0], "pear");        /* the original is untouched */
        items = strv_steal(&c, &n);
        assert_int_equal(n, 4);
        assert_null(c.items);
        assert_int_equal(c.n, 0);
        strv_free_n(items, n);
        strv_free_n(NULL, 0);
        strv_done(&v);

        assert_int_equal(strv_copy(&c, &v), 0);
        assert_int_equal(c.n, 0);
        strv_sort(&c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_add),
                cmocka_unit_test(test_split),
                cmocka_unit_test(test_copy_sort_steal),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
