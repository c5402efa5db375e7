/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The whitelist seen by the snapshots (service-sync.c): what this host says of each program goes
 * out, the vote comes back as the table's fleet view (global, votes, revocations), and a program a
 * trusted host newly reports malicious raises an alert naming that host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "service-sync.h"
#include "service.h"
#include "shared/log.h"
#include "shared/timeutil.h"
#include "whitelist/whitelist-sink.h"

struct collect_ctx {
        const struct whitelist *wl;
        uint64_t now_usec;
        struct snapshot_entry *entries;
        size_t n, cap;
};

static int collect_one(const struct whitelist_entry *e, void *userdata)
{
        struct collect_ctx *c = userdata;
        struct whitelist_entry local = *e;
        struct whitelist_score score;
        struct snapshot_entry *x;

        /* what the fleet told us is not ours to vouch for: only programs seen here, or denied here */
        if (e->executions == 0 && !e->malicious)
                return 0;
        if (c->n == c->cap) {
                size_t cap = c->cap ? c->cap * 2 : 1024;
                struct snapshot_entry *n = realloc(c->entries, cap * sizeof(*n));

                if (!n)
                        return -ENOMEM;
                c->entries = n;
                c->cap = cap;
        }
        /* this host's own confidence: without the fleet's votes and revocations, or they would echo back */
        local.global = local.revoked = false;
        whitelist_score_entry(c->wl, &local, c->now_usec, &score);
        x = &c->entries[c->n++];
        *x = (struct snapshot_entry) {
                .confidence = (uint32_t) (score.confidence * SNAPSHOT_CONFIDENCE_ONE + 0.5),
                .flags = e->malicious ? SNAPSHOT_ENTRY_MALICIOUS : 0,
                .first_seen = e->first_seen_usec / 1000000,
                .active_days = e->active_days,
                .incidents = e->incidents,
                .executions = e->executions,
        };
        memcpy(x->sha256, e->sha256, 32);
        return 0;
}

static int collect(struct snapshot_entry **ret, size_t *ret_n, void *userdata)
{
        struct service *s = userdata;
        struct collect_ctx c = { .wl = whitelist_sink_get(s->whitelist.sink), .now_usec = now_realtime_ns() / 1000 };
        int r;

        r = whitelist_foreach(c.wl, collect_one, &c);
        if (r < 0) {
                free(c.entries);
                return r;
        }
        *ret = c.entries;
        *ret_n = c.n;
        return 0;
}

/* The hashes revoked before a vote, so that only new revocations raise an alert. */
struct hash_list {
        uint8_t (*hashes)[32];
        size_t n;
};

static int remember_revoked(const struct whitelist_entry *e, void *userdata)
{
        struct hash_list *l = userdata;
        uint8_t (*h)[32];

        if (!e->revoked)
                return 0;
        h = realloc(l->hashes, (l->n + 1) * sizeof(*h));
        if (!h)
                return -ENOMEM;
        l->hashes = h;
        memcpy(l->hashes[l->n++], e->sha256, 32);
        return 0;
}

static bool was_revoked(const struct hash_list *l, const uint8_t sha256[32])
{
        for (size_t i = 0; i < l->n; i++)
                if (memcmp(l->hashes[i], sha256, 32) == 0)
                        return true;
        return false;
}

static void alert_revoked(struct service *s, const struct whitelist_entry *e, const char *host)
{
        char hex[WHITELIST_SHA256_HEX], message[512];
        struct alert a = {
                .time_ns = now_realtime_ns(),
                .count = 1,
                .rule = SYNC_REVOKED_RULE,
                .message_id = CWATCH_MESSAGE_WHITELIST_REVOKED,
                .severity = SEVERITY_ERROR,
                .message = message,
                .process = { .exe = e->path },
        };

        whitelist_sha256_to_hex(e->sha256, hex);
        snprintf(message, sizeof(message), "Program %s%s%s%s revoked from the global whitelist: trusted host %s "
                 "reports it malicious", hex, e->path ? " (" : "", e->path ?: "", e->path ? ")" : "", host);
        (void) manager_submit_alert(s->manager, &a, hex);
}

static void apply(const struct vote_result *results, size_t n, const struct vote_ballot *ballots, size_t n_ballots,
                  void *userdata)
{
        struct service *s = userdata;
        struct whitelist *wl = whitelist_sink_get(s->whitelist.sink);
        _cleanup_free_ struct whitelist_vote *votes = calloc(n_ballots ?: 1, sizeof(*votes));
        struct hash_list revoked = {};

        if (!votes || whitelist_foreach(wl, remember_revoked, &revoked) < 0) {
                log_warning("Out of memory applying the vote, keeping the fleet's last view");
                free(revoked.hashes);
                return;
        }
        whitelist_clear_global(wl);
        for (size_t i = 0; i < n; i++) {
                const struct vote_result *v = &results[i];
                double weights = 0;
                size_t k = 0;

                /* ballot 0 is this host: its own reports are its deny list, already in force */
                if (v->reporter > 0) {
                        const char *host = ballots[v->reporter].host;

                        if (whitelist_revoke(wl, v->sha256, host) < 0)
                                continue;
                        if (!was_revoked(&revoked, v->sha256)) {
                                const struct whitelist_entry *e = whitelist_get(wl, v->sha256);

                                log_warning("Trusted host %s reports a program malicious: revoked from the global "
                                            "whitelist", host);
                                if (e)
                                        alert_revoked(s, e, host);
                        }
                        continue;
                }
                if (!v->global)
                        continue;
                for (size_t b = 0; b < n_ballots; b++) {
                        const struct snapshot_entry *e = vote_ballot_find(&ballots[b], v->sha256);

                        if (!e || snapshot_entry_malicious(e) || e->confidence == 0)
                                continue;
                        votes[k] = (struct whitelist_vote) { .weight = ballots[b].weight,
                                                             .confidence = (double) e->confidence /
                                                                           SNAPSHOT_CONFIDENCE_ONE };
                        snprintf(votes[k].host, sizeof(votes[k].host), "%s", ballots[b].host);
                        weights += ballots[b].weight;
                        k++;
                }
                /* the weighted mean confidence of the hosts that vouch */
                (void) whitelist_set_global(wl, v->sha256, weights > 0 ? MIN(1.0, v->score / weights) : 0, votes, k);
        }
        free(revoked.hashes);
}

void service_sync_connect_whitelist(struct service *s)
{
        if (s->whitelist.sink)
                service_sync_set_whitelist(s, collect, apply, s);
        else
                log_notice("The whitelist is off ([Whitelist] Enable=no): snapshots carry no entries and the vote "
                           "changes nothing here");
}
