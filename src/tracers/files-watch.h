/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Watched-path patterns of the files tracer, compiled to the entries of the kernel's LPM trie.
 *
 * A pattern is an absolute path prefix, matched byte by byte ("/etc/shadow" also matches
 * "/etc/shadow-"; "/root/.ssh/" everything below it). A "*" component matches one path
 * component ("/proc/" "*" "/environ"), at most two per pattern. "write:/etc/passwd" watches
 * only opens for writing (O_WRONLY, O_RDWR or O_TRUNC). The longest matching entry decides;
 * each entry carries the flags of the shorter entries that are its prefixes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <files.h>               /* bpf/files.h: the shared structs (not tracers/files.h) */

#define WATCH_MAX_PATTERNS 256
#define WATCH_MAX_STARS 2

struct watch_entry {
        struct cw_watch_key key;
        struct cw_watch_value value;
};

struct watch_set {
        struct watch_entry *entries;
        size_t n;
};

/* The built-in patterns, NULL-terminated. */
extern const char *const files_default_watched_paths[];

/* Compiles n patterns into ret. -EINVAL on a bad pattern (logged, naming it), -E2BIG on too many. */
int watch_set_build(struct watch_set *ret, char *const *patterns, size_t n);
void watch_set_free(struct watch_set *s);

/* The entry whose key is exactly prefix, or NULL. */
const struct watch_entry *watch_set_find(const struct watch_set *s, const char *prefix);

/* The kernel's matching algorithm in user space (tests, and to explain it). */
bool watch_set_match(const struct watch_set *s, const char *path, bool write);
