/* SPDX-License-Identifier: GPL-2.0-or-later */
/* 64-bit hashing for the bounded in-memory tables (scan and discovery detection, the provenance
 * graph). Not for anything persisted: the keys may change between versions. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The splitmix64 finaliser: every input bit reaches every output bit. */
static inline uint64_t hash_mix64(uint64_t x)
{
        x ^= x >> 30;
        x *= UINT64_C(0xbf58476d1ce4e5b9);
        x ^= x >> 27;
        x *= UINT64_C(0x94d049bb133111eb);
        return x ^ (x >> 31);
}

/* FNV-1a over len bytes of s, started from seed, then mixed. */
static inline uint64_t hash_bytes64(uint64_t seed, const char *s, size_t len)
{
        uint64_t h = UINT64_C(0xcbf29ce484222325) ^ seed;

        for (size_t i = 0; i < len; i++)
                h = (h ^ (unsigned char) s[i]) * UINT64_C(0x100000001b3);
        return hash_mix64(h);
}
