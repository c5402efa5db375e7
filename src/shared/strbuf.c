/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "strbuf.h"

void strbuf_free(struct strbuf *b)
{
        free(b->data);
        *b = (struct strbuf) {};
}

void strbuf_reset(struct strbuf *b)
{
        b->len = 0;
        if (b->data)
                b->data[0] = 0;
}

static bool strbuf_reserve(struct strbuf *b, size_t extra)
{
        size_t need, cap;
        char *p;

        if (b->oom)
                return false;
        need = b->len + extra + 1;
        if (need <= b->cap)
                return true;
        cap = MAX(b->cap * 2, MAX(need, (size_t) 256));
        p = realloc(b->data, cap);
        if (!p) {
                b->oom = true;
                return false;
        }
        b->data = p;
        b->cap = cap;
        return true;
}

void strbuf_put(struct strbuf *b, const void *data, size_t len)
{
        if (!strbuf_reserve(b, len))
                return;
        memcpy(b->data + b->len, data, len);
        b->len += len;
        b->data[b->len] = 0;
}

void strbuf_putc(struct strbuf *b, char c)
{
        strbuf_put(b, &c, 1);
}

void strbuf_puts(struct strbuf *b, const char *s)
{
        strbuf_put(b, s, strlen(s));
}

void strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0 || !strbuf_reserve(b, n))
                return;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, n + 1, fmt, ap);
        va_end(ap);
        b->len += n;
}

void strbuf_pad_to(struct strbuf *b, size_t column)
{
        while (b->len < column && !b->oom)
                strbuf_putc(b, ' ');
}
