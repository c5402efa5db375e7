/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals of the rule engine shared by the parser, the evaluator and the loader: fields,
 * the condition AST, rules compiled per event. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "alert/alert.h"
#include "sink/record.h"
#include "shared/strbuf.h"
#include "shared/strv.h"

/* Limits against hostile rule files. */
#define RULES_MAX_LINE 4096             /* bytes per line */
#define RULES_MAX_VALUE 16384           /* bytes per value, continuation lines included */
#define RULES_MAX_FILE_SIZE (1 << 20)
#define RULES_MAX_FILES 256
#define RULES_MAX_RULES 4096
#define RULES_MAX_LIST_ITEMS 4096
#define RULES_MAX_DEPTH 64              /* nesting of parentheses and 'not' */
#define RULES_MAX_MACRO_DEPTH 16
#define RULES_MAX_NODES 20000           /* per rule, after macro expansion */
#define RULES_MAX_ERRORS 20
#define RULES_MAX_ANCESTORS 16          /* proc.ancestors looks this far up */
#define RULES_MAX_PIPE_CHAIN 8          /* proc.stdin_writers, proc.stdout_readers: processes followed */

enum field_type {
        FT_STR,
        FT_NUM,
        FT_BOOL,
        FT_STRSET,      /* several strings (argv, ancestors): an operator holds if it holds for any */
};

enum field_id {
        FIELD_COLUMN,           /* a column of the event's schema */
        FIELD_BASENAME,         /* last component of a string column (file.name) */
        FIELD_PROC_PID,
        FIELD_PROC_PPID,
        FIELD_PROC_UID,
        FIELD_PROC_COMM,
        FIELD_PROC_EXE,
        FIELD_PROC_NAME,
        FIELD_PROC_CMDLINE,
        FIELD_PROC_ARGS,
        FIELD_PROC_ARGV,
        FIELD_PROC_STDIN,
        FIELD_PROC_STDOUT,
        FIELD_PROC_STDERR,
        FIELD_PROC_EXE_MEMFD,
        FIELD_PROC_EXE_DELETED,
        FIELD_PROC_EXE_SETUID,
        FIELD_PARENT_PID,
        FIELD_PARENT_EXE,
        FIELD_PARENT_NAME,
        FIELD_PARENT_CMDLINE,
        FIELD_PARENT_COMM,
        FIELD_ANCESTORS,
        FIELD_ANCESTORS_NAME,
        FIELD_FILE_ORIGIN,              /* the provenance of an exec's file (struct detect_lookup) */
        FIELD_FILE_WRITER_EXE,
        FIELD_FILE_WRITER_NETWORK,
        FIELD_FILE_WRITER_SAME_USER,
        FIELD_PROC_SCRIPT,
        FIELD_ENV_LD_PRELOAD,           /* the value of a variable of the exec's "env" column ... */
        FIELD_ENV_LD_LIBRARY_PATH,
        FIELD_ENV_HISTFILE,
        FIELD_ENV_HISTSIZE,
        FIELD_ENV_HISTFILESIZE,         /* ... in the order of env_var_names (eval.c) */
        FIELD_ENV_INHERITED,            /* the captured entries are the parent's */
        FIELD_STDIN_WRITER_PID,         /* the process writing into this one's stdin pipe ... */
        FIELD_STDIN_WRITER_EXE,
        FIELD_STDIN_WRITER_NAME,
        FIELD_STDIN_WRITER_CMDLINE,
        FIELD_STDOUT_READER_PID,        /* ... and the one reading this one's stdout pipe */
        FIELD_STDOUT_READER_EXE,
        FIELD_STDOUT_READER_NAME,
        FIELD_STDOUT_READER_CMDLINE,
        FIELD_STDOUT_READER_STDIN_CODE,
        FIELD_STDIN_WRITERS_NAME,       /* every writer up the pipeline, through the writers' stdin pipes */
        FIELD_STDOUT_READERS_NAME,      /* every reader down it */
        FIELD_STDIN_WRITERS_CMDLINE,
        FIELD_STDOUT_READERS_CMDLINE,
        FIELD_STDOUT_READERS_STDIN_CODE,
        FIELD_PROC_STDIN_CODE,
        FIELD_FILE_PROC_PID,            /* N of a path /proc/N/... */
        FIELD_FILE_PROC_OTHER,          /* the path is under /proc/N/ of another process than the opener */
};

/* A field as a rule names it, before it meets an event's schema. */
struct field_def {
        const char *name;       /* "proc.exe"; for prefix fields ("syscall.") the prefix */
        enum field_id id;
        const char *column;     /* the column that holds it, NULL: the column named after the prefix */
        enum field_type type;   /* for fields not read from a column */
        bool prefix;            /* name is a prefix: "syscall.ret" reads column "ret" */
};

/* A field resolved against one schema. */
struct field_ref {
        enum field_id id;
        enum field_type type;
        int column;             /* index in the schema, -1 when the process table answers */
        int pid_column;         /* the schema's "pid" column, for the process table, or -1 */
        int ppid_column;        /* the schema's "ppid" column, or -1 */
        int argv_column;        /* proc.name: the schema's "args" column (argv[0] names an applet), or -1 */
};

enum cmp_op {
        OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
        OP_IN, OP_GLOB, OP_STARTSWITH, OP_ENDSWITH, OP_CONTAINS,
        OP_BITAND,              /* numbers: (value & literal) != 0 */
        OP_TRUE,                /* a boolean field on its own */
        _OP_MAX,
};

struct literal {
        char *str;              /* NUL-terminated copy of the text */
        size_t len;
        bool is_num;
        int64_t num;            /* when is_num (hex "0x" allowed; negative allowed) */
        int boolean;            /* 1 true/yes, 0 false/no, -1 neither */
        /* As a glob: its literal prefix, and the longest literal run after a '*', which every
         * match must contain; both let most texts be turned away before glob_match runs. */
        uint32_t glob_prefix_len, glob_needle_off, glob_needle_len;
};

struct source_pos {
        const char *file;       /* owned by the engine */
        unsigned line, column;
};

enum node_kind {
        NODE_AND,
        NODE_OR,
        NODE_NOT,
        NODE_CMP,
};

struct node {
        enum node_kind kind;
        struct node *a, *b;     /* AND, OR: both; NOT: a */

        /* CMP */
        const struct field_def *def;
        char *field_name;       /* as written, e.g. "syscall.target_pid" */
        struct field_ref ref;   /* after resolution */
        enum cmp_op op;
        struct literal *values;
        size_t n_values;
        struct source_pos pos;  /* of the field */
};

/* A message template: literal text and %field references. */
struct msg_part {
        char *text;             /* literal text, or NULL for a field */
        const struct field_def *def;
        char *field_name;
        struct field_ref ref;
};

struct rule {
        char *name;
        struct source_pos pos;  /* the [Rule] line */
        struct strv events;
        enum alert_severity severity;
        enum response_action action;    /* Action=: what the response does on a match */
        char *mitre;
        char *description;
        char *message;
        struct source_pos message_pos;
        struct strv tags;
        bool enabled;
        struct node *condition;         /* parsed, unresolved; exceptions folded in */
};

/* A rule compiled for one event: condition and message resolved against its schema. */
struct compiled_rule {
        const struct rule *rule;
        struct node *condition;
        struct msg_part *message;
        size_t n_message;
};

struct event_rules {
        const char *event;
        const struct schema *schema;
        struct compiled_rule *rules;
        size_t n_rules;
};

struct detect_engine {
        struct rule *rules;
        size_t n_rules;
        struct event_rules *events;
        size_t n_events;
        struct strv files;              /* names used in source positions */
        struct strv inactive_events;    /* events no tracer provides (rules on them do nothing) */
};

/* Fields */
const struct field_def *field_lookup(const char *name);
/* Resolves def against schema; on failure returns -ENOENT and sets *why. */
int field_resolve(const struct field_def *def, const char *name, const struct schema *schema,
                  struct field_ref *ret, const char **why);
const char *field_type_name(enum field_type t);
const char *cmp_op_name(enum cmp_op op);

/* AST */
struct node *node_free(struct node *n);
struct node *node_clone(const struct node *n, size_t *budget);
void literal_free_array(struct literal *l, size_t n);

void rule_free_contents(struct rule *r);

/* Compiles the rules of e per event of the catalog (fields resolved against each event's schema). */
struct detect_catalog;
int detect_engine_compile(struct detect_engine *e, const struct detect_catalog *cat, struct strbuf *errors);

/* Evaluation */
struct proctable;
struct eval_ctx;
bool glob_match(const char *pattern, const char *s, size_t len);
void glob_literal_prepare(struct literal *l);
bool glob_literal_match(const struct literal *l, const char *s, size_t len);
struct detect_lookup;
bool node_eval(const struct node *n, const struct record *r, const struct proctable *pt,
               const struct detect_lookup *lookup);
/* Appends the rendered message of a compiled rule. */
void message_render(const struct compiled_rule *c, const struct record *r, const struct proctable *pt,
                    const struct detect_lookup *lookup, struct strbuf *b);
