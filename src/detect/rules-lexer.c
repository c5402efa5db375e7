/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lexer of conditions and list items: words, quoted strings with escapes, operators and
 * punctuation, each with its offset in the value. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "loader.h"
#include "rules-lexer.h"
#include "shared/array.h"
#include "shared/ini-reader.h"
#include "shared/macro.h"

static bool is_word_char(unsigned char c)
{
        return c > ' ' && c != 0x7f && !strchr("(),\"'=!<>&", c);
}

static int hexval(char c)
{
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
               c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

void tokens_free(struct token *t, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(t[i].text);
        free(t);
}

static int lex_string(struct loader *ld, const struct assignment *a, size_t *i, struct token *t)
{
        const char *v = a->value;
        char quote = v[*i];
        struct strbuf b = {};
        size_t start = *i;

        for ((*i)++; *i < a->len && v[*i] != quote; (*i)++) {
                char c = v[*i];

                if (quote == '"' && c == '\\') {
                        struct source_pos p = value_pos(a, *i);
                        int h1, h2;

                        if (*i + 1 >= a->len) {
                                error_at(ld, &p, "unfinished escape sequence");
                                strbuf_free(&b);
                                return -EINVAL;
                        }
                        c = v[++(*i)];
                        switch (c) {
                        case '\\': case '"': break;
                        case 'n': c = '\n'; break;
                        case 't': c = '\t'; break;
                        case 'x':
                                if (*i + 2 >= a->len || (h1 = hexval(v[*i + 1])) < 0 || (h2 = hexval(v[*i + 2])) < 0 ||
                                    (h1 == 0 && h2 == 0)) {
                                        error_at(ld, &p, "bad \\x escape; expected two hex digits, not 00");
                                        strbuf_free(&b);
                                        return -EINVAL;
                                }
                                c = (char) (h1 * 16 + h2);
                                *i += 2;
                                break;
                        default:
                                error_at(ld, &p, "unknown escape sequence '\\%c'; expected \\\\ \\\" \\n \\t or \\xHH",
                                         isprint((unsigned char) c) ? c : '?');
                                strbuf_free(&b);
                                return -EINVAL;
                        }
                }
                strbuf_putc(&b, c);
        }
        if (*i >= a->len) {
                struct source_pos p = value_pos(a, start);

                error_at(ld, &p, "unterminated string; expected a closing %c", quote);
                strbuf_free(&b);
                return -EINVAL;
        }
        (*i)++;
        if (b.oom) {
                strbuf_free(&b);
                return -ENOMEM;
        }
        *t = (struct token) { TOK_STRING, start, *i - start, b.data ?: strdup(""), b.len };
        return t->text ? 0 : -ENOMEM;
}

int tokens_lex(struct loader *ld, const struct assignment *a, struct token **ret, size_t *ret_n)
{
        struct token *toks = NULL;
        size_t n = 0, i = 0;
        const char *v = a->value;
        int r;

        for (;;) {
                struct token t = {};

                while (i < a->len && ini_is_blank(v[i]))
                        i++;
                if (i >= a->len) {
                        t = (struct token) { TOK_END, i, 0 };
                        if (ARRAY_APPEND(toks, n, t) < 0)
                                goto oom;
                        break;
                }
                switch (v[i]) {
                case '(': t = (struct token) { TOK_LPAREN, i++, 1 }; break;
                case ')': t = (struct token) { TOK_RPAREN, i++, 1 }; break;
                case ',': t = (struct token) { TOK_COMMA, i++, 1 }; break;
                case '"': case '\'':
                        r = lex_string(ld, a, &i, &t);
                        if (r < 0)
                                goto fail;
                        break;
                case '=': case '<': case '>': case '!': case '&': {
                        size_t l = (i + 1 < a->len && v[i + 1] == '=' && v[i] != '&') ? 2 : 1;

                        if (v[i] == '!' && l == 1) {
                                struct source_pos p = value_pos(a, i);

                                error_at(ld, &p, "unexpected '!'; did you mean '!=' or 'not'?");
                                r = -EINVAL;
                                goto fail;
                        }
                        if (v[i] == '=' && l == 2) {
                                struct source_pos p = value_pos(a, i);

                                error_at(ld, &p, "unexpected '=='; the equality operator is '='");
                                r = -EINVAL;
                                goto fail;
                        }
                        t = (struct token) { TOK_OP, i, l, strndup(v + i, l), l };
                        i += l;
                        if (!t.text)
                                goto oom;
                        break;
                }
                default:
                        if (!is_word_char(v[i])) {
                                struct source_pos p = value_pos(a, i);

                                error_at(ld, &p, "unexpected character 0x%02x", (unsigned char) v[i]);
                                r = -EINVAL;
                                goto fail;
                        }
                        t.kind = TOK_WORD;
                        t.offset = i;
                        while (i < a->len && is_word_char(v[i]))
                                i++;
                        t.len = i - t.offset;
                        t.text = strndup(v + t.offset, t.len);
                        t.text_len = t.len;
                        if (!t.text)
                                goto oom;
                }
                if (ARRAY_APPEND(toks, n, t) < 0) {
                        free(t.text);
                        goto oom;
                }
        }
        *ret = toks;
        *ret_n = n;
        return 0;
oom:
        r = -ENOMEM;
fail:
        tokens_free(toks, n);
        return r;
}
