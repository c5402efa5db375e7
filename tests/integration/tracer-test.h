/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers for integration tests: run real tracers on the live kernel in-process and keep every
 * record they emit as parsed JSON (so the JSON output is exercised too). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>
#include "daemon/manager.h"
#include "sink/output.h"
#include "shared/strbuf.h"

struct tt {
        struct manager *m;
        struct json_object **records;   /* every record emitted, as JSON */
        size_t n_records, cap;
        struct strbuf buf;
        /* what `cwatchd run --format json` prints: the output sink into a memory stream */
        struct formatter formatter;
        struct output output;
        FILE *printed;
        char *printed_data;
        size_t printed_size;
        struct json_object **printed_records;
        size_t n_printed_records;
};

/* Exits 77 (skip) unless root with BTF; mounts nothing. */
void tt_require_privileges(void);
/* Starts identity with the default roots and the named tracers (NULL-terminated). Fails the test on
 * error. */
void tt_setup(struct tt *t, const char *const *tracers);
/* The same with this identity configuration (NULL: identity off). */
void tt_setup_identity(struct tt *t, const char *const *tracers, const struct identity_config *identity);
void tt_done(struct tt *t);

typedef bool (*tt_predicate)(struct tt *t, void *userdata);
/* Runs the event loop until pred holds or timeout_ms passes; returns whether it held. */
bool tt_wait_for(struct tt *t, tt_predicate pred, void *userdata, int timeout_ms);
/* Runs the event loop for ms milliseconds. */
void tt_run_for(struct tt *t, int ms);

/* The first record of event whose integer field key equals value, or NULL. */
struct json_object *tt_find(struct tt *t, const char *event, const char *key, int64_t value);
size_t tt_count(struct tt *t, bool (*match)(struct json_object *o, void *userdata), void *userdata);

const char *tt_str(struct json_object *o, const char *key);
int64_t tt_int(struct json_object *o, const char *key);
bool tt_has(struct json_object *o, const char *key);

/* Whether cwatchd run would leave the record out (record.quiet; the JSON has "_quiet"). */
bool tt_is_quiet(struct json_object *o);
/* cwatchd run's --sort and --top for the records printed from now on. */
void tt_set_output_order(struct tt *t, const char *sort_key, size_t top);
/* The records cwatchd run printed (with its --sort and --top): up to max in ret, returns how many
 * there are. */
size_t tt_printed(struct tt *t, struct json_object **ret, size_t max);

/* fork + execv; the child's stdin is /dev/null. */
pid_t tt_spawn(char *const argv[]);
/* waitpid; returns the raw status. */
int tt_wait(pid_t pid);
/* A marker unique to this run, e.g. "m4rk3r-1234-5678". */
const char *tt_marker(char *buf, size_t size, const char *prefix);

/* Paths deeper and longer than PATH_MAX: built one directory at a time, relative to the last, so
 * that no call ever sees a long path. */
/* Creates depth nested directories named comp below dir_fd (existing ones are reused); returns an
 * fd of the deepest (O_DIRECTORY, close it), or -errno. */
int tt_make_deep_dir(int dir_fd, const char *comp, size_t depth);
/* base, then depth times "/" comp, then "/" name unless NULL: the path tt_make_deep_dir() made,
 * as text (malloc'ed, any length; NULL without memory). */
char *tt_deep_path(const char *base, const char *comp, size_t depth, const char *name);
/* Copies the file from to name in dir_fd with mode; 0 or -errno. */
int tt_copy_file_at(const char *from, int dir_fd, const char *name, mode_t mode);
/* fork; the child runs name in dir_fd (execveat) with argv, stdin /dev/null. */
pid_t tt_spawn_at(int dir_fd, const char *name, char *const argv[]);
/* rm -rf path (deep trees included); 0 or -1. */
int tt_remove_tree(const char *path);
/* Very deep chains without one open(2): the files tracer resolves the path of every open, which
 * costs milliseconds at tens of thousands of components. In a child, chdir to dir, make depth
 * directories comp (mkdir, chdir), copy from there as name and, with argv, exec it (its pid is
 * returned; it runs with stdin and stdout on /dev/null), or without, exit (returns 0 or -1). */
pid_t tt_deep_chain_exec(const char *dir, const char *comp, size_t depth, const char *from, const char *name,
                         char *const argv[]);
/* Removes name and the chain of depth directories comp below dir, the same way. 0 or -1. */
int tt_deep_chain_remove(const char *dir, const char *comp, size_t depth, const char *name);
/* What the tracers show for path when they keep its first keep bytes: those up to their last "/",
 * then "/.../" and name (malloc'ed). */
char *tt_cut_path(const char *path, size_t keep, const char *name);
