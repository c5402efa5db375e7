/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "snapshot-import.h"
#include "ed25519.h"
#include "shared/macro.h"

static const char *const rejection_names[_SNAPSHOT_REJECTION_MAX] = {
        [SNAPSHOT_ACCEPTED] = "accepted",
        [SNAPSHOT_REJECT_TOO_LARGE] = "too-large",
        [SNAPSHOT_REJECT_TRUNCATED] = "truncated",
        [SNAPSHOT_REJECT_NOT_SNAPSHOT] = "not-a-snapshot",
        [SNAPSHOT_REJECT_TRAILING_DATA] = "trailing-data",
        [SNAPSHOT_REJECT_UNKNOWN_KEY] = "unknown-key",
        [SNAPSHOT_REJECT_BAD_SIGNATURE] = "bad-signature",
        [SNAPSHOT_REJECT_VERSION] = "unsupported-version",
        [SNAPSHOT_REJECT_BAD_HEADER] = "bad-header",
        [SNAPSHOT_REJECT_HOST_MISMATCH] = "host-mismatch",
        [SNAPSHOT_REJECT_OWN] = "own-snapshot",
        [SNAPSHOT_REJECT_REPLAY] = "replay",
        [SNAPSHOT_REJECT_FUTURE] = "future-timestamp",
        [SNAPSHOT_REJECT_TOO_MANY_ENTRIES] = "too-many-entries",
        [SNAPSHOT_REJECT_BOMB] = "decompression-bomb",
        [SNAPSHOT_REJECT_BAD_PAYLOAD] = "bad-payload",
        [SNAPSHOT_REJECT_BAD_ENTRY] = "bad-entry",
};

const char *snapshot_rejection_to_string(enum snapshot_rejection r)
{
        return r < _SNAPSHOT_REJECTION_MAX ? rejection_names[r] : "unknown";
}

_printf_(4, 5)
static int reject(struct snapshot_verdict *v, enum snapshot_rejection reason, const char *who, const char *fmt, ...)
{
        char why[224];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(why, sizeof(why), fmt, ap);
        va_end(ap);
        v->reason = reason;
        snprintf(v->message, sizeof(v->message), "%s: %s", who, why);
        return -EBADMSG;
}

/* Inflates exactly want bytes into out; one byte more is a bomb. */
static int inflate_exact(const uint8_t *in, size_t in_len, uint8_t *out, size_t want, struct snapshot_verdict *v,
                         const char *who)
{
        z_stream z = { .next_in = (Bytef *) in, .avail_in = (uInt) in_len, .next_out = out,
                       .avail_out = (uInt) (want + 1) };
        int zr;

        if (inflateInit(&z) != Z_OK)
                return -ENOMEM;
        do
                zr = inflate(&z, Z_NO_FLUSH);
        while (zr == Z_OK && z.avail_out > 0 && z.avail_in > 0);
        inflateEnd(&z);
        if (z.total_out > want)
                return reject(v, SNAPSHOT_REJECT_BOMB, who,
                              "the compressed entries inflate beyond the %zu bytes %zu entries take "
                              "(decompression bomb), stopped there", want, want / SNAPSHOT_ENTRY_SIZE);
        if (zr == Z_MEM_ERROR)
                return -ENOMEM;
        if (zr != Z_STREAM_END)
                return reject(v, SNAPSHOT_REJECT_BAD_PAYLOAD, who,
                              "the compressed entries are damaged or end early (%lu of %zu bytes inflated)",
                              z.total_out, want);
        if (z.total_out != want)
                return reject(v, SNAPSHOT_REJECT_BAD_PAYLOAD, who,
                              "the entries inflate to %lu bytes, the header's %zu entries take %zu",
                              z.total_out, want / SNAPSHOT_ENTRY_SIZE, want);
        if (z.avail_in != 0)
                return reject(v, SNAPSHOT_REJECT_BAD_PAYLOAD, who, "%u bytes follow the compressed entries",
                              z.avail_in);
        return 0;
}

static int parse_entries(const uint8_t *raw, uint32_t count, struct snapshot_entry *e, struct snapshot_verdict *v,
                         const char *who)
{
        for (uint32_t i = 0; i < count; i++) {
                snapshot_entry_unpack(raw + (size_t) i * SNAPSHOT_ENTRY_SIZE, &e[i]);
                if (i > 0 && memcmp(e[i - 1].sha256, e[i].sha256, 32) >= 0)
                        return reject(v, SNAPSHOT_REJECT_BAD_ENTRY, who,
                                      "entry %" PRIu32 " is out of order or repeats a hash", i);
                if (e[i].confidence > SNAPSHOT_CONFIDENCE_ONE)
                        return reject(v, SNAPSHOT_REJECT_BAD_ENTRY, who,
                                      "entry %" PRIu32 " has confidence %" PRIu32 " millionths, above 1", i,
                                      e[i].confidence);
                if (e[i].flags & ~SNAPSHOT_ENTRY_MALICIOUS)
                        return reject(v, SNAPSHOT_REJECT_BAD_ENTRY, who,
                                      "entry %" PRIu32 " has unknown flags 0x%" PRIx32, i, e[i].flags);
        }
        return 0;
}

int snapshot_import(const struct snapshot_import_context *c, const void *buf, size_t size, const char *origin,
                    struct snapshot **ret, struct snapshot_verdict *v)
{
        _cleanup_free_ uint8_t *raw = NULL;
        _cleanup_free_ struct snapshot_entry *entries = NULL;
        const uint8_t *p = buf;
        const struct trusted_host *host;
        struct snapshot_header h;
        char who[200], id[33];
        size_t raw_len;
        uint64_t last;
        int r;

        *v = (struct snapshot_verdict) {};
        *ret = NULL;
        snprintf(who, sizeof(who), "snapshot from %s", origin);
        if (size > SNAPSHOT_MAX_FILE_SIZE)
                return reject(v, SNAPSHOT_REJECT_TOO_LARGE, who, "%zu bytes, more than the limit of %" PRIu64,
                              size, SNAPSHOT_MAX_FILE_SIZE);
        if (size < 8 || memcmp(p, SNAPSHOT_MAGIC, 8) != 0)
                return reject(v, size < 8 ? SNAPSHOT_REJECT_TRUNCATED : SNAPSHOT_REJECT_NOT_SNAPSHOT, who,
                              size < 8 ? "truncated: %zu bytes, not even a header" :
                                         "not a cwatch snapshot (%zu bytes, no CWSNAP magic)", size);
        if (size < SNAPSHOT_MIN_FILE_SIZE)
                return reject(v, SNAPSHOT_REJECT_TRUNCATED, who,
                              "truncated: %zu bytes, less than a header and a signature (%d)", size,
                              SNAPSHOT_MIN_FILE_SIZE);
        /* the fields needed to verify, at fixed offsets; their values are believed only once verified */
        snapshot_header_read(p, &h);
        host_id_to_string(h.host_id, id);
        snprintf(who, sizeof(who), "snapshot from host id %s (%s)", id, origin);
        if (h.file_size > size)
                return reject(v, SNAPSHOT_REJECT_TRUNCATED, who, "truncated: %zu of the %" PRIu64 " bytes it states",
                              size, h.file_size);
        if (h.file_size < size)
                return reject(v, SNAPSHOT_REJECT_TRAILING_DATA, who, "%" PRIu64 " bytes after the %" PRIu64
                              " bytes it states", size - h.file_size, h.file_size);
        /* a shared directory holds this host's own file too: no news, and no trusted key signed it */
        if (c->own_key && memcmp(h.key, c->own_key, SNAPSHOT_KEY_SIZE) == 0)
                return reject(v, SNAPSHOT_REJECT_OWN, who, "it is this host's own snapshot");
        host = trusted_hosts_find_key(c->trusted, h.key);
        if (!host) {
                char key_hex[17];

                for (int i = 0; i < 8; i++)
                        snprintf(key_hex + 2 * i, 3, "%02x", h.key[i]);
                return reject(v, SNAPSHOT_REJECT_UNKNOWN_KEY, who,
                              "signed by an unknown key (%s...), no file in trusted-hosts.d has it", key_hex);
        }
        snprintf(who, sizeof(who), "snapshot from host %s (%s)", host->name, origin);
        r = ed25519_verify(h.key, p, size - SNAPSHOT_SIGNATURE_SIZE, p + size - SNAPSHOT_SIGNATURE_SIZE);
        if (r == -EBADMSG)
                return reject(v, SNAPSHOT_REJECT_BAD_SIGNATURE, who,
                              "the signature does not verify with the host's key: damaged or forged");
        if (r < 0)
                return r;
        v->host = host;
        /* signed from here on */
        if (h.version != SNAPSHOT_VERSION)
                return reject(v, SNAPSHOT_REJECT_VERSION, who, "format version %" PRIu32 ", this cwatch reads %d",
                              h.version, SNAPSHOT_VERSION);
        if (snapshot_get_le32(p + SNAPSHOT_OFF_FLAGS) != 0 || snapshot_get_le32(p + SNAPSHOT_OFF_RESERVED) != 0)
                return reject(v, SNAPSHOT_REJECT_BAD_HEADER, who, "unknown flags or reserved fields set");
        if (memcmp(h.host_id, host->host_id, SNAPSHOT_HOST_ID_SIZE) != 0)
                return reject(v, SNAPSHOT_REJECT_HOST_MISMATCH, who,
                              "it claims host id %s, the host's file says another", id);
        if (c->own_host_id && memcmp(h.host_id, c->own_host_id, SNAPSHOT_HOST_ID_SIZE) == 0)
                return reject(v, SNAPSHOT_REJECT_OWN, who, "it is this host's own snapshot");
        last = c->peers ? peer_state_serial(c->peers, h.host_id) : 0;
        if (h.serial <= last)
                return reject(v, SNAPSHOT_REJECT_REPLAY, who,
                              "serial %" PRIu64 " is not newer than the last one accepted (%" PRIu64
                              "): a replay or a rollback", h.serial, last);
        if (h.created > c->now + c->max_skew)
                return reject(v, SNAPSHOT_REJECT_FUTURE, who,
                              "created %" PRIu64 " s in the future (more than the %" PRIu64
                              " s of clock skew allowed)",
                              h.created - c->now, c->max_skew);
        if (h.count > SNAPSHOT_MAX_ENTRIES)
                return reject(v, SNAPSHOT_REJECT_TOO_MANY_ENTRIES, who,
                              "%" PRIu32 " entries, more than the limit of %u", h.count, SNAPSHOT_MAX_ENTRIES);
        raw_len = (size_t) h.count * SNAPSHOT_ENTRY_SIZE;
        raw = malloc(raw_len + 1);
        entries = malloc((h.count ?: 1) * sizeof(*entries));
        if (!raw || !entries)
                return -ENOMEM;
        r = inflate_exact(p + SNAPSHOT_HEADER_SIZE, size - SNAPSHOT_HEADER_SIZE - SNAPSHOT_SIGNATURE_SIZE, raw,
                          raw_len, v, who);
        if (r < 0)
                return r;
        r = parse_entries(raw, h.count, entries, v, who);
        if (r < 0)
                return r;
        struct snapshot *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->header = h;
        s->entries = TAKE_PTR(entries);
        *ret = s;
        snprintf(v->message, sizeof(v->message), "%s: accepted, serial %" PRIu64 ", %" PRIu32 " entries", who,
                 h.serial, h.count);
        return 0;
}
