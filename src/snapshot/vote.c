/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "vote.h"
#include "shared/macro.h"

const struct snapshot_entry *vote_ballot_find(const struct vote_ballot *b, const uint8_t sha256[32])
{
        size_t lo = 0, hi = b->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = memcmp(b->entries[mid].sha256, sha256, 32);

                if (c == 0)
                        return &b->entries[mid];
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

int vote_tally(const struct vote_ballot *ballots, size_t n_ballots, double quorum, struct vote_result **ret,
               size_t *ret_n)
{
        _cleanup_free_ size_t *pos = calloc(n_ballots ?: 1, sizeof(*pos));
        _cleanup_free_ struct vote_result *out = NULL;
        size_t total = 0, n = 0;

        if (!pos)
                return -ENOMEM;
        for (size_t i = 0; i < n_ballots; i++)
                total += ballots[i].n;
        out = malloc((total ?: 1) * sizeof(*out));
        if (!out)
                return -ENOMEM;
        /* a merge of the sorted ballots: the smallest hash under the cursors, then every ballot that has it */
        for (;;) {
                const uint8_t *min = NULL;
                struct vote_result *v;

                for (size_t i = 0; i < n_ballots; i++)
                        if (pos[i] < ballots[i].n &&
                            (!min || memcmp(ballots[i].entries[pos[i]].sha256, min, 32) < 0))
                                min = ballots[i].entries[pos[i]].sha256;
                if (!min)
                        break;
                v = &out[n++];
                *v = (struct vote_result) { .reporter = -1 };
                memcpy(v->sha256, min, 32);
                for (size_t i = 0; i < n_ballots; i++) {
                        const struct snapshot_entry *e;

                        if (pos[i] >= ballots[i].n || memcmp(ballots[i].entries[pos[i]].sha256, v->sha256, 32) != 0)
                                continue;
                        e = &ballots[i].entries[pos[i]++];
                        if (snapshot_entry_malicious(e)) {
                                if (v->reporter < 0)
                                        v->reporter = (int32_t) i;
                        } else if (e->confidence > 0) {
                                v->score += ballots[i].weight * e->confidence / SNAPSHOT_CONFIDENCE_ONE;
                                v->n_voters++;
                        }
                }
                /* a small margin so that 2 x 0.5 reaches a quorum of 1 despite rounding */
                v->global = v->reporter < 0 && v->score + 1e-9 >= quorum;
        }
        *ret = TAKE_PTR(out);
        *ret_n = n;
        return 0;
}
