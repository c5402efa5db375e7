/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "argv.h"

void argv_view_init(struct argv_view *v, const char *data, size_t captured, size_t total)
{
        *v = (struct argv_view) { .data = data, .len = captured, .truncated = total > captured };
        if (v->len > 0 && data[v->len - 1] == 0)
                v->len--;
        if (captured == 0)
                return;
        v->argc = 1;
        for (size_t i = 0; i < v->len; i++)
                if (data[i] == 0)
                        v->argc++;
}

const char *argv_view_get(const struct argv_view *v, size_t n, size_t *len)
{
        const char *p = v->data, *end = v->data + v->len;

        if (n >= v->argc)
                return NULL;
        for (; n > 0; n--)
                p += strnlen(p, end - p) + 1;
        *len = strnlen(p, end - p);
        return p;
}
