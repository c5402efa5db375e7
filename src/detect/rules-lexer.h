/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lexer of conditions and list items: a value becomes tokens with their offsets. */
#pragma once

#include <stddef.h>

struct loader;
struct assignment;

enum token_kind {
        TOK_END,
        TOK_LPAREN,
        TOK_RPAREN,
        TOK_COMMA,
        TOK_OP,
        TOK_STRING,
        TOK_WORD,
};

struct token {
        enum token_kind kind;
        size_t offset, len;     /* in the value */
        char *text;             /* WORD, OP: as written; STRING: unescaped */
        size_t text_len;
};

/* Splits a's value into tokens, the last one TOK_END. Errors are reported; returns -EINVAL after
 * one, or -ENOMEM. */
int tokens_lex(struct loader *ld, const struct assignment *a, struct token **ret, size_t *ret_n);
void tokens_free(struct token *t, size_t n);
