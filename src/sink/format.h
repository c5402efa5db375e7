/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdio.h>
#include "record.h"
#include "shared/strbuf.h"

enum output_format {
        OUTPUT_TABLE,
        OUTPUT_JSON,
        OUTPUT_CSV,
};

struct formatter {
        enum output_format format;
        FILE *out;
        const struct schema *header_schema;     /* the schema whose header was printed last */
        struct strbuf buf;
};

int output_format_from_string(const char *s);
const char *output_format_to_string(enum output_format f);

void formatter_init(struct formatter *f, enum output_format format, FILE *out);
void formatter_done(struct formatter *f);
/* Writes one record, preceded by a header when the schema changed since the last one. */
int formatter_write(struct formatter *f, const struct record *r);
/* Makes the next record print a header again (interval tracers call this each interval). */
void formatter_new_section(struct formatter *f);

/* Appends a record to b in the given format, without header. Exposed for tests and sinks. */
void format_record(struct strbuf *b, enum output_format format, const struct record *r);
void format_header(struct strbuf *b, enum output_format format, const struct schema *s, uint64_t time_ns);

/* The escapes of shared/escape.h, the one way every output writes strings: */
/* as JSON string contents (the escaped text, its '"' and backslashes escaped for JSON) */
void json_escape(struct strbuf *b, const char *s, size_t len);
/* as a CSV field per RFC 4180: quoted when it holds a comma or quote; quotes doubled */
void csv_escape(struct strbuf *b, const char *s, size_t len);
/* for the table */
void text_escape(struct strbuf *b, const char *s, size_t len);
