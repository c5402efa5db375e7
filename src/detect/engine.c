/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rule engine: rules compiled per event against the events' schemas, records evaluated, the paths
 * the file rules can match. Reading the rule files is the loader's (loader.c). */
#include <stdlib.h>
#include <string.h>
#include "engine.h"
#include "loader.h"
#include "proctable.h"
#include "shared/array.h"
#include "shared/macro.h"

struct detect_engine *detect_engine_free(struct detect_engine *e)
{
        if (!e)
                return NULL;
        for (size_t i = 0; i < e->n_events; i++) {
                for (size_t j = 0; j < e->events[i].n_rules; j++) {
                        struct compiled_rule *c = &e->events[i].rules[j];

                        node_free(c->condition);
                        for (size_t k = 0; k < c->n_message; k++) {
                                free(c->message[k].text);
                                free(c->message[k].field_name);
                        }
                        free(c->message);
                }
                free(e->events[i].rules);
        }
        free(e->events);
        for (size_t i = 0; i < e->n_rules; i++)
                rule_free_contents(&e->rules[i]);
        free(e->rules);
        strv_done(&e->files);
        strv_done(&e->inactive_events);
        free(e);
        return NULL;
}

struct compiler {
        struct strbuf *errors;
        unsigned n_errors;
        const struct rule *rule;
        const char *event;
};

#define cerror(c, pos, fmt, ...) \
        loader_error((c)->errors, &(c)->n_errors, (pos), "rule '%s': " fmt, (c)->rule->name, ##__VA_ARGS__)

static bool op_allowed(enum field_type t, enum cmp_op op)
{
        switch (t) {
        case FT_STR:
        case FT_STRSET:
                return op == OP_EQ || op == OP_NE || (op >= OP_IN && op <= OP_CONTAINS);
        case FT_NUM:
                return op <= OP_GE || op == OP_IN || op == OP_BITAND;
        case FT_BOOL:
                return op == OP_EQ || op == OP_NE || op == OP_TRUE;
        }
        return false;
}

static int resolve(struct compiler *c, struct node *n, const struct schema *schema)
{
        int ret = 0;

        for (; n; n = n->kind == NODE_CMP ? NULL : n->b) {
                const char *why = NULL;

                if (n->kind != NODE_CMP) {
                        int r = resolve(c, n->a, schema);

                        ret = r < 0 ? r : ret;
                        continue;
                }
                if (field_resolve(n->def, n->field_name, schema, &n->ref, &why) < 0) {
                        cerror(c, &n->pos, "field %s is not available for event '%s' (%s)", n->field_name,
                               c->event, why);
                        return -EINVAL;
                }
                if (!op_allowed(n->ref.type, n->op)) {
                        if (n->op == OP_TRUE)
                                cerror(c, &n->pos, "%s is a %s, not a boolean; expected an operator after it",
                                       n->field_name, field_type_name(n->ref.type));
                        else
                                cerror(c, &n->pos, "operator '%s' cannot be used on %s, which is a %s",
                                       cmp_op_name(n->op), n->field_name, field_type_name(n->ref.type));
                        return -EINVAL;
                }
                for (size_t i = 0; i < n->n_values; i++) {
                        const struct literal *l = &n->values[i];

                        if (n->ref.type == FT_NUM && !l->is_num) {
                                cerror(c, &n->pos, "%s is a number; '%.40s' is not", n->field_name, l->str);
                                return -EINVAL;
                        }
                        if (n->ref.type == FT_BOOL && l->boolean < 0) {
                                cerror(c, &n->pos, "%s is a boolean; expected true or false, not '%.40s'",
                                       n->field_name, l->str);
                                return -EINVAL;
                        }
                }
        }
        return ret;
}

static bool is_field_char(char ch)
{
        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.';
}

static int compile_message(struct compiler *c, struct compiled_rule *cr, const struct schema *schema)
{
        const char *m = c->rule->message, *p = m;
        struct strbuf lit = {};
        int r = 0;

        while (r >= 0) {
                struct msg_part part = {};
                size_t n;

                if (*p && !(*p == '%' && p[1] != '%')) {
                        strbuf_putc(&lit, *p);
                        p += *p == '%' ? 2 : 1;
                        continue;
                }
                if (lit.len > 0) {
                        struct msg_part t = { .text = strndup(lit.data, lit.len) };

                        if (!t.text || ARRAY_APPEND(cr->message, cr->n_message, t) < 0) {
                                free(t.text);
                                r = -ENOMEM;
                                break;
                        }
                        strbuf_reset(&lit);
                }
                if (!*p)
                        break;
                for (n = 0; is_field_char(p[1 + n]); n++)
                        ;
                while (n > 0 && p[n] == '.')
                        n--;
                part.field_name = strndup(p + 1, n);
                if (!part.field_name) {
                        r = -ENOMEM;
                        break;
                }
                {
                        struct source_pos pos = c->rule->message_pos;
                        const char *why = NULL;

                        pos.column += (unsigned) (p - m);
                        part.def = field_lookup(part.field_name);
                        if (!part.def) {
                                cerror(c, &pos, "unknown field '%%%s' in Message=; write %%%% for a '%%'",
                                       part.field_name);
                                r = -EINVAL;
                        } else if (field_resolve(part.def, part.field_name, schema, &part.ref, &why) < 0) {
                                cerror(c, &pos, "field %s in Message= is not available for event '%s' (%s)",
                                       part.field_name, c->event, why);
                                r = -EINVAL;
                        }
                }
                if (r >= 0)
                        r = ARRAY_APPEND(cr->message, cr->n_message, part);
                if (r < 0) {
                        free(part.field_name);
                        break;
                }
                p += 1 + n;
        }
        if (lit.oom)
                r = -ENOMEM;
        strbuf_free(&lit);
        return r;
}

static const struct detect_event_schema *catalog_find(const struct detect_catalog *cat, const char *event)
{
        for (size_t i = 0; cat && i < cat->n_events; i++)
                if (streq(cat->events[i].event, event))
                        return &cat->events[i];
        return NULL;
}

static int add_inactive(struct detect_engine *e, const char *event)
{
        if (strv_contains(&e->inactive_events, event))
                return 0;
        return strv_add(&e->inactive_events, event);
}

static struct event_rules *event_slot(struct detect_engine *e, const struct detect_event_schema *es)
{
        struct event_rules slot = { .event = es->event, .schema = es->schema };

        for (size_t i = 0; i < e->n_events; i++)
                if (streq(e->events[i].event, es->event))
                        return &e->events[i];
        if (ARRAY_APPEND(e->events, e->n_events, slot) < 0)
                return NULL;
        return &e->events[e->n_events - 1];
}

static void compiled_free(struct compiled_rule *cr)
{
        node_free(cr->condition);
        for (size_t k = 0; k < cr->n_message; k++) {
                free(cr->message[k].text);
                free(cr->message[k].field_name);
        }
        free(cr->message);
}

int detect_engine_compile(struct detect_engine *e, const struct detect_catalog *cat, struct strbuf *errors)
{
        struct compiler c = { .errors = errors };

        for (size_t i = 0; i < e->n_rules; i++) {
                const struct rule *rule = &e->rules[i];

                c.rule = rule;
                for (size_t j = 0; j < rule->events.n; j++) {
                        const struct detect_event_schema *es = catalog_find(cat, rule->events.items[j]);
                        struct compiled_rule cr = { .rule = rule };
                        struct event_rules *slot;
                        size_t budget = RULES_MAX_NODES;
                        int r;

                        if (!es) {
                                if (add_inactive(e, rule->events.items[j]) < 0)
                                        return -ENOMEM;
                                continue;
                        }
                        c.event = es->event;
                        cr.condition = node_clone(rule->condition, &budget);
                        if (!cr.condition)
                                return -ENOMEM;
                        r = resolve(&c, cr.condition, es->schema);
                        if (r != -ENOMEM) {
                                int k = compile_message(&c, &cr, es->schema);

                                r = k == -ENOMEM ? k : r < 0 ? r : k;
                        }
                        if (r == -ENOMEM) {
                                compiled_free(&cr);
                                return r;
                        }
                        if (r < 0 || !rule->enabled) {
                                compiled_free(&cr);
                                continue;
                        }
                        slot = event_slot(e, es);
                        if (!slot || ARRAY_APPEND(slot->rules, slot->n_rules, cr) < 0) {
                                compiled_free(&cr);
                                return -ENOMEM;
                        }
                }
        }
        return c.n_errors > 0 ? -EINVAL : 0;
}

size_t detect_engine_n_rules(const struct detect_engine *e)
{
        return e ? e->n_rules : 0;
}

size_t detect_engine_inactive_events(const struct detect_engine *e, const char *const **ret)
{
        *ret = (const char *const *) e->inactive_events.items;
        return e->inactive_events.n;
}

int detect_engine_eval(const struct detect_engine *e, const struct record *r, const struct proctable *pt,
                       detect_match_fn fn, void *userdata)
{
        return detect_engine_eval_with(e, r, pt, NULL, fn, userdata);
}

int detect_engine_eval_with(const struct detect_engine *e, const struct record *r, const struct proctable *pt,
                            const struct detect_lookup *lookup, detect_match_fn fn, void *userdata)
{
        const char *ev = record_event(r);
        const struct event_rules *er = NULL;
        int matches = 0;

        if (!e || !ev)
                return 0;
        for (size_t i = 0; i < e->n_events; i++)
                if (e->events[i].schema == r->schema && streq(e->events[i].event, ev)) {
                        er = &e->events[i];
                        break;
                }
        if (!er)
                return 0;
        for (size_t i = 0; i < er->n_rules; i++) {
                const struct compiled_rule *cr = &er->rules[i];
                struct strbuf msg = {};
                struct detect_match m;
                int k;

                if (!node_eval(cr->condition, r, pt, lookup))
                        continue;
                matches++;
                if (!fn)
                        continue;
                message_render(cr, r, pt, lookup, &msg);
                m = (struct detect_match) {
                        .rule = cr->rule->name,
                        .index = (size_t) (cr->rule - e->rules),
                        .severity = cr->rule->severity,
                        .action = cr->rule->action,
                        .mitre = cr->rule->mitre,
                        .message = msg.oom ? cr->rule->name : msg.data ?: "",
                        .tags = (const char *const *) cr->rule->tags.items,
                        .n_tags = cr->rule->tags.n,
                };
                k = fn(&m, r, userdata);
                strbuf_free(&msg);
                if (k < 0)
                        return k;
        }
        return matches;
}

size_t detect_engine_rules(const struct detect_engine *e, struct detect_rule_info *ret, size_t n)
{
        for (size_t i = 0; i < e->n_rules && i < n; i++) {
                const struct rule *r = &e->rules[i];

                ret[i] = (struct detect_rule_info) {
                        .name = r->name, .file = r->pos.file, .line = r->pos.line, .severity = r->severity,
                        .mitre = r->mitre, .description = r->description,
                        .events = (const char *const *) r->events.items, .n_events = r->events.n,
                        .enabled = r->enabled, .action = r->action,
                };
        }
        return e->n_rules;
}

/* ---- watched paths ---- */

static void prefixes_move(struct strv *dst, struct strv *src)
{
        strv_done(dst);
        *dst = *src;
        *src = (struct strv) {};
}

static const char *const open_path_fields[] = { "file.path", NULL };
static const char *const unix_connect_path_fields[] = { "net.path", "net.peer_path", NULL };

const struct detect_path_filter detect_path_filter_open = { "open", open_path_fields, "/", "file.write" };
/* abstract names are shown with "@" for their NUL */
const struct detect_path_filter detect_path_filter_unix_connect = { "unix_connect", unix_connect_path_fields,
                                                                    "/@", NULL };

static bool node_is_path_field(const struct node *n, const struct detect_path_filter *f)
{
        if (!n->def)
                return false;
        for (const char *const *name = f->fields; *name; name++)
                if (streq(n->def->name, *name) || (n->field_name && streq(n->field_name, *name)))
                        return true;
        return false;
}

/* Whether the comparison holds only for opens for writing: "file.write" or "file.write = true". */
static bool implies_write(const struct node *n, const struct detect_path_filter *f)
{
        return f->write_field && n->def && streq(n->def->name, f->write_field) &&
               (n->op == OP_TRUE || (n->op == OP_EQ && n->n_values == 1 && n->values[0].boolean == 1));
}

/* 1: every event the condition can match has one of f's fields starting with one of *out; 0: it
 * can match any path. *write_only: the condition can only match opens for writing. */
static int path_bound(const struct node *n, const struct detect_path_filter *f, struct strv *out,
                      bool *write_only)
{
        struct strv a = {}, b = {};
        bool wa = false, wb = false;
        int ra, rb;

        *write_only = false;
        switch (n->kind) {
        case NODE_CMP:
                *write_only = implies_write(n, f);
                if (!node_is_path_field(n, f))
                        return 0;
                if (n->op != OP_EQ && n->op != OP_IN && n->op != OP_STARTSWITH && n->op != OP_GLOB)
                        return 0;
                for (size_t i = 0; i < n->n_values; i++) {
                        const struct literal *l = &n->values[i];
                        size_t len = n->op == OP_GLOB ? strcspn(l->str, "*?[\\") : l->len;

                        if (len == 0 || l->str[0] == '\0' || !strchr(f->roots, l->str[0]))
                                return 0;
                        if (strv_addn(out, l->str, len) < 0)
                                return -ENOMEM;
                }
                return 1;
        case NODE_NOT:
                return 0;
        case NODE_AND:
        case NODE_OR:
                ra = path_bound(n->a, f, &a, &wa);
                rb = ra < 0 ? 0 : path_bound(n->b, f, &b, &wb);
                if (ra < 0 || rb < 0) {
                        strv_done(&a);
                        strv_done(&b);
                        return -ENOMEM;
                }
                /* a conjunction writes if either side does, a disjunction if both do */
                *write_only = n->kind == NODE_AND ? wa || wb : wa && wb;
                if (n->kind == NODE_AND) {
                        /* either side bounds the conjunction: take the tighter one */
                        if (ra && (!rb || a.n <= b.n))
                                prefixes_move(out, &a);
                        else if (rb)
                                prefixes_move(out, &b);
                        strv_done(&a);
                        strv_done(&b);
                        return ra || rb;
                }
                if (ra && rb) {
                        for (size_t i = 0; i < b.n; i++)
                                if (strv_add(&a, b.items[i]) < 0) {
                                        strv_done(&a);
                                        strv_done(&b);
                                        return -ENOMEM;
                                }
                        prefixes_move(out, &a);
                }
                strv_done(&a);
                strv_done(&b);
                return ra && rb;
        }
        return 0;
}

#define WRITE_PREFIX "write:"

/* Whether pattern q (which may start with "write:") watches every open that p watches. */
static bool pattern_covers(const char *q, const char *p)
{
        size_t n = strlen(WRITE_PREFIX);
        bool qw = strneq(q, WRITE_PREFIX, n), pw = strneq(p, WRITE_PREFIX, n);

        q += qw ? n : 0;
        p += pw ? n : 0;
        return (!qw || pw) && strneq(p, q, strlen(q));
}

int detect_engine_watched_paths(const struct detect_engine *e, const struct detect_path_filter *f,
                                struct strv *ret)
{
        struct strv all = {};
        bool everything = false;
        size_t k = 0;

        for (size_t i = 0; i < e->n_events; i++) {
                if (!streq(e->events[i].event, f->event))
                        continue;
                for (size_t j = 0; j < e->events[i].n_rules; j++) {
                        struct strv p = {};
                        bool write_only;
                        int r = path_bound(e->events[i].rules[j].condition, f, &p, &write_only);

                        if (r < 0) {
                                strv_done(&all);
                                return r;
                        }
                        everything |= r == 0 && !write_only;
                        if (r == 0 && write_only)
                                r = strv_add(&all, WRITE_PREFIX "/");
                        for (size_t m = 0; m < p.n && r >= 0; m++) {
                                _cleanup_free_ char *w = NULL;

                                /* opens for writing only: the kernel sends no reads of these paths */
                                if (write_only && asprintf(&w, WRITE_PREFIX "%s", p.items[m]) < 0)
                                        r = -ENOMEM;
                                else
                                        r = strv_add(&all, w ?: p.items[m]);
                        }
                        strv_done(&p);
                        if (r < 0) {
                                strv_done(&all);
                                return -ENOMEM;
                        }
                }
        }
        if (everything) {
                strv_done(&all);
                if (strv_add(&all, "/") < 0)
                        return -ENOMEM;
        }
        /* sorted, and a pattern another covers dropped: what covers sorts first ("/" before "write:") */
        strv_sort(&all);
        for (size_t i = 0; i < all.n; i++) {
                bool covered = false;

                for (size_t j = 0; j < k && !covered; j++)
                        covered = pattern_covers(all.items[j], all.items[i]);
                if (covered) {
                        free(all.items[i]);
                        continue;
                }
                all.items[k++] = all.items[i];
        }
        if (all.items)
                all.items[k] = NULL;
        all.n = k;
        *ret = all;
        return 0;
}
