/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parser of conditions, by recursive descent, into an AST with macros and named lists inlined:
 *   or := and ("or" and)*     and := not ("and" not)*     not := "not" not | primary
 *   primary := "(" or ")" | macro | field [operator value | operator "(" items ")"] */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "loader.h"
#include "rules-expand.h"
#include "rules-lexer.h"
#include "rules-parser.h"
#include "shared/array.h"
#include "shared/macro.h"

struct cparser {
        struct loader *ld;
        const struct assignment *a;
        struct token *toks;
        size_t n, i;
        unsigned depth;
        unsigned macro_depth;
        size_t budget;          /* nodes left */
        int r;                  /* first error */
};

static struct node *parse_or(struct cparser *p);

static const struct token *peek(struct cparser *p)
{
        return &p->toks[p->i];
}

static bool word_is(const struct token *t, const char *w)
{
        return t->kind == TOK_WORD && streq(t->text, w);
}

bool condition_is_keyword(const char *w)
{
        static const char *const kw[] = { "and", "or", "not", "in", "glob", "startswith", "endswith", "contains" };

        for (size_t i = 0; i < ELEMENTSOF(kw); i++)
                if (streq(w, kw[i]))
                        return true;
        return false;
}

static const char *token_desc(const struct token *t, char *buf, size_t size)
{
        switch (t->kind) {
        case TOK_END: return "the end of the condition";
        case TOK_LPAREN: return "'('";
        case TOK_RPAREN: return "')'";
        case TOK_COMMA: return "','";
        default:
                if (t->kind == TOK_STRING)
                        snprintf(buf, size, "the string \"%.*s\"", (int) MIN(t->text_len, (size_t) 40), t->text);
                else
                        snprintf(buf, size, "'%.*s'", (int) MIN(t->text_len, (size_t) 40), t->text);
                return buf;
        }
}

static struct node *fail_at(struct cparser *p, size_t offset, const char *fmt, ...) _printf_(3, 4);
static struct node *fail_at(struct cparser *p, size_t offset, const char *fmt, ...)
{
        struct source_pos pos = value_pos(p->a, offset);
        char *msg = NULL;
        va_list ap;

        if (p->r < 0)
                return NULL;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        error_at(p->ld, &pos, "%s", msg ?: "out of memory");
        free(msg);
        p->r = -EINVAL;
        return NULL;
}

static struct node *fail_expected(struct cparser *p, const char *what)
{
        char buf[80];
        const struct token *t = peek(p);

        return fail_at(p, t->offset, "expected %s, got %s", what, token_desc(t, buf, sizeof(buf)));
}

static struct node *node_new(struct cparser *p, enum node_kind kind)
{
        struct node *n;

        if (p->budget == 0) {
                fail_at(p, peek(p)->offset, "condition too large (more than %d nodes)", RULES_MAX_NODES);
                return NULL;
        }
        p->budget--;
        n = calloc(1, sizeof(*n));
        if (!n)
                p->r = -ENOMEM;
        else
                n->kind = kind;
        return n;
}

static int literal_init(struct literal *l, const char *s, size_t len)
{
        char *end;

        *l = (struct literal) { .str = strndup(s, len), .len = len, .boolean = -1 };
        if (!l->str)
                return -ENOMEM;
        if (len > 0 && strlen(l->str) == len) {
                errno = 0;
                l->num = strtoll(l->str, &end, 0);
                l->is_num = errno == 0 && *end == '\0' && !isspace((unsigned char) l->str[0]);
        }
        if (streq(l->str, "true") || streq(l->str, "yes"))
                l->boolean = 1;
        else if (streq(l->str, "false") || streq(l->str, "no"))
                l->boolean = 0;
        glob_literal_prepare(l);
        return 0;
}

static int push_literal(struct node *n, const char *s, size_t len)
{
        struct literal l;

        if (n->n_values >= RULES_MAX_LIST_ITEMS)
                return -E2BIG;
        if (literal_init(&l, s, len) < 0 || ARRAY_APPEND(n->values, n->n_values, l) < 0) {
                free(l.str);
                return -ENOMEM;
        }
        return 0;
}

/* "(a, "b", listname)" after in/glob/...: items, with named lists inlined. */
static int parse_list(struct cparser *p, struct node *n)
{
        p->i++;         /* '(' */
        for (;;) {
                const struct token *t = peek(p);
                int r;

                if (t->kind == TOK_WORD && list_find(p->ld, t->text)) {
                        struct list_def *l = list_find(p->ld, t->text);
                        struct source_pos pos = value_pos(p->a, t->offset);

                        r = list_expand(p->ld, l, &pos);
                        if (r < 0) {
                                p->r = r;
                                return r;
                        }
                        for (size_t i = 0; i < l->items.n && r >= 0; i++)
                                r = push_literal(n, l->items.items[i], strlen(l->items.items[i]));
                } else if (t->kind == TOK_WORD || t->kind == TOK_STRING)
                        r = push_literal(n, t->text, t->text_len);
                else {
                        fail_expected(p, n->n_values == 0 ? "a value or a list name" : "a value after ','");
                        return p->r;
                }
                if (r == -E2BIG) {
                        fail_at(p, t->offset, "list too long (more than %d items)", RULES_MAX_LIST_ITEMS);
                        return p->r;
                }
                if (r < 0) {
                        p->r = r;
                        return r;
                }
                p->i++;
                if (peek(p)->kind == TOK_RPAREN)
                        break;
                if (peek(p)->kind != TOK_COMMA) {
                        fail_expected(p, "',' or ')'");
                        return p->r;
                }
                p->i++;
        }
        p->i++;
        return 0;
}

/* A macro used in a condition: its parsed condition, copied. */
static struct node *parse_macro_ref(struct cparser *p, struct macro_def *m, size_t offset)
{
        struct node *n;

        if (m->state == DEFINITION_BUSY)
                return fail_at(p, offset, "macro '%s' is used in its own definition", m->name);
        if (p->macro_depth >= RULES_MAX_MACRO_DEPTH)
                return fail_at(p, offset, "macros nested too deeply (more than %d levels)", RULES_MAX_MACRO_DEPTH);
        if (m->state == DEFINITION_NEW && macro_parse(p->ld, m, p->macro_depth + 1) == -ENOMEM) {
                p->r = -ENOMEM;
                return NULL;
        }
        if (m->state != DEFINITION_DONE) {
                /* its error was reported where it is defined */
                if (p->r == 0)
                        p->r = -EINVAL;
                return NULL;
        }
        n = node_clone(m->ast, &p->budget);
        if (!n) {
                if (p->budget == 0)
                        return fail_at(p, offset, "condition too large (more than %d nodes)", RULES_MAX_NODES);
                p->r = -ENOMEM;
        }
        return n;
}

static struct node *parse_comparison(struct cparser *p)
{
        const struct token *t = peek(p), *op;
        const struct field_def *def = field_lookup(t->text);
        struct node *n;
        int r;

        if (!def) {
                struct macro_def *m = strchr(t->text, '.') ? NULL : macro_find(p->ld, t->text);

                if (m) {
                        p->i++;
                        return parse_macro_ref(p, m, t->offset);
                }
                if (strchr(t->text, '.'))
                        return fail_at(p, t->offset, "unknown field '%s'", t->text);
                return fail_at(p, t->offset, "unknown macro or field '%s'", t->text);
        }
        n = node_new(p, NODE_CMP);
        if (!n)
                return NULL;
        n->def = def;
        n->pos = value_pos(p->a, t->offset);
        n->field_name = strdup(t->text);
        if (!n->field_name) {
                p->r = -ENOMEM;
                return node_free(n);
        }
        p->i++;
        op = peek(p);
        if (op->kind == TOK_OP) {
                static const struct { const char *s; enum cmp_op op; } ops[] = {
                        { "=", OP_EQ }, { "!=", OP_NE }, { "<", OP_LT }, { "<=", OP_LE },
                        { ">", OP_GT }, { ">=", OP_GE }, { "&", OP_BITAND },
                };

                for (size_t i = 0; i < ELEMENTSOF(ops); i++)
                        if (streq(op->text, ops[i].s))
                                n->op = ops[i].op;
        } else if (word_is(op, "in"))
                n->op = OP_IN;
        else if (word_is(op, "glob"))
                n->op = OP_GLOB;
        else if (word_is(op, "startswith"))
                n->op = OP_STARTSWITH;
        else if (word_is(op, "endswith"))
                n->op = OP_ENDSWITH;
        else if (word_is(op, "contains"))
                n->op = OP_CONTAINS;
        else {
                /* a field on its own: a boolean (checked once the event's schema is known) */
                n->op = OP_TRUE;
                return n;
        }
        p->i++;
        t = peek(p);
        if (n->op == OP_IN && t->kind != TOK_LPAREN) {
                fail_expected(p, "'(' and a list after 'in'");
                return node_free(n);
        }
        if (t->kind == TOK_LPAREN && n->op >= OP_IN && n->op <= OP_CONTAINS) {
                if (parse_list(p, n) < 0)
                        return node_free(n);
                return n;
        }
        if (t->kind != TOK_WORD && t->kind != TOK_STRING) {
                fail_expected(p, n->op >= OP_GLOB && n->op <= OP_CONTAINS ? "a value or a list" : "a value");
                return node_free(n);
        }
        if (t->kind == TOK_WORD && condition_is_keyword(t->text)) {
                fail_expected(p, "a value (quote it if it is meant literally)");
                return node_free(n);
        }
        r = push_literal(n, t->text, t->text_len);
        if (r < 0) {
                p->r = r;
                return node_free(n);
        }
        p->i++;
        return n;
}

static struct node *parse_primary(struct cparser *p)
{
        const struct token *t = peek(p);
        struct node *n;

        if (t->kind == TOK_LPAREN) {
                if (++p->depth > RULES_MAX_DEPTH)
                        return fail_at(p, t->offset, "condition nested too deeply (more than %d levels)",
                                       RULES_MAX_DEPTH);
                p->i++;
                n = parse_or(p);
                if (!n)
                        return NULL;
                if (peek(p)->kind != TOK_RPAREN) {
                        fail_expected(p, "')' or 'and'/'or'");
                        return node_free(n);
                }
                p->i++;
                p->depth--;
                return n;
        }
        if (t->kind == TOK_WORD && !condition_is_keyword(t->text))
                return parse_comparison(p);
        return fail_expected(p, "a field, a macro, 'not' or '('");
}

static struct node *parse_not(struct cparser *p)
{
        struct node *n, *inner;
        unsigned depth = p->depth;

        if (!word_is(peek(p), "not"))
                return parse_primary(p);
        if (++p->depth > RULES_MAX_DEPTH)
                return fail_at(p, peek(p)->offset, "condition nested too deeply (more than %d levels)",
                               RULES_MAX_DEPTH);
        p->i++;
        inner = parse_not(p);
        p->depth = depth;
        if (!inner)
                return NULL;
        n = node_new(p, NODE_NOT);
        if (!n)
                return node_free(inner);
        n->a = inner;
        return n;
}

/* a op b op c ... built leaning right, so that freeing and evaluating walk the chain in a loop */
static struct node *parse_chain(struct cparser *p, const char *word, enum node_kind kind,
                                struct node *(*next)(struct cparser *p))
{
        struct node *first = next(p), **tail, *n;

        if (!first)
                return NULL;
        if (!word_is(peek(p), word))
                return first;
        n = node_new(p, kind);
        if (!n)
                return node_free(first);
        n->a = first;
        first = n;
        tail = &n->b;
        for (;;) {
                struct node *operand;

                p->i++;
                operand = next(p);
                if (!operand)
                        return node_free(first);
                if (!word_is(peek(p), word)) {
                        *tail = operand;
                        return first;
                }
                n = node_new(p, kind);
                if (!n) {
                        node_free(operand);
                        return node_free(first);
                }
                n->a = operand;
                *tail = n;
                tail = &n->b;
        }
}

static struct node *parse_and(struct cparser *p)
{
        return parse_chain(p, "and", NODE_AND, parse_not);
}

static struct node *parse_or(struct cparser *p)
{
        return parse_chain(p, "or", NODE_OR, parse_and);
}

int condition_parse(struct loader *ld, const struct assignment *a, unsigned macro_depth, size_t *budget,
                    struct node **ret)
{
        struct cparser p = { .ld = ld, .a = a, .macro_depth = macro_depth, .budget = *budget };
        struct node *n = NULL;
        int r;

        r = tokens_lex(ld, a, &p.toks, &p.n);
        if (r < 0)
                return r;
        if (p.toks[0].kind == TOK_END) {
                struct source_pos pos = value_pos(a, 0);

                error_at(ld, &pos, "empty condition");
                tokens_free(p.toks, p.n);
                return -EINVAL;
        }
        n = parse_or(&p);
        if (n && peek(&p)->kind != TOK_END) {
                fail_expected(&p, "'and', 'or' or the end of the condition");
                n = node_free(n);
        }
        tokens_free(p.toks, p.n);
        *budget = p.budget;
        if (!n)
                return p.r < 0 ? p.r : -EINVAL;
        *ret = n;
        return 0;
}
