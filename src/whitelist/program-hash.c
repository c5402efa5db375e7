/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <gcrypt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "program-hash.h"
#include "shared/hash.h"

struct cached {
        struct file_key key;
        struct program_hash hash;
        struct cached *next;            /* same 64-bit key */
};

void file_key_from_stat(struct file_key *k, const struct stat *st)
{
        *k = (struct file_key) {
                .dev = st->st_dev, .ino = st->st_ino, .size = (uint64_t) st->st_size,
                .mtime_ns = (int64_t) st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
                .ctime_ns = (int64_t) st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec,
        };
}

static uint64_t cache_key(const struct file_key *k)
{
        uint64_t h = hash_mix64(k->dev ^ hash_mix64(k->ino ^ hash_mix64(k->size ^
                                hash_mix64((uint64_t) k->mtime_ns ^ hash_mix64((uint64_t) k->ctime_ns)))));

        return h ?: 1;
}

static bool same_key(const struct file_key *a, const struct file_key *b)
{
        return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtime_ns == b->mtime_ns &&
                a->ctime_ns == b->ctime_ns;
}

const struct program_hash *program_hash_cache_get(const struct program_hash_cache *c, const struct file_key *k)
{
        for (struct cached *e = u64map_get(&c->map, cache_key(k)); e; e = e->next)
                if (same_key(&e->key, k))
                        return &e->hash;
        return NULL;
}

void program_hash_cache_done(struct program_hash_cache *c)
{
        size_t pos = 0;
        uint64_t key;
        void *v;

        while (u64map_next(&c->map, &pos, &key, &v))
                for (struct cached *e = v, *next; e; e = next) {
                        next = e->next;
                        free(e);
                }
        u64map_clear(&c->map);
}

int program_hash_cache_put(struct program_hash_cache *c, const struct file_key *k, const struct program_hash *h)
{
        uint64_t key = cache_key(k);
        struct cached *e;
        int r;

        for (e = u64map_get(&c->map, key); e; e = e->next)
                if (same_key(&e->key, k)) {
                        e->hash = *h;
                        return 0;
                }
        if (c->map.n >= PROGRAM_HASH_CACHE_MAX) {
                program_hash_cache_done(c);
                c->flushes++;
        }
        e = malloc(sizeof(*e));
        if (!e)
                return -ENOMEM;
        *e = (struct cached) { .key = *k, .hash = *h, .next = u64map_get(&c->map, key) };
        r = u64map_put(&c->map, key, e);
        if (r < 0)
                free(e);
        return r;
}

struct program_hasher {
        int fd;
        uint64_t size, done;
        gcry_md_hd_t md;
        bool md5;
};

int program_hasher_new(struct program_hasher **ret, int fd, uint64_t size, bool want_md5)
{
        struct program_hasher *h;

        if (!gcry_check_version(NULL))
                return -EIO;
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        *h = (struct program_hasher) { .fd = fd, .size = size, .md5 = want_md5 };
        if (gcry_md_open(&h->md, GCRY_MD_SHA256, 0) != 0 || (want_md5 && gcry_md_enable(h->md, GCRY_MD_MD5) != 0)) {
                h->fd = -1;
                program_hasher_free(h);
                return -EIO;
        }
        *ret = h;
        return 0;
}

struct program_hasher *program_hasher_free(struct program_hasher *h)
{
        if (!h)
                return NULL;
        if (h->fd >= 0)
                close(h->fd);
        if (h->md)
                gcry_md_close(h->md);
        free(h);
        return NULL;
}

int program_hasher_step(struct program_hasher *h, uint64_t max_bytes, struct program_hash *ret, uint64_t *ret_bytes)
{
        uint8_t buf[65536];
        uint64_t hashed = 0;

        while (h->done < h->size && hashed < max_bytes) {
                size_t want = (size_t) MIN((uint64_t) sizeof(buf), MIN(h->size - h->done, max_bytes - hashed));
                ssize_t n = pread(h->fd, buf, want, (off_t) h->done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -ENODATA;        /* shorter than it was: it changed */
                gcry_md_write(h->md, buf, (size_t) n);
                h->done += (uint64_t) n;
                hashed += (uint64_t) n;
        }
        if (ret_bytes)
                *ret_bytes = hashed;
        if (h->done < h->size)
                return 0;
        *ret = (struct program_hash) { .has_md5 = h->md5 };
        memcpy(ret->sha256, gcry_md_read(h->md, GCRY_MD_SHA256), WHITELIST_SHA256_SIZE);
        if (h->md5)
                memcpy(ret->md5, gcry_md_read(h->md, GCRY_MD_MD5), PROGRAM_MD5_SIZE);
        return 1;
}

int program_hash_fd(int fd, uint64_t size, bool want_md5, struct program_hash *ret)
{
        _cleanup_(program_hasher_freep) struct program_hasher *h = NULL;
        int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3), r;

        if (dup_fd < 0)
                return -errno;
        r = program_hasher_new(&h, dup_fd, size, want_md5);
        if (r < 0) {
                close(dup_fd);
                return r;
        }
        do
                r = program_hasher_step(h, UINT64_MAX, ret, NULL);
        while (r == 0);
        return r < 0 ? r : 0;
}
