/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "snapshot-export.h"
#include "shared/macro.h"

uint64_t snapshot_next_serial(uint64_t last_serial, uint64_t now_usec)
{
        return MAX(last_serial + 1, now_usec);
}

int snapshot_sign(const struct host_key *key, void *buf, size_t size)
{
        uint8_t *p = buf;

        if (size < SNAPSHOT_MIN_FILE_SIZE)
                return -EINVAL;
        return ed25519_sign(key->secret, key->public_key, p, size - SNAPSHOT_SIGNATURE_SIZE,
                            p + size - SNAPSHOT_SIGNATURE_SIZE);
}

int snapshot_export(const struct host_key *key, const uint8_t host_id[SNAPSHOT_HOST_ID_SIZE], uint64_t serial,
                    uint64_t created, struct snapshot_entry *entries, size_t n, void **ret, size_t *ret_size)
{
        struct snapshot_header h = { .version = SNAPSHOT_VERSION, .serial = serial, .created = created };
        _cleanup_free_ void *buf = NULL;
        size_t size;
        int r;

        n = snapshot_entries_sort(entries, n);
        if (n > SNAPSHOT_MAX_ENTRIES)
                return -E2BIG;
        h.count = (uint32_t) n;
        memcpy(h.key, key->public_key, SNAPSHOT_KEY_SIZE);
        memcpy(h.host_id, host_id, SNAPSHOT_HOST_ID_SIZE);
        r = snapshot_encode(&h, entries, &buf, &size);
        if (r < 0)
                return r;
        r = snapshot_sign(key, buf, size);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}
