/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "array.h"
#include "macro.h"
#include "strv.h"

void strv_done(struct strv *v)
{
        strv_free_n(v->items, v->n);
        *v = (struct strv) {};
}

void strv_free_n(char **v, size_t n)
{
        for (size_t i = 0; v && i < n; i++)
                free(v[i]);
        free(v);
}

int strv_consume(struct strv *v, char *s)
{
        /* n items and the NULL after them: room for one more item is element n + 1 */
        if (!s || ARRAY_GROW(v->items, v->n + 1) < 0) {
                free(s);
                return -ENOMEM;
        }
        v->items[v->n++] = s;
        v->items[v->n] = NULL;
        return 0;
}

int strv_add(struct strv *v, const char *s)
{
        return strv_consume(v, strdup(s));
}

int strv_addn(struct strv *v, const char *s, size_t len)
{
        return strv_consume(v, strndup(s, len));
}

int strv_split(struct strv *v, const char *s, const char *separators)
{
        for (;;) {
                size_t len;
                int r;

                s += strspn(s, separators);
                if (!*s)
                        return 0;
                len = strcspn(s, separators);
                r = strv_addn(v, s, len);
                if (r < 0)
                        return r;
                s += len;
        }
}

bool strv_contains(const struct strv *v, const char *s)
{
        for (size_t i = 0; i < v->n; i++)
                if (streq(v->items[i], s))
                        return true;
        return false;
}

int strv_copy(struct strv *dst, const struct strv *src)
{
        struct strv copy = {};

        for (size_t i = 0; i < src->n; i++) {
                int r = strv_add(&copy, src->items[i]);

                if (r < 0) {
                        strv_done(&copy);
                        return r;
                }
        }
        *dst = copy;
        return 0;
}

static int compare_strings(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

void strv_sort(struct strv *v)
{
        if (v->n > 1)
                qsort(v->items, v->n, sizeof(char *), compare_strings);
}

char **strv_steal(struct strv *v, size_t *ret_n)
{
        char **items = v->items;

        *ret_n = v->n;
        *v = (struct strv) {};
        return items;
}
