/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <stdbool.h>
#include "normalize.h"

static bool token_is_variable(const char *s, size_t len)
{
        size_t digits = 0, hex = 0, upper = 0, lower = 0;

        for (size_t i = 0; i < len; i++) {
                unsigned char c = s[i];

                digits += isdigit(c) != 0;
                hex += isxdigit(c) != 0;
                upper += isupper(c) != 0;
                lower += islower(c) != 0;
        }
        if (digits == 0)
                /* long mixed-case letters look random too (mktemp, base64) */
                return len >= 12 && upper >= 2 && lower >= 2;
        if (digits == len)
                return true;
        if (hex == len && len >= 6)
                return true;
        if (digits >= 2 && len >= 6)
                return true;
        return len >= 8 && upper > 0 && lower > 0;
}

void alert_normalize_object(struct strbuf *out, const char *s, size_t len)
{
        size_t i = 0;

        while (i < len) {
                size_t j = i;

                while (j < len && isalnum((unsigned char) s[j]))
                        j++;
                if (j > i) {
                        if (token_is_variable(s + i, j - i))
                                strbuf_putc(out, '*');
                        else
                                strbuf_put(out, s + i, j - i);
                        i = j;
                } else
                        strbuf_putc(out, s[i++]);
        }
}
