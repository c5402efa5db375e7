/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Table, JSON-lines and CSV output of records. */
#include <inttypes.h>
#include <string.h>
#include "format.h"
#include "shared/escape.h"
#include "shared/timeutil.h"

#define TABLE_PREFIX_LEN 34     /* "[2024-08-04 16:22:30.123] [info] " */

static const char *const format_names[] = {
        [OUTPUT_TABLE] = "table",
        [OUTPUT_JSON] = "json",
        [OUTPUT_CSV] = "csv",
};

int output_format_from_string(const char *s)
{
        for (size_t i = 0; i < ELEMENTSOF(format_names); i++)
                if (streq(s, format_names[i]))
                        return (int) i;
        return -EINVAL;
}

const char *output_format_to_string(enum output_format f)
{
        return f < ELEMENTSOF(format_names) ? format_names[f] : NULL;
}

void json_escape(struct strbuf *b, const char *s, size_t len)
{
        escape_append(b, s, len, ESCAPE_JSON);
}

/* A systemd unit name is escaped text already, in systemd's own \xNN (its "-" is \x2d): kept as
 * systemd writes it, so that it matches systemctl and journalctl; everything else is escaped. */
static unsigned column_escape_flags(const struct column *c)
{
        return c->source == SOURCE_UNIT ? ESCAPE_ESCAPED : 0;
}

static void csv_escape_flags(struct strbuf *b, const char *s, size_t len, unsigned flags)
{
        struct strbuf e = {};

        escape_append(&e, s, len, flags);
        if (!memchr(e.data ?: "", ',', e.len) && !memchr(e.data ?: "", '"', e.len)) {
                strbuf_put(b, e.data ?: "", e.len);
                strbuf_free(&e);
                return;
        }
        strbuf_putc(b, '"');
        for (size_t i = 0; i < e.len; i++) {
                if (e.data[i] == '"')
                        strbuf_putc(b, '"');
                strbuf_putc(b, e.data[i]);
        }
        strbuf_putc(b, '"');
        strbuf_free(&e);
}

void csv_escape(struct strbuf *b, const char *s, size_t len)
{
        csv_escape_flags(b, s, len, 0);
}

void text_escape(struct strbuf *b, const char *s, size_t len)
{
        escape_append(b, s, len, 0);
}

/* Joins NUL-separated strings with spaces, escaping each with escape. A trailing NUL does not
 * make an empty last string. */
static void strv_join(struct strbuf *tmp, const char *s, size_t len)
{
        size_t start = 0;

        strbuf_reset(tmp);
        for (size_t i = 0; i <= len; i++) {
                if (i < len && s[i])
                        continue;
                if (i == len && i == start)
                        break;
                if (start > 0)
                        strbuf_putc(tmp, ' ');
                strbuf_put(tmp, s + start, i - start);
                start = i + 1;
        }
}

static void json_strv(struct strbuf *b, const char *s, size_t len)
{
        size_t start = 0;
        bool first = true;

        strbuf_putc(b, '[');
        for (size_t i = 0; i <= len; i++) {
                if (i < len && s[i])
                        continue;
                if (i == len && i == start)
                        break;
                if (!first)
                        strbuf_putc(b, ',');
                strbuf_putc(b, '"');
                json_escape(b, s + start, i - start);
                strbuf_putc(b, '"');
                first = false;
                start = i + 1;
        }
        strbuf_putc(b, ']');
}

/* Numbers and booleans, written alike in every format; false for the string types. */
static bool format_scalar(struct strbuf *b, const struct column *c, const struct value *v)
{
        switch (c->type) {
        case VALUE_U64:
                strbuf_printf(b, "%" PRIu64, v->u);
                return true;
        case VALUE_S64:
                strbuf_printf(b, "%" PRId64, v->i);
                return true;
        case VALUE_BOOL:
                strbuf_puts(b, v->u ? "true" : "false");
                return true;
        default:
                return false;
        }
}

static void format_value_text(struct strbuf *b, struct strbuf *tmp, const struct column *c,
                              const struct value *v, bool csv)
{
        if (!v->present) {
                if (!csv)
                        strbuf_putc(b, '-');
                return;
        }
        if (format_scalar(b, c, v))
                return;
        switch (c->type) {
        case VALUE_U64:
        case VALUE_S64:
        case VALUE_BOOL:
                break;
        case VALUE_STR:
                if (csv)
                        csv_escape_flags(b, v->str ?: "", v->len, column_escape_flags(c));
                else if (!v->str || v->len == 0)
                        strbuf_putc(b, '-');
                else
                        escape_append(b, v->str, v->len, column_escape_flags(c));
                break;
        case VALUE_STRV:
                strv_join(tmp, v->str ?: "", v->len);
                if (csv)
                        csv_escape(b, tmp->data ?: "", tmp->len);
                else
                        text_escape(b, tmp->data ?: "", tmp->len);
                break;
        }
        if (v->truncated && !csv)
                strbuf_puts(b, ESCAPE_CUT_MARKER);
}

static void table_prefix(struct strbuf *b, uint64_t time_ns)
{
        char ts[32];

        strbuf_printf(b, "[%s] [info] ", format_timestamp(ts, sizeof(ts), time_ns));
}

static void table_cell(struct strbuf *b, const char *text, size_t len, int width, bool last)
{
        size_t w = width < 0 ? -width : width;

        if (width > 0 && len < w)
                strbuf_pad_to(b, b->len + w - len);
        strbuf_put(b, text, len);
        if (width < 0 && len < w && !last)
                strbuf_pad_to(b, b->len + w - len);
}

#define EVENT_WIDTH 6

/* Table cells: right-aligned numbers, left-aligned strings, each at least as wide as its column
 * and its header, one space apart; the last cell is not padded. values NULL: the header. */
static void table_cells(struct strbuf *b, const struct schema *s, const char *event,
                        const struct value *values)
{
        struct strbuf cell = {}, tmp = {};
        size_t last = 0;
        bool first = true;

        for (size_t i = 0; i < s->n_columns; i++)
                if (s->columns[i].width != 0)
                        last = i;
        if (s->table_event) {
                const char *text = values ? event : "event";

                table_cell(b, text, strlen(text), -EVENT_WIDTH, false);
                first = false;
        }
        for (size_t i = 0; i < s->n_columns; i++) {
                const struct column *c = &s->columns[i];
                int w = c->width < 0 ? -c->width : c->width;
                int hw = (int) strlen(c->name);

                if (c->width == 0)
                        continue;
                if (!first)
                        strbuf_putc(b, ' ');
                first = false;
                strbuf_reset(&cell);
                if (values)
                        format_value_text(&cell, &tmp, c, &values[i], false);
                else
                        strbuf_puts(&cell, c->name);
                w = MAX(w, hw);
                table_cell(b, cell.data ?: "", cell.len, c->width < 0 ? -w : w, i == last);
        }
        strbuf_free(&cell);
        strbuf_free(&tmp);
}

void format_header(struct strbuf *b, enum output_format format, const struct schema *s, uint64_t time_ns)
{
        switch (format) {
        case OUTPUT_TABLE:
                table_prefix(b, time_ns);
                table_cells(b, s, NULL, NULL);
                strbuf_putc(b, '\n');
                break;
        case OUTPUT_CSV:
                strbuf_puts(b, "time,event");
                for (size_t i = 0; i < s->n_columns; i++)
                        strbuf_printf(b, ",%s", s->columns[i].name);
                strbuf_puts(b, "\r\n");
                break;
        case OUTPUT_JSON:
                break;
        }
}

static void json_value(struct strbuf *b, const struct column *c, const struct value *v)
{
        if (format_scalar(b, c, v))
                return;
        switch (c->type) {
        case VALUE_U64:
        case VALUE_S64:
        case VALUE_BOOL:
                break;
        case VALUE_STR:
                strbuf_putc(b, '"');
                escape_append(b, v->str ?: "", v->len, ESCAPE_JSON | column_escape_flags(c));
                strbuf_putc(b, '"');
                break;
        case VALUE_STRV:
                json_strv(b, v->str ?: "", v->len);
                break;
        }
}

void format_record(struct strbuf *b, enum output_format format, const struct record *r)
{
        const struct schema *s = r->schema;
        struct strbuf tmp = {};
        char ts[40];

        switch (format) {
        case OUTPUT_TABLE:
                table_prefix(b, r->time_ns);
                table_cells(b, s, record_event(r), r->values);
                strbuf_putc(b, '\n');
                break;
        case OUTPUT_CSV:
                strbuf_printf(b, "%s,", format_timestamp_iso(ts, sizeof(ts), r->time_ns));
                csv_escape(b, record_event(r), strlen(record_event(r)));
                for (size_t i = 0; i < s->n_columns; i++) {
                        strbuf_putc(b, ',');
                        format_value_text(b, &tmp, &s->columns[i], &r->values[i], true);
                }
                strbuf_puts(b, "\r\n");
                break;
        case OUTPUT_JSON:
                strbuf_printf(b, "{\"time\":\"%s\",\"event\":\"",
                              format_timestamp_iso(ts, sizeof(ts), r->time_ns));
                json_escape(b, record_event(r), strlen(record_event(r)));
                strbuf_putc(b, '"');
                for (size_t i = 0; i < s->n_columns; i++) {
                        if (!r->values[i].present)
                                continue;
                        strbuf_printf(b, ",\"%s\":", s->columns[i].name);
                        json_value(b, &s->columns[i], &r->values[i]);
                }
                strbuf_puts(b, "}\n");
                break;
        }
        strbuf_free(&tmp);
}

void formatter_init(struct formatter *f, enum output_format format, FILE *out)
{
        *f = (struct formatter) { .format = format, .out = out };
}

void formatter_done(struct formatter *f)
{
        if (f->out)
                fflush(f->out);
        strbuf_free(&f->buf);
}

void formatter_new_section(struct formatter *f)
{
        if (f->format == OUTPUT_TABLE)
                f->header_schema = NULL;
}

int formatter_write(struct formatter *f, const struct record *r)
{
        strbuf_reset(&f->buf);
        if (f->header_schema != r->schema) {
                format_header(&f->buf, f->format, r->schema, r->time_ns);
                f->header_schema = r->schema;
        }
        format_record(&f->buf, f->format, r);
        if (f->buf.oom)
                return -ENOMEM;
        if (fwrite(f->buf.data, 1, f->buf.len, f->out) != f->buf.len)
                return -errno;
        return 0;
}
