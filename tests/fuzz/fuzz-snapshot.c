/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer entry point: any bytes given to the snapshot import (src/snapshot/snapshot-import.c) are
 * rejected with a reason, or accepted as entries within the limits, sorted, in range; never a crash,
 * a leak or a read out of bounds. The importer trusts one fixed key, so that inputs can get past the
 * signature:
 *   - inputs starting with 'S' are the rest of a file after the header's first 8 bytes: the magic
 *     is put before them and the signature over them fixed up, so the fuzzer reaches the header's
 *     checks and the inflater;
 *   - inputs starting with 'P' are a count (4 bytes) and a raw payload, compressed and signed into a
 *     well-formed file, so it reaches the entries' checks;
 *   - anything else is imported as it is. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "snapshot/snapshot-export.h"
#include "snapshot/snapshot-import.h"

static const struct host_key fuzz_key = {
        .secret = { 0xbf, 0xa8, 0x9c, 0xd3, 0x8e, 0xd1, 0x00, 0x54, 0x28, 0xd0, 0xad, 0x33,
                    0xec, 0x6a, 0xc8, 0x4a, 0xde, 0x22, 0xb3, 0x63, 0x7d, 0xa7, 0x7f, 0x57,
                    0x6d, 0xf0, 0xdb, 0x54, 0x52, 0xbd, 0xcc, 0x2f },
        .public_key = { 0xbe, 0x30, 0xe5, 0xc4, 0x01, 0xd5, 0x80, 0x70, 0x5f, 0x43, 0xde, 0x3d,
                        0x8c, 0x0e, 0x9a, 0x90, 0xdb, 0xb0, 0x3b, 0xfe, 0xa9, 0x52, 0xb1, 0x5c,
                        0xf9, 0xf3, 0xf8, 0x59, 0x08, 0xa0, 0x1e, 0x1d },
};
static const uint8_t fuzz_host_id[SNAPSHOT_HOST_ID_SIZE] = { 0xf0, 0x22 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *wrap(const uint8_t *data, size_t size, size_t *ret_size)
{
        uint8_t *f = NULL;
        size_t n = 0;

        if (size > 0 && data[0] == 'S') {
                n = 8 + size - 1;
                f = malloc(n);
                if (!f)
                        return NULL;
                memcpy(f, SNAPSHOT_MAGIC, 8);
                memcpy(f + 8, data + 1, size - 1);
                if (n >= SNAPSHOT_MIN_FILE_SIZE && snapshot_sign(&fuzz_key, f, n) < 0) {
                        free(f);
                        return NULL;
                }
        } else if (size >= 5 && data[0] == 'P') {
                struct snapshot_header h = { .version = SNAPSHOT_VERSION, .serial = 1, .created = 1,
                                             .count = snapshot_get_le32(data + 1) };

                memcpy(h.key, fuzz_key.public_key, SNAPSHOT_KEY_SIZE);
                memcpy(h.host_id, fuzz_host_id, SNAPSHOT_HOST_ID_SIZE);
                if (snapshot_encode_raw(&h, data + 5, size - 5, (void **) &f, &n) < 0 ||
                    snapshot_sign(&fuzz_key, f, n) < 0) {
                        free(f);
                        return NULL;
                }
        }
        *ret_size = n;
        return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct trusted_host host = { .name = (char *) "fuzz", .weight = 1 };
        struct trusted_hosts trusted = { .hosts = &host, .n = 1 };
        struct snapshot_import_context c = { .trusted = &trusted, .now = 2000000000, .max_skew = 300 };
        struct snapshot_verdict v;
        struct snapshot *s = NULL;
        uint8_t *wrapped;
        size_t n = 0;
        int r;

        memcpy(host.key, fuzz_key.public_key, SNAPSHOT_KEY_SIZE);
        memcpy(host.host_id, fuzz_host_id, SNAPSHOT_HOST_ID_SIZE);
        wrapped = wrap(data, size, &n);
        if (wrapped) {
                data = wrapped;
                size = n;
        }
        r = snapshot_import(&c, data, size, "fuzz", &s, &v);
        free(wrapped);
        if (r < 0) {
                if (s || v.reason == SNAPSHOT_ACCEPTED || !v.message[0])
                        abort();
                return 0;
        }
        if (!s || v.reason != SNAPSHOT_ACCEPTED || s->header.count > SNAPSHOT_MAX_ENTRIES)
                abort();
        for (uint32_t i = 0; i < s->header.count; i++)
                if (s->entries[i].confidence > SNAPSHOT_CONFIDENCE_ONE ||
                    (i > 0 && memcmp(s->entries[i - 1].sha256, s->entries[i].sha256, 32) >= 0))
                        abort();
        snapshot_free(s);
        return 0;
}
