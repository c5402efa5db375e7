/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A generic parser for systemd-style INI files: "[Section]" headers, "Key=Value" lines, "#" and
 * ";" comments, a trailing backslash continues a line. A table of items says which keys exist
 * and how each value is parsed; unknown sections and keys are errors, reported as file:line. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include "strv.h"

/* Parses value into data (the object given to conf_parse_*) + item->offset. Returns 0, or a
 * negative errno after writing what was wrong to err (a short phrase, no file or line). */
typedef int (*conf_parse_func)(const char *value, void *ptr, const void *arg, char *err, size_t err_size);

struct conf_item {
        const char *section;
        const char *key;
        conf_parse_func parse;
        size_t offset;          /* of the field in the parsed object */
        const void *arg;        /* passed to parse, e.g. bounds */
};

#define CONF_ERROR_MAX 512

/* "FILE:LINE: what was wrong" of the first error. */
struct conf_error {
        char text[CONF_ERROR_MAX];
};

/* Parses one buffer called filename. Returns 0, or -EINVAL after filling err (and on the first
 * error stops: the caller throws the half-parsed object away). */
int conf_parse_string(const char *filename, const char *text, size_t len,
                      const struct conf_item *items, void *data, struct conf_error *err);

/* Parses path; a missing file is fine when missing_ok (returns 0 and sets *found to false). */
int conf_parse_file(const char *path, bool missing_ok, const struct conf_item *items, void *data,
                    struct conf_error *err, bool *found);

/* Parses main_path (may be missing), then every "*.conf" in dropin_dir (may be missing) in
 * lexical order, each overriding what came before. */
int conf_parse_with_dropins(const char *main_path, const char *dropin_dir, const struct conf_item *items,
                            void *data, struct conf_error *err);

/* Value parsers. */
/* bool: 1/yes/true/on, 0/no/false/off */
int conf_parse_bool(const char *value, void *ptr, const void *arg, char *err, size_t err_size);
/* A time span in nanoseconds (uint64_t): "3", "3s", "500ms", "1min", "2h", "7d"; a bare number is
 * seconds. arg: const struct conf_range * in nanoseconds, or NULL. */
int conf_parse_timespan(const char *value, void *ptr, const void *arg, char *err, size_t err_size);
/* A size in bytes (uint64_t): "4096", "4K", "4M", "1G". arg: const struct conf_range *, or NULL. */
int conf_parse_size(const char *value, void *ptr, const void *arg, char *err, size_t err_size);
/* A whitespace-separated list appended to a struct strv; an empty value empties it. */
int conf_parse_strv(const char *value, void *ptr, const void *arg, char *err, size_t err_size);

struct conf_range {
        unsigned long long min, max;
};
