/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer entry point for the escaping of every string cwatch writes (src/shared/escape.c): for
 * any bytes the text is valid UTF-8 without a control character or a character that hides text,
 * decoding it gives the bytes back exactly, escaping it again as escaped text changes nothing, and
 * the JSON form is a valid JSON string of the same text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "shared/escape.h"
#include "shared/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const struct strbuf *b)
{
        const unsigned char *p = (const unsigned char *) (b->data ?: "");

        for (size_t i = 0; i < b->len;) {
                size_t n = utf8_sequence_length(p + i, b->len - i);

                if (n == 0 || p[i] < 0x20 || p[i] == 0x7f || (n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0))
                        abort();
                i += n;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct strbuf text = {}, back = {}, again = {}, json = {};
        json_object *o;

        escape_append(&text, (const char *) data, size, 0);
        if (text.oom)
                abort();
        check_text(&text);
        if (escape_decode(&back, text.data ?: "", text.len) < 0)
                abort();
        if (back.len != size || (size > 0 && memcmp(back.data, data, size) != 0))
                abort();
        escape_append(&again, text.data ?: "", text.len, ESCAPE_ESCAPED);
        if (again.len != text.len || (text.len > 0 && memcmp(again.data, text.data, text.len) != 0))
                abort();

        strbuf_putc(&json, '"');
        escape_append(&json, (const char *) data, size, ESCAPE_JSON);
        strbuf_putc(&json, '"');
        o = json_tokener_parse(json.data);
        if (!o || !json_object_is_type(o, json_type_string) || (size_t) json_object_get_string_len(o) != text.len ||
            memcmp(json_object_get_string(o), text.data ?: "", text.len) != 0)
                abort();
        json_object_put(o);
        strbuf_free(&text);
        strbuf_free(&back);
        strbuf_free(&again);
        strbuf_free(&json);
        return 0;
}
