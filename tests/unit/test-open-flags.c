/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <string.h>
#include <cmocka.h>
#include "tracers/open-flags.h"

static void assert_flags(uint64_t flags, const char *want)
{
        struct strbuf b = {};

        open_flags_to_string(&b, flags);
        assert_false(b.oom);
        assert_string_equal(b.data, want);
        strbuf_free(&b);
}

static void test_decode(void **state)
{
        assert_flags(O_RDONLY, "O_RDONLY");
        assert_flags(O_WRONLY | O_CREAT | O_TRUNC, "O_WRONLY|O_CREAT|O_TRUNC");
        assert_flags(O_RDWR | O_APPEND | O_CLOEXEC, "O_RDWR|O_APPEND|O_CLOEXEC");
        assert_flags(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, "O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC");
        /* composites are named once, not as their parts */
        assert_flags(O_WRONLY | O_TMPFILE, "O_WRONLY|O_TMPFILE");
        assert_flags(O_WRONLY | O_SYNC, "O_WRONLY|O_SYNC");
        assert_flags(O_WRONLY | O_DSYNC, "O_WRONLY|O_DSYNC");
        assert_flags(O_PATH, "O_RDONLY|O_PATH");
        assert_flags(O_ACCMODE, "O_ACCMODE");
        /* bits without a name stay visible */
        assert_flags(O_RDONLY | (UINT64_C(1) << 40), "O_RDONLY|0x10000000000");
#if defined(__x86_64__)
        assert_flags(O_RDONLY | 0100000, "O_RDONLY|O_LARGEFILE");
#endif
}

static void test_write(void **state)
{
        assert_false(open_flags_write(O_RDONLY));
        assert_false(open_flags_write(O_RDONLY | O_CREAT | O_CLOEXEC));
        assert_true(open_flags_write(O_WRONLY));
        assert_true(open_flags_write(O_RDWR));
        assert_true(open_flags_write(O_RDONLY | O_TRUNC));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_decode),
                cmocka_unit_test(test_write),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
