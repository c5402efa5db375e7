/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The u64 hash map against a plain array as the model, with removals in every position of runs. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "shared/u64map.h"

#define N 20000

static void test_model(void **state)
{
        static void *model[N];
        struct u64map m = {};
        uint64_t seed = 42;

        assert_null(u64map_get(&m, 5));
        assert_null(u64map_remove(&m, 5));
        assert_int_equal(u64map_put(&m, 0, NULL), -EINVAL);
        for (int round = 0; round < 200000; round++) {
                uint64_t k;

                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                k = (seed >> 33) % N;
                if (k == 0)
                        continue;
                if ((seed >> 20) & 1) {
                        assert_int_equal(u64map_put(&m, k, (void *) (uintptr_t) round + 1), 0);
                        model[k] = (void *) (uintptr_t) round + 1;
                } else {
                        assert_ptr_equal(u64map_remove(&m, k), model[k]);
                        model[k] = NULL;
                }
        }
        size_t n = 0;
        for (uint64_t k = 1; k < N; k++) {
                assert_ptr_equal(u64map_get(&m, k), model[k]);
                n += model[k] != NULL;
        }
        assert_int_equal(m.n, n);

        size_t pos = 0, seen = 0;
        uint64_t key;
        void *v;
        while (u64map_next(&m, &pos, &key, &v)) {
                assert_ptr_equal(v, model[key]);
                seen++;
        }
        assert_int_equal(seen, n);
        assert_true(u64map_table_bytes(&m) >= n * 2 * sizeof(struct u64map_slot));
        u64map_clear(&m);
        assert_null(u64map_get(&m, 1));
}

/* Ids that collide in the low bits (inode numbers often do) still spread. */
static void test_sequential_and_large_keys(void **state)
{
        struct u64map m = {};

        for (uint64_t k = 1; k <= 5000; k++) {
                assert_int_equal(u64map_put(&m, k << 32, (void *) (uintptr_t) k), 0);
                assert_int_equal(u64map_put(&m, UINT64_MAX - k, (void *) (uintptr_t) k), 0);
        }
        for (uint64_t k = 1; k <= 5000; k++) {
                assert_ptr_equal(u64map_get(&m, k << 32), (void *) (uintptr_t) k);
                assert_ptr_equal(u64map_remove(&m, UINT64_MAX - k), (void *) (uintptr_t) k);
        }
        assert_int_equal(m.n, 5000);
        u64map_clear(&m);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_model),
                cmocka_unit_test(test_sequential_and_large_keys),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
