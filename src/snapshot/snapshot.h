/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A whitelist snapshot: what one host says about the programs it has seen, signed by that host.
 *
 *   offset size  (integers little-endian)
 *        0    8  magic "CWSNAP\r\n"
 *        8    4  format version (1)
 *       12    4  flags (0)
 *       16    8  file size: every byte, signature included
 *       24   32  the signer's Ed25519 public key
 *       56   16  host id (the signer's /etc/machine-id)
 *       72    8  serial, increasing per host
 *       80    8  creation time, seconds since the epoch
 *       88    4  entry count
 *       92    4  reserved (0)
 *       96    .  zlib stream of count x 64-byte entries, sorted by SHA-256, no two alike:
 *                  0 32 SHA-256 of the program
 *                 32  4 confidence in millionths (0..1000000)
 *                 36  4 flags: bit 0 reported malicious; the others 0
 *                 40  8 first seen, seconds since the epoch
 *                 48  4 active days
 *                 52  4 incidents
 *                 56  8 executions
 *   size - 64   64  Ed25519 signature (RFC 8032) of the SHA-512 digest of bytes [0, size - 64)
 *
 * Before the signature is checked only the magic, the file size and the key are looked at, at
 * fixed offsets; everything else is read from signed bytes (snapshot-import.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNAPSHOT_MAGIC "CWSNAP\r\n"
#define SNAPSHOT_VERSION 1
#define SNAPSHOT_HEADER_SIZE 96
#define SNAPSHOT_ENTRY_SIZE 64
#define SNAPSHOT_KEY_SIZE 32
#define SNAPSHOT_SIGNATURE_SIZE 64
#define SNAPSHOT_HOST_ID_SIZE 16
/* limits: a file and its payload, whatever the header says */
#define SNAPSHOT_MAX_ENTRIES 1000000u
#define SNAPSHOT_MAX_FILE_SIZE (UINT64_C(64) << 20)
#define SNAPSHOT_MIN_FILE_SIZE (SNAPSHOT_HEADER_SIZE + SNAPSHOT_SIGNATURE_SIZE)
#define SNAPSHOT_CONFIDENCE_ONE 1000000u
#define SNAPSHOT_ENTRY_MALICIOUS 1u

/* offsets of the header's fields */
#define SNAPSHOT_OFF_VERSION 8
#define SNAPSHOT_OFF_FLAGS 12
#define SNAPSHOT_OFF_FILE_SIZE 16
#define SNAPSHOT_OFF_KEY 24
#define SNAPSHOT_OFF_HOST_ID 56
#define SNAPSHOT_OFF_SERIAL 72
#define SNAPSHOT_OFF_CREATED 80
#define SNAPSHOT_OFF_COUNT 88
#define SNAPSHOT_OFF_RESERVED 92

struct snapshot_entry {
        uint8_t sha256[32];
        uint32_t confidence;            /* millionths */
        uint32_t flags;                 /* SNAPSHOT_ENTRY_* */
        uint64_t first_seen;
        uint32_t active_days;
        uint32_t incidents;
        uint64_t executions;
};

struct snapshot_header {
        uint32_t version;
        uint64_t file_size;
        uint8_t key[SNAPSHOT_KEY_SIZE];
        uint8_t host_id[SNAPSHOT_HOST_ID_SIZE];
        uint64_t serial;
        uint64_t created;
        uint32_t count;
};

struct snapshot {
        struct snapshot_header header;
        struct snapshot_entry *entries;         /* header.count of them, sorted by sha256 */
};

struct snapshot *snapshot_free(struct snapshot *s);

static inline bool snapshot_entry_malicious(const struct snapshot_entry *e)
{
        return e->flags & SNAPSHOT_ENTRY_MALICIOUS;
}

/* Sorts entries by SHA-256; of two with the same hash the later one is dropped. Returns the new
 * count. */
size_t snapshot_entries_sort(struct snapshot_entry *entries, size_t n);

/* The unsigned file (header, compressed entries, room for the signature left zero): entries must
 * be sorted (snapshot_entries_sort()); h->version is ignored. -EINVAL when they are not sorted. */
int snapshot_encode(const struct snapshot_header *h, const struct snapshot_entry *entries,
                    void **ret, size_t *ret_size);

/* The same around any payload (len bytes, compressed as they are): h->version and h->count are
 * written as given. For tests that need a file a correct writer never makes. */
int snapshot_encode_raw(const struct snapshot_header *h, const void *payload, size_t len, void **ret, size_t *ret_size);

/* The fields of a header (buf holds at least SNAPSHOT_HEADER_SIZE bytes). */
void snapshot_header_read(const uint8_t *buf, struct snapshot_header *ret);

/* Packs and unpacks one 64-byte entry. */
void snapshot_entry_pack(const struct snapshot_entry *e, uint8_t *p);
void snapshot_entry_unpack(const uint8_t *p, struct snapshot_entry *e);

/* Little-endian helpers for the format's integers. */
void snapshot_put_le32(uint8_t *p, uint32_t v);
void snapshot_put_le64(uint8_t *p, uint64_t v);
uint32_t snapshot_get_le32(const uint8_t *p);
uint64_t snapshot_get_le64(const uint8_t *p);
