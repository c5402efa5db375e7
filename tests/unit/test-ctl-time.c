/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cwatchctl --since/--until times. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>
#include "ctl/ctl.h"

#define NOW UINT64_C(1700000000000000)  /* 2023-11-14 22:13:20 UTC */

static void test_relative(void **state)
{
        uint64_t t;

        assert_int_equal(parse_time_spec("now", NOW, &t), 0);
        assert_int_equal(t, NOW);
        assert_int_equal(parse_time_spec("-1h", NOW, &t), 0);
        assert_int_equal(t, NOW - UINT64_C(3600000000));
        assert_int_equal(parse_time_spec("30min ago", NOW, &t), 0);
        assert_int_equal(t, NOW - UINT64_C(1800000000));
        assert_int_equal(parse_time_spec("-2d", NOW, &t), 0);
        assert_int_equal(t, NOW - UINT64_C(172800000000));
        assert_int_equal(parse_time_spec("@1700000000", NOW, &t), 0);
        assert_int_equal(t, NOW);
        assert_int_equal(parse_time_spec("-100000w", NOW, &t), 0);
        assert_int_equal(t, 0);
}

static void test_absolute(void **state)
{
        uint64_t t;

        setenv("TZ", "UTC", 1);
        tzset();
        assert_int_equal(parse_time_spec("2023-11-14 22:13:20", NOW, &t), 0);
        assert_int_equal(t, NOW);
        assert_int_equal(parse_time_spec("2023-11-14 22:13", NOW, &t), 0);
        assert_int_equal(t, NOW - 20000000);
        assert_int_equal(parse_time_spec("2023-11-14", NOW, &t), 0);
        assert_int_equal(t, UINT64_C(1699920000000000));
        assert_int_equal(parse_time_spec("today", NOW, &t), 0);
        assert_int_equal(t, UINT64_C(1699920000000000));
        assert_int_equal(parse_time_spec("yesterday", NOW, &t), 0);
        assert_int_equal(t, UINT64_C(1699833600000000));
}

static void test_bad(void **state)
{
        static const char *const bad[] = { "", "soon", "-1", "-1y", "1h", "2023-13-45", "2023-11-14 25:00",
                                           "@", "@x", "@99999999999999", "ago", " ago", "-h", "5 min ago" };
        uint64_t t;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                if (parse_time_spec(bad[i], NOW, &t) != -EINVAL)
                        fail_msg("'%s' was accepted", bad[i]);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_relative),
                cmocka_unit_test(test_absolute),
                cmocka_unit_test(test_bad),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
