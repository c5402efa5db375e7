/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer entry point: any bytes as /var/lib/cwatch/profiles are rejected whole or give a set
 * within its bounds that encodes and decodes again to the same profiles; never a crash, a leak or
 * a read out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "profile/profile-store.h"

static void put_le32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

/* Inputs starting with 'P' are a payload: wrapped in a valid envelope (compressed, both CRCs
 * right) so that the fuzzer reaches the payload's parser past the checksums. */
static uint8_t *wrap_payload(const uint8_t *payload, size_t size, size_t *ret_size)
{
        uLongf zlen = compressBound(size);
        uint8_t *f = malloc(PROFILE_STORE_HEADER_SIZE + zlen);

        if (!f || compress2(f + PROFILE_STORE_HEADER_SIZE, &zlen, payload, size, 1) != Z_OK) {
                free(f);
                return NULL;
        }
        memcpy(f, PROFILE_STORE_MAGIC, 8);
        memset(f + 8, 0, 24);
        put_le32(f + 8, PROFILE_STORE_VERSION);
        put_le32(f + 16, (uint32_t) size);
        put_le32(f + 24, (uint32_t) crc32(0, payload, size));
        put_le32(f + 28, (uint32_t) crc32(0, f, 28));
        *ret_size = PROFILE_STORE_HEADER_SIZE + zlen;
        return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct profile_set *s = NULL, *t = NULL;
        struct profile_config c;
        void *buf = NULL;
        uint8_t *wrapped = NULL;
        size_t n = 0;
        int r;

        if (size > 0 && data[0] == 'P') {
                wrapped = wrap_payload(data + 1, size - 1, &size);
                if (!wrapped)
                        return 0;
                data = wrapped;
        }
        profile_config_init_default(&c);
        c.max_profiles = 64;
        c.max_features = 32;
        r = profile_store_decode(data, size, &c, &s);
        free(wrapped);
        if (r < 0) {
                if (s)
                        abort();
                return 0;
        }
        if (s->n_profiles > c.max_profiles)
                abort();
        for (const struct profile *p = s->lru_head; p; p = p->lru_next)
                if (p->n_features > c.max_features || p->n_features > p->capacity)
                        abort();
        if (profile_store_encode(s, &buf, &n) < 0 || profile_store_decode(buf, n, &c, &t) < 0 ||
            t->n_profiles != s->n_profiles)
                abort();
        free(buf);
        profile_set_free(t);
        profile_set_free(s);
        return 0;
}
