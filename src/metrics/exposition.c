/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include "exposition.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_sequence_length(const unsigned char *s, size_t n)
{
        size_t len;
        uint32_t cp;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                len = 2, cp = s[0] & 0x1f;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                len = 3, cp = s[0] & 0x0f;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                len = 4, cp = s[0] & 0x07;
        else
                return 0;
        if (n < len)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = cp << 6 | (s[i] & 0x3f);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
                return 0;
        return len;
}

void expo_escape_label_value(struct strbuf *b, const char *s)
{
        const unsigned char *p = (const unsigned char *) s;
        size_t n = strlen(s);

        while (n > 0) {
                size_t len = utf8_sequence_length(p, n);

                if (len == 0) {
                        strbuf_puts(b, "\xef\xbf\xbd");
                        len = 1;
                } else if (*p == '\\')
                        strbuf_puts(b, "\\\\");
                else if (*p == '"')
                        strbuf_puts(b, "\\\"");
                else if (*p == '\n')
                        strbuf_puts(b, "\\n");
                else
                        strbuf_put(b, p, len);
                p += len;
                n -= len;
        }
}

void expo_escape_help(struct strbuf *b, const char *s)
{
        for (; *s; s++) {
                if (*s == '\\')
                        strbuf_puts(b, "\\\\");
                else if (*s == '\n')
                        strbuf_puts(b, "\\n");
                else
                        strbuf_putc(b, *s);
        }
}

void expo_family(struct strbuf *b, const char *name, const char *type, const char *help)
{
        strbuf_printf(b, "# HELP %s ", name);
        expo_escape_help(b, help);
        strbuf_printf(b, "\n# TYPE %s %s\n", name, type);
}

static void expo_labels(struct strbuf *b, const char *name, const struct label *labels, size_t n_labels)
{
        strbuf_puts(b, name);
        if (n_labels == 0)
                return;
        strbuf_putc(b, '{');
        for (size_t i = 0; i < n_labels; i++) {
                strbuf_printf(b, "%s%s=\"", i ? "," : "", labels[i].name);
                expo_escape_label_value(b, labels[i].value ?: "");
                strbuf_putc(b, '"');
        }
        strbuf_putc(b, '}');
}

void expo_sample_u64(struct strbuf *b, const char *name, const struct label *labels, size_t n_labels,
                     uint64_t value)
{
        expo_labels(b, name, labels, n_labels);
        strbuf_printf(b, " %" PRIu64 "\n", value);
}

void expo_sample_double(struct strbuf *b, const char *name, const struct label *labels, size_t n_labels,
                        double value)
{
        expo_labels(b, name, labels, n_labels);
        if (isnan(value))
                strbuf_puts(b, " NaN\n");
        else if (isinf(value))
                strbuf_puts(b, value > 0 ? " +Inf\n" : " -Inf\n");
        else
                strbuf_printf(b, " %.9g\n", value);
}
