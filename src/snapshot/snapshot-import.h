/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A snapshot from elsewhere, checked before anything in it is believed, in this order:
 *   1. size: at least a header and a signature, at most SNAPSHOT_MAX_FILE_SIZE;
 *   2. magic, and the file size the header states (a truncated file, data beyond the end);
 *   3. the key: not this host's own, one of the trusted hosts';
 *   4. the Ed25519 signature over the exact bytes;
 * then, from signed bytes: version and reserved fields; the host id the trusted host's file names;
 * not this host's own; serial newer than the last accepted from that host (no replay, no rollback);
 * creation time not in the future (max_skew allowed); entry count within the limit; the entries
 * inflated into exactly count x 64 bytes and no more (a decompression bomb stops there), the stream
 * ending where the signature starts; entries sorted, unique, in range. Each failure has its own
 * reason and a message that names the host (or, before the key is known, the host id the file
 * claims) and the origin; nothing of a rejected snapshot is returned. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "snapshot.h"
#include "trusted-hosts.h"
#include "peer-state.h"

#define SNAPSHOT_DEFAULT_MAX_SKEW 300

enum snapshot_rejection {
        SNAPSHOT_ACCEPTED,
        SNAPSHOT_REJECT_TOO_LARGE,
        SNAPSHOT_REJECT_TRUNCATED,
        SNAPSHOT_REJECT_NOT_SNAPSHOT,
        SNAPSHOT_REJECT_TRAILING_DATA,
        SNAPSHOT_REJECT_UNKNOWN_KEY,
        SNAPSHOT_REJECT_BAD_SIGNATURE,
        SNAPSHOT_REJECT_VERSION,
        SNAPSHOT_REJECT_BAD_HEADER,
        SNAPSHOT_REJECT_HOST_MISMATCH,
        SNAPSHOT_REJECT_OWN,
        SNAPSHOT_REJECT_REPLAY,
        SNAPSHOT_REJECT_FUTURE,
        SNAPSHOT_REJECT_TOO_MANY_ENTRIES,
        SNAPSHOT_REJECT_BOMB,
        SNAPSHOT_REJECT_BAD_PAYLOAD,
        SNAPSHOT_REJECT_BAD_ENTRY,
        _SNAPSHOT_REJECTION_MAX,
};

struct snapshot_import_context {
        const struct trusted_hosts *trusted;
        const struct peer_state *peers;
        const uint8_t *own_host_id;             /* NULL: no check */
        const uint8_t *own_key;                 /* this host's public key (no host trusts itself); NULL */
        uint64_t now;                           /* seconds since the epoch */
        uint64_t max_skew;                      /* seconds a creation time may be ahead of now */
};

struct snapshot_verdict {
        enum snapshot_rejection reason;
        const struct trusted_host *host;        /* once the key is known */
        char message[320];
};

/* The reason as a word for the journal and D-Bus ("replay", "bad-signature", ...). */
const char *snapshot_rejection_to_string(enum snapshot_rejection r);

/* Returns 0 with *ret (and v->host) when buf is accepted; -EBADMSG (or -ENOMEM) with v saying why
 * otherwise. origin: where the bytes came from (a file, a URL, "D-Bus"), for the message. */
int snapshot_import(const struct snapshot_import_context *c, const void *buf, size_t size, const char *origin,
                    struct snapshot **ret, struct snapshot_verdict *v);
