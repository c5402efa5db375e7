/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one reader of systemd-style INI text, for the configuration and the rule files: it splits
 * "[Section]" headers and "Key=value" assignments, drops blank lines and "#"/";" comments, and
 * joins the continuation lines of a value (a trailing backslash) with one blank. Every item
 * carries its line and column (1-based, in bytes); what a section or key means, and the wording
 * of errors, is up to the caller. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include "strbuf.h"

/* The blanks around keys, values and continuation lines (and between a value's words). */
static inline bool ini_is_blank(char c)
{
        return c == ' ' || c == '\t' || c == '\r';
}

/* Where a stretch of a joined value came from. */
struct ini_segment {
        size_t offset;          /* in the value */
        unsigned line, column;
};

enum ini_item_kind {
        INI_END,
        INI_SECTION,
        INI_ASSIGNMENT,
        INI_ERROR,
};

enum ini_error {
        INI_ERROR_LINE_TOO_LONG,        /* fatal: at column max_line + 1 */
        INI_ERROR_NUL_BYTE,             /* fatal: at the NUL */
        INI_ERROR_VALUE_TOO_LONG,       /* fatal: at the key */
        INI_ERROR_SECTION_UNCLOSED,     /* at the '['; text: the line */
        INI_ERROR_SECTION_TRAILING,     /* at the text after ']'; text: the line */
        INI_ERROR_NOT_ASSIGNMENT,       /* at the line's first character; text: the line */
};

/* Valid until the next ini_reader_next(). */
struct ini_item {
        enum ini_item_kind kind;
        enum ini_error error;
        unsigned line, column;          /* of the '[', of the key, or of the error */
        const char *text;               /* the section name as written between the brackets, the key
                                         * (trailing blanks cut), or the line of an error (blanks cut) */
        size_t text_len;
        const char *value;              /* after ini_reader_read_value(): NUL-terminated (the input
                                         * has no NUL) */
        size_t value_len;
        const struct ini_segment *segments;     /* after ini_reader_read_value(): at least one */
        size_t n_segments;
};

/* One physical line, trailing blanks and the continuation backslash cut. */
struct ini_physical_line {
        const char *start;
        size_t len, indent;     /* indent: leading blanks */
        unsigned number;
        bool continued;
};

struct ini_reader {
        const char *input;
        size_t len, pos;
        unsigned line;
        size_t max_line, max_value;
        bool failed;                    /* after a fatal error only INI_END follows */
        struct strbuf text, value;
        struct ini_segment *segments;
        size_t n_segments;
        struct ini_physical_line pending;       /* the line of the last key, until its value is read */
        size_t pending_value;                   /* where its value starts in that line */
        bool has_pending;
};

/* Reads input (len bytes, not NUL-terminated). A physical line longer than max_line bytes, a
 * joined value longer than max_value bytes and a NUL byte end the reading with an error. */
void ini_reader_init(struct ini_reader *r, const char *input, size_t len, size_t max_line, size_t max_value);
void ini_reader_done(struct ini_reader *r);

/* The next item. Returns 0, or -ENOMEM. An assignment comes with its key only. */
int ini_reader_next(struct ini_reader *r, struct ini_item *ret);

/* Reads the value of the assignment ini_reader_next() just returned, joining its continuation
 * lines; the item may become a fatal error. A caller that rejects an assignment before its value
 * may skip this: its continuation lines are then read as lines of their own. Returns 0, -ENOMEM,
 * or -EINVAL when item is not that assignment. */
int ini_reader_read_value(struct ini_reader *r, struct ini_item *item);
