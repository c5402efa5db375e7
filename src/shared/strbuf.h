/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include "macro.h"

/* A growable byte buffer, always NUL-terminated. Allocation failure sets oom and stops growth;
 * the caller checks once at the end. */
struct strbuf {
        char *data;
        size_t len;
        size_t cap;
        bool oom;
};

void strbuf_free(struct strbuf *b);
void strbuf_reset(struct strbuf *b);
void strbuf_putc(struct strbuf *b, char c);
void strbuf_put(struct strbuf *b, const void *data, size_t len);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_printf(struct strbuf *b, const char *fmt, ...) _printf_(2, 3);
/* Pads with spaces until len reaches column. */
void strbuf_pad_to(struct strbuf *b, size_t column);
