/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ARRAY_APPEND/ARRAY_GROW: growth without a capacity field, across shrinking, and failure. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "shared/array.h"

static void test_append(void **state)
{
        int *v = NULL;
        size_t n = 0;

        for (int i = 0; i < 100000; i++)
                assert_int_equal(ARRAY_APPEND(v, n, i), 0);
        assert_int_equal(n, 100000);
        for (int i = 0; i < 100000; i++)
                assert_int_equal(v[i], i);
        free(v);
}

/* Removing from the end and appending again stays within what was allocated (valgrind checks). */
static void test_shrink_and_grow(void **state)
{
        uint64_t *v = NULL;
        size_t n = 0;

        for (int round = 0; round < 50; round++) {
                size_t target = (size_t) (round * 37 % 101);

                while (n > target)
                        n--;
                while (n < target + 3)
                        assert_int_equal(ARRAY_APPEND(v, n, (uint64_t) n * 3), 0);
                for (size_t i = 0; i < n; i++)
                        assert_int_equal(v[i], i * 3);
        }
        /* emptied for reuse, as a queue drained in place */
        for (int round = 0; round < 3; round++) {
                n = 0;
                for (uint64_t i = 0; i < 70; i++)
                        assert_int_equal(ARRAY_APPEND(v, n, i), 0);
                assert_int_equal(v[69], 69);
        }
        free(v);
}

static void test_grow_in_place(void **state)
{
        struct { int a, b; } *v = NULL;
        size_t n = 0;

        assert_int_equal(ARRAY_GROW(v, n), 0);
        v[n++] = (__typeof__(*v)) { 1, 2 };
        assert_int_equal(ARRAY_GROW(v, n), 0);
        v[n++] = (__typeof__(*v)) { 3, 4 };
        assert_int_equal(v[0].a + v[1].b, 5);
        free(v);
}

static void test_overflow(void **state)
{
        char *v = malloc(1);

        assert_non_null(v);
        /* a count no allocation can hold: NULL, and the array is still the caller's */
        assert_null(array_grow(v, (size_t) 1 << (sizeof(size_t) * 8 - 1), 1));
        assert_null(array_grow(v, (size_t) 1 << 40, (size_t) 1 << 30));
        free(v);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_append),
                cmocka_unit_test(test_shrink_and_grow),
                cmocka_unit_test(test_grow_in_place),
                cmocka_unit_test(test_overflow),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
