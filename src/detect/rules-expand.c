/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Lists and macros: [List] and [Macro] sections collected into definitions, each expanded once on
 * first use (named lists inlined into lists, macro conditions parsed), cycles reported. */
#include <stdlib.h>
#include <string.h>
#include "loader.h"
#include "rules-expand.h"
#include "rules-lexer.h"
#include "rules-parser.h"
#include "shared/array.h"
#include "shared/macro.h"

struct list_def *list_find(struct loader *ld, const char *name)
{
        for (size_t i = ld->n_lists; i > 0; i--)
                if (streq(ld->lists[i - 1].name, name))
                        return &ld->lists[i - 1];
        return NULL;
}

struct macro_def *macro_find(struct loader *ld, const char *name)
{
        for (size_t i = ld->n_macros; i > 0; i--)
                if (streq(ld->macros[i - 1].name, name))
                        return &ld->macros[i - 1];
        return NULL;
}

int macro_parse(struct loader *ld, struct macro_def *m, unsigned depth)
{
        const struct assignment *cond = section_get(m->section, "Condition");
        size_t budget = RULES_MAX_NODES;
        int r;

        m->state = DEFINITION_BUSY;
        r = condition_parse(ld, cond, depth, &budget, &m->ast);
        m->state = r < 0 ? DEFINITION_FAILED : DEFINITION_DONE;
        return r;
}

/* Items= of a list: words or quoted strings separated by blanks; names of other lists inlined. */
int list_expand(struct loader *ld, struct list_def *l, const struct source_pos *use)
{
        struct token *toks = NULL;
        size_t n = 0;
        int r = 0;

        if (l->state == DEFINITION_DONE)
                return 0;
        if (l->state == DEFINITION_FAILED)
                return -EINVAL;
        if (l->state == DEFINITION_BUSY) {
                error_at(ld, use, "list '%s' contains itself", l->name);
                return -EINVAL;
        }
        l->state = DEFINITION_BUSY;
        for (size_t s = 0; s < l->section->n_assignments && r >= 0; s++) {
                const struct assignment *a = &l->section->assignments[s];

                if (!streq(a->key, "Items"))
                        continue;
                r = tokens_lex(ld, a, &toks, &n);
                if (r < 0)
                        break;
                for (size_t i = 0; i < n && r >= 0; i++) {
                        struct list_def *other;

                        if (toks[i].kind == TOK_END)
                                break;
                        if (toks[i].kind == TOK_COMMA)
                                continue;
                        if (toks[i].kind != TOK_WORD && toks[i].kind != TOK_STRING) {
                                struct source_pos pos = value_pos(a, toks[i].offset);

                                error_at(ld, &pos, "expected a list item (a word or a quoted string)");
                                r = -EINVAL;
                                break;
                        }
                        other = toks[i].kind == TOK_WORD ? list_find(ld, toks[i].text) : NULL;
                        if (other && other != l) {
                                struct source_pos pos = value_pos(a, toks[i].offset);

                                r = list_expand(ld, other, &pos);
                                for (size_t j = 0; r >= 0 && j < other->items.n; j++)
                                        r = strv_add(&l->items, other->items.items[j]);
                        } else if (other == l) {
                                struct source_pos pos = value_pos(a, toks[i].offset);

                                error_at(ld, &pos, "list '%s' contains itself", l->name);
                                r = -EINVAL;
                        } else {
                                r = strv_addn(&l->items, toks[i].text, toks[i].text_len);
                        }
                        if (r >= 0 && l->items.n > RULES_MAX_LIST_ITEMS) {
                                error_at(ld, &a->pos, "list '%s' too long (more than %d items)", l->name,
                                         RULES_MAX_LIST_ITEMS);
                                r = -EINVAL;
                        }
                }
                tokens_free(toks, n);
                toks = NULL;
        }
        l->state = r < 0 ? DEFINITION_FAILED : DEFINITION_DONE;
        return r;
}

static bool valid_macro_or_list_name(const char *s)
{
        return section_valid_name(s) && !strchr(s, '.') && !condition_is_keyword(s) && !field_lookup(s);
}

int definitions_collect(struct loader *ld)
{
        static const char *const list_keys[] = { "Name", "Items", NULL };
        static const char *const macro_keys[] = { "Name", "Condition", NULL };

        for (size_t i = 0; i < ld->n_sections; i++) {
                struct section *s = &ld->sections[i];
                const char *name;
                int r = 0;

                if (s->kind == SECTION_RULE)
                        continue;
                if (s->kind == SECTION_LIST ? !section_check_keys(ld, s, list_keys, "Name= or Items=") :
                                              !section_check_keys(ld, s, macro_keys, "Name= or Condition="))
                        continue;
                name = section_require(ld, s, "Name");
                if (!name)
                        continue;
                if (!valid_macro_or_list_name(name)) {
                        error_at(ld, &section_get(s, "Name")->pos,
                                 "invalid name '%.64s'; use letters, digits, '_' and '-', not a field or keyword", name);
                        continue;
                }
                if (s->kind == SECTION_LIST) {
                        struct list_def l = { .name = name, .section = s };

                        if (macro_find(ld, name))
                                error_at(ld, &s->pos, "'%s' is already the name of a macro", name);
                        else
                                r = ARRAY_APPEND(ld->lists, ld->n_lists, l);
                } else {
                        struct macro_def m = { .name = name, .section = s };

                        if (!section_require(ld, s, "Condition"))
                                continue;
                        if (list_find(ld, name))
                                error_at(ld, &s->pos, "'%s' is already the name of a list", name);
                        else
                                r = ARRAY_APPEND(ld->macros, ld->n_macros, m);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

