/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading rule sets (drop-in directories), compiling rules per event, evaluating records. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "engine.h"
#include "loader.h"
#include "proctable.h"
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
        for (size_t i = 0; i < e->n_files; i++)
                free(e->files[i]);
        free(e->files);
        for (size_t i = 0; i < e->n_inactive_events; i++)
                free(e->inactive_events[i]);
        free(e->inactive_events);
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

                        if (!t.text || !(cr->message = reallocarray(cr->message, cr->n_message + 1, sizeof(t)))) {
                                free(t.text);
                                r = -ENOMEM;
                                break;
                        }
                        cr->message[cr->n_message++] = t;
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
                if (r < 0 || !(cr->message = reallocarray(cr->message, cr->n_message + 1, sizeof(part)))) {
                        free(part.field_name);
                        r = r < 0 ? r : -ENOMEM;
                        break;
                }
                cr->message[cr->n_message++] = part;
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
        char **v, *s;

        for (size_t i = 0; i < e->n_inactive_events; i++)
                if (streq(e->inactive_events[i], event))
                        return 0;
        s = strdup(event);
        v = s ? reallocarray(e->inactive_events, e->n_inactive_events + 1, sizeof(*v)) : NULL;
        if (!v) {
                free(s);
                return -ENOMEM;
        }
        e->inactive_events = v;
        e->inactive_events[e->n_inactive_events++] = s;
        return 0;
}

static struct event_rules *event_slot(struct detect_engine *e, const struct detect_event_schema *es)
{
        struct event_rules *v;

        for (size_t i = 0; i < e->n_events; i++)
                if (streq(e->events[i].event, es->event))
                        return &e->events[i];
        v = reallocarray(e->events, e->n_events + 1, sizeof(*v));
        if (!v)
                return NULL;
        e->events = v;
        v[e->n_events] = (struct event_rules) { .event = es->event, .schema = es->schema };
        return &v[e->n_events++];
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

static int compile(struct detect_engine *e, const struct detect_catalog *cat, struct strbuf *errors)
{
        struct compiler c = { .errors = errors };

        for (size_t i = 0; i < e->n_rules; i++) {
                const struct rule *rule = &e->rules[i];

                c.rule = rule;
                for (size_t j = 0; j < rule->n_events; j++) {
                        const struct detect_event_schema *es = catalog_find(cat, rule->events[j]);
                        struct compiled_rule cr = { .rule = rule };
                        struct event_rules *slot;
                        size_t budget = RULES_MAX_NODES;
                        int r;

                        if (!es) {
                                if (add_inactive(e, rule->events[j]) < 0)
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
                        if (!slot || !(slot->rules = reallocarray(slot->rules, slot->n_rules + 1, sizeof(cr)))) {
                                compiled_free(&cr);
                                return -ENOMEM;
                        }
                        slot->rules[slot->n_rules++] = cr;
                }
        }
        return c.n_errors > 0 ? -EINVAL : 0;
}

static int engine_finish(struct loader *ld, const struct detect_catalog *cat, struct strbuf *errors,
                         int add_result, struct detect_engine **ret)
{
        _cleanup_(detect_engine_freep) struct detect_engine *e = calloc(1, sizeof(*e));
        int r;

        if (!e)
                return -ENOMEM;
        /* after a syntax error the sections are incomplete: more errors would only be noise */
        if (add_result < 0)
                return add_result == -ENOMEM ? -ENOMEM : -EINVAL;
        r = loader_build(ld, e);
        if (r == -ENOMEM)
                return -ENOMEM;
        if (r >= 0 && add_result >= 0)
                r = compile(e, cat, errors);
        if (r < 0)
                return r == -ENOMEM ? r : -EINVAL;
        if (add_result < 0)
                return -EINVAL;
        *ret = TAKE_PTR(e);
        return 0;
}

int detect_engine_load_string(struct detect_engine **ret, const char *name, const char *text, size_t len,
                              const struct detect_catalog *cat, struct strbuf *errors)
{
        struct loader *ld;
        int r, k;

        r = loader_new(&ld, errors);
        if (r < 0)
                return r;
        k = loader_add_text(ld, name, text, len);
        r = engine_finish(ld, cat, errors, k, ret);
        loader_free(ld);
        return r;
}

static int read_file(const char *path, char **ret, size_t *ret_len, struct strbuf *errors)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0) {
                strbuf_printf(errors, "%s: cannot read: %s\n", path, strerror(errno));
                return -errno;
        }
        if (!S_ISREG(st.st_mode)) {
                strbuf_printf(errors, "%s: not a regular file\n", path);
                return -EINVAL;
        }
        if (st.st_size > RULES_MAX_FILE_SIZE) {
                strbuf_printf(errors, "%s:1:1: file too large (more than %d bytes)\n", path, RULES_MAX_FILE_SIZE);
                return -EFBIG;
        }
        buf = malloc(RULES_MAX_FILE_SIZE + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k = read(fd, buf + n, RULES_MAX_FILE_SIZE + 1 - n);

                if (k < 0) {
                        strbuf_printf(errors, "%s: cannot read: %s\n", path, strerror(errno));
                        return -errno;
                }
                if (k == 0)
                        break;
                n += k;
                if (n > RULES_MAX_FILE_SIZE) {
                        strbuf_printf(errors, "%s:1:1: file too large (more than %d bytes)\n", path,
                                      RULES_MAX_FILE_SIZE);
                        return -EFBIG;
                }
        }
        *ret = TAKE_PTR(buf);
        *ret_len = n;
        return 0;
}

int detect_engine_load_files(struct detect_engine **ret, char *const *files, size_t n_files,
                             const struct detect_catalog *cat, struct strbuf *errors)
{
        struct loader *ld;
        int r, add = 0;

        if (n_files > RULES_MAX_FILES) {
                strbuf_printf(errors, "too many rule files (more than %d)\n", RULES_MAX_FILES);
                return -E2BIG;
        }
        r = loader_new(&ld, errors);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_files; i++) {
                _cleanup_free_ char *text = NULL;
                size_t len = 0;

                r = read_file(files[i], &text, &len, errors);
                if (r == -ENOMEM) {
                        loader_free(ld);
                        return r;
                }
                if (r >= 0)
                        r = loader_add_text(ld, files[i], text, len);
                if (r < 0 && add >= 0)
                        add = r;
        }
        r = engine_finish(ld, cat, errors, add, ret);
        loader_free(ld);
        return r;
}

struct found_file {
        char *name;
        char *path;
};

static int found_cmp(const void *a, const void *b)
{
        return strcmp(((const struct found_file *) a)->name, ((const struct found_file *) b)->name);
}

static bool is_masked(const char *path)
{
        struct stat st;

        /* an empty file, or a symlink to /dev/null, masks the file of the same name */
        if (stat(path, &st) < 0)
                return true;
        return S_ISCHR(st.st_mode) || (S_ISREG(st.st_mode) && st.st_size == 0);
}

int detect_engine_load(struct detect_engine **ret, const struct rules_paths *paths,
                       const struct detect_catalog *cat, struct strbuf *errors)
{
        struct found_file *found = NULL;
        char **files = NULL;
        size_t n = 0, n_files = 0;
        int r = 0;

        for (size_t d = 0; d < paths->n_dirs && r >= 0; d++) {
                DIR *dir = opendir(paths->dirs[d]);
                struct dirent *de;

                if (!dir) {
                        if (errno == ENOENT)
                                continue;
                        strbuf_printf(errors, "%s: cannot open directory: %s\n", paths->dirs[d], strerror(errno));
                        r = -errno;
                        break;
                }
                while ((de = readdir(dir)) && r >= 0) {
                        size_t len = strlen(de->d_name);
                        bool seen = false;
                        struct found_file *v;
                        char *path = NULL;

                        if (de->d_name[0] == '.' || len < 7 || !streq(de->d_name + len - 6, ".rules"))
                                continue;
                        for (size_t i = 0; i < n; i++)
                                seen = seen || streq(found[i].name, de->d_name);
                        if (seen)
                                continue;
                        if (n >= RULES_MAX_FILES) {
                                strbuf_printf(errors, "too many rule files (more than %d)\n", RULES_MAX_FILES);
                                r = -E2BIG;
                                break;
                        }
                        v = reallocarray(found, n + 1, sizeof(*found));
                        if (!v || asprintf(&path, "%s/%s", paths->dirs[d], de->d_name) < 0) {
                                if (v)
                                        found = v;
                                r = -ENOMEM;
                                break;
                        }
                        found = v;
                        found[n].path = path;
                        found[n].name = strdup(de->d_name);
                        n++;
                        if (!found[n - 1].name)
                                r = -ENOMEM;
                }
                closedir(dir);
        }
        if (r >= 0) {
                if (n > 0)
                        qsort(found, n, sizeof(*found), found_cmp);
                files = calloc(n + 1, sizeof(*files));
                if (!files)
                        r = -ENOMEM;
                for (size_t i = 0; r >= 0 && i < n; i++)
                        if (!is_masked(found[i].path))
                                files[n_files++] = found[i].path;
        }
        if (r >= 0)
                r = detect_engine_load_files(ret, files, n_files, cat, errors);
        for (size_t i = 0; i < n; i++) {
                free(found[i].name);
                free(found[i].path);
        }
        free(found);
        free(files);
        return r;
}

size_t detect_engine_n_rules(const struct detect_engine *e)
{
        return e ? e->n_rules : 0;
}

size_t detect_engine_inactive_events(const struct detect_engine *e, const char *const **ret)
{
        *ret = (const char *const *) e->inactive_events;
        return e->n_inactive_events;
}

int detect_engine_eval(const struct detect_engine *e, const struct record *r, const struct proctable *pt,
                       detect_match_fn fn, void *userdata)
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

                if (!node_eval(cr->condition, r, pt))
                        continue;
                matches++;
                if (!fn)
                        continue;
                message_render(cr, r, pt, &msg);
                m = (struct detect_match) {
                        .rule = cr->rule->name,
                        .index = (size_t) (cr->rule - e->rules),
                        .severity = cr->rule->severity,
                        .mitre = cr->rule->mitre,
                        .message = msg.oom ? cr->rule->name : msg.data ?: "",
                        .tags = (const char *const *) cr->rule->tags,
                        .n_tags = cr->rule->n_tags,
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
                        .events = (const char *const *) r->events, .n_events = r->n_events, .enabled = r->enabled,
                };
        }
        return e->n_rules;
}

/* ---- watched paths ---- */

struct prefixes {
        char **v;
        size_t n;
};

static void prefixes_clear(struct prefixes *p)
{
        for (size_t i = 0; i < p->n; i++)
                free(p->v[i]);
        free(p->v);
        *p = (struct prefixes) {};
}

static int prefixes_add(struct prefixes *p, const char *s, size_t len)
{
        char *c = strndup(s, len), **v;

        v = c ? reallocarray(p->v, p->n + 1, sizeof(*v)) : NULL;
        if (!v) {
                free(c);
                return -ENOMEM;
        }
        p->v = v;
        p->v[p->n++] = c;
        return 0;
}

static void prefixes_move(struct prefixes *dst, struct prefixes *src)
{
        prefixes_clear(dst);
        *dst = *src;
        *src = (struct prefixes) {};
}

/* Whether the comparison holds only for opens for writing: "file.write" or "file.write = true". */
static bool implies_write(const struct node *n)
{
        return n->def && streq(n->def->name, "file.write") &&
               (n->op == OP_TRUE || (n->op == OP_EQ && n->n_values == 1 && n->values[0].boolean == 1));
}

/* 1: every path the condition can match starts with one of *out; 0: it can match any path.
 * *write_only: the condition can only match opens for writing. */
static int path_bound(const struct node *n, struct prefixes *out, bool *write_only)
{
        struct prefixes a = {}, b = {};
        bool wa = false, wb = false;
        int ra, rb;

        *write_only = false;
        switch (n->kind) {
        case NODE_CMP:
                *write_only = implies_write(n);
                if (!n->def || !streq(n->def->name, "file.path"))
                        return 0;
                if (n->op != OP_EQ && n->op != OP_IN && n->op != OP_STARTSWITH && n->op != OP_GLOB)
                        return 0;
                for (size_t i = 0; i < n->n_values; i++) {
                        const struct literal *l = &n->values[i];
                        size_t len = n->op == OP_GLOB ? strcspn(l->str, "*?[\\") : l->len;

                        if (len == 0 || l->str[0] != '/')
                                return 0;
                        if (prefixes_add(out, l->str, len) < 0)
                                return -ENOMEM;
                }
                return 1;
        case NODE_NOT:
                return 0;
        case NODE_AND:
        case NODE_OR:
                ra = path_bound(n->a, &a, &wa);
                rb = ra < 0 ? 0 : path_bound(n->b, &b, &wb);
                if (ra < 0 || rb < 0) {
                        prefixes_clear(&a);
                        prefixes_clear(&b);
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
                        prefixes_clear(&a);
                        prefixes_clear(&b);
                        return ra || rb;
                }
                if (ra && rb) {
                        for (size_t i = 0; i < b.n; i++)
                                if (prefixes_add(&a, b.v[i], strlen(b.v[i])) < 0) {
                                        prefixes_clear(&a);
                                        prefixes_clear(&b);
                                        return -ENOMEM;
                                }
                        prefixes_move(out, &a);
                }
                prefixes_clear(&a);
                prefixes_clear(&b);
                return ra && rb;
        }
        return 0;
}

static int strp_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

#define WRITE_PREFIX "write:"

/* Whether pattern q (which may start with "write:") watches every open that p watches. */
static bool pattern_covers(const char *q, const char *p)
{
        bool qw = strneq(q, WRITE_PREFIX, strlen(WRITE_PREFIX)), pw = strneq(p, WRITE_PREFIX, strlen(WRITE_PREFIX));

        q += qw ? strlen(WRITE_PREFIX) : 0;
        p += pw ? strlen(WRITE_PREFIX) : 0;
        return (!qw || pw) && strneq(p, q, strlen(q));
}

int detect_engine_watched_paths(const struct detect_engine *e, char ***ret, size_t *ret_n)
{
        struct prefixes all = {};
        bool everything = false;
        size_t k = 0;

        for (size_t i = 0; i < e->n_events; i++) {
                if (!streq(e->events[i].event, "open"))
                        continue;
                for (size_t j = 0; j < e->events[i].n_rules; j++) {
                        struct prefixes p = {};
                        bool write_only;
                        int r = path_bound(e->events[i].rules[j].condition, &p, &write_only);

                        if (r < 0) {
                                prefixes_clear(&all);
                                return r;
                        }
                        everything |= r == 0 && !write_only;
                        if (r == 0 && write_only)
                                r = prefixes_add(&all, WRITE_PREFIX "/", strlen(WRITE_PREFIX "/"));
                        for (size_t m = 0; m < p.n && r >= 0; m++) {
                                _cleanup_free_ char *w = NULL;

                                /* opens for writing only: the kernel sends no reads of these paths */
                                if (write_only && asprintf(&w, WRITE_PREFIX "%s", p.v[m]) < 0)
                                        r = -ENOMEM;
                                else
                                        r = prefixes_add(&all, w ?: p.v[m], strlen(w ?: p.v[m]));
                        }
                        prefixes_clear(&p);
                        if (r < 0) {
                                prefixes_clear(&all);
                                return -ENOMEM;
                        }
                }
        }
        if (everything) {
                prefixes_clear(&all);
                if (prefixes_add(&all, "/", 1) < 0)
                        return -ENOMEM;
        }
        /* sorted, and a pattern another covers dropped: what covers sorts first ("/" before "write:") */
        if (all.n > 0)
                qsort(all.v, all.n, sizeof(*all.v), strp_cmp);
        for (size_t i = 0; i < all.n; i++) {
                bool covered = false;

                for (size_t j = 0; j < k && !covered; j++)
                        covered = pattern_covers(all.v[j], all.v[i]);
                if (covered) {
                        free(all.v[i]);
                        continue;
                }
                all.v[k++] = all.v[i];
        }
        *ret = all.v;
        *ret_n = k;
        return 0;
}
