/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Program identity: the SHA-256 (and, for a file a Debian package owns, the MD5 its md5sums list
 * compares with) of an executed file, hashed in user space with libgcrypt from an open descriptor
 * and cached by (device, inode, size, mtime, ctime): a file is hashed once until it changes. A hash
 * is a job that advances in slices (program_hasher_step), so a large file never holds the event loop
 * for longer than one slice; the caller bounds the bytes per second. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include "whitelist.h"
#include "shared/u64map.h"

#define PROGRAM_MD5_SIZE 16
#define PROGRAM_HASH_SLICE (UINT64_C(1) << 20)          /* bytes hashed at most per step */
#define PROGRAM_HASH_CACHE_MAX 65536

struct file_key {
        uint64_t dev, ino, size;
        int64_t mtime_ns, ctime_ns;
};

void file_key_from_stat(struct file_key *k, const struct stat *st);

struct program_hash {
        uint8_t sha256[WHITELIST_SHA256_SIZE];
        uint8_t md5[PROGRAM_MD5_SIZE];
        bool has_md5;
        /* the file's package verdict, kept with its hashes (enum whitelist_package): the cache is
         * emptied when the dpkg database changes */
        uint8_t package;
        char package_name[64];
};

/* The cache: file key -> hashes. Full: emptied (files are hashed again as they run). */
struct program_hash_cache {
        struct u64map map;
        uint64_t hits, misses, flushes;
};

const struct program_hash *program_hash_cache_get(const struct program_hash_cache *c, const struct file_key *k);
int program_hash_cache_put(struct program_hash_cache *c, const struct file_key *k, const struct program_hash *h);
void program_hash_cache_done(struct program_hash_cache *c);

/* One hash in progress. */
struct program_hasher;

/* Starts hashing fd (taken: closed by free) of size bytes; md5 too when want_md5. */
int program_hasher_new(struct program_hasher **ret, int fd, uint64_t size, bool want_md5);
struct program_hasher *program_hasher_free(struct program_hasher *h);
DEFINE_POINTER_CLEANUP(struct program_hasher, program_hasher_free);
/* Hashes up to max_bytes more; returns 1 when done (ret filled), 0 when more is left, -errno (the
 * file shrank or could not be read). *ret_bytes: bytes hashed by this call. */
int program_hasher_step(struct program_hasher *h, uint64_t max_bytes, struct program_hash *ret, uint64_t *ret_bytes);

/* The whole file now (tests, bench): program_hasher_step until done. */
int program_hash_fd(int fd, uint64_t size, bool want_md5, struct program_hash *ret);
