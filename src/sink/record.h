/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A record is one row of output: a schema (named, typed columns) and a value per column. Tracers
 * build records from their events; sinks format them (table, JSON, CSV), and the detection
 * engine reads their fields. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum value_type {
        VALUE_STR,      /* bytes, any content; NULL means absent */
        VALUE_STRV,     /* NUL-separated strings (argv) */
        VALUE_U64,
        VALUE_S64,
        VALUE_BOOL,     /* in u */
};

/* Where a column's value comes from: the tracer, or the identity of the record's cgroup, which
 * the manager fills in before the sinks see the record. */
enum column_source {
        SOURCE_TRACER = 0,
        SOURCE_CONTAINER_ID,            /* first 12 characters of the id */
        SOURCE_CONTAINER_NAME,
        SOURCE_RUNTIME,
        SOURCE_IMAGE,
        SOURCE_POD,
        SOURCE_NAMESPACE,
        SOURCE_UNIT,
};

struct column {
        const char *name;       /* snake_case: JSON key, CSV and table header */
        enum value_type type;
        int width;              /* table width: > 0 right-aligned, < 0 left-aligned, 0 hidden */
        enum column_source source;
        bool event_only;        /* set by some events only (the files tracer's opens): no sort key
                                 * for an aggregating tracer's interval rows */
};

/* The identity columns, for a tracer's schema; container_name is the one tables show. */
#define COLUMN_CONTAINER_NAME(width) { "container_name", VALUE_STR, (width), SOURCE_CONTAINER_NAME }
#define COLUMN_CONTAINER_ID { "container_id", VALUE_STR, 0, SOURCE_CONTAINER_ID }
#define COLUMN_RUNTIME { "runtime", VALUE_STR, 0, SOURCE_RUNTIME }
#define COLUMN_IMAGE { "image", VALUE_STR, 0, SOURCE_IMAGE }
#define COLUMN_POD { "pod", VALUE_STR, 0, SOURCE_POD }
#define COLUMN_NAMESPACE { "namespace", VALUE_STR, 0, SOURCE_NAMESPACE }
#define COLUMN_UNIT { "unit", VALUE_STR, 0, SOURCE_UNIT }

/* Whose pids a record's pid, tid and ppid are: "own" (cwatchd's pid namespace, what its /proc shows)
 * or "host" (the process is outside that namespace: the initial namespace's pids). Hidden. */
#define COLUMN_PID_SCOPE { "pid_scope", VALUE_STR, 0 }
#define PID_SCOPE_OWN "own"
#define PID_SCOPE_HOST "host"

/* The hidden identity columns of a schema whose column enum names them COL_CONTAINER_ID,
 * COL_RUNTIME, COL_IMAGE, COL_POD, COL_NAMESPACE and COL_UNIT. */
#define IDENTITY_HIDDEN_COLUMNS                                 \
        [COL_CONTAINER_ID] = COLUMN_CONTAINER_ID,               \
        [COL_RUNTIME] = COLUMN_RUNTIME,                         \
        [COL_IMAGE] = COLUMN_IMAGE,                             \
        [COL_POD] = COLUMN_POD,                                 \
        [COL_NAMESPACE] = COLUMN_NAMESPACE,                     \
        [COL_UNIT] = COLUMN_UNIT

struct schema {
        const char *event;      /* default event name ("files"); a record may name its own */
        const struct column *columns;
        size_t n_columns;
        bool table_event;       /* the table shows the event name as its first column */
};

/* A value is absent unless set: absent values are "-" in the table, empty in CSV and left out of
 * JSON, so one schema serves every event of a tracer. */
struct value {
        bool present;
        bool truncated;         /* VALUE_STR, VALUE_STRV: cut short; the table shows "..." */
        const char *str;        /* VALUE_STR, VALUE_STRV */
        size_t len;
        uint64_t u;             /* VALUE_U64, VALUE_BOOL */
        int64_t i;              /* VALUE_S64 */
};

struct identity;

struct record {
        const struct schema *schema;
        const char *event;      /* NULL: schema->event */
        uint64_t time_ns;       /* realtime */
        uint64_t cgroup_id;     /* whose identity fills the identity columns; 0: none */
        /* the identity of cgroup_id, resolved once by manager_emit() before any sink sees the
         * record; NULL: the host, or identity is off */
        const struct identity *identity;
        bool quiet;             /* for detection only: not printed by the foreground output */
        struct value *values;   /* schema->n_columns of them */
};

#define SCHEMA(ev, cols, ...) { .event = (ev), .columns = (cols), \
                                .n_columns = sizeof(cols) / sizeof((cols)[0]), __VA_ARGS__ }

static inline const char *record_event(const struct record *r)
{
        return r->event ?: r->schema->event;
}

static inline void value_set_str(struct value *v, const char *s, size_t len)
{
        *v = (struct value) { .present = s != NULL, .str = s, .len = len };
}

static inline void value_set_cstr(struct value *v, const char *s)
{
        value_set_str(v, s, s ? __builtin_strlen(s) : 0);
}

static inline void value_set_pid_scope(struct value *v, bool host)
{
        value_set_cstr(v, host ? PID_SCOPE_HOST : PID_SCOPE_OWN);
}

/* Whether v, a pid_scope value (or NULL), says "host". */
static inline bool value_is_pid_host(const struct value *v)
{
        return v && v->str && v->len == sizeof(PID_SCOPE_HOST) - 1 &&
               __builtin_memcmp(v->str, PID_SCOPE_HOST, v->len) == 0;
}

static inline void value_set_u64(struct value *v, uint64_t u)
{
        *v = (struct value) { .present = true, .u = u };
}

static inline void value_set_s64(struct value *v, int64_t i)
{
        *v = (struct value) { .present = true, .i = i };
}

static inline void value_set_bool(struct value *v, bool b)
{
        *v = (struct value) { .present = true, .u = b };
}

/* Puts id on r and sets the identity columns of r that are not set yet from it (NULL: the host, all
 * absent). */
void record_set_identity(struct record *r, const struct identity *id);

/* Index of the column called name in schema, or -1. */
int schema_find_column(const struct schema *schema, const char *name);

/* The value of column i of r when it is present; NULL when absent or i < 0. */
static inline const struct value *record_value(const struct record *r, int i)
{
        return i >= 0 && r->values[i].present ? &r->values[i] : NULL;
}

/* A copy of r in one allocation (values and their strings included) that outlives r's buffers;
 * free() it. NULL without memory. */
struct record *record_copy(const struct record *r);

/* The indices of a fixed set of column names in every schema a consumer meets, resolved at the
 * first record of each schema and kept, so that no column is looked up by name per record. */
#define COLUMN_INDEX_MAX_NAMES 24
#define COLUMN_INDEX_MAX_SCHEMAS 16

struct column_index {
        const char *const *names;
        size_t n_names;
        size_t n_schemas;
        const struct schema *schemas[COLUMN_INDEX_MAX_SCHEMAS];
        int columns[COLUMN_INDEX_MAX_SCHEMAS][COLUMN_INDEX_MAX_NAMES];
};

/* names (at most COLUMN_INDEX_MAX_NAMES) must outlive ix. */
void column_index_init(struct column_index *ix, const char *const *names, size_t n_names);
/* Per name in the order given to column_index_init(), the column's index in s or -1. NULL only when
 * ix already holds COLUMN_INDEX_MAX_SCHEMAS other schemas. */
const int *column_index_get(struct column_index *ix, const struct schema *s);
