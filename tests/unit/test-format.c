/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "shared/escape.h"
#include "sink/format.h"

static char *json_of(const char *s, size_t len)
{
        struct strbuf b = {};

        json_escape(&b, s, len);
        return b.data ?: strdup("");
}

static char *csv_of(const char *s)
{
        struct strbuf b = {};

        csv_escape(&b, s, strlen(s));
        return b.data ?: strdup("");
}

static void assert_json(const char *in, size_t len, const char *want)
{
        char *got = json_of(in, len);

        assert_string_equal(got, want);
        free(got);
}

static void assert_text(const char *in, size_t len, const char *want)
{
        struct strbuf b = {};

        text_escape(&b, in, len);
        assert_string_equal(b.data ?: "", want);
        strbuf_free(&b);
}

/* shared/escape.h: printable UTF-8 as it is, "\\" for a backslash, \xNN for every other byte */
static void test_text_escape(void **state)
{
        assert_text("plain /tmp/x", 12, "plain /tmp/x");
        assert_text("a\\b", 3, "a\\\\b");
        assert_text("l1\nl2\r\t", 7, "l1\\x0al2\\x0d\\x09");
        assert_text("\x1b[31mred", 8, "\\x1b[31mred");
        assert_text("nul\0in", 6, "nul\\x00in");
        assert_text("\x7f", 1, "\\x7f");
        assert_text("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
        assert_text("bad\xff", 4, "bad\\xff");
        assert_text("\xc3", 1, "\\xc3");                                       /* cut sequence */
        assert_text("\xc0\xaf", 2, "\\xc0\\xaf");                               /* overlong */
        assert_text("\xed\xa0\x80", 3, "\\xed\\xa0\\x80");                      /* surrogate */
        assert_text("\xf4\x90\x80\x80", 4, "\\xf4\\x90\\x80\\x80");             /* > U+10FFFF */
        /* characters that hide or reorder text: C1 CSI, right-to-left override, zero width space, BOM */
        assert_text("\xc2\x9b" "1m", 4, "\\xc2\\x9b1m");
        assert_text("gpj.\xe2\x80\xae" "exe", 10, "gpj.\\xe2\\x80\\xaeexe");
        assert_text("a\xe2\x80\x8b" "b\xef\xbb\xbf", 8, "a\\xe2\\x80\\x8bb\\xef\\xbb\\xbf");
}

/* the escaped text of shared/escape.h, as JSON */
static void test_json_escape(void **state)
{
        assert_json("plain", 5, "plain");
        assert_json("a\"b\\c", 5, "a\\\"b\\\\\\\\c");
        assert_json("l1\nl2\r\t", 7, "l1\\\\x0al2\\\\x0d\\\\x09");
        assert_json("\x01\x1f\x7f", 3, "\\\\x01\\\\x1f\\\\x7f");
        assert_json("nul\0in", 6, "nul\\\\x00in");
        assert_json("caf\xc3\xa9", 5, "caf\xc3\xa9");
        assert_json("\xe2\x82\xac", 3, "\xe2\x82\xac");
        assert_json("\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80");
        assert_json("bad\xff", 4, "bad\\\\xff");
        assert_json("\xc0\xaf", 2, "\\\\xc0\\\\xaf");
}

/* text escaped before (read back from the journal) stays as it is; what is not escaped is made safe */
static void test_escape_escaped(void **state)
{
        struct strbuf b = {};

        escape_append(&b, "a\\x0ab\\\\c", 9, ESCAPE_ESCAPED);
        assert_string_equal(b.data, "a\\x0ab\\\\c");
        strbuf_reset(&b);
        escape_append(&b, "raw\nbyte\xff", 9, ESCAPE_ESCAPED);
        assert_string_equal(b.data, "raw\\x0abyte\\xff");
        strbuf_reset(&b);
        escape_append(&b, "q\"\\x1b", 6, ESCAPE_ESCAPED | ESCAPE_JSON);
        assert_string_equal(b.data, "q\\\"\\\\x1b");
        strbuf_free(&b);
}

/* The reader's side gives the bytes back; a backslash that starts no escape is an error. */
static void test_escape_decode(void **state)
{
        static const char raw[] = "ev\nil\xff\\x\0end";
        struct strbuf text = {}, back = {};

        escape_append(&text, raw, sizeof(raw) - 1, 0);
        assert_string_equal(text.data, "ev\\x0ail\\xff\\\\x\\x00end");
        assert_int_equal(escape_decode(&back, text.data, text.len), 0);
        assert_int_equal(back.len, sizeof(raw) - 1);
        assert_memory_equal(back.data, raw, sizeof(raw) - 1);
        strbuf_reset(&back);
        assert_int_equal(escape_decode(&back, "a\\qb", 4), -EBADMSG);
        assert_int_equal(escape_decode(&back, "a\\x4", 4), -EBADMSG);
        assert_int_equal(escape_decode(&back, "a\\", 2), -EBADMSG);
        strbuf_free(&text);
        strbuf_free(&back);
}

static void test_json_escape_any_byte_is_valid_json(void **state)
{
        char in[256], *esc, *doc;
        struct json_object *o;

        for (int i = 0; i < 256; i++)
                in[i] = (char) i;
        esc = json_of(in, sizeof(in));
        assert_non_null(esc);
        assert_true(asprintf(&doc, "\"%s\"", esc) > 0);
        o = json_tokener_parse(doc);
        assert_non_null(o);
        assert_int_equal(json_object_get_type(o), json_type_string);
        /* it decodes to the escaped text: printable ASCII from the space on comes back as it was */
        assert_true(json_object_get_string_len(o) > 256);
        assert_memory_equal(json_object_get_string(o), "\\x00\\x01", 8);
        assert_non_null(strstr(json_object_get_string(o), "\\x1f !\"#"));
        json_object_put(o);
        free(doc);
        free(esc);
}

static void test_csv_escape(void **state)
{
        char *s;

        s = csv_of("plain");
        assert_string_equal(s, "plain");
        free(s);
        s = csv_of("a,b");
        assert_string_equal(s, "\"a,b\"");
        free(s);
        s = csv_of("say \"hi\"");
        assert_string_equal(s, "\"say \"\"hi\"\"\"");
        free(s);
        s = csv_of("two\nlines");
        assert_string_equal(s, "two\\x0alines");
        free(s);
        s = csv_of("cr\r,\xff");
        assert_string_equal(s, "\"cr\\x0d,\\xff\"");
        free(s);
}

static const struct column cols[] = {
        { "pid", VALUE_U64, 7 },
        { "comm", VALUE_STR, -8 },
        { "code", VALUE_S64, 5 },
        { "args", VALUE_STRV, -1 },
        { "hidden", VALUE_BOOL, 0 },
};
static const struct schema schema = SCHEMA("test", cols);

static void make_record(struct record *r, struct value *v)
{
        static const char args[] = "sh\0-c\0echo \"a,b\"\n";

        value_set_u64(&v[0], 42);
        value_set_cstr(&v[1], "sh");
        value_set_s64(&v[2], -7);
        value_set_str(&v[3], args, sizeof(args) - 1);
        value_set_bool(&v[4], true);
        *r = (struct record) { .schema = &schema, .time_ns = UINT64_C(1722788550123000000), .values = v };
}

static void test_record_json(void **state)
{
        struct value v[5] = {};
        struct record r;
        struct strbuf b = {};
        struct json_object *o, *x;

        make_record(&r, v);
        format_record(&b, OUTPUT_JSON, &r);
        assert_non_null(strchr(b.data, '\n'));
        assert_ptr_equal(strchr(b.data, '\n'), b.data + b.len - 1);
        o = json_tokener_parse(b.data);
        assert_non_null(o);
        assert_true(json_object_object_get_ex(o, "event", &x));
        assert_string_equal(json_object_get_string(x), "test");
        assert_true(json_object_object_get_ex(o, "pid", &x));
        assert_int_equal(json_object_get_int64(x), 42);
        assert_true(json_object_object_get_ex(o, "code", &x));
        assert_int_equal(json_object_get_int64(x), -7);
        assert_true(json_object_object_get_ex(o, "hidden", &x));
        assert_true(json_object_get_boolean(x));
        assert_true(json_object_object_get_ex(o, "args", &x));
        assert_int_equal(json_object_array_length(x), 3);
        assert_string_equal(json_object_get_string(json_object_array_get_idx(x, 2)), "echo \"a,b\"\\x0a");
        json_object_put(o);

        /* absent values are left out */
        v[2].present = false;
        strbuf_reset(&b);
        format_record(&b, OUTPUT_JSON, &r);
        assert_null(strstr(b.data, "\"code\""));
        strbuf_free(&b);
}

static void test_record_csv(void **state)
{
        struct value v[5] = {};
        struct record r;
        struct strbuf b = {};

        make_record(&r, v);
        format_header(&b, OUTPUT_CSV, &schema, r.time_ns);
        assert_string_equal(b.data, "time,event,pid,comm,code,args,hidden\r\n");
        strbuf_reset(&b);
        format_record(&b, OUTPUT_CSV, &r);
        assert_string_equal(b.data, "2024-08-04T16:22:30.123000Z,test,42,sh,-7,\"sh -c echo \"\"a,b\"\"\\x0a\",true\r\n");
        strbuf_free(&b);
}

static void test_record_table(void **state)
{
        struct value v[5] = {};
        struct record r;
        struct strbuf b = {};
        const char *cells;

        make_record(&r, v);
        format_header(&b, OUTPUT_TABLE, &schema, r.time_ns);
        /* "[YYYY-MM-DD HH:MM:SS.mmm] [info] " then the cells */
        assert_int_equal(b.data[0], '[');
        assert_memory_equal(b.data + 24, "] [info] ", 9);
        cells = b.data + 33;
        assert_string_equal(cells, "    pid comm      code args\n");
        strbuf_reset(&b);
        format_record(&b, OUTPUT_TABLE, &r);
        cells = b.data + 33;
        assert_string_equal(cells, "     42 sh          -7 sh -c echo \"a,b\"\\x0a\n");
        strbuf_reset(&b);
        v[1].present = false;
        v[3].truncated = true;
        format_record(&b, OUTPUT_TABLE, &r);
        assert_string_equal(b.data + 33, "     42 -           -7 sh -c echo \"a,b\"\\x0a...\n");
        strbuf_free(&b);
}

static void test_format_names(void **state)
{
        assert_int_equal(output_format_from_string("table"), OUTPUT_TABLE);
        assert_int_equal(output_format_from_string("json"), OUTPUT_JSON);
        assert_int_equal(output_format_from_string("csv"), OUTPUT_CSV);
        assert_int_equal(output_format_from_string("xml"), -EINVAL);
        assert_int_equal(schema_find_column(&schema, "args"), 3);
        assert_int_equal(schema_find_column(&schema, "nope"), -1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_text_escape),
                cmocka_unit_test(test_json_escape),
                cmocka_unit_test(test_escape_escaped),
                cmocka_unit_test(test_escape_decode),
                cmocka_unit_test(test_json_escape_any_byte_is_valid_json),
                cmocka_unit_test(test_csv_escape),
                cmocka_unit_test(test_record_json),
                cmocka_unit_test(test_record_csv),
                cmocka_unit_test(test_record_table),
                cmocka_unit_test(test_format_names),
        };

        setenv("TZ", "UTC", 1);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
