/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>
#include "service-sync.h"
#include "service.h"
#include "metrics/http-server.h"
#include "shared/fileio.h"
#include "shared/log.h"
#include "shared/timeutil.h"
#include "snapshot/snapshot-export.h"

#define PEERS_SUBDIR "peers"
#define LATEST_FILE "snapshot"

static char *state_path(const struct service_sync *y, const char *name)
{
        char *p;

        return asprintf(&p, "%s/%s", y->state_dir, name) < 0 ? NULL : p;
}

static char *peer_path(const struct service_sync *y, const uint8_t host_id[SNAPSHOT_HOST_ID_SIZE])
{
        char id[33], *p;

        host_id_to_string(host_id, id);
        return asprintf(&p, "%s/" PEERS_SUBDIR "/%s.snapshot", y->state_dir, id) < 0 ? NULL : p;
}

static struct sync_peer *peer_of(struct service_sync *y, const struct trusted_host *h)
{
        return h ? &y->peers[h - y->trusted.hosts] : NULL;
}

static int get_latest(const void **ret_data, size_t *ret_size, void *userdata)
{
        struct service_sync *y = userdata;

        if (!y->latest)
                return -ENOENT;
        *ret_data = y->latest;
        *ret_size = y->latest_size;
        return 0;
}

int service_sync_vote(struct service *s)
{
        struct service_sync *y = &s->sync;
        _cleanup_free_ struct snapshot_entry *local = NULL;
        _cleanup_free_ struct vote_ballot *ballots = calloc(y->trusted.n + 1, sizeof(*ballots));
        _cleanup_free_ struct vote_result *results = NULL;
        size_t n_local = 0, n_ballots = 0, n_results = 0;
        int r;

        if (!ballots)
                return -ENOMEM;
        if (y->collect) {
                r = y->collect(&local, &n_local, y->userdata);
                if (r < 0)
                        return log_warning_errno(r, "Failed to read the local whitelist for the vote: %m");
                n_local = snapshot_entries_sort(local, n_local);
        }
        /* this host's own ballot first (weight LocalWeight=), then each peer's latest */
        ballots[n_ballots++] = (struct vote_ballot) { "this host", y->local_weight, local, n_local };
        for (size_t i = 0; i < y->trusted.n; i++)
                if (y->peers[i].snapshot)
                        ballots[n_ballots++] = (struct vote_ballot) {
                                y->trusted.hosts[i].name, y->trusted.hosts[i].weight, y->peers[i].snapshot->entries,
                                y->peers[i].snapshot->header.count };
        r = vote_tally(ballots, n_ballots, y->quorum, &results, &n_results);
        if (r < 0)
                return log_warning_errno(r, "Failed to count the votes: %m");
        y->global = y->revoked = 0;
        for (size_t i = 0; i < n_results; i++) {
                y->global += results[i].global;
                y->revoked += results[i].reporter >= 0;
        }
        if (y->apply)
                y->apply(results, n_results, ballots, n_ballots, y->userdata);
        return 0;
}

int service_sync_export(struct service *s)
{
        struct service_sync *y = &s->sync;
        _cleanup_free_ struct snapshot_entry *entries = NULL;
        _cleanup_free_ char *path = NULL;
        void *buf;
        size_t n = 0, size;
        uint64_t serial;
        int r;

        if (!y->on)
                return -ENOENT;
        if (y->collect) {
                r = y->collect(&entries, &n, y->userdata);
                if (r < 0)
                        return log_warning_errno(r, "Failed to read the local whitelist for a snapshot: %m");
        }
        serial = snapshot_next_serial(y->latest_serial, now_realtime_ns() / 1000);
        r = snapshot_export(&y->key, y->host_id, serial, now_realtime_ns() / 1000000000, entries, n, &buf, &size);
        if (r < 0)
                return log_warning_errno(r, "Failed to sign a whitelist snapshot: %m");
        free(y->latest);
        y->latest = buf;
        y->latest_size = size;
        y->latest_serial = serial;
        y->exports++;
        path = state_path(y, LATEST_FILE);
        if (path && (r = write_file_atomic(path, buf, size, 0644)) < 0)
                log_warning_errno(r, "Failed to write %s, ignoring: %m", path);
        log_debug("Signed whitelist snapshot %" PRIu64 " (%zu entries, %zu bytes)", serial, n, size);
        return 0;
}

static void journal_verdict(const struct snapshot_verdict *v, const char *origin, bool accepted)
{
        char id[33] = "";

        if (v->host)
                host_id_to_string(v->host->host_id, id);
        /* this host's own file, as a shared directory holds it, is no news */
        int priority = accepted ? LOG_INFO : v->reason == SNAPSHOT_REJECT_OWN ? LOG_DEBUG : LOG_WARNING;

        (void) sd_journal_send("MESSAGE=%s whitelist snapshot: %s", accepted ? "Accepted" : "Rejected", v->message,
                               "MESSAGE_ID=%s", accepted ? CWATCH_MESSAGE_SNAPSHOT_ACCEPTED
                                                         : CWATCH_MESSAGE_SNAPSHOT_REJECTED,
                               "PRIORITY=%d", priority,
                               "CWATCH_SNAPSHOT_HOST=%s", v->host ? v->host->name : "",
                               "CWATCH_SNAPSHOT_HOST_ID=%s", id,
                               "CWATCH_SNAPSHOT_REASON=%s", snapshot_rejection_to_string(v->reason),
                               "CWATCH_SNAPSHOT_ORIGIN=%s", origin,
                               "OBJECT_PID=%d", (int) getpid(), NULL);
        /* also on stderr: the unit's own log and cwatchd run by hand */
        log_internal(priority, 0, "%s whitelist snapshot: %s", accepted ? "Accepted" : "Rejected", v->message);
}

static struct snapshot_import_context import_context(const struct service_sync *y)
{
        return (struct snapshot_import_context) {
                .trusted = &y->trusted, .peers = &y->serials, .own_host_id = y->host_id,
                .own_key = y->key.public_key,
                .now = now_realtime_ns() / 1000000000, .max_skew = y->max_skew_s,
        };
}

int service_sync_import(struct service *s, const void *buf, size_t size, const char *origin,
                        struct snapshot_verdict *v)
{
        struct service_sync *y = &s->sync;
        struct snapshot_import_context c = import_context(y);
        _cleanup_free_ char *path = NULL, *serials = NULL;
        struct snapshot *snap;
        struct sync_peer *p;
        int r;

        if (!y->on)
                return -ENOENT;
        r = snapshot_import(&c, buf, size, origin, &snap, v);
        if (r < 0) {
                y->rejections++;
                if (r == -EBADMSG)
                        journal_verdict(v, origin, false);
                return r;
        }
        /* remembered before it counts: a crash after this cannot let the same file in twice */
        r = peer_state_set(&y->serials, snap->header.host_id, snap->header.serial);
        serials = state_path(y, PEER_STATE_FILE);
        if (r >= 0)
                r = serials ? peer_state_save(&y->serials, serials) : -ENOMEM;
        if (r < 0) {
                snapshot_free(snap);
                return log_error_errno(r, "Failed to record the serial of %s's snapshot, not merging it: %m",
                                       v->host->name);
        }
        path = peer_path(y, snap->header.host_id);
        if (!path || (r = write_file_atomic(path, buf, size, 0644)) < 0)
                log_warning_errno(path ? r : -ENOMEM, "Failed to keep %s's snapshot, ignoring: %m", v->host->name);
        p = peer_of(y, v->host);
        snapshot_free(p->snapshot);
        p->snapshot = snap;
        y->imports++;
        journal_verdict(v, origin, true);
        (void) service_sync_vote(s);
        return 0;
}

/* The peers' snapshots accepted before a restart: checked again (signature, limits), but not
 * against the serials, which they set. */
static void load_kept_snapshots(struct service_sync *y)
{
        for (size_t i = 0; i < y->trusted.n; i++) {
                _cleanup_free_ char *path = peer_path(y, y->trusted.hosts[i].host_id);
                _cleanup_free_ char *buf = NULL;
                struct snapshot_import_context c = import_context(y);
                struct snapshot_verdict v;
                size_t size;
                int r;

                c.peers = NULL;
                c.max_skew = UINT32_MAX;        /* the clock may have moved since; the serial matters here */
                if (!path || read_file_at(AT_FDCWD, path, SNAPSHOT_MAX_FILE_SIZE, &buf, &size) < 0)
                        continue;
                r = snapshot_import(&c, buf, size, path, &y->peers[i].snapshot, &v);
                if (r < 0)
                        log_warning("Ignoring the kept snapshot %s: %s", path, v.message);
                else if (y->peers[i].snapshot->header.serial != peer_state_serial(&y->serials,
                                                                                   y->trusted.hosts[i].host_id)) {
                        log_warning("Ignoring the kept snapshot %s: its serial is not the one last accepted", path);
                        y->peers[i].snapshot = snapshot_free(y->peers[i].snapshot);
                }
        }
}

static int on_sync_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
        struct service *s = userdata;

        (void) service_sync_export(s);
        (void) service_sync_vote(s);
        return sd_event_source_set_time_relative(src, s->config.sync_interval_ns / 1000);
}

static int host_id_of(const struct config *c, uint8_t ret[SNAPSHOT_HOST_ID_SIZE])
{
        sd_id128_t id;
        int r;

        if (c->sync_host_id)
                return host_id_from_string(c->sync_host_id, ret);
        r = sd_id128_get_machine(&id);
        if (r < 0)
                return r;
        memcpy(ret, id.bytes, SNAPSHOT_HOST_ID_SIZE);
        return 0;
}

int service_start_sync(struct service *s)
{
        struct service_sync *y = &s->sync;
        _cleanup_free_ char *key_path = NULL, *serials = NULL, *peers_dir = NULL;
        char id[33];
        bool created;
        int r;

        if (!s->config.sync)
                return 0;
        y->state_dir = strdup(s->config.sync_state_dir ?: PROFILES_STATE_DIR);
        y->trusted_dir = strdup(s->config.sync_trusted_dir ?: SYNC_TRUSTED_HOSTS_DIR);
        if (!y->state_dir || !y->trusted_dir)
                return log_error_errno(ENOMEM, "Whitelist snapshots are off: %m");
        r = host_id_of(&s->config, y->host_id);
        if (r < 0)
                return log_warning_errno(r, "Whitelist snapshots are off: no host id (/etc/machine-id): %m");
        (void) mkdir(y->state_dir, 0755);
        key_path = state_path(y, HOST_KEY_FILE);
        serials = state_path(y, PEER_STATE_FILE);
        peers_dir = state_path(y, PEERS_SUBDIR);
        if (!key_path || !serials || !peers_dir)
                return log_error_errno(ENOMEM, "Whitelist snapshots are off: %m");
        (void) mkdir(peers_dir, 0755);
        r = host_key_load_or_create(key_path, &y->key, &created);
        if (r < 0)
                return log_warning_errno(r, "Whitelist snapshots are off: the host key %s is unusable: %m", key_path);
        host_id_to_string(y->host_id, id);
        if (created) {
                _cleanup_free_ char *pub = public_key_to_string(y->key.public_key);

                log_notice("Generated the host key %s for host id %s (public key %s; 'cwatchctl keys show' prints "
                           "it for peers)", key_path, id, pub ?: "?");
        }
        r = trusted_hosts_load(y->trusted_dir, &y->trusted);
        if (r < 0)
                log_warning_errno(r, "Failed to read %s, trusting no host: %m", y->trusted_dir);
        y->peers = calloc(y->trusted.n ?: 1, sizeof(*y->peers));
        if (!y->peers)
                return log_error_errno(ENOMEM, "Whitelist snapshots are off: %m");
        for (size_t i = 0; i < y->trusted.n; i++)
                y->peers[i].host = &y->trusted.hosts[i];
        r = peer_state_load(serials, &y->serials);
        if (r < 0) {
                /* refusing every host is safer than forgetting what we saw: a replay could pass */
                log_error_errno(r, "Whitelist snapshots are off: %s is damaged (remove it to start afresh): %m",
                                serials);
                return r;
        }
        y->quorum = s->config.sync_quorum;
        y->local_weight = s->config.sync_local_weight;
        y->max_skew_s = s->config.sync_max_skew_ns / 1000000000;
        load_kept_snapshots(y);
        y->on = true;
        service_sync_connect_whitelist(s);
        /* the first snapshot and vote at the loop's first turn, after READY=1: signing 100,000
         * entries takes a third of a second */
        r = sd_event_add_time_relative(s->manager->event, &y->timer, CLOCK_MONOTONIC, 0, 0, on_sync_timer, s);
        if (r < 0) {
                log_warning_errno(r, "Failed to arm the snapshot timer, signing only on request: %m");
                (void) service_sync_export(s);
                (void) service_sync_vote(s);
        }
        r = metrics_server_add_route(s->manager->metrics_server, "/whitelist", "application/octet-stream",
                                     get_latest, y);
        if (r < 0 && r != -ENOENT)
                log_warning_errno(r, "Failed to serve /whitelist: %m");
        log_info("Whitelist snapshots on: host id %s, %zu trusted host(s) in %s, quorum %g", id, y->trusted.n,
                 y->trusted_dir, y->quorum);
        return 0;
}

void service_apply_sync_config(struct service *s)
{
        struct service_sync *y = &s->sync;

        if (!y->on)
                return;
        y->quorum = s->config.sync_quorum;
        y->local_weight = s->config.sync_local_weight;
        y->max_skew_s = s->config.sync_max_skew_ns / 1000000000;
        /* a reload may have changed the deny list: peers see it at their next fetch */
        (void) service_sync_export(s);
        (void) service_sync_vote(s);
}

void service_sync_set_whitelist(struct service *s, sync_collect_fn collect, sync_apply_fn apply, void *userdata)
{
        s->sync.collect = collect;
        s->sync.apply = apply;
        s->sync.userdata = userdata;
}

void service_stop_sync(struct service *s)
{
        struct service_sync *y = &s->sync;

        y->timer = sd_event_source_disable_unref(y->timer);
        for (size_t i = 0; y->peers && i < y->trusted.n; i++)
                snapshot_free(y->peers[i].snapshot);
        free(y->peers);
        trusted_hosts_done(&y->trusted);
        peer_state_done(&y->serials);
        free(y->latest);
        free(y->state_dir);
        free(y->trusted_dir);
        explicit_bzero(&y->key, sizeof(y->key));
        *y = (struct service_sync) {};
}
