/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A rule file's text to sections: the shared INI reader's items checked against what a rule file
 * may hold, and the accessors of sections. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "loader.h"
#include "rules-sections.h"
#include "shared/array.h"
#include "shared/macro.h"

static void assignment_done(struct assignment *a)
{
        free(a->key);
        free(a->value);
        free(a->segments);
}

void section_done(struct section *s)
{
        for (size_t i = 0; i < s->n_assignments; i++)
                assignment_done(&s->assignments[i]);
        free(s->assignments);
}

struct source_pos value_pos(const struct assignment *a, size_t offset)
{
        const struct ini_segment *s = &a->segments[0];

        for (size_t i = 1; i < a->n_segments && a->segments[i].offset <= offset; i++)
                s = &a->segments[i];
        return (struct source_pos) { a->pos.file, s->line, s->column + (unsigned) (offset - s->offset) };
}

const char *section_name(enum section_kind k)
{
        return k == SECTION_LIST ? "List" : k == SECTION_MACRO ? "Macro" : "Rule";
}

static int add_section(struct loader *ld, const char *file, const struct ini_item *item)
{
        struct section s = { .pos = { file, item->line, item->column } };
        const char *name = item->text;
        size_t n = item->text_len;

        if (n == 4 && strneq(name, "List", 4))
                s.kind = SECTION_LIST;
        else if (n == 5 && strneq(name, "Macro", 5))
                s.kind = SECTION_MACRO;
        else if (n == 4 && strneq(name, "Rule", 4))
                s.kind = SECTION_RULE;
        else {
                error_at(ld, &s.pos, "unknown section '[%.*s]'; expected [List], [Macro] or [Rule]",
                         (int) MIN(n, (size_t) 64), name);
                return -EINVAL;
        }
        if (ld->n_sections >= RULES_MAX_RULES * 2) {
                error_at(ld, &s.pos, "too many sections (more than %d)", RULES_MAX_RULES * 2);
                return -E2BIG;
        }
        return ARRAY_APPEND(ld->sections, ld->n_sections, s);
}

static void reader_error(struct loader *ld, const char *file, const struct ini_item *item)
{
        struct source_pos pos = { file, item->line, item->column };

        switch (item->error) {
        case INI_ERROR_LINE_TOO_LONG:
                error_at(ld, &pos, "line too long (more than %d bytes)", RULES_MAX_LINE);
                break;
        case INI_ERROR_NUL_BYTE:
                error_at(ld, &pos, "NUL byte in the file");
                break;
        case INI_ERROR_VALUE_TOO_LONG:
                error_at(ld, &pos, "value too long (more than %d bytes)", RULES_MAX_VALUE);
                break;
        case INI_ERROR_SECTION_UNCLOSED:
                error_at(ld, &pos, "missing ']' after the section name");
                break;
        case INI_ERROR_SECTION_TRAILING:
                error_at(ld, &pos, "unexpected text after the section header");
                break;
        case INI_ERROR_NOT_ASSIGNMENT:
                error_at(ld, &pos, "expected 'Key=value', a [Section] or a comment");
                break;
        }
}

static int add_assignment(struct loader *ld, const char *file, struct ini_reader *reader, struct ini_item *item)
{
        struct assignment a = { .pos = { file, item->line, item->column } };
        struct section *s;
        int r;

        if (ld->n_sections == 0 || ld->sections[ld->n_sections - 1].pos.file != file) {
                error_at(ld, &a.pos, "assignment outside of a section; expected [List], [Macro] or [Rule] first");
                return -EINVAL;
        }
        r = ini_reader_read_value(reader, item);
        if (r < 0)
                return r;
        if (item->kind == INI_ERROR) {
                reader_error(ld, file, item);
                return -EINVAL;
        }
        s = &ld->sections[ld->n_sections - 1];
        a.len = item->value_len;
        a.key = strndup(item->text, item->text_len);
        a.value = strndup(item->value, item->value_len);
        a.segments = reallocarray(NULL, item->n_segments, sizeof(*a.segments));
        if (!a.key || !a.value || !a.segments) {
                assignment_done(&a);
                return -ENOMEM;
        }
        memcpy(a.segments, item->segments, item->n_segments * sizeof(*a.segments));
        a.n_segments = item->n_segments;
        r = ARRAY_APPEND(s->assignments, s->n_assignments, a);
        if (r < 0)
                assignment_done(&a);
        return r;
}

int sections_read(struct loader *ld, const char *file, const char *text, size_t len)
{
        unsigned errors_before = ld->n_errors;
        struct ini_reader reader;
        int r = 0;

        ini_reader_init(&reader, text, len, RULES_MAX_LINE, RULES_MAX_VALUE);
        for (;;) {
                struct ini_item item;

                r = ini_reader_next(&reader, &item);
                if (r < 0 || item.kind == INI_END)
                        break;
                if (item.kind == INI_ERROR)
                        reader_error(ld, file, &item);
                else if (item.kind == INI_SECTION)
                        r = add_section(ld, file, &item);
                else
                        r = add_assignment(ld, file, &reader, &item);
                if (r == -ENOMEM)
                        break;
        }
        ini_reader_done(&reader);
        if (r == -ENOMEM)
                return r;
        return ld->n_errors > errors_before ? -EINVAL : 0;
}

const struct assignment *section_get(const struct section *s, const char *key)
{
        const struct assignment *found = NULL;

        for (size_t i = 0; i < s->n_assignments; i++)
                if (streq(s->assignments[i].key, key))
                        found = &s->assignments[i];
        return found;
}

bool section_valid_name(const char *s)
{
        if (!*s || strlen(s) > 128)
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char) *s) && !strchr("_-.", *s))
                        return false;
        return true;
}

bool section_check_keys(struct loader *ld, const struct section *s, const char *const *keys, const char *list)
{
        bool ok = true;

        for (size_t i = 0; i < s->n_assignments; i++) {
                bool found = false;

                for (size_t k = 0; keys[k]; k++)
                        found = found || streq(s->assignments[i].key, keys[k]);
                if (!found) {
                        error_at(ld, &s->assignments[i].pos, "unknown key '%.64s' in [%s]; expected %s",
                                 s->assignments[i].key, section_name(s->kind), list);
                        ok = false;
                }
        }
        return ok;
}

const char *section_require(struct loader *ld, const struct section *s, const char *key)
{
        const struct assignment *a = section_get(s, key);

        if (!a) {
                error_at(ld, &s->pos, "[%s] needs %s=", section_name(s->kind), key);
                return NULL;
        }
        if (a->len == 0) {
                error_at(ld, &a->pos, "%s= is empty", key);
                return NULL;
        }
        return a->value;
}

