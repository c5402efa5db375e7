/* SPDX-License-Identifier: GPL-2.0-or-later */
/* utf8_sequence_length on the edges of each sequence length, and against a decoder written the
 * other way round (encode every code point, check it is accepted whole). */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "shared/utf8.h"

static size_t len_of(const char *s)
{
        return utf8_sequence_length((const unsigned char *) s, strlen(s));
}

static void test_valid(void **state)
{
        assert_int_equal(len_of("a"), 1);
        assert_int_equal(len_of("\x7f"), 1);
        assert_int_equal(len_of("\xc2\x80"), 2);               /* U+0080 */
        assert_int_equal(len_of("\xdf\xbf"), 2);               /* U+07FF */
        assert_int_equal(len_of("\xe0\xa0\x80"), 3);           /* U+0800 */
        assert_int_equal(len_of("\xed\x9f\xbf"), 3);           /* U+D7FF */
        assert_int_equal(len_of("\xee\x80\x80"), 3);           /* U+E000 */
        assert_int_equal(len_of("\xef\xbf\xbd"), 3);           /* U+FFFD */
        assert_int_equal(len_of("\xf0\x90\x80\x80"), 4);       /* U+10000 */
        assert_int_equal(len_of("\xf4\x8f\xbf\xbf"), 4);       /* U+10FFFF */
        assert_int_equal(len_of("\xc3\xa9tail"), 2);           /* only the first sequence */
}

static void test_invalid(void **state)
{
        assert_int_equal(len_of("\x80"), 0);                   /* stray continuation */
        assert_int_equal(len_of("\xbf"), 0);
        assert_int_equal(len_of("\xc0\x80"), 0);               /* overlong NUL */
        assert_int_equal(len_of("\xc1\xbf"), 0);               /* overlong U+007F */
        assert_int_equal(len_of("\xe0\x9f\xbf"), 0);           /* overlong U+07FF */
        assert_int_equal(len_of("\xf0\x8f\xbf\xbf"), 0);       /* overlong U+FFFF */
        assert_int_equal(len_of("\xed\xa0\x80"), 0);           /* U+D800 */
        assert_int_equal(len_of("\xed\xbf\xbf"), 0);           /* U+DFFF */
        assert_int_equal(len_of("\xf4\x90\x80\x80"), 0);       /* U+110000 */
        assert_int_equal(len_of("\xf5\x80\x80\x80"), 0);
        assert_int_equal(len_of("\xf8\x88\x80\x80\x80"), 0);   /* five bytes */
        assert_int_equal(len_of("\xff"), 0);
        assert_int_equal(len_of("\xc3"), 0);                   /* truncated */
        assert_int_equal(len_of("\xe2\x82"), 0);
        assert_int_equal(len_of("\xf0\x9f\x98"), 0);
        assert_int_equal(len_of("\xc3x"), 0);                  /* not a continuation */
        assert_int_equal(len_of("\xe2\x82x"), 0);
        assert_int_equal(utf8_sequence_length((const unsigned char *) "\xc3\xa9", 1), 0);
        assert_int_equal(utf8_sequence_length((const unsigned char *) "a", 0), 0);
}

static size_t encode(uint32_t cp, unsigned char *out)
{
        if (cp < 0x80) {
                out[0] = cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = 0xc0 | cp >> 6;
                out[1] = 0x80 | (cp & 0x3f);
                return 2;
        }
        if (cp < 0x10000) {
                out[0] = 0xe0 | cp >> 12;
                out[1] = 0x80 | (cp >> 6 & 0x3f);
                out[2] = 0x80 | (cp & 0x3f);
                return 3;
        }
        out[0] = 0xf0 | cp >> 18;
        out[1] = 0x80 | (cp >> 12 & 0x3f);
        out[2] = 0x80 | (cp >> 6 & 0x3f);
        out[3] = 0x80 | (cp & 0x3f);
        return 4;
}

static void test_every_code_point(void **state)
{
        for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
                unsigned char buf[4];
                size_t n = encode(cp, buf);
                bool surrogate = cp >= 0xd800 && cp <= 0xdfff;

                assert_int_equal(utf8_sequence_length(buf, n), surrogate ? 0 : n);
                if (n > 1)
                        assert_int_equal(utf8_sequence_length(buf, n - 1), 0);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid),
                cmocka_unit_test(test_invalid),
                cmocka_unit_test(test_every_code_point),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
