/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The INI reader: items with their lines and columns, continuation lines mapped back to where they
 * came from, errors and limits. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "shared/ini-reader.h"

/* Reads text and describes each item on a line: "S name@l:c", "A key=value@l:c", "E kind@l:c". */
static void describe(const char *text, size_t len, size_t max_line, size_t max_value, struct strbuf *out)
{
        struct ini_reader r;

        ini_reader_init(&r, text, len, max_line, max_value);
        for (;;) {
                struct ini_item item;

                assert_int_equal(ini_reader_next(&r, &item), 0);
                if (item.kind == INI_ASSIGNMENT) {
                        char key[64];

                        snprintf(key, sizeof(key), "%s", item.text);
                        assert_int_equal(ini_reader_read_value(&r, &item), 0);
                        if (item.kind == INI_ASSIGNMENT) {
                                strbuf_printf(out, "A %s=%s@%u:%u", key, item.value, item.line, item.column);
                                for (size_t i = 1; i < item.n_segments; i++)
                                        strbuf_printf(out, " +%zu@%u:%u", item.segments[i].offset,
                                                      item.segments[i].line, item.segments[i].column);
                                strbuf_putc(out, '\n');
                                continue;
                        }
                }
                if (item.kind == INI_END)
                        break;
                if (item.kind == INI_SECTION)
                        strbuf_printf(out, "S %.*s@%u:%u\n", (int) item.text_len, item.text, item.line, item.column);
                else
                        strbuf_printf(out, "E %d '%s'@%u:%u\n", item.error, item.text ?: "", item.line, item.column);
        }
        ini_reader_done(&r);
}

static void assert_reads(const char *text, const char *want)
{
        struct strbuf out = {};

        describe(text, strlen(text), 4096, 16384, &out);
        assert_string_equal(out.data ?: "", want);
        strbuf_free(&out);
}

static void test_items(void **state)
{
        assert_reads("", "");
        assert_reads("# c\n; c\n\n   \n", "");
        assert_reads("[Rule]\n  Name = x y  \nEmpty=\n", "S Rule@1:1\nA Name=x y@2:3\nA Empty=@3:1\n");
        assert_reads("  [ A b ]  \r\nk=v\r\n", "S  A b @1:3\nA k=v@2:1\n");
        assert_reads("k=a=b", "A k=a=b@1:1\n");
        assert_reads("=v\n", "A =v@1:1\n");
}

static void test_continuation(void **state)
{
        /* blanks before the backslash are kept, those that start a continuation line dropped */
        assert_reads("k=one \\\n    two\\\n\\\nthree\n",
                     "A k=one  two  three@1:1 +5@2:5 +9@3:1 +10@4:1\n");
        /* a backslash at the end of the file */
        assert_reads("k=a \\", "A k=a @1:1\n");
        /* comment and section lines never continue */
        assert_reads("# c \\\n[S] \\\nk=v\n", "S S@2:1\nA k=v@3:1\n");
        /* a comment inside a value is text of the value */
        assert_reads("k=a\\\n# b\n", "A k=a # b@1:1 +2@2:1\n");
}

/* A caller may reject an assignment before its value: its continuation lines are lines of their own. */
static void test_value_skipped(void **state)
{
        static const char text[] = "k=a \\\n[S]\n";
        struct ini_reader r;
        struct ini_item item;

        ini_reader_init(&r, text, strlen(text), 4096, 4096);
        assert_int_equal(ini_reader_next(&r, &item), 0);
        assert_int_equal(item.kind, INI_ASSIGNMENT);
        assert_string_equal(item.text, "k");
        assert_int_equal(ini_reader_next(&r, &item), 0);
        assert_int_equal(item.kind, INI_SECTION);
        assert_int_equal(item.line, 2);
        assert_int_equal(ini_reader_read_value(&r, &item), -EINVAL);
        assert_int_equal(ini_reader_next(&r, &item), 0);
        assert_int_equal(item.kind, INI_END);
        ini_reader_done(&r);
}

static void test_errors(void **state)
{
        struct strbuf out = {};
        char line[40];

        assert_reads("[S\n  [S] x\njunk \\\nk=v\n",
                     "E 3 '[S'@1:1\nE 4 '[S] x'@2:7\nE 5 'junk '@3:1\nA k=v@4:1\n");
        /* fatal: nothing follows */
        describe("k=v\nab\0c\nk=w\n", 12, 4096, 4096, &out);
        assert_string_equal(out.data, "A k=v@1:1\nE 1 ''@2:3\n");
        strbuf_reset(&out);
        memset(line, 'x', sizeof(line));
        describe(line, sizeof(line), 39, 4096, &out);
        assert_string_equal(out.data, "E 0 ''@1:40\n");
        strbuf_reset(&out);
        describe(line, sizeof(line), 40, 4096, &out);
        assert_string_equal(out.data, "E 5 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'@1:1\n");
        strbuf_reset(&out);
        describe("[S]\n k=1234 \\\n 5678\nz=1\n", 23, 4096, 9, &out);
        assert_string_equal(out.data, "S S@1:1\nE 2 ''@2:2\n");
        strbuf_free(&out);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_items),
                cmocka_unit_test(test_continuation),
                cmocka_unit_test(test_value_skipped),
                cmocka_unit_test(test_errors),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
