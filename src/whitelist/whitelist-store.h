/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The local whitelist on disk: /var/lib/cwatch/whitelist, text. A first line "# cwatch whitelist 1",
 * then one entry a line, tab-separated: sha256, confidence, first seen, last seen (usec), last day,
 * active days, executions, alerts, incidents, malicious (0/1), package verdict, layer, kind, location
 * flags, root-owned (0/1), stable (0/1), package name, path (both %XX-escaped, "-" when none). The
 * fleet's view is not kept: it is merged again from snapshots; nor are entries of programs that never
 * ran here (known from the fleet or the deny list only). Written to a temporary file, fsync'ed
 * and renamed; a file that fails any check is rejected whole. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "whitelist.h"

#define WHITELIST_STORE_FILE "whitelist"
#define WHITELIST_STORE_HEADER "# cwatch whitelist 1\n"
#define WHITELIST_STORE_MAX_BYTES (UINT64_C(256) << 20)

/* The file's text (malloc'ed). */
int whitelist_store_encode(const struct whitelist *wl, char **ret, size_t *ret_size);
/* Adds the entries of text to wl (an empty table). -EBADMSG with *ret_line the bad line, -E2BIG when
 * more than the table's max_entries, -ENOMEM. On error wl may hold a part: the caller drops it. */
int whitelist_store_decode(struct whitelist *wl, const char *text, size_t size, size_t *ret_line);

int64_t whitelist_store_save(const struct whitelist *wl, const char *dir);
/* -ENOENT when there is none. */
int whitelist_store_load(struct whitelist *wl, const char *dir, size_t *ret_line);
