/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "rules-errors.h"
#include "shared/macro.h"

struct error_line {
        const char *text;
        size_t len;             /* with its newline */
        size_t file;            /* index in files; n_files: none */
        unsigned long line, column;
        size_t order;
};

static unsigned long parse_number(const char **p)
{
        char *end;
        unsigned long v;

        if (**p < '0' || **p > '9')
                return 0;
        v = strtoul(*p, &end, 10);
        *p = end;
        return v;
}

static void error_line_parse(struct error_line *l, char *const *files, size_t n_files)
{
        l->file = n_files;
        for (size_t i = 0; i < n_files; i++) {
                size_t n = strlen(files[i]);

                if (n < l->len && strncmp(l->text, files[i], n) == 0 && l->text[n] == ':') {
                        const char *p = l->text + n + 1;

                        l->file = i;
                        l->line = parse_number(&p);
                        if (*p == ':') {
                                p++;
                                l->column = parse_number(&p);
                        }
                        return;
                }
        }
}

static int error_line_cmp(const void *a, const void *b)
{
        const struct error_line *x = a, *y = b;

        if (x->file != y->file)
                return x->file < y->file ? -1 : 1;
        if (x->line != y->line)
                return x->line < y->line ? -1 : 1;
        if (x->column != y->column)
                return x->column < y->column ? -1 : 1;
        return x->order < y->order ? -1 : x->order > y->order;
}

void rules_errors_sort(struct strbuf *errors, size_t from, char *const *files, size_t n_files)
{
        _cleanup_free_ struct error_line *lines = NULL;
        _cleanup_free_ char *sorted = NULL;
        size_t n = 0, cap = 0, at = 0;

        if (!errors->data || errors->len <= from || errors->data[errors->len - 1] != '\n')
                return;
        for (const char *p = errors->data + from, *end = errors->data + errors->len; p < end;) {
                const char *nl = memchr(p, '\n', end - p);
                size_t len = nl ? (size_t) (nl - p) + 1 : (size_t) (end - p);

                if (n == cap) {
                        struct error_line *g = realloc(lines, (cap ? cap * 2 : 16) * sizeof(*lines));

                        if (!g)
                                return;         /* left as reported */
                        lines = g;
                        cap = cap ? cap * 2 : 16;
                }
                lines[n] = (struct error_line) { .text = p, .len = len, .order = n };
                error_line_parse(&lines[n], files, n_files);
                n++;
                p += len;
        }
        sorted = malloc(errors->len - from);
        if (!sorted)
                return;
        qsort(lines, n, sizeof(*lines), error_line_cmp);
        for (size_t i = 0; i < n; i++) {
                memcpy(sorted + at, lines[i].text, lines[i].len);
                at += lines[i].len;
        }
        memcpy(errors->data + from, sorted, at);
}
