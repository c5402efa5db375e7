/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A rule file as sections of assignments: [List], [Macro] and [Rule], read through the shared INI
 * reader, with the position of every byte of a value. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include "rules.h"
#include "shared/ini-reader.h"

struct loader;

enum section_kind {
        SECTION_LIST,
        SECTION_MACRO,
        SECTION_RULE,
};

struct assignment {
        char *key;
        char *value;
        size_t len;
        struct ini_segment *segments;   /* continuation lines join several */
        size_t n_segments;
        struct source_pos pos;          /* of the key */
};

struct section {
        enum section_kind kind;
        struct source_pos pos;
        struct assignment *assignments;
        size_t n_assignments;
};

/* Reads the text of file (a name kept by the loader) into ld's sections. Errors are reported;
 * returns -EINVAL when there were any, or -ENOMEM. */
int sections_read(struct loader *ld, const char *file, const char *text, size_t len);
void section_done(struct section *s);

const char *section_name(enum section_kind k);
/* The last assignment of key, or NULL. */
const struct assignment *section_get(const struct section *s, const char *key);
/* The value of key; NULL after reporting that it is missing or empty. */
const char *section_require(struct loader *ld, const struct section *s, const char *key);
/* Reports each key of s not in keys (NULL-terminated; list: the keys for the message). */
bool section_check_keys(struct loader *ld, const struct section *s, const char *const *keys, const char *list);
/* A name of a rule, list or macro: letters, digits, '_', '-' and '.'. */
bool section_valid_name(const char *s);

/* Position of byte offset in a value. */
struct source_pos value_pos(const struct assignment *a, size_t offset);
