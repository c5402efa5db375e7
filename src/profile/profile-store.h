/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The profiles on disk: /var/lib/cwatch/profiles. A 32-byte header (magic, version, length and
 * CRC-32 of the payload, CRC-32 of the header) and the zlib-compressed payload: feature names, the
 * distinct feature keys, the profiles (most recently used first) and their features column by
 * column (key index deltas, first days, ages, counts, days and states), all as LEB128 varints.
 * Written to a temporary file in the same directory, fsync'ed and renamed over the old one. A file
 * that fails any check is rejected whole: nothing half-read is ever used. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "profile-set.h"

#define PROFILE_STORE_FILE "profiles"
#define PROFILE_STORE_MAGIC "CWPROF\r\n"
#define PROFILE_STORE_VERSION 1
#define PROFILE_STORE_HEADER_SIZE 32
#define PROFILE_STORE_MAX_RAW (UINT64_C(64) << 20)

/* The whole file in memory (malloc'ed into *ret). */
int profile_store_encode(const struct profile_set *s, void **ret, size_t *ret_size);
/* Parses a file's bytes into a new set built with config. -EBADMSG: not a profile file, damaged,
 * truncated; -EPROTONOSUPPORT: another version; -ENOMEM. */
int profile_store_decode(const void *buf, size_t size, const struct profile_config *config,
                         struct profile_set **ret);

/* Writes dir/profiles atomically (temporary file, fsync, rename, fsync of dir). Returns the bytes
 * written. */
int64_t profile_store_save(const struct profile_set *s, const char *dir);
/* Reads dir/profiles: -ENOENT when there is none, the decoder's errors otherwise. */
int profile_store_load(const char *dir, const struct profile_config *config, struct profile_set **ret);
/* Removes temporary files a save that was killed left behind (dir/profiles.XXXXXX); returns how many. */
int profile_store_remove_temporaries(const char *dir);
/* Renames dir/profiles to dir/profiles.bad-TIME so the next save starts afresh; returns the new
 * name in *ret_name (malloc'ed; may be NULL). */
int profile_store_set_aside(const char *dir, uint64_t now, char **ret_name);
