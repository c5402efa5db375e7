/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rule files: systemd-style INI ([List], [Macro], [Rule]) and the condition language, parsed by
 * recursive descent into an AST with macros expanded and named lists inlined. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "loader.h"
#include "shared/macro.h"

enum section_kind { SECTION_LIST, SECTION_MACRO, SECTION_RULE };

/* Where a stretch of a value came from: continuation lines join several. */
struct segment {
        size_t offset;          /* in the value */
        unsigned line, column;
};

struct assignment {
        char *key;
        char *value;
        size_t len;
        struct segment *segments;
        size_t n_segments;
        struct source_pos pos;  /* of the key */
};

struct section {
        enum section_kind kind;
        struct source_pos pos;
        struct assignment *assignments;
        size_t n_assignments;
};

enum { STATE_NEW, STATE_BUSY, STATE_DONE, STATE_FAILED };

struct list_def {
        const char *name;
        struct section *section;
        char **items;           /* after expansion of named lists */
        size_t n_items;
        int state;
};

struct macro_def {
        const char *name;
        struct section *section;
        struct node *ast;
        int state;
};

struct loader {
        struct strbuf *errors;
        unsigned n_errors;
        char **files;
        size_t n_files;
        struct section *sections;
        size_t n_sections;
        struct list_def *lists;
        size_t n_lists;
        struct macro_def *macros;
        size_t n_macros;
};

void loader_error(struct strbuf *errors, unsigned *n_errors, const struct source_pos *pos, const char *fmt, ...)
{
        va_list ap;
        char *msg = NULL;

        (*n_errors)++;
        if (*n_errors > RULES_MAX_ERRORS) {
                if (*n_errors == RULES_MAX_ERRORS + 1)
                        strbuf_puts(errors, "too many errors, giving up\n");
                return;
        }
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        strbuf_printf(errors, "%s:%u:%u: %s\n", pos->file, pos->line, pos->column, msg ?: "out of memory");
        free(msg);
}

#define error_at(ld, pos, ...) loader_error((ld)->errors, &(ld)->n_errors, (pos), __VA_ARGS__)

int loader_new(struct loader **ret, struct strbuf *errors)
{
        struct loader *ld = calloc(1, sizeof(*ld));

        if (!ld)
                return -ENOMEM;
        ld->errors = errors;
        *ret = ld;
        return 0;
}

static void assignment_free(struct assignment *a)
{
        free(a->key);
        free(a->value);
        free(a->segments);
}

struct loader *loader_free(struct loader *ld)
{
        if (!ld)
                return NULL;
        for (size_t i = 0; i < ld->n_sections; i++) {
                for (size_t j = 0; j < ld->sections[i].n_assignments; j++)
                        assignment_free(&ld->sections[i].assignments[j]);
                free(ld->sections[i].assignments);
        }
        free(ld->sections);
        for (size_t i = 0; i < ld->n_lists; i++) {
                for (size_t j = 0; j < ld->lists[i].n_items; j++)
                        free(ld->lists[i].items[j]);
                free(ld->lists[i].items);
        }
        free(ld->lists);
        for (size_t i = 0; i < ld->n_macros; i++)
                node_free(ld->macros[i].ast);
        free(ld->macros);
        for (size_t i = 0; i < ld->n_files; i++)
                free(ld->files[i]);
        free(ld->files);
        free(ld);
        return NULL;
}

static void *grow(void *p, size_t n, size_t size)
{
        /* room for element n (0-based), doubling */
        if (n & (n - 1) && n > 0)
                return p;
        return reallocarray(p, n ? n * 2 : 1, size);
}

#define APPEND(array, n, item) ({                                       \
        __typeof__(array) _a = grow((array), (n), sizeof(*(array)));    \
        int _r = -ENOMEM;                                               \
        if (_a) {                                                       \
                (array) = _a;                                           \
                (array)[(n)++] = (item);                                \
                _r = 0;                                                 \
        }                                                               \
        _r;                                                             \
})

/* Position of byte offset in a value. */
static struct source_pos value_pos(const struct assignment *a, size_t offset)
{
        const struct segment *s = &a->segments[0];

        for (size_t i = 1; i < a->n_segments && a->segments[i].offset <= offset; i++)
                s = &a->segments[i];
        return (struct source_pos) { a->pos.file, s->line, s->column + (unsigned) (offset - s->offset) };
}

static bool is_blank(char c)
{
        return c == ' ' || c == '\t' || c == '\r';
}

static const char *section_name(enum section_kind k)
{
        return k == SECTION_LIST ? "List" : k == SECTION_MACRO ? "Macro" : "Rule";
}

/* Parses "[Section]" at line (no leading blanks). */
static int parse_section_header(struct loader *ld, const char *file, unsigned lineno, const char *line,
                                size_t len, size_t indent)
{
        struct source_pos pos = { file, lineno, indent + 1 };
        const char *end = memchr(line, ']', len);
        struct section s = { .pos = pos };
        size_t n;

        if (!end) {
                error_at(ld, &pos, "missing ']' after the section name");
                return -EINVAL;
        }
        for (const char *p = end + 1; p < line + len; p++)
                if (!is_blank(*p)) {
                        struct source_pos at = { file, lineno, indent + 1 + (unsigned) (p - line) };

                        error_at(ld, &at, "unexpected text after the section header");
                        return -EINVAL;
                }
        n = end - line - 1;
        if (n == 4 && strneq(line + 1, "List", 4))
                s.kind = SECTION_LIST;
        else if (n == 5 && strneq(line + 1, "Macro", 5))
                s.kind = SECTION_MACRO;
        else if (n == 4 && strneq(line + 1, "Rule", 4))
                s.kind = SECTION_RULE;
        else {
                error_at(ld, &pos, "unknown section '[%.*s]'; expected [List], [Macro] or [Rule]",
                         (int) MIN(n, (size_t) 64), line + 1);
                return -EINVAL;
        }
        if (ld->n_sections >= RULES_MAX_RULES * 2) {
                error_at(ld, &pos, "too many sections (more than %d)", RULES_MAX_RULES * 2);
                return -E2BIG;
        }
        return APPEND(ld->sections, ld->n_sections, s);
}

static int strip_copy_append(struct strbuf *b, const char *s, size_t len)
{
        strbuf_put(b, s, len);
        return b->oom ? -ENOMEM : 0;
}

int loader_add_text(struct loader *ld, const char *name, const char *text, size_t len)
{
        unsigned errors_before = ld->n_errors, lineno = 0;
        struct assignment *cont = NULL;
        struct strbuf value = {};
        const char *file;
        char *copy;
        size_t pos = 0;
        int r = 0;

        copy = strdup(name);
        if (!copy || APPEND(ld->files, ld->n_files, copy) < 0) {
                free(copy);
                return -ENOMEM;
        }
        file = copy;
        if (len > RULES_MAX_FILE_SIZE) {
                struct source_pos p = { file, 1, 1 };

                error_at(ld, &p, "file too large (more than %d bytes)", RULES_MAX_FILE_SIZE);
                return -EINVAL;
        }

        while (pos < len) {
                const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
                size_t n = nl ? (size_t) (nl - line) : len - pos, indent = 0;
                struct source_pos here;
                bool continued;

                lineno++;
                pos += n + (nl ? 1 : 0);
                here = (struct source_pos) { file, lineno, 1 };
                if (n > RULES_MAX_LINE) {
                        here.column = RULES_MAX_LINE + 1;
                        error_at(ld, &here, "line too long (more than %d bytes)", RULES_MAX_LINE);
                        r = -EINVAL;
                        break;
                }
                if (memchr(line, '\0', n)) {
                        here.column = (unsigned) ((const char *) memchr(line, '\0', n) - line) + 1;
                        error_at(ld, &here, "NUL byte in the file");
                        r = -EINVAL;
                        break;
                }
                while (n > 0 && is_blank(line[n - 1]))
                        n--;
                continued = n > 0 && line[n - 1] == '\\';
                if (continued)
                        n--;

                if (cont) {
                        /* a continuation line: its text goes on the value being built */
                        struct segment seg;

                        while (indent < n && is_blank(line[indent]))
                                indent++;
                        seg = (struct segment) { value.len + 1, lineno, indent + 1 };
                        if (APPEND(cont->segments, cont->n_segments, seg) < 0 ||
                            strip_copy_append(&value, " ", 1) < 0 ||
                            strip_copy_append(&value, line + indent, n - indent) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                } else {
                        const char *eq, *key_end;
                        struct assignment a = {};
                        struct section *s;

                        while (indent < n && is_blank(line[indent]))
                                indent++;
                        if (indent == n || line[indent] == '#' || line[indent] == ';')
                                continue;
                        here.column = indent + 1;
                        if (line[indent] == '[') {
                                if (parse_section_header(ld, file, lineno, line + indent, n - indent, indent) < 0)
                                        r = -EINVAL;
                                continue;
                        }
                        eq = memchr(line + indent, '=', n - indent);
                        if (!eq) {
                                error_at(ld, &here, "expected 'Key=value', a [Section] or a comment");
                                r = -EINVAL;
                                continue;
                        }
                        if (ld->n_sections == 0 || ld->sections[ld->n_sections - 1].pos.file != file) {
                                error_at(ld, &here, "assignment outside of a section; expected [List], [Macro] or [Rule] first");
                                r = -EINVAL;
                                continue;
                        }
                        key_end = eq;
                        while (key_end > line + indent && is_blank(key_end[-1]))
                                key_end--;
                        a.key = strndup(line + indent, key_end - line - indent);
                        a.pos = here;
                        s = &ld->sections[ld->n_sections - 1];
                        if (!a.key || APPEND(s->assignments, s->n_assignments, a) < 0) {
                                free(a.key);
                                r = -ENOMEM;
                                break;
                        }
                        cont = &s->assignments[s->n_assignments - 1];
                        eq++;
                        while (eq < line + n && is_blank(*eq))
                                eq++;
                        strbuf_reset(&value);
                        if (APPEND(cont->segments, cont->n_segments,
                                   ((struct segment) { 0, lineno, (unsigned) (eq - line) + 1 })) < 0 ||
                            strip_copy_append(&value, eq, line + n - eq) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                }
                if (value.len > RULES_MAX_VALUE) {
                        error_at(ld, &cont->pos, "value too long (more than %d bytes)", RULES_MAX_VALUE);
                        r = -EINVAL;
                        break;
                }
                if (!continued) {
                        cont->value = strndup(value.data ?: "", value.len);
                        cont->len = value.len;
                        if (!cont->value) {
                                r = -ENOMEM;
                                break;
                        }
                        cont = NULL;
                }
        }
        if (cont && r == 0) {
                /* a continuation at the end of the file */
                cont->value = strndup(value.data ?: "", value.len);
                cont->len = value.len;
                if (!cont->value)
                        r = -ENOMEM;
        }
        /* an assignment left without value (error above) gets an empty one */
        for (size_t i = 0; i < ld->n_sections; i++)
                for (size_t j = 0; j < ld->sections[i].n_assignments; j++)
                        if (!ld->sections[i].assignments[j].value) {
                                ld->sections[i].assignments[j].value = strdup("");
                                if (!ld->sections[i].assignments[j].value)
                                        r = -ENOMEM;
                        }
        strbuf_free(&value);
        if (r == -ENOMEM)
                return r;
        return ld->n_errors > errors_before ? -EINVAL : 0;
}

/* ---- lexer of conditions ---- */

enum token_kind { TOK_END, TOK_LPAREN, TOK_RPAREN, TOK_COMMA, TOK_OP, TOK_STRING, TOK_WORD };

struct token {
        enum token_kind kind;
        size_t offset, len;     /* in the value */
        char *text;             /* WORD, OP: as written; STRING: unescaped */
        size_t text_len;
};

static bool is_word_char(unsigned char c)
{
        return c > ' ' && c != 0x7f && !strchr("(),\"'=!<>&", c);
}

static int hexval(char c)
{
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
               c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void tokens_free(struct token *t, size_t n)
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

static int lex(struct loader *ld, const struct assignment *a, struct token **ret, size_t *ret_n)
{
        struct token *toks = NULL;
        size_t n = 0, i = 0;
        const char *v = a->value;
        int r;

        for (;;) {
                struct token t = {};

                while (i < a->len && is_blank(v[i]))
                        i++;
                if (i >= a->len) {
                        t = (struct token) { TOK_END, i, 0 };
                        if (APPEND(toks, n, t) < 0)
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
                if (APPEND(toks, n, t) < 0) {
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

/* ---- parser of conditions ---- */

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

static bool is_keyword(const char *w)
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
        return 0;
}

static struct list_def *find_list(struct loader *ld, const char *name)
{
        for (size_t i = ld->n_lists; i > 0; i--)
                if (streq(ld->lists[i - 1].name, name))
                        return &ld->lists[i - 1];
        return NULL;
}

static struct macro_def *find_macro(struct loader *ld, const char *name)
{
        for (size_t i = ld->n_macros; i > 0; i--)
                if (streq(ld->macros[i - 1].name, name))
                        return &ld->macros[i - 1];
        return NULL;
}

static int expand_list(struct loader *ld, struct list_def *l, const struct source_pos *use);

static int push_literal(struct node *n, const char *s, size_t len)
{
        struct literal l;

        if (n->n_values >= RULES_MAX_LIST_ITEMS)
                return -E2BIG;
        if (literal_init(&l, s, len) < 0 || APPEND(n->values, n->n_values, l) < 0) {
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

                if (t->kind == TOK_WORD && find_list(p->ld, t->text)) {
                        struct list_def *l = find_list(p->ld, t->text);
                        struct source_pos pos = value_pos(p->a, t->offset);

                        r = expand_list(p->ld, l, &pos);
                        if (r < 0) {
                                p->r = r;
                                return r;
                        }
                        for (size_t i = 0; i < l->n_items && r >= 0; i++)
                                r = push_literal(n, l->items[i], strlen(l->items[i]));
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

static struct node *parse_macro_ref(struct cparser *p, struct macro_def *m, size_t offset);

static struct node *parse_comparison(struct cparser *p)
{
        const struct token *t = peek(p), *op;
        const struct field_def *def = field_lookup(t->text);
        struct node *n;
        int r;

        if (!def) {
                struct macro_def *m = strchr(t->text, '.') ? NULL : find_macro(p->ld, t->text);

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
        if (t->kind == TOK_WORD && is_keyword(t->text)) {
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
        if (t->kind == TOK_WORD && !is_keyword(t->text))
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

/* Parses a whole condition value. */
static int parse_condition(struct loader *ld, const struct assignment *a, unsigned macro_depth,
                           size_t *budget, struct node **ret)
{
        struct cparser p = { .ld = ld, .a = a, .macro_depth = macro_depth, .budget = *budget };
        struct node *n = NULL;
        int r;

        r = lex(ld, a, &p.toks, &p.n);
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

static const struct assignment *section_get(const struct section *s, const char *key)
{
        const struct assignment *found = NULL;

        for (size_t i = 0; i < s->n_assignments; i++)
                if (streq(s->assignments[i].key, key))
                        found = &s->assignments[i];
        return found;
}

static int macro_parse(struct loader *ld, struct macro_def *m, unsigned depth)
{
        const struct assignment *cond = section_get(m->section, "Condition");
        size_t budget = RULES_MAX_NODES;
        int r;

        m->state = STATE_BUSY;
        r = parse_condition(ld, cond, depth, &budget, &m->ast);
        m->state = r < 0 ? STATE_FAILED : STATE_DONE;
        return r;
}

static struct node *parse_macro_ref(struct cparser *p, struct macro_def *m, size_t offset)
{
        struct node *n;

        if (m->state == STATE_BUSY)
                return fail_at(p, offset, "macro '%s' is used in its own definition", m->name);
        if (p->macro_depth >= RULES_MAX_MACRO_DEPTH)
                return fail_at(p, offset, "macros nested too deeply (more than %d levels)", RULES_MAX_MACRO_DEPTH);
        if (m->state == STATE_NEW && macro_parse(p->ld, m, p->macro_depth + 1) == -ENOMEM) {
                p->r = -ENOMEM;
                return NULL;
        }
        if (m->state != STATE_DONE) {
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

/* Items= of a list: words or quoted strings separated by blanks; names of other lists inlined. */
static int expand_list(struct loader *ld, struct list_def *l, const struct source_pos *use)
{
        struct token *toks = NULL;
        size_t n = 0;
        int r = 0;

        if (l->state == STATE_DONE)
                return 0;
        if (l->state == STATE_FAILED)
                return -EINVAL;
        if (l->state == STATE_BUSY) {
                error_at(ld, use, "list '%s' contains itself", l->name);
                return -EINVAL;
        }
        l->state = STATE_BUSY;
        for (size_t s = 0; s < l->section->n_assignments && r >= 0; s++) {
                const struct assignment *a = &l->section->assignments[s];

                if (!streq(a->key, "Items"))
                        continue;
                r = lex(ld, a, &toks, &n);
                if (r < 0)
                        break;
                for (size_t i = 0; i < n && r >= 0; i++) {
                        struct list_def *other;
                        char *item;

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
                        other = toks[i].kind == TOK_WORD ? find_list(ld, toks[i].text) : NULL;
                        if (other && other != l) {
                                struct source_pos pos = value_pos(a, toks[i].offset);

                                r = expand_list(ld, other, &pos);
                                for (size_t j = 0; r >= 0 && j < other->n_items; j++) {
                                        item = strdup(other->items[j]);
                                        if (!item || APPEND(l->items, l->n_items, item) < 0) {
                                                free(item);
                                                r = -ENOMEM;
                                        }
                                }
                        } else if (other == l) {
                                struct source_pos pos = value_pos(a, toks[i].offset);

                                error_at(ld, &pos, "list '%s' contains itself", l->name);
                                r = -EINVAL;
                        } else {
                                item = strndup(toks[i].text, toks[i].text_len);
                                if (!item || APPEND(l->items, l->n_items, item) < 0) {
                                        free(item);
                                        r = -ENOMEM;
                                }
                        }
                        if (r >= 0 && l->n_items > RULES_MAX_LIST_ITEMS) {
                                error_at(ld, &a->pos, "list '%s' too long (more than %d items)", l->name,
                                         RULES_MAX_LIST_ITEMS);
                                r = -EINVAL;
                        }
                }
                tokens_free(toks, n);
                toks = NULL;
        }
        l->state = r < 0 ? STATE_FAILED : STATE_DONE;
        return r;
}

/* ---- sections to definitions ---- */

static bool valid_name(const char *s)
{
        if (!*s || strlen(s) > 128)
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char) *s) && !strchr("_-.", *s))
                        return false;
        return true;
}

static bool valid_macro_or_list_name(const char *s)
{
        return valid_name(s) && !strchr(s, '.') && !is_keyword(s) && !field_lookup(s);
}

static bool check_keys(struct loader *ld, const struct section *s, const char *const *keys, const char *list)
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

static const char *require(struct loader *ld, const struct section *s, const char *key)
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

static int collect_definitions(struct loader *ld)
{
        static const char *const list_keys[] = { "Name", "Items", NULL };
        static const char *const macro_keys[] = { "Name", "Condition", NULL };

        for (size_t i = 0; i < ld->n_sections; i++) {
                struct section *s = &ld->sections[i];
                const char *name;
                int r = 0;

                if (s->kind == SECTION_RULE)
                        continue;
                if (s->kind == SECTION_LIST ? !check_keys(ld, s, list_keys, "Name= or Items=") :
                                              !check_keys(ld, s, macro_keys, "Name= or Condition="))
                        continue;
                name = require(ld, s, "Name");
                if (!name)
                        continue;
                if (!valid_macro_or_list_name(name)) {
                        error_at(ld, &section_get(s, "Name")->pos,
                                 "invalid name '%.64s'; use letters, digits, '_' and '-', not a field or keyword", name);
                        continue;
                }
                if (s->kind == SECTION_LIST) {
                        struct list_def l = { .name = name, .section = s };

                        if (find_macro(ld, name))
                                error_at(ld, &s->pos, "'%s' is already the name of a macro", name);
                        else
                                r = APPEND(ld->lists, ld->n_lists, l);
                } else {
                        struct macro_def m = { .name = name, .section = s };

                        if (!require(ld, s, "Condition"))
                                continue;
                        if (find_list(ld, name))
                                error_at(ld, &s->pos, "'%s' is already the name of a list", name);
                        else
                                r = APPEND(ld->macros, ld->n_macros, m);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static int split_words(const char *s, char ***ret, size_t *ret_n)
{
        char **v = NULL;
        size_t n = 0;

        for (;;) {
                size_t len;
                char *w;

                while (*s && (is_blank(*s) || *s == ','))
                        s++;
                if (!*s)
                        break;
                len = strcspn(s, " \t\r,");
                w = strndup(s, len);
                if (!w || APPEND(v, n, w) < 0) {
                        free(w);
                        for (size_t i = 0; i < n; i++)
                                free(v[i]);
                        free(v);
                        return -ENOMEM;
                }
                s += len;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

static void strv_free(char **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

static void rule_done(struct rule *r)
{
        free(r->name);
        strv_free(r->events, r->n_events);
        free(r->mitre);
        free(r->description);
        free(r->message);
        strv_free(r->tags, r->n_tags);
        node_free(r->condition);
        *r = (struct rule) {};
}

static int parse_bool(const char *s)
{
        if (streq(s, "yes") || streq(s, "true") || streq(s, "on") || streq(s, "1"))
                return 1;
        if (streq(s, "no") || streq(s, "false") || streq(s, "off") || streq(s, "0"))
                return 0;
        return -EINVAL;
}

static bool valid_mitre(const char *s)
{
        /* T1234 or T1234.567 */
        if (s[0] != 'T' || strlen(s) < 5)
                return false;
        for (int i = 1; i < 5; i++)
                if (!isdigit((unsigned char) s[i]))
                        return false;
        if (s[5] == '\0')
                return true;
        return s[5] == '.' && isdigit((unsigned char) s[6]) && isdigit((unsigned char) s[7]) &&
               isdigit((unsigned char) s[8]) && s[9] == '\0';
}

static int replace_str(char **p, const char *v)
{
        char *c = strdup(v);

        if (!c)
                return -ENOMEM;
        free(*p);
        *p = c;
        return 0;
}

/* Sets the plain keys of a [Rule] section on r (a new rule, or one being amended). */
static int rule_apply_keys(struct loader *ld, const struct section *s, struct rule *rule)
{
        for (size_t i = 0; i < s->n_assignments; i++) {
                const struct assignment *a = &s->assignments[i];
                int r = 0;

                if (streq(a->key, "Severity")) {
                        int sev = alert_severity_from_string(a->value);

                        if (sev < 0) {
                                struct source_pos p = value_pos(a, 0);

                                error_at(ld, &p, "unknown severity '%.32s'; expected critical, error, warning, notice or info",
                                         a->value);
                                return -EINVAL;
                        }
                        rule->severity = sev;
                } else if (streq(a->key, "Mitre")) {
                        if (!valid_mitre(a->value)) {
                                struct source_pos p = value_pos(a, 0);

                                error_at(ld, &p, "invalid MITRE ATT&CK technique '%.32s'; expected T1234 or T1234.567",
                                         a->value);
                                return -EINVAL;
                        }
                        r = replace_str(&rule->mitre, a->value);
                } else if (streq(a->key, "Message")) {
                        r = replace_str(&rule->message, a->value);
                        rule->message_pos = value_pos(a, 0);
                }
                else if (streq(a->key, "Description"))
                        r = replace_str(&rule->description, a->value);
                else if (streq(a->key, "Enabled")) {
                        int b = parse_bool(a->value);

                        if (b < 0) {
                                struct source_pos p = value_pos(a, 0);

                                error_at(ld, &p, "Enabled= takes yes or no, not '%.32s'", a->value);
                                return -EINVAL;
                        }
                        rule->enabled = b;
                } else if (streq(a->key, "Tags")) {
                        strv_free(rule->tags, rule->n_tags);
                        rule->tags = NULL;
                        rule->n_tags = 0;
                        r = split_words(a->value, &rule->tags, &rule->n_tags);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Adds "and not (exception)" for each Exception= of s to the rule's condition. */
static int rule_add_exceptions(struct loader *ld, const struct section *s, struct rule *rule, size_t *budget)
{
        int ret = 0;

        for (size_t i = 0; i < s->n_assignments; i++) {
                const struct assignment *a = &s->assignments[i];
                struct node *e = NULL, *not, *and;
                int r;

                if (!streq(a->key, "Exception"))
                        continue;
                r = parse_condition(ld, a, 0, budget, &e);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        ret = r;
                        continue;
                }
                not = calloc(1, sizeof(*not));
                and = calloc(1, sizeof(*and));
                if (!not || !and) {
                        free(not);
                        free(and);
                        node_free(e);
                        return -ENOMEM;
                }
                *not = (struct node) { .kind = NODE_NOT, .a = e };
                *and = (struct node) { .kind = NODE_AND, .a = rule->condition, .b = not };
                rule->condition = and;
        }
        return ret;
}

static struct rule *find_rule(struct detect_engine *e, const char *name)
{
        for (size_t i = 0; i < e->n_rules; i++)
                if (streq(e->rules[i].name, name))
                        return &e->rules[i];
        return NULL;
}

static int build_rule(struct loader *ld, struct detect_engine *e, const struct section *s)
{
        static const char *const keys[] = {
                "Name", "Event", "Condition", "Severity", "Mitre", "Message", "Exception", "Enabled",
                "Tags", "Description", NULL,
        };
        const char *name, *event, *message;
        const struct assignment *cond;
        struct rule rule = { .pos = s->pos, .enabled = true, .severity = SEVERITY_WARNING }, *old;
        size_t budget = RULES_MAX_NODES;
        int r;

        if (!check_keys(ld, s, keys, "Name=, Event=, Condition=, Severity=, Mitre=, Message=, Exception=, "
                        "Enabled=, Tags= or Description="))
                return -EINVAL;
        name = require(ld, s, "Name");
        if (!name)
                return -EINVAL;
        if (!valid_name(name)) {
                error_at(ld, &section_get(s, "Name")->pos,
                         "invalid rule name '%.64s'; use letters, digits, '_', '-' and '.'", name);
                return -EINVAL;
        }
        cond = section_get(s, "Condition");
        old = find_rule(e, name);
        if (old && old->pos.file == s->pos.file) {
                error_at(ld, &s->pos, "rule '%s' is already defined in this file (line %u)", name, old->pos.line);
                return -EINVAL;
        }
        if (old && !cond) {
                /* amends a rule of an earlier file: Enabled=, Severity=, Exception=... */
                if (section_get(s, "Event")) {
                        error_at(ld, &section_get(s, "Event")->pos,
                                 "Event= cannot be changed without a new Condition=");
                        return -EINVAL;
                }
                r = rule_apply_keys(ld, s, old);
                if (r < 0)
                        return r;
                return rule_add_exceptions(ld, s, old, &budget);
        }
        if (!cond && !section_get(s, "Event")) {
                error_at(ld, &s->pos, "rule '%s' is not defined by an earlier file; a new rule needs Event=, "
                         "Condition=, Severity= and Message=", name);
                return -EINVAL;
        }
        event = require(ld, s, "Event");
        message = require(ld, s, "Message");
        if (!require(ld, s, "Condition") || !event || !message || !require(ld, s, "Severity"))
                return -EINVAL;
        if (e->n_rules >= RULES_MAX_RULES) {
                error_at(ld, &s->pos, "too many rules (more than %d)", RULES_MAX_RULES);
                return -E2BIG;
        }
        rule.name = strdup(name);
        if (!rule.name)
                return -ENOMEM;
        r = split_words(event, &rule.events, &rule.n_events);
        if (r >= 0) {
                /* report the errors of the condition too, even when a key was wrong */
                int keys_r = rule_apply_keys(ld, s, &rule);

                r = keys_r == -ENOMEM ? keys_r : parse_condition(ld, cond, 0, &budget, &rule.condition);
                if (r != -ENOMEM) {
                        int k = rule_add_exceptions(ld, s, &rule, &budget);

                        r = r < 0 ? r : k < 0 ? k : keys_r;
                }
        }
        if (r < 0) {
                rule_done(&rule);
                return r;
        }
        if (old) {
                /* a later file replaces the rule of the same name */
                rule_done(old);
                *old = rule;
                return 0;
        }
        r = APPEND(e->rules, e->n_rules, rule);
        if (r < 0)
                rule_done(&rule);
        return r;
}

int loader_build(struct loader *ld, struct detect_engine *e)
{
        int r;

        r = collect_definitions(ld);
        if (r < 0)
                return r;
        /* every list and macro is checked, used or not */
        for (size_t i = 0; i < ld->n_lists; i++) {
                r = expand_list(ld, &ld->lists[i], &ld->lists[i].section->pos);
                if (r == -ENOMEM)
                        return r;
        }
        for (size_t i = 0; i < ld->n_macros; i++)
                if (ld->macros[i].state == STATE_NEW && macro_parse(ld, &ld->macros[i], 0) == -ENOMEM)
                        return -ENOMEM;
        for (size_t i = 0; i < ld->n_sections; i++)
                if (ld->sections[i].kind == SECTION_RULE) {
                        r = build_rule(ld, e, &ld->sections[i]);
                        if (r == -ENOMEM)
                                return r;
                }
        e->files = ld->files;
        e->n_files = ld->n_files;
        ld->files = NULL;
        ld->n_files = 0;
        return ld->n_errors > 0 ? -EINVAL : 0;
}

void rule_free_contents(struct rule *r)
{
        rule_done(r);
}
