/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Evaluation of resolved conditions on records. Absent strings read as "", absent numbers make
 * every comparison false, absent booleans read as false. */
#include <inttypes.h>
#include <string.h>
#include "rules.h"
#include "proctable.h"
#include "engine.h"
#include "shared/escape.h"

struct eval_ctx {
        const struct record *r;
        const struct proctable *pt;
        const struct detect_lookup *lookup;
        bool self_done, parent_done, cmdline_done, origin_done, origin_known;
        bool cmdline_cut;       /* cmdline is only the start of argv */
        struct detect_file_origin origin;
        const struct proc_entry *self, *parent;
        const char *cmdline;
        size_t cmdline_len, args_offset;
        char cmdline_buf[PROCTABLE_CMDLINE_MAX + 1];
};

bool glob_match(const char *p, const char *s, size_t len)
{
        const char *star_p = NULL;
        size_t i = 0, star_i = 0;

        for (;;) {
                if (*p == '*') {
                        star_p = ++p;
                        star_i = i;
                        continue;
                }
                if (i == len) {
                        if (*p == '\0')
                                return true;
                        goto backtrack;
                }
                if (*p == '\0')
                        goto backtrack;
                if (*p == '?') {
                        p++, i++;
                        continue;
                }
                if (*p == '[') {
                        const char *q = p + 1;
                        bool neg = *q == '!' || *q == '^', hit = false;

                        if (neg)
                                q++;
                        do {
                                if (q[0] && q[1] == '-' && q[2] && q[2] != ']') {
                                        hit |= (unsigned char) s[i] >= (unsigned char) q[0] &&
                                               (unsigned char) s[i] <= (unsigned char) q[2];
                                        q += 3;
                                } else if (*q) {
                                        hit |= s[i] == *q;
                                        q++;
                                }
                        } while (*q && *q != ']');
                        if (*q != ']') {
                                /* no closing bracket: a literal '[' */
                                if (s[i] != '[')
                                        goto backtrack;
                                p++, i++;
                                continue;
                        }
                        if (hit == neg)
                                goto backtrack;
                        p = q + 1, i++;
                        continue;
                }
                if (*p == '\\' && p[1])
                        p++;
                if (*p == s[i]) {
                        p++, i++;
                        continue;
                }
backtrack:
                if (!star_p || star_i >= len)
                        return false;
                p = star_p;
                i = ++star_i;
        }
}

/* The ']' that ends the bracket expression at p, read as glob_match reads it (a first ']' is a
 * member), or p itself when there is none and the '[' is literal. */
static const char *bracket_end(const char *p)
{
        const char *q = p + 1;

        if (*q == '!' || *q == '^')
                q++;
        do {
                if (q[0] && q[1] == '-' && q[2] && q[2] != ']')
                        q += 3;
                else if (*q)
                        q++;
        } while (*q && *q != ']');
        return *q == ']' ? q : p;
}

void glob_literal_prepare(struct literal *l)
{
        const char *p = l->str, *run = NULL;
        bool star = false;

        l->glob_prefix_len = (uint32_t) strcspn(p, "*?[\\");
        l->glob_needle_off = l->glob_needle_len = 0;
        for (;; p++) {
                bool literal = *p && !strchr("*?[\\", *p);

                if (literal && !run)
                        run = p;
                if (!literal && run) {
                        if (star && (uint32_t) (p - run) > l->glob_needle_len) {
                                l->glob_needle_off = (uint32_t) (run - l->str);
                                l->glob_needle_len = (uint32_t) (p - run);
                        }
                        run = NULL;
                }
                if (!*p)
                        return;
                if (*p == '*')
                        star = true;
                else if (*p == '\\' && p[1])
                        p++;
                else if (*p == '[')
                        p = bracket_end(p);
        }
}

/* glob_match, after the cheap tests that a match needs: the literal prefix, and the longest
 * literal run after a '*' somewhere in the text. */
bool glob_literal_match(const struct literal *l, const char *s, size_t len)
{
        if (l->glob_prefix_len && (len < l->glob_prefix_len || memcmp(s, l->str, l->glob_prefix_len) != 0))
                return false;
        if (l->glob_needle_len >= 2 && !memmem(s, len, l->str + l->glob_needle_off, l->glob_needle_len))
                return false;
        return glob_match(l->str, s, len);
}

static const struct value *column(const struct eval_ctx *c, int col)
{
        const struct value *v;

        if (col < 0)
                return NULL;
        v = &c->r->values[col];
        return v->present ? v : NULL;
}

static uint32_t ctx_pid(const struct eval_ctx *c, const struct field_ref *f)
{
        const struct value *v = column(c, f->pid_column);

        return v && v->u <= UINT32_MAX ? (uint32_t) v->u : 0;
}

static const struct proc_entry *ctx_self(struct eval_ctx *c, const struct field_ref *f)
{
        if (!c->self_done) {
                c->self_done = true;
                c->self = c->pt ? proctable_get(c->pt, ctx_pid(c, f)) : NULL;
        }
        return c->self;
}

static const struct proc_entry *ctx_parent(struct eval_ctx *c, const struct field_ref *f)
{
        if (!c->parent_done) {
                const struct proc_entry *self = ctx_self(c, f);
                const struct value *ppid = column(c, f->ppid_column);
                uint32_t p = ppid ? (uint32_t) ppid->u : self ? self->ppid : 0;

                c->parent_done = true;
                c->parent = c->pt && p ? proctable_get(c->pt, p) : NULL;
        }
        return c->parent;
}

static void ctx_cmdline(struct eval_ctx *c, const struct field_ref *f)
{
        const struct value *v = column(c, f->column);

        if (c->cmdline_done)
                return;
        c->cmdline_done = true;
        if (v && v->str) {
                size_t n = MIN(v->len, (size_t) PROCTABLE_CMDLINE_MAX), o = 0;

                c->args_offset = SIZE_MAX;
                for (size_t i = 0; i < n; i++) {
                        if (v->str[i] == '\0') {
                                if (i + 1 == n)
                                        break;
                                if (c->args_offset == SIZE_MAX)
                                        c->args_offset = o + 1;
                                c->cmdline_buf[o++] = ' ';
                        } else
                                c->cmdline_buf[o++] = v->str[i];
                }
                c->cmdline_buf[o] = '\0';
                c->cmdline = c->cmdline_buf;
                c->cmdline_len = o;
                c->cmdline_cut = v->truncated || v->len > PROCTABLE_CMDLINE_MAX;
                if (c->args_offset == SIZE_MAX)
                        c->args_offset = o;
                return;
        }
        {
                const struct proc_entry *e = ctx_self(c, f);
                const char *sp;

                if (!e || !e->cmdline)
                        return;
                c->cmdline = e->cmdline;
                c->cmdline_len = strlen(e->cmdline);
                c->cmdline_cut = e->flags & PROC_CMDLINE_TRUNCATED;
                sp = strchr(e->cmdline, ' ');
                c->args_offset = sp ? (size_t) (sp - e->cmdline) + 1 : c->cmdline_len;
        }
}

static bool str_of(const char *s, const char **ret, size_t *ret_len)
{
        if (!s)
                return false;
        *ret = s;
        *ret_len = strlen(s);
        return true;
}

/* proc.name: from the event's executable and argv where it has them (exec), else the process table's
 * (whose argv was that of the exec of the same executable). */
static bool get_proc_name(struct eval_ctx *c, const struct field_ref *f, const char **s, size_t *len)
{
        const struct value *exe = column(c, f->column), *argv = column(c, f->argv_column);
        const struct proc_entry *e = ctx_self(c, f);

        if (exe && !(argv && argv->str) && e && e->exe && strlen(e->exe) == exe->len &&
            memcmp(e->exe, exe->str, exe->len) == 0)
                exe = NULL;
        if (exe) {
                *s = proc_name(exe->str, exe->len, argv ? argv->str : NULL, argv ? argv->len : 0, len);
                return true;
        }
        return e && (*s = proc_entry_name(e, len));
}

/* The provenance of the exec's file, asked of the graph once per evaluation. */
static const struct detect_file_origin *ctx_origin(struct eval_ctx *c)
{
        if (!c->origin_done) {
                c->origin_done = true;
                c->origin_known = c->lookup && c->lookup->file_origin &&
                                  c->lookup->file_origin(c->r, &c->origin, c->lookup->userdata);
        }
        return c->origin_known ? &c->origin : NULL;
}

/* The variables of the exec's "env" column, in the order of FIELD_ENV_*. */
static const char *const env_var_names[] = { "LD_PRELOAD=", "LD_LIBRARY_PATH=", "HISTFILE=", "HISTSIZE=",
                                             "HISTFILESIZE=" };

/* proc.env.*: the value of the variable in the NUL-separated "NAME=value" entries of the column;
 * false when the exec did not set it. */
static bool get_env(struct eval_ctx *c, const struct field_ref *f, const char **s, size_t *len)
{
        const struct value *v = column(c, f->column);
        const char *name = env_var_names[f->id - FIELD_ENV_LD_PRELOAD];
        size_t n = strlen(name);

        if (!v || !v->str)
                return false;
        for (const char *p = v->str, *end = v->str + v->len; p < end;) {
                size_t k = strnlen(p, end - p);

                if (k >= n && memcmp(p, name, n) == 0) {
                        *s = p + n;
                        *len = k - n;
                        return true;
                }
                p += k + 1;
        }
        return false;
}

/* The process at the other end of this one's stdin pipe (writer) or stdout pipe (reader). */
static const struct proc_entry *pipe_peer(struct eval_ctx *c, const struct field_ref *f, bool writer)
{
        const struct value *v = column(c, f->column);
        const struct proc_entry *self = ctx_self(c, f);
        uint64_t ino = v ? v->u : self ? (writer ? self->stdin_pipe : self->stdout_pipe) : 0;

        if (!c->pt || !ino)
                return NULL;
        return writer ? proctable_pipe_writer(c->pt, ino, ctx_pid(c, f)) :
                        proctable_pipe_reader(c->pt, ino, ctx_pid(c, f));
}

/* The processes up the pipeline from this one (writers: the writer of its stdin pipe, that one's
 * stdin writer...) or down it (readers), nearest first, at most RULES_MAX_PIPE_CHAIN. */
static size_t pipe_chain(struct eval_ctx *c, const struct field_ref *f, bool writers,
                         const struct proc_entry *out[static RULES_MAX_PIPE_CHAIN])
{
        const struct value *v = column(c, f->column);
        const struct proc_entry *self = ctx_self(c, f), *e;
        uint64_t ino = v ? v->u : self ? (writers ? self->stdin_pipe : self->stdout_pipe) : 0;
        uint32_t pid = ctx_pid(c, f), at = pid;
        size_t n = 0;

        while (c->pt && ino && n < RULES_MAX_PIPE_CHAIN) {
                e = writers ? proctable_pipe_writer(c->pt, ino, at) : proctable_pipe_reader(c->pt, ino, at);
                if (!e || e->pid == pid)
                        break;
                for (size_t i = 0; i < n; i++)
                        if (out[i] == e)
                                return n;       /* a loop of pipes */
                out[n++] = e;
                at = e->pid;
                ino = writers ? e->stdin_pipe : e->stdout_pipe;
        }
        return n;
}

static bool is_pipe_chain(enum field_id id)
{
        return id == FIELD_STDIN_WRITERS_NAME || id == FIELD_STDOUT_READERS_NAME ||
               id == FIELD_STDIN_WRITERS_CMDLINE || id == FIELD_STDOUT_READERS_CMDLINE;
}

static bool is_pipe_writers(enum field_id id)
{
        return id == FIELD_STDIN_WRITERS_NAME || id == FIELD_STDIN_WRITERS_CMDLINE;
}

/* A process of a pipe chain as the field names it: its name, or its command line. */
static const char *pipe_chain_str(enum field_id id, const struct proc_entry *e, size_t *len)
{
        if (id == FIELD_STDIN_WRITERS_NAME || id == FIELD_STDOUT_READERS_NAME)
                return proc_entry_name(e, len);
        if (e->cmdline)
                *len = strlen(e->cmdline);
        return e->cmdline;
}

/* N of a path "/proc/N/..." (or "/proc/N"); false for any other path. */
static bool proc_path_pid(const char *s, size_t len, uint64_t *ret)
{
        uint64_t n = 0;
        size_t i = 6;

        if (len < 7 || memcmp(s, "/proc/", 6) != 0)
                return false;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
                if (i - 6 >= 10)
                        return false;
                n = n * 10 + (uint64_t) (s[i] - '0');
        }
        if (i == 6 || (i < len && s[i] != '/') || s[6] == '0' || n > UINT32_MAX)
                return false;
        *ret = n;
        return true;
}

/* The value of a string field; false when absent. */
static bool get_str(struct eval_ctx *c, const struct field_ref *f, const char **s, size_t *len)
{
        const struct value *v = column(c, f->column);
        const struct detect_file_origin *o;
        const struct proc_entry *e;

        switch (f->id) {
        case FIELD_COLUMN:
                if (!v)
                        return false;
                *s = v->str;
                *len = v->len;
                return true;
        case FIELD_BASENAME:
                if (!v)
                        return false;
                *s = path_basename(v->str, v->len, len);
                return true;
        case FIELD_PROC_EXE:
                if (v) {
                        *s = v->str;
                        *len = v->len;
                        return true;
                }
                return (e = ctx_self(c, f)) && str_of(e->exe, s, len);
        case FIELD_PROC_NAME:
                return get_proc_name(c, f, s, len);
        case FIELD_PROC_COMM:
                if (v) {
                        *s = v->str;
                        *len = v->len;
                        return true;
                }
                return (e = ctx_self(c, f)) && str_of(e->comm, s, len);
        case FIELD_PROC_CMDLINE:
        case FIELD_PROC_ARGS:
                ctx_cmdline(c, f);
                if (!c->cmdline)
                        return false;
                *s = c->cmdline;
                *len = c->cmdline_len;
                if (f->id == FIELD_PROC_ARGS) {
                        *s += c->args_offset;
                        *len -= c->args_offset;
                }
                return true;
        case FIELD_PROC_STDIN:
        case FIELD_PROC_STDOUT:
        case FIELD_PROC_STDERR:
                if (v) {
                        *s = v->str;
                        *len = v->len;
                        return true;
                }
                return (e = ctx_self(c, f)) && str_of(e->stdio[f->id - FIELD_PROC_STDIN], s, len);
        case FIELD_PROC_SCRIPT:
                if (v) {
                        *s = v->str;
                        *len = v->len;
                        return true;
                }
                /* an exec with none has no column: not the table's, which may be an older exec's */
                if (f->column >= 0)
                        return false;
                return (e = ctx_self(c, f)) && str_of(e->script, s, len);
        case FIELD_ENV_LD_PRELOAD:
        case FIELD_ENV_LD_LIBRARY_PATH:
        case FIELD_ENV_HISTFILE:
        case FIELD_ENV_HISTSIZE:
        case FIELD_ENV_HISTFILESIZE:
                return get_env(c, f, s, len);
        case FIELD_STDIN_WRITER_EXE:
        case FIELD_STDOUT_READER_EXE:
                return (e = pipe_peer(c, f, f->id == FIELD_STDIN_WRITER_EXE)) && str_of(e->exe, s, len);
        case FIELD_STDIN_WRITER_NAME:
        case FIELD_STDOUT_READER_NAME:
                return (e = pipe_peer(c, f, f->id == FIELD_STDIN_WRITER_NAME)) && (*s = proc_entry_name(e, len));
        case FIELD_STDIN_WRITER_CMDLINE:
        case FIELD_STDOUT_READER_CMDLINE:
                return (e = pipe_peer(c, f, f->id == FIELD_STDIN_WRITER_CMDLINE)) && str_of(e->cmdline, s, len);
        case FIELD_PARENT_EXE:
                return (e = ctx_parent(c, f)) && str_of(e->exe, s, len);
        case FIELD_PARENT_NAME:
                return (e = ctx_parent(c, f)) && (*s = proc_entry_name(e, len));
        case FIELD_PARENT_CMDLINE:
                return (e = ctx_parent(c, f)) && str_of(e->cmdline, s, len);
        case FIELD_PARENT_COMM:
                return (e = ctx_parent(c, f)) && str_of(e->comm, s, len);
        case FIELD_FILE_ORIGIN:
                return (o = ctx_origin(c)) && str_of(o->origin, s, len);
        case FIELD_FILE_WRITER_EXE:
                return (o = ctx_origin(c)) && str_of(o->writer_exe, s, len);
        default:
                return false;
        }
}

static bool get_num(struct eval_ctx *c, const struct field_ref *f, __int128 *ret)
{
        const struct value *v = column(c, f->column);
        const struct proc_entry *e;
        uint64_t n;

        switch (f->id) {
        case FIELD_FILE_PROC_PID:
                if (!v || !v->str || !proc_path_pid(v->str, v->len, &n))
                        return false;
                *ret = n;
                return true;
        case FIELD_STDIN_WRITER_PID:
        case FIELD_STDOUT_READER_PID:
                if (!(e = pipe_peer(c, f, f->id == FIELD_STDIN_WRITER_PID)))
                        return false;
                *ret = e->pid;
                return true;
        default:
                break;
        }
        if (v && f->column >= 0) {
                if (c->r->schema->columns[f->column].type == VALUE_S64)
                        *ret = v->i;
                else
                        *ret = v->u;
                return true;
        }
        switch (f->id) {
        case FIELD_PROC_PPID:
                if (!(e = ctx_self(c, f)))
                        return false;
                *ret = e->ppid;
                return true;
        case FIELD_PROC_UID:
                if (!(e = ctx_self(c, f)))
                        return false;
                *ret = e->uid;
                return true;
        case FIELD_PARENT_PID:
                if (!(e = ctx_parent(c, f)))
                        return false;
                *ret = e->pid;
                return true;
        default:
                return false;
        }
}

static bool get_bool(struct eval_ctx *c, const struct field_ref *f)
{
        const struct value *v = column(c, f->column);
        const struct detect_file_origin *o;
        const struct proc_entry *e;

        if (f->id == FIELD_FILE_WRITER_NETWORK || f->id == FIELD_FILE_WRITER_SAME_USER) {
                o = ctx_origin(c);
                return o && (f->id == FIELD_FILE_WRITER_NETWORK ? o->writer_network : o->writer_same_user);
        }
        if (f->id == FIELD_STDOUT_READER_STDIN_CODE)
                return (e = pipe_peer(c, f, false)) && (e->flags & PROC_STDIN_CODE);
        if (f->id == FIELD_STDOUT_READERS_STDIN_CODE) {
                const struct proc_entry *chain[RULES_MAX_PIPE_CHAIN];
                size_t n = pipe_chain(c, f, false, chain);

                for (size_t i = 0; i < n; i++)
                        if (chain[i]->flags & PROC_STDIN_CODE)
                                return true;
                return false;
        }
        if (f->id == FIELD_ENV_INHERITED) {
                /* the parent's exec (or the one it forked from) captured the same entries */
                const struct proc_entry *p = ctx_parent(c, f);
                size_t len = v && v->str ? v->len : 0;

                return p && (p->flags & PROC_ENV_KNOWN) && p->env_len == len &&
                       (len == 0 || memcmp(p->env, v->str, len) == 0);
        }
        if (f->id == FIELD_FILE_PROC_OTHER) {
                /* the opener's pid is the event's (thread group id, as /proc/N names a process) */
                const struct value *pid = column(c, f->pid_column);
                uint64_t n;

                return v && v->str && pid && proc_path_pid(v->str, v->len, &n) && n != pid->u;
        }
        if (v)
                return v->u != 0;
        if (f->column >= 0 && f->id == FIELD_COLUMN)
                return false;
        e = ctx_self(c, f);
        if (!e)
                return false;
        switch (f->id) {
        case FIELD_PROC_EXE_MEMFD: return e->flags & PROC_EXE_MEMFD;
        case FIELD_PROC_EXE_DELETED: return e->flags & PROC_EXE_DELETED;
        case FIELD_PROC_EXE_SETUID: return e->flags & PROC_EXE_SETUID;
        case FIELD_PROC_STDIN_CODE: return e->flags & PROC_STDIN_CODE;
        default: return false;
        }
}

static bool str_test(enum cmp_op op, const struct literal *l, const char *s, size_t len)
{
        switch (op) {
        case OP_EQ:
        case OP_NE:
        case OP_IN:
                return l->len == len && memcmp(l->str, s, len) == 0;
        case OP_GLOB:
                return glob_literal_match(l, s, len);
        case OP_STARTSWITH:
                return l->len <= len && memcmp(l->str, s, l->len) == 0;
        case OP_ENDSWITH:
                return l->len <= len && memcmp(l->str, s + len - l->len, l->len) == 0;
        case OP_CONTAINS:
                return l->len == 0 || memmem(s, len, l->str, l->len) != NULL;
        default:
                return false;
        }
}

static bool str_any(const struct node *n, const char *s, size_t len)
{
        for (size_t i = 0; i < n->n_values; i++)
                if (str_test(n->op, &n->values[i], s, len))
                        return true;
        return false;
}

/* For string sets: does any element pass? */
static bool set_any(struct eval_ctx *c, const struct node *n)
{
        const struct field_ref *f = &n->ref;

        if (is_pipe_chain(f->id)) {
                const struct proc_entry *chain[RULES_MAX_PIPE_CHAIN];
                size_t k = pipe_chain(c, f, is_pipe_writers(f->id), chain), len;
                const char *s;

                for (size_t i = 0; i < k; i++)
                        if ((s = pipe_chain_str(f->id, chain[i], &len)) && str_any(n, s, len))
                                return true;
                return false;
        }
        if (f->id == FIELD_ANCESTORS || f->id == FIELD_ANCESTORS_NAME) {
                const struct proc_entry *e = ctx_parent(c, f);

                for (int depth = 0; e && depth < RULES_MAX_ANCESTORS; depth++) {
                        if (e->exe) {
                                size_t len = strlen(e->exe);
                                const char *s = e->exe;

                                if (f->id == FIELD_ANCESTORS_NAME)
                                        s = proc_entry_name(e, &len);
                                if (str_any(n, s, len))
                                        return true;
                        }
                        if (e->ppid == 0 || e->ppid == e->pid)
                                break;
                        e = proctable_get(c->pt, e->ppid);
                }
                return false;
        }
        /* argv: the column on exec, else the process table's command line split at spaces */
        {
                const struct value *v = column(c, f->column);
                const char *s, *end, *p;
                char sep = '\0';

                if (v && v->str) {
                        s = v->str;
                        end = s + v->len;
                } else {
                        const struct proc_entry *e = ctx_self(c, f);

                        if (!e || !e->cmdline)
                                return false;
                        s = e->cmdline;
                        end = s + strlen(s);
                        sep = ' ';
                }
                while (s < end) {
                        p = memchr(s, sep, end - s);
                        if (!p)
                                p = end;
                        if (str_any(n, s, p - s))
                                return true;
                        s = p + 1;
                }
                return false;
        }
}

static bool cmp_eval(struct eval_ctx *c, const struct node *n)
{
        switch (n->ref.type) {
        case FT_STR: {
                const char *s = "";
                size_t len = 0;
                bool hit;

                (void) get_str(c, &n->ref, &s, &len);
                hit = str_any(n, s, len);
                return n->op == OP_NE ? !hit : hit;
        }
        case FT_STRSET: {
                bool hit = set_any(c, n);

                return n->op == OP_NE ? !hit : hit;
        }
        case FT_BOOL: {
                bool b = get_bool(c, &n->ref);

                if (n->op == OP_TRUE)
                        return b;
                return n->op == OP_EQ ? b == (n->values[0].boolean == 1) : b != (n->values[0].boolean == 1);
        }
        case FT_NUM: {
                __int128 v, l;

                if (!get_num(c, &n->ref, &v))
                        return false;
                if (n->op == OP_IN) {
                        for (size_t i = 0; i < n->n_values; i++)
                                if (v == n->values[i].num)
                                        return true;
                        return false;
                }
                l = n->values[0].num;
                switch (n->op) {
                case OP_EQ: return v == l;
                case OP_NE: return v != l;
                case OP_LT: return v < l;
                case OP_LE: return v <= l;
                case OP_GT: return v > l;
                case OP_GE: return v >= l;
                case OP_BITAND: return (v & l) != 0;
                default: return false;
                }
        }
        }
        return false;
}

static bool eval(struct eval_ctx *c, const struct node *n)
{
        for (;;) {
                switch (n->kind) {
                case NODE_CMP:
                        return cmp_eval(c, n);
                case NODE_NOT:
                        return !eval(c, n->a);
                case NODE_AND:
                        if (!eval(c, n->a))
                                return false;
                        n = n->b;
                        break;
                case NODE_OR:
                        if (eval(c, n->a))
                                return true;
                        n = n->b;
                        break;
                default:
                        return false;
                }
        }
}

static void ctx_init(struct eval_ctx *c, const struct record *r, const struct proctable *pt,
                     const struct detect_lookup *lookup)
{
        /* not "= {}": clearing the command-line buffer would cost more than the whole evaluation */
        c->r = r;
        c->pt = pt;
        c->lookup = lookup;
        c->self_done = c->parent_done = c->cmdline_done = c->origin_done = c->cmdline_cut = false;
        c->self = c->parent = NULL;
        c->cmdline = NULL;
        c->cmdline_len = c->args_offset = 0;
}

bool node_eval(const struct node *n, const struct record *r, const struct proctable *pt,
               const struct detect_lookup *lookup)
{
        struct eval_ctx c;

        ctx_init(&c, r, pt, lookup);
        return eval(&c, n);
}

/* A value as it is: every output escapes the whole message (shared/escape.h); only a NUL, which would
 * end the message early, becomes a space as between arguments. */
static void put_clean(struct strbuf *b, const char *s, size_t len)
{
        for (size_t i = 0; i < len; i++)
                strbuf_putc(b, s[i] ? s[i] : ' ');
}

void message_render(const struct compiled_rule *cr, const struct record *r, const struct proctable *pt,
                    const struct detect_lookup *lookup, struct strbuf *b)
{
        struct eval_ctx c;

        ctx_init(&c, r, pt, lookup);
        for (size_t i = 0; i < cr->n_message; i++) {
                const struct msg_part *m = &cr->message[i];
                const char *s;
                size_t len;
                __int128 v;

                if (m->text) {
                        strbuf_puts(b, m->text);
                        continue;
                }
                switch (m->ref.type) {
                case FT_STR:
                        if (get_str(&c, &m->ref, &s, &len) && len > 0) {
                                put_clean(b, s, len);
                                if (c.cmdline_cut &&
                                    (m->ref.id == FIELD_PROC_CMDLINE || m->ref.id == FIELD_PROC_ARGS))
                                        strbuf_puts(b, ESCAPE_CUT_MARKER);
                        } else
                                strbuf_putc(b, '-');
                        break;
                case FT_NUM:
                        if (get_num(&c, &m->ref, &v))
                                strbuf_printf(b, "%" PRId64, (int64_t) v);
                        else
                                strbuf_putc(b, '-');
                        break;
                case FT_BOOL:
                        strbuf_puts(b, get_bool(&c, &m->ref) ? "true" : "false");
                        break;
                case FT_STRSET:
                        if (is_pipe_chain(m->ref.id)) {
                                /* in the pipeline's order: "base64 -d | cat" */
                                const struct proc_entry *chain[RULES_MAX_PIPE_CHAIN];
                                bool up = is_pipe_writers(m->ref.id);
                                size_t k = pipe_chain(&c, &m->ref, up, chain);

                                for (size_t j = 0; j < k; j++) {
                                        const char *name = pipe_chain_str(m->ref.id, chain[up ? k - 1 - j : j],
                                                                          &len);

                                        strbuf_puts(b, j ? " | " : "");
                                        if (name)
                                                put_clean(b, name, len);
                                }
                                if (k == 0)
                                        strbuf_putc(b, '-');
                        } else if (m->ref.id == FIELD_PROC_ARGV) {
                                struct field_ref f = m->ref;

                                f.id = FIELD_PROC_CMDLINE;
                                if (get_str(&c, &f, &s, &len)) {
                                        put_clean(b, s, len);
                                        if (c.cmdline_cut)
                                                strbuf_puts(b, ESCAPE_CUT_MARKER);
                                } else
                                        strbuf_putc(b, '-');
                        } else {
                                const struct proc_entry *e = ctx_parent(&c, &m->ref);
                                int depth = 0;

                                for (; e && depth < RULES_MAX_ANCESTORS; depth++) {
                                        strbuf_puts(b, depth ? " < " : "");
                                        strbuf_puts(b, e->exe ?: e->comm);
                                        if (e->ppid == 0 || e->ppid == e->pid)
                                                break;
                                        e = proctable_get(pt, e->ppid);
                                }
                                if (depth == 0 && !e)
                                        strbuf_putc(b, '-');
                        }
                        break;
                }
        }
}
