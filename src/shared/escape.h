/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one way cwatch writes a string it did not make (a file name, a command line, a comm, a
 * container name) into any output: the journal, D-Bus, JSON, the table, CSV, cwatchctl.
 *
 *   - printable UTF-8 is written as it is;
 *   - a backslash is written "\\";
 *   - every other byte is written "\xNN" (two lower-case hex digits): control characters (below
 *     0x20 and 0x7f), bytes that are not part of valid UTF-8, NUL, and the bytes of the characters
 *     that hide or reorder text (C1 controls U+0080..U+009F, zero-width and direction marks
 *     U+200B..U+200F, U+2028..U+202E, U+2060..U+2064, U+2066..U+2069, U+FEFF).
 *
 * So the text is always valid, printable UTF-8, a reader can undo it exactly, and no two strings
 * give the same text. A value that was cut ends with ESCAPE_CUT_MARKER. */
#pragma once

#include <stddef.h>
#include "strbuf.h"

#define ESCAPE_CUT_MARKER "..."

enum escape_flags {
        ESCAPE_JSON = 1 << 0,           /* inside a JSON string: '"' and the backslashes written for JSON */
        ESCAPE_ESCAPED = 1 << 1,        /* s is text escaped before (read back from the journal or D-Bus):
                                         * its backslashes are kept, so escaped text stays as it is and
                                         * anything else is made safe */
};

/* Appends s (len bytes) escaped. */
void escape_append(struct strbuf *b, const char *s, size_t len, unsigned flags);
/* s escaped as a new NUL-terminated string, or NULL without memory. */
char *escape_dup(const char *s, size_t len, unsigned flags);
/* The reader's side: appends the bytes escaped text s (len bytes) stands for ("\\" and "\xNN"
 * decoded). Returns 0, or -EBADMSG when a backslash starts neither (b then holds what came before). */
int escape_decode(struct strbuf *b, const char *s, size_t len);
