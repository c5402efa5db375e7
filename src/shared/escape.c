/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "escape.h"
#include "utf8.h"

/* Code points that are valid but move, hide or join text on a terminal or in a viewer. */
static bool hides_text(uint32_t cp)
{
        return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x200b && cp <= 0x200f) ||
               (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
               (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

static uint32_t code_point(const unsigned char *s, size_t n)
{
        static const unsigned char lead_mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
        uint32_t cp = s[0] & lead_mask[n];

        for (size_t i = 1; i < n; i++)
                cp = cp << 6 | (s[i] & 0x3f);
        return cp;
}

static void put_byte_escaped(struct strbuf *b, unsigned char c, bool json)
{
        strbuf_printf(b, json ? "\\\\x%02x" : "\\x%02x", c);
}

void escape_append(struct strbuf *b, const char *s, size_t len, unsigned flags)
{
        const unsigned char *p = (const unsigned char *) s;
        bool json = flags & ESCAPE_JSON, keep_backslash = flags & ESCAPE_ESCAPED;

        for (size_t i = 0; i < len;) {
                unsigned char c = p[i];
                size_t n;

                if (c == '\\') {
                        if (keep_backslash)
                                strbuf_puts(b, json ? "\\\\" : "\\");
                        else
                                strbuf_puts(b, json ? "\\\\\\\\" : "\\\\");
                        i++;
                        continue;
                }
                if (c == '"' && json) {
                        strbuf_puts(b, "\\\"");
                        i++;
                        continue;
                }
                if (c >= 0x20 && c < 0x7f) {
                        strbuf_putc(b, (char) c);
                        i++;
                        continue;
                }
                n = c < 0x80 ? 0 : utf8_sequence_length(p + i, len - i);
                if (n == 0 || hides_text(code_point(p + i, n))) {
                        /* the whole character, byte by byte; a single bad byte alone */
                        for (size_t k = 0; k < (n ?: 1); k++)
                                put_byte_escaped(b, p[i + k], json);
                        i += n ?: 1;
                        continue;
                }
                strbuf_put(b, p + i, n);
                i += n;
        }
}

static int hex_digit(char c)
{
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int escape_decode(struct strbuf *b, const char *s, size_t len)
{
        for (size_t i = 0; i < len; i++) {
                if (s[i] != '\\') {
                        strbuf_putc(b, s[i]);
                        continue;
                }
                if (i + 1 < len && s[i + 1] == '\\') {
                        strbuf_putc(b, '\\');
                        i++;
                } else if (i + 3 < len && s[i + 1] == 'x' && hex_digit(s[i + 2]) >= 0 && hex_digit(s[i + 3]) >= 0) {
                        strbuf_putc(b, (char) (hex_digit(s[i + 2]) << 4 | hex_digit(s[i + 3])));
                        i += 3;
                } else
                        return -EBADMSG;
        }
        return 0;
}

char *escape_dup(const char *s, size_t len, unsigned flags)
{
        struct strbuf b = {};

        escape_append(&b, s, len, flags);
        if (b.oom) {
                strbuf_free(&b);
                return NULL;
        }
        return b.data ?: strdup("");
}
