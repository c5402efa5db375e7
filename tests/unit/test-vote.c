/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Voting over ballots: weights times confidences against the quorum; one malicious report revokes
 * whatever the votes; the merge covers every hash of every ballot once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "snapshot/vote.h"

static struct snapshot_entry entry(uint8_t h, double confidence, bool malicious)
{
        struct snapshot_entry e = { .confidence = (uint32_t) (confidence * SNAPSHOT_CONFIDENCE_ONE),
                                    .flags = malicious ? SNAPSHOT_ENTRY_MALICIOUS : 0 };

        e.sha256[31] = h;
        return e;
}

static const struct vote_result *find(const struct vote_result *r, size_t n, uint8_t h)
{
        for (size_t i = 0; i < n; i++)
                if (r[i].sha256[31] == h)
                        return &r[i];
        return NULL;
}

static void test_quorum(void **state)
{
        /* program 1: vouched for by two of three; 2: by one; 3: by two, reported by the third;
         * 4: low confidence on all; 5: listed with confidence 0 */
        struct snapshot_entry a[] = { entry(1, 1, false), entry(2, 1, false), entry(3, 1, false),
                                      entry(4, 0.3, false) };
        struct snapshot_entry b[] = { entry(1, 1, false), entry(3, 1, false), entry(4, 0.3, false),
                                      entry(5, 0, false) };
        struct snapshot_entry c[] = { entry(3, 0.2, true), entry(4, 0.3, false) };
        struct vote_ballot ballots[] = {
                { "a", 1, a, 4 }, { "b", 1, b, 4 }, { "c", 1, c, 2 },
        };
        struct vote_result *r;
        size_t n;

        assert_int_equal(vote_tally(ballots, 3, 2.0, &r, &n), 0);
        assert_int_equal(n, 5);
        for (size_t i = 1; i < n; i++)
                assert_true(memcmp(r[i - 1].sha256, r[i].sha256, 32) < 0);
        assert_true(find(r, n, 1)->global);
        assert_int_equal(find(r, n, 1)->n_voters, 2);
        assert_false(find(r, n, 2)->global);
        assert_false(find(r, n, 3)->global);
        assert_int_equal(find(r, n, 3)->reporter, 2);
        assert_int_equal(find(r, n, 3)->n_voters, 2);
        assert_false(find(r, n, 4)->global);
        assert_true(find(r, n, 4)->score > 0.89 && find(r, n, 4)->score < 0.91);
        assert_int_equal(find(r, n, 5)->n_voters, 0);
        assert_int_equal(find(r, n, 1)->reporter, -1);
        free(r);

        /* weights: one heavy host alone reaches the quorum */
        ballots[1].weight = 2;
        assert_int_equal(vote_tally(ballots + 1, 1, 2.0, &r, &n), 0);
        assert_true(find(r, n, 1)->global);
        assert_false(find(r, n, 4)->global);
        free(r);
        /* 0.4 + 0.6 reaches 1 exactly despite rounding */
        struct snapshot_entry x[] = { entry(9, 0.4, false) }, y[] = { entry(9, 0.6, false) };
        struct vote_ballot xy[] = { { "x", 1, x, 1 }, { "y", 1, y, 1 } };
        assert_int_equal(vote_tally(xy, 2, 1.0, &r, &n), 0);
        assert_int_equal(n, 1);
        assert_true(r[0].global);
        free(r);
        assert_int_equal(vote_tally(NULL, 0, 1.0, &r, &n), 0);
        assert_int_equal(n, 0);
        free(r);
        assert_non_null(vote_ballot_find(&ballots[0], a[2].sha256));
        assert_null(vote_ballot_find(&ballots[2], a[0].sha256));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_quorum),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
