/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
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

static void test_json_escape(void **state)
{
        assert_json("plain", 5, "plain");
        assert_json("a\"b\\c", 5, "a\\\"b\\\\c");
        assert_json("l1\nl2\r\t", 7, "l1\\nl2\\r\\t");
        assert_json("\x01\x1f\x7f", 3, "\\u0001\\u001f\\u007f");
        assert_json("nul\0in", 6, "nul\\u0000in");
        /* valid UTF-8 passes, invalid bytes become \u00XX */
        assert_json("caf\xc3\xa9", 5, "caf\xc3\xa9");
        assert_json("\xe2\x82\xac", 3, "\xe2\x82\xac");
        assert_json("\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80");
        assert_json("bad\xff", 4, "bad\\u00ff");
        assert_json("\xc3", 1, "\\u00c3");                       /* cut sequence */
        assert_json("\xc0\xaf", 2, "\\u00c0\\u00af");           /* overlong */
        assert_json("\xed\xa0\x80", 3, "\\u00ed\\u00a0\\u0080"); /* surrogate */
        assert_json("\xf4\x90\x80\x80", 4, "\\u00f4\\u0090\\u0080\\u0080"); /* > U+10FFFF */
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
        /* the 128 ASCII bytes, NUL included, come back as they were */
        assert_true(json_object_get_string_len(o) > 128);
        assert_memory_equal(json_object_get_string(o), in, 128);
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
        assert_string_equal(s, "\"two\nlines\"");
        free(s);
        s = csv_of("cr\r");
        assert_string_equal(s, "\"cr\r\"");
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
        assert_string_equal(json_object_get_string(json_object_array_get_idx(x, 2)), "echo \"a,b\"\n");
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
        assert_string_equal(b.data, "2024-08-04T16:22:30.123000Z,test,42,sh,-7,\"sh -c echo \"\"a,b\"\"\n\",true\r\n");
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
                cmocka_unit_test(test_json_escape),
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
