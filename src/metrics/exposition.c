/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include "exposition.h"
#include "shared/utf8.h"

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
