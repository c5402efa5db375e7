/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The service's whitelist snapshots ([Sync]): the host key (made at the first start), the trusted
 * hosts, this host's latest signed snapshot (re-signed every Interval=, served at GET /whitelist),
 * peers' snapshots imported over D-Bus (verified by src/snapshot/snapshot-import.c, the accepted
 * ones kept in StateDirectory=/peers/ and the serials in peer-serials), and the vote over them.
 * cwatchd never fetches anything itself: cwatch-sync (src/sync/) brings the files.
 *
 * The whitelist itself is reached through two callbacks, so this file knows only snapshots:
 * collect gives this host's entries, apply receives the vote (service-sync-whitelist.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>
#include "snapshot/host-key.h"
#include "snapshot/peer-state.h"
#include "snapshot/snapshot-import.h"
#include "snapshot/trusted-hosts.h"
#include "snapshot/vote.h"

struct service;

/* CWATCH_MESSAGE_SNAPSHOT_*: journal MESSAGE_IDs (catalog/cwatch.catalog) */
#define CWATCH_MESSAGE_SNAPSHOT_REJECTED "cbf429d9eaa44dea9a964fe4ad8c7552"
#define CWATCH_MESSAGE_SNAPSHOT_ACCEPTED "173cb20e95be4fb4886c345019167f5a"
/* the alert raised when a trusted host reports a program malicious */
#define SYNC_REVOKED_RULE "whitelist-revoked"
#define CWATCH_MESSAGE_WHITELIST_REVOKED "c84416405b5b4b819724627a009a5c13"

/* This host's entries (malloc'ed array). */
typedef int (*sync_collect_fn)(struct snapshot_entry **ret, size_t *ret_n, void *userdata);
/* The vote: results sorted by hash; a result's ballots (voters, reporter) index ballots, of which
 * the first is this host's own. */
typedef void (*sync_apply_fn)(const struct vote_result *results, size_t n, const struct vote_ballot *ballots,
                              size_t n_ballots, void *userdata);

struct sync_peer {
        const struct trusted_host *host;
        struct snapshot *snapshot;      /* the latest accepted */
};

struct service_sync {
        bool on;
        char *state_dir;
        char *trusted_dir;
        uint8_t host_id[SNAPSHOT_HOST_ID_SIZE];
        struct host_key key;
        struct trusted_hosts trusted;
        struct peer_state serials;
        struct sync_peer *peers;        /* one per trusted host, snapshot NULL until one is accepted */
        double quorum, local_weight;
        uint64_t max_skew_s;

        void *latest;                   /* this host's latest signed snapshot */
        size_t latest_size;
        uint64_t latest_serial;
        sd_event_source *timer;

        sync_collect_fn collect;
        sync_apply_fn apply;
        void *userdata;

        uint64_t exports, imports, rejections;
        size_t global, revoked;         /* after the last vote */
};

/* Starts when [Sync] Enable= says so: host id, key (made and written 0600 when there is none),
 * trusted hosts, serials, the peers' kept snapshots; the first snapshot is signed and the first vote
 * counted at the event loop's first turn. Failures are logged and leave snapshots off. */
int service_start_sync(struct service *s);
void service_stop_sync(struct service *s);
/* A reload: Quorum=, LocalWeight=, ClockSkew=; signs a new snapshot (the deny list may have changed)
 * and votes again. Enable=, HostId= and the directories change only on restart. */
void service_apply_sync_config(struct service *s);
/* Connects the whitelist (either may be NULL); the next snapshot and vote use it. */
void service_sync_set_whitelist(struct service *s, sync_collect_fn collect, sync_apply_fn apply, void *userdata);

/* Connects the service's whitelist, when it is on (service-sync-whitelist.c). */
void service_sync_connect_whitelist(struct service *s);

/* Signs a new snapshot of this host's entries: it becomes the latest (served at /whitelist). */
int service_sync_export(struct service *s);
/* Verifies and merges a peer's snapshot; -EBADMSG with v saying why (also in the journal), nothing
 * changed then. */
int service_sync_import(struct service *s, const void *buf, size_t size, const char *origin,
                        struct snapshot_verdict *v);
/* Votes again over the ballots held now and hands the result to apply. */
int service_sync_vote(struct service *s);
