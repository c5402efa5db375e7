/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Cross-host voting: each host's latest accepted snapshot is a ballot, weighted by the host's
 * Weight=. A program's score is the sum over the ballots that list it, not as malicious, of weight x
 * confidence; it is global when the score reaches the quorum and no ballot reports it malicious. A
 * single malicious report revokes it, whatever the others say. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "snapshot.h"

struct vote_ballot {
        const char *host;
        double weight;
        const struct snapshot_entry *entries;   /* sorted by SHA-256 (as a snapshot's are) */
        size_t n;
};

struct vote_result {
        uint8_t sha256[32];
        double score;
        uint32_t n_voters;      /* ballots that vouch for it (listed, not malicious, confidence > 0) */
        int32_t reporter;       /* the first ballot reporting it malicious, -1 for none */
        bool global;
};

/* One result per distinct hash over all ballots, sorted by hash, in a malloc'ed array. */
int vote_tally(const struct vote_ballot *ballots, size_t n_ballots, double quorum, struct vote_result **ret,
               size_t *ret_n);

/* A ballot's entry for sha256, NULL when it has none. */
const struct snapshot_entry *vote_ballot_find(const struct vote_ballot *b, const uint8_t sha256[32]);
