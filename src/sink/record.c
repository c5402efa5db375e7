/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every consumer of records shares: identity columns, column lookup, copies. */
#include <stdlib.h>
#include <string.h>
#include "record.h"
#include "identity/identity.h"
#include "shared/macro.h"

void record_set_identity(struct record *r, const struct identity *id)
{
        const struct schema *s = r->schema;

        r->identity = id;
        if (!id)
                return;
        for (size_t i = 0; i < s->n_columns; i++) {
                const char *v = NULL;
                size_t len;

                if (s->columns[i].source == SOURCE_TRACER || r->values[i].present)
                        continue;
                switch (s->columns[i].source) {
                case SOURCE_CONTAINER_ID: v = id->container_id; break;
                case SOURCE_CONTAINER_NAME: v = id->container_name; break;
                case SOURCE_RUNTIME: v = id->runtime; break;
                case SOURCE_IMAGE: v = id->image; break;
                case SOURCE_POD: v = id->pod; break;
                case SOURCE_NAMESPACE: v = id->pod_namespace; break;
                case SOURCE_UNIT: v = id->unit; break;
                case SOURCE_TRACER: break;
                }
                if (!v)
                        continue;
                len = strlen(v);
                if (s->columns[i].source == SOURCE_CONTAINER_ID)
                        len = identity_container_id_display_len(id);
                value_set_str(&r->values[i], v, len);
        }
}

int schema_find_column(const struct schema *schema, const char *name)
{
        for (size_t i = 0; i < schema->n_columns; i++)
                if (streq(schema->columns[i].name, name))
                        return (int) i;
        return -1;
}

struct record *record_copy(const struct record *r)
{
        size_t n = r->schema->n_columns, size = sizeof(struct record) + n * sizeof(struct value);
        struct record *c;
        char *p;

        for (size_t i = 0; i < n; i++)
                if (r->values[i].present && r->values[i].str)
                        size += r->values[i].len;
        c = malloc(size);
        if (!c)
                return NULL;
        *c = *r;
        c->values = (struct value *) (c + 1);
        memcpy(c->values, r->values, n * sizeof(struct value));
        p = (char *) (c->values + n);
        for (size_t i = 0; i < n; i++) {
                struct value *v = &c->values[i];

                if (!v->present || !v->str)
                        continue;
                memcpy(p, v->str, v->len);
                v->str = p;
                p += v->len;
        }
        return c;
}

void column_index_init(struct column_index *ix, const char *const *names, size_t n_names)
{
        *ix = (struct column_index) { .names = names, .n_names = MIN(n_names, (size_t) COLUMN_INDEX_MAX_NAMES) };
}

const int *column_index_get(struct column_index *ix, const struct schema *s)
{
        size_t k;

        for (k = 0; k < ix->n_schemas; k++)
                if (ix->schemas[k] == s)
                        return ix->columns[k];
        if (k == COLUMN_INDEX_MAX_SCHEMAS)
                return NULL;
        ix->schemas[k] = s;
        for (size_t i = 0; i < ix->n_names; i++)
                ix->columns[k][i] = schema_find_column(s, ix->names[i]);
        ix->n_schemas++;
        return ix->columns[k];
}
