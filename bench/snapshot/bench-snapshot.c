/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whitelist snapshots at scale: N entries (default 100,000) of random hashes with realistic
 * counters; the compressed file size, and the CPU time to export (sort, encode, compress, sign),
 * to sign alone, to verify alone, to import (verify, inflate, check) and to merge: the vote over
 * three hosts' snapshots of N entries each (half of them shared), then its result put into a
 * whitelist table as cwatchd does (global entries with their votes, revocations). Medians of
 * ROUNDS runs.
 * Usage: bench-snapshot [N] [ROUNDS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gcrypt.h>
#include "snapshot/snapshot-export.h"
#include "snapshot/snapshot-import.h"
#include "snapshot/vote.h"
#include "whitelist/whitelist.h"

static double cpu_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;

        return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
        qsort(v, n, sizeof(*v), cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Entries as a host's whitelist would have them: random hashes (a share of them common to every
 * host), confidences spread over [0, 1], first seen within a year, tens of active days. */
static void fill(struct snapshot_entry *e, size_t n, unsigned host)
{
        for (size_t i = 0; i < n; i++) {
                memset(&e[i], 0, sizeof(e[i]));
                if (i < n / 2) {
                        uint64_t x = i * UINT64_C(0x9e3779b97f4a7c15);

                        for (int j = 0; j < 32; j++)
                                e[i].sha256[j] = (uint8_t) ((x >> (j % 8 * 8)) ^ (uint8_t) (j * 31));
                } else
                        gcry_randomize(e[i].sha256, 32, GCRY_WEAK_RANDOM);
                e[i].confidence = (uint32_t) (rand() % (SNAPSHOT_CONFIDENCE_ONE + 1));
                e[i].first_seen = 1767225600 + (uint64_t) (rand() % (365 * 86400));
                e[i].active_days = (uint32_t) (rand() % 200);
                e[i].executions = (uint64_t) (rand() % 100000);
                e[i].incidents = rand() % 50 == 0;
                e[i].flags = host == 2 && i == 7 ? SNAPSHOT_ENTRY_MALICIOUS : 0;
        }
        (void) host;
}

int main(int argc, char *argv[])
{
        size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
        int rounds = argc > 2 ? atoi(argv[2]) : 5;
        double t_export[64], t_sign[64], t_verify[64], t_import[64], t_merge[64], t_apply[64];
        struct host_key keys[3];
        struct trusted_host hosts[3];
        struct trusted_hosts trusted = { .hosts = hosts, .n = 3 };
        struct snapshot_entry *entries = malloc(n * sizeof(*entries));
        struct snapshot *snaps[3] = {};
        void *files[3] = {};
        size_t sizes[3];

        if (rounds < 1 || rounds > 64 || !entries || crypto_init() < 0)
                return 1;
        static char names[3][2] = { "a", "b", "c" };

        for (unsigned h = 0; h < 3; h++) {
                if (ed25519_generate(keys[h].secret, keys[h].public_key) < 0)
                        return 1;
                hosts[h] = (struct trusted_host) { .name = names[h], .weight = 1 };
                memcpy(hosts[h].key, keys[h].public_key, 32);
                hosts[h].host_id[0] = (uint8_t) (h + 1);
        }
        for (int r = 0; r < rounds; r++) {
                struct snapshot_import_context c = { .trusted = &trusted, .now = (uint64_t) time(NULL),
                                                     .max_skew = 300 };
                struct snapshot_verdict v;
                struct vote_ballot ballots[3];
                struct vote_result *results;
                size_t n_results;
                double t;

                for (unsigned h = 0; h < 3; h++) {
                        free(files[h]);
                        snaps[h] = snapshot_free(snaps[h]);
                        fill(entries, n, h);
                        t = cpu_ms();
                        if (snapshot_export(&keys[h], hosts[h].host_id, 1 + r, c.now, entries, n, &files[h],
                                            &sizes[h]) < 0)
                                return 1;
                        if (h == 0)
                                t_export[r] = cpu_ms() - t;
                }
                t = cpu_ms();
                snapshot_sign(&keys[0], files[0], sizes[0]);
                t_sign[r] = cpu_ms() - t;
                t = cpu_ms();
                if (ed25519_verify(keys[0].public_key, files[0], sizes[0] - SNAPSHOT_SIGNATURE_SIZE,
                                   (uint8_t *) files[0] + sizes[0] - SNAPSHOT_SIGNATURE_SIZE) < 0)
                        return 1;
                t_verify[r] = cpu_ms() - t;
                for (unsigned h = 0; h < 3; h++) {
                        t = cpu_ms();
                        if (snapshot_import(&c, files[h], sizes[h], "bench", &snaps[h], &v) < 0) {
                                fprintf(stderr, "%s\n", v.message);
                                return 1;
                        }
                        if (h == 0)
                                t_import[r] = cpu_ms() - t;
                        ballots[h] = (struct vote_ballot) { hosts[h].name, 1.0, snaps[h]->entries,
                                                            snaps[h]->header.count };
                }
                t = cpu_ms();
                if (vote_tally(ballots, 3, 2.0, &results, &n_results) < 0)
                        return 1;
                t_merge[r] = cpu_ms() - t;
                {
                        struct whitelist_config wc;
                        struct whitelist *wl;

                        whitelist_config_init_default(&wc);
                        wc.max_entries = 4 * n;
                        if (whitelist_new(&wl, &wc) < 0)
                                return 1;
                        t = cpu_ms();
                        for (size_t i = 0; i < n_results; i++) {
                                struct whitelist_vote votes[3];
                                size_t k = 0;

                                if (results[i].reporter >= 0) {
                                        (void) whitelist_revoke(wl, results[i].sha256,
                                                                hosts[results[i].reporter].name);
                                        continue;
                                }
                                if (!results[i].global)
                                        continue;
                                for (unsigned h = 0; h < 3; h++) {
                                        const struct snapshot_entry *e;

                                        e = vote_ballot_find(&ballots[h], results[i].sha256);
                                        if (e)
                                                votes[k++] = (struct whitelist_vote) { .host = "h", .weight = 1,
                                                        .confidence = e->confidence / 1e6 };
                                }
                                /* the weighted mean of the voters' confidences (all weights 1 here) */
                                (void) whitelist_set_global(wl, results[i].sha256, MIN(1.0, results[i].score / k),
                                                            votes, k);
                        }
                        t_apply[r] = cpu_ms() - t;
                        whitelist_free(wl);
                }
                if (r == 0) {
                        size_t global = 0, revoked = 0;

                        for (size_t i = 0; i < n_results; i++) {
                                global += results[i].global;
                                revoked += results[i].reporter >= 0;
                        }
                        printf("entries %zu, file %zu bytes (%.1f bytes/entry, raw %zu), merged %zu hashes: %zu global, "
                               "%zu revoked\n", n, sizes[0], (double) sizes[0] / n, n * SNAPSHOT_ENTRY_SIZE, n_results,
                               global, revoked);
                }
                free(results);
        }
        printf("CPU ms, median of %d: export (sort, encode, compress, sign) %.1f, sign %.1f, verify %.1f, "
               "import (verify, inflate, check) %.1f, vote over 3 snapshots %.1f, into the whitelist %.1f\n", rounds,
               median(t_export, rounds), median(t_sign, rounds), median(t_verify, rounds), median(t_import, rounds),
               median(t_merge, rounds), median(t_apply, rounds));
        for (unsigned h = 0; h < 3; h++) {
                free(files[h]);
                snapshot_free(snaps[h]);
        }
        free(entries);
        return 0;
}
