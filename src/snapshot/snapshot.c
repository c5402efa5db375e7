/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "snapshot.h"
#include "shared/macro.h"

void snapshot_put_le32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

void snapshot_put_le64(uint8_t *p, uint64_t v)
{
        for (int i = 0; i < 8; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

uint32_t snapshot_get_le32(const uint8_t *p)
{
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

uint64_t snapshot_get_le64(const uint8_t *p)
{
        return (uint64_t) snapshot_get_le32(p) | (uint64_t) snapshot_get_le32(p + 4) << 32;
}

struct snapshot *snapshot_free(struct snapshot *s)
{
        if (s) {
                free(s->entries);
                free(s);
        }
        return NULL;
}

static int cmp_entry(const void *a, const void *b)
{
        return memcmp(((const struct snapshot_entry *) a)->sha256, ((const struct snapshot_entry *) b)->sha256, 32);
}

size_t snapshot_entries_sort(struct snapshot_entry *entries, size_t n)
{
        size_t k = 0;

        if (n == 0)
                return 0;
        qsort(entries, n, sizeof(*entries), cmp_entry);
        for (size_t i = 1; i < n; i++) {
                if (memcmp(entries[k].sha256, entries[i].sha256, 32) == 0)
                        entries[k] = entries[i];
                else
                        entries[++k] = entries[i];
        }
        return k + 1;
}

void snapshot_entry_pack(const struct snapshot_entry *e, uint8_t *p)
{
        memcpy(p, e->sha256, 32);
        snapshot_put_le32(p + 32, e->confidence);
        snapshot_put_le32(p + 36, e->flags);
        snapshot_put_le64(p + 40, e->first_seen);
        snapshot_put_le32(p + 48, e->active_days);
        snapshot_put_le32(p + 52, e->incidents);
        snapshot_put_le64(p + 56, e->executions);
}

void snapshot_entry_unpack(const uint8_t *p, struct snapshot_entry *e)
{
        memcpy(e->sha256, p, 32);
        e->confidence = snapshot_get_le32(p + 32);
        e->flags = snapshot_get_le32(p + 36);
        e->first_seen = snapshot_get_le64(p + 40);
        e->active_days = snapshot_get_le32(p + 48);
        e->incidents = snapshot_get_le32(p + 52);
        e->executions = snapshot_get_le64(p + 56);
}

void snapshot_header_read(const uint8_t *buf, struct snapshot_header *ret)
{
        *ret = (struct snapshot_header) {
                .version = snapshot_get_le32(buf + SNAPSHOT_OFF_VERSION),
                .file_size = snapshot_get_le64(buf + SNAPSHOT_OFF_FILE_SIZE),
                .serial = snapshot_get_le64(buf + SNAPSHOT_OFF_SERIAL),
                .created = snapshot_get_le64(buf + SNAPSHOT_OFF_CREATED),
                .count = snapshot_get_le32(buf + SNAPSHOT_OFF_COUNT),
        };
        memcpy(ret->key, buf + SNAPSHOT_OFF_KEY, SNAPSHOT_KEY_SIZE);
        memcpy(ret->host_id, buf + SNAPSHOT_OFF_HOST_ID, SNAPSHOT_HOST_ID_SIZE);
}

int snapshot_encode_raw(const struct snapshot_header *h, const void *payload, size_t len, void **ret, size_t *ret_size)
{
        _cleanup_free_ uint8_t *out = NULL;
        uLongf zlen = compressBound(len);
        size_t size;

        out = calloc(1, SNAPSHOT_HEADER_SIZE + zlen + SNAPSHOT_SIGNATURE_SIZE);
        if (!out)
                return -ENOMEM;
        if (compress2(out + SNAPSHOT_HEADER_SIZE, &zlen, payload, len, 6) != Z_OK)
                return -EIO;
        size = SNAPSHOT_HEADER_SIZE + zlen + SNAPSHOT_SIGNATURE_SIZE;
        if (size > SNAPSHOT_MAX_FILE_SIZE)
                return -E2BIG;
        memcpy(out, SNAPSHOT_MAGIC, 8);
        snapshot_put_le32(out + SNAPSHOT_OFF_VERSION, h->version);
        snapshot_put_le64(out + SNAPSHOT_OFF_FILE_SIZE, size);
        memcpy(out + SNAPSHOT_OFF_KEY, h->key, SNAPSHOT_KEY_SIZE);
        memcpy(out + SNAPSHOT_OFF_HOST_ID, h->host_id, SNAPSHOT_HOST_ID_SIZE);
        snapshot_put_le64(out + SNAPSHOT_OFF_SERIAL, h->serial);
        snapshot_put_le64(out + SNAPSHOT_OFF_CREATED, h->created);
        snapshot_put_le32(out + SNAPSHOT_OFF_COUNT, h->count);
        *ret_size = size;
        *ret = TAKE_PTR(out);
        return 0;
}

int snapshot_encode(const struct snapshot_header *h, const struct snapshot_entry *entries,
                    void **ret, size_t *ret_size)
{
        _cleanup_free_ uint8_t *raw = NULL;
        size_t raw_len;

        if (h->count > SNAPSHOT_MAX_ENTRIES)
                return -E2BIG;
        raw_len = (size_t) h->count * SNAPSHOT_ENTRY_SIZE;
        raw = malloc(raw_len ?: 1);
        if (!raw)
                return -ENOMEM;
        for (uint32_t i = 0; i < h->count; i++) {
                if (i > 0 && memcmp(entries[i - 1].sha256, entries[i].sha256, 32) >= 0)
                        return -EINVAL;         /* not sorted, or a hash twice */
                snapshot_entry_pack(&entries[i], raw + (size_t) i * SNAPSHOT_ENTRY_SIZE);
        }
        struct snapshot_header v = *h;
        v.version = SNAPSHOT_VERSION;
        return snapshot_encode_raw(&v, raw, raw_len, ret, ret_size);
}
