/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>
#include "rules.h"

void literal_free_array(struct literal *l, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(l[i].str);
        free(l);
}

struct node *node_free(struct node *n)
{
        /* iterative on the right spine: long 'and'/'or' chains are deep there */
        while (n) {
                struct node *next = n->b;

                node_free(n->a);
                free(n->field_name);
                literal_free_array(n->values, n->n_values);
                free(n);
                n = next;
        }
        return NULL;
}

/* Deep copy; *budget counts nodes down and the copy fails when it runs out. */
struct node *node_clone(const struct node *n, size_t *budget)
{
        struct node *c;

        if (!n)
                return NULL;
        if (*budget == 0)
                return NULL;
        (*budget)--;
        c = calloc(1, sizeof(*c));
        if (!c)
                return NULL;
        *c = *n;
        c->a = c->b = NULL;
        c->field_name = NULL;
        c->values = NULL;
        c->n_values = 0;
        if (n->field_name && !(c->field_name = strdup(n->field_name)))
                return node_free(c);
        if (n->n_values > 0) {
                c->values = calloc(n->n_values, sizeof(*c->values));
                if (!c->values)
                        return node_free(c);
                for (size_t i = 0; i < n->n_values; i++) {
                        c->values[i] = n->values[i];
                        c->values[i].str = strdup(n->values[i].str);
                        c->n_values = i + 1;
                        if (!c->values[i].str)
                                return node_free(c);
                }
        }
        if (n->a && !(c->a = node_clone(n->a, budget)))
                return node_free(c);
        if (n->b && !(c->b = node_clone(n->b, budget)))
                return node_free(c);
        return c;
}
