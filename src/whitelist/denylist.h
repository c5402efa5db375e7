/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The local deny list: /etc/cwatch/denylist.d/NAME.list, one SHA-256 a line (64 hex digits, either
 * case), optionally followed by white space and a note (so sha256sum's output can be pasted);
 * blank lines and lines starting with '#' are comments. A bad line is reported as FILE:LINE: why
 * and skipped; the others are kept. The set is sorted for a binary search. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "whitelist.h"
#include "shared/strbuf.h"

#define DENYLIST_DIR "/etc/cwatch/denylist.d"
#define DENYLIST_MAX_ENTRIES 1000000
#define DENYLIST_MAX_FILE_BYTES (UINT64_C(128) << 20)

struct denylist {
        uint8_t (*hashes)[WHITELIST_SHA256_SIZE];
        size_t n, cap;
};

/* Adds the hashes of one file's text (name for the messages); errors gets one line per bad line.
 * Returns the number of bad lines, or -ENOMEM / -E2BIG (more than DENYLIST_MAX_ENTRIES). */
int denylist_parse(struct denylist *d, const char *name, const char *text, size_t len, struct strbuf *errors);
/* Sorts and removes duplicates; call after the last parse. */
void denylist_finish(struct denylist *d);
/* Reads dir/ *.list in name order (a missing dir is an empty list). Returns the number of bad lines
 * (each in errors), or a negative errno when a file could not be read at all (also in errors). */
int denylist_load_dir(struct denylist *d, const char *dir, struct strbuf *errors);
bool denylist_contains(const struct denylist *d, const uint8_t sha256[WHITELIST_SHA256_SIZE]);
void denylist_done(struct denylist *d);
