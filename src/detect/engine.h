/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rule engine: rule files parsed once into conditions indexed by event, evaluated on every
 * record. See man/cwatch.rules.5 for the language. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include "alert/alert.h"
#include "sink/record.h"
#include "shared/strbuf.h"
#include "shared/strv.h"

struct detect_engine;
struct proctable;

/* Directories searched for *.rules, highest priority first: a file name found in an earlier
 * directory hides the same name in later ones; an empty file or a symlink to /dev/null masks. */
struct rules_paths {
        const char *const *dirs;
        size_t n_dirs;
};

/* An event that rules may name, and the schema of its records. */
struct detect_event_schema {
        const char *event;
        const struct schema *schema;
};

struct detect_catalog {
        const struct detect_event_schema *events;
        size_t n_events;
};

/* Loads every rule file under paths (in file-name order, drop-in semantics). On error returns
 * -EINVAL with "file:line:column: message" lines in errors. */
int detect_engine_load(struct detect_engine **ret, const struct rules_paths *paths,
                       const struct detect_catalog *catalog, struct strbuf *errors);
/* Loads exactly these files, in this order, as one set. */
int detect_engine_load_files(struct detect_engine **ret, char *const *files, size_t n_files,
                             const struct detect_catalog *catalog, struct strbuf *errors);
/* Loads rules from memory (name appears in errors). */
int detect_engine_load_string(struct detect_engine **ret, const char *name, const char *text, size_t len,
                              const struct detect_catalog *catalog, struct strbuf *errors);
struct detect_engine *detect_engine_free(struct detect_engine *e);
DEFINE_POINTER_CLEANUP(struct detect_engine, detect_engine_free);

size_t detect_engine_n_rules(const struct detect_engine *e);
/* Events that rules name but no tracer in the catalog provides (such rules never fire). */
size_t detect_engine_inactive_events(const struct detect_engine *e, const char *const **ret);

/* A rule that matched a record. */
struct detect_match {
        const char *rule;
        size_t index;                   /* of the rule in detect_engine_rules() */
        enum alert_severity severity;
        enum response_action action;    /* the rule's Action= */
        const char *mitre;              /* NULL if none */
        const char *message;            /* rendered */
        const char *const *tags;
        size_t n_tags;
};

typedef int (*detect_match_fn)(const struct detect_match *m, const struct record *r, void *userdata);

/* What rules may ask the provenance graph about the file an exec runs (file.origin, file.writer.*). */
struct detect_file_origin {
        const char *origin;             /* "download", "build", "package", "image" or "unknown" */
        const char *writer_exe;         /* NULL: no writer seen */
        bool writer_network;
        bool writer_same_user;          /* the writer's uid is the exec's */
};

struct detect_lookup {
        /* false when r is no exec or the graph knows nothing of it */
        bool (*file_origin)(const struct record *r, struct detect_file_origin *ret, void *userdata);
        void *userdata;
};

/* Evaluates the rules of r's event; calls fn for each rule that matches. pt may be NULL.
 * Returns the number of matches, or the first negative value fn returned. */
int detect_engine_eval(const struct detect_engine *e, const struct record *r, const struct proctable *pt,
                       detect_match_fn fn, void *userdata);
/* The same with the provenance lookup (NULL: file.origin and file.writer.* are absent). */
int detect_engine_eval_with(const struct detect_engine *e, const struct record *r, const struct proctable *pt,
                            const struct detect_lookup *lookup, detect_match_fn fn, void *userdata);

/* Rule information for listings (cwatchctl rules list). */
struct detect_rule_info {
        const char *name;
        const char *file;
        unsigned line;
        enum alert_severity severity;
        const char *mitre;
        const char *description;
        const char *const *events;
        size_t n_events;
        bool enabled;
        enum response_action action;    /* Action= */
};
size_t detect_engine_rules(const struct detect_engine *e, struct detect_rule_info *ret, size_t n);

/* What a tracer's in-kernel path filter can be given: the rules on event, through the fields
 * (NULL-terminated) compared with =, in, startswith or glob to values starting with one of the
 * characters of roots. */
struct detect_path_filter {
        const char *event;
        const char *const *fields;
        const char *roots;
        const char *write_field;        /* a boolean field that makes a rule's patterns "write:" ones;
                                         * NULL: none */
};
/* opens: file.path, absolute paths (the files tracer) */
extern const struct detect_path_filter detect_path_filter_open;
/* Unix connects: net.path or net.peer_path, paths and "@" abstract names (the sockets tracer) */
extern const struct detect_path_filter detect_path_filter_unix_connect;

/* Path prefixes that rules on f's event can match (for a tracer's in-kernel filter): "/" when
 * some rule can match any path, none when no rule looks at the event. A rule that can only match
 * opens for writing (f's write_field in its condition's conjunction) gives "write:" patterns
 * ("write:/" when its paths are unbounded). ret must be empty; the caller frees it with
 * strv_done(). */
int detect_engine_watched_paths(const struct detect_engine *e, const struct detect_path_filter *f,
                                struct strv *ret);
