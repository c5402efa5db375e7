/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "array.h"
#include "ini-reader.h"

void ini_reader_init(struct ini_reader *r, const char *input, size_t len, size_t max_line, size_t max_value)
{
        *r = (struct ini_reader) {
                .input = input,
                .len = len,
                .max_line = max_line,
                .max_value = max_value,
        };
}

void ini_reader_done(struct ini_reader *r)
{
        strbuf_free(&r->text);
        strbuf_free(&r->value);
        free(r->segments);
        *r = (struct ini_reader) {};
}

/* A fatal error: the reading ends. */
static int fail(struct ini_reader *r, enum ini_error error, unsigned line, unsigned column,
                struct ini_item *ret)
{
        r->failed = true;
        *ret = (struct ini_item) { .kind = INI_ERROR, .error = error, .line = line, .column = column };
        return 0;
}

/* Reads the next physical line; false at the end, or after a fatal error (reported in ret). */
static bool next_line(struct ini_reader *r, struct ini_physical_line *ret, struct ini_item *error)
{
        const char *start = r->input + r->pos, *nl, *nul;
        size_t n;

        if (r->pos >= r->len)
                return false;
        nl = memchr(start, '\n', r->len - r->pos);
        n = nl ? (size_t) (nl - start) : r->len - r->pos;
        r->line++;
        r->pos += n + (nl ? 1 : 0);
        if (n > r->max_line) {
                fail(r, INI_ERROR_LINE_TOO_LONG, r->line, r->max_line + 1, error);
                return false;
        }
        nul = memchr(start, '\0', n);
        if (nul) {
                fail(r, INI_ERROR_NUL_BYTE, r->line, (unsigned) (nul - start) + 1, error);
                return false;
        }
        while (n > 0 && ini_is_blank(start[n - 1]))
                n--;
        *ret = (struct ini_physical_line) { .start = start, .number = r->line };
        ret->continued = n > 0 && start[n - 1] == '\\';
        if (ret->continued)
                n--;
        while (ret->indent < n && ini_is_blank(start[ret->indent]))
                ret->indent++;
        ret->len = n;
        return true;
}

static int set_text(struct ini_reader *r, const char *s, size_t len)
{
        strbuf_reset(&r->text);
        strbuf_put(&r->text, s, len);
        return r->text.oom ? -ENOMEM : 0;
}

/* The text of an error about line l, with its position. */
static int line_error(struct ini_reader *r, enum ini_error error, const struct ini_physical_line *l, size_t at,
                      struct ini_item *ret)
{
        *ret = (struct ini_item) { .kind = INI_ERROR, .error = error, .line = l->number,
                                   .column = (unsigned) at + 1 };
        if (set_text(r, l->start + l->indent, l->len - l->indent) < 0)
                return -ENOMEM;
        ret->text = r->text.data;
        ret->text_len = r->text.len;
        return 0;
}

static int read_section(struct ini_reader *r, const struct ini_physical_line *l, struct ini_item *ret)
{
        const char *line = l->start + l->indent, *end = memchr(line, ']', l->len - l->indent);

        if (!end)
                return line_error(r, INI_ERROR_SECTION_UNCLOSED, l, l->indent, ret);
        for (const char *p = end + 1; p < l->start + l->len; p++)
                if (!ini_is_blank(*p))
                        return line_error(r, INI_ERROR_SECTION_TRAILING, l, p - l->start, ret);
        if (set_text(r, line + 1, end - line - 1) < 0)
                return -ENOMEM;
        *ret = (struct ini_item) {
                .kind = INI_SECTION,
                .line = l->number,
                .column = (unsigned) l->indent + 1,
                .text = r->text.data,
                .text_len = r->text.len,
        };
        return 0;
}

static int add_segment(struct ini_reader *r, size_t offset, unsigned line, unsigned column)
{
        struct ini_segment s = { offset, line, column };

        return ARRAY_APPEND(r->segments, r->n_segments, s);
}

static int read_key(struct ini_reader *r, const struct ini_physical_line *l, const char *eq, struct ini_item *ret)
{
        const char *key = l->start + l->indent, *key_end = eq;

        while (key_end > key && ini_is_blank(key_end[-1]))
                key_end--;
        if (set_text(r, key, key_end - key) < 0)
                return -ENOMEM;
        r->pending = *l;
        r->pending_value = (size_t) (eq + 1 - l->start);
        r->has_pending = true;
        *ret = (struct ini_item) {
                .kind = INI_ASSIGNMENT,
                .line = l->number,
                .column = (unsigned) l->indent + 1,
                .text = r->text.data,
                .text_len = r->text.len,
        };
        return 0;
}

int ini_reader_read_value(struct ini_reader *r, struct ini_item *item)
{
        struct ini_physical_line l = r->pending;
        const char *value = l.start + r->pending_value, *end = l.start + l.len;

        if (!r->has_pending || item->kind != INI_ASSIGNMENT)
                return -EINVAL;
        r->has_pending = false;
        while (value < end && ini_is_blank(*value))
                value++;
        strbuf_reset(&r->value);
        r->n_segments = 0;
        if (add_segment(r, 0, l.number, (unsigned) (value - l.start) + 1) < 0)
                return -ENOMEM;
        strbuf_put(&r->value, value, end - value);
        for (;;) {
                if (r->value.oom)
                        return -ENOMEM;
                if (r->value.len > r->max_value)
                        return fail(r, INI_ERROR_VALUE_TOO_LONG, item->line, item->column, item);
                if (!l.continued || !next_line(r, &l, item))
                        break;
                /* a continuation line: its text goes on the value, after one blank */
                if (add_segment(r, r->value.len + 1, l.number, (unsigned) l.indent + 1) < 0)
                        return -ENOMEM;
                strbuf_putc(&r->value, ' ');
                strbuf_put(&r->value, l.start + l.indent, l.len - l.indent);
        }
        if (r->failed)
                return 0;       /* the error of next_line() is in item */
        item->value = r->value.data ?: "";
        item->value_len = r->value.len;
        item->segments = r->segments;
        item->n_segments = r->n_segments;
        return 0;
}

int ini_reader_next(struct ini_reader *r, struct ini_item *ret)
{
        struct ini_physical_line l;

        r->has_pending = false;
        if (r->failed) {
                *ret = (struct ini_item) { .kind = INI_END };
                return 0;
        }
        while (next_line(r, &l, ret)) {
                const char *line = l.start + l.indent, *eq;

                if (l.indent == l.len || line[0] == '#' || line[0] == ';')
                        continue;
                if (line[0] == '[')
                        return read_section(r, &l, ret);
                eq = memchr(line, '=', l.len - l.indent);
                if (!eq)
                        return line_error(r, INI_ERROR_NOT_ASSIGNMENT, &l, l.indent, ret);
                return read_key(r, &l, eq, ret);
        }
        if (!r->failed)
                *ret = (struct ini_item) { .kind = INI_END };
        return 0;       /* or the fatal error of next_line() is in ret */
}
