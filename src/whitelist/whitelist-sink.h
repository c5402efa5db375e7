/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The whitelist as a record sink: every exec's file is identified (program-hash.h: opened through
 * /proc/PID/exe, hashed once per file version, in bounded slices), its facts gathered (the dpkg
 * index, owner, overlay layer, location, kind, the behaviour profile through a callback) and
 * recorded in the table; a deny-listed or revoked program is handed to the deny callback (a
 * critical alert). It remembers each process's program so alerts can carry its trust. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>
#include "denylist.h"
#include "whitelist.h"
#include "sink/record-sink.h"

#define WHITELIST_DEFAULT_MAX_HASH_BYTES (UINT64_C(256) << 20)
#define WHITELIST_DEFAULT_HASH_RATE (UINT64_C(32) << 20)        /* bytes per second */
#define WHITELIST_MAX_PENDING 256
/* whitelist_sink_identify_path() hashes at once: at most this much (some 0.1-0.4 s) */
#define WHITELIST_IDENTIFY_MAX_BYTES (UINT64_C(64) << 20)

/* The critical alert of a deny-listed or revoked program (journal catalog entry "cwatch deny list"). */
#define WHITELIST_DENY_RULE "denylisted-program"
#define CWATCH_MESSAGE_DENYLIST "0c7d5be1a3f44e9a9b6d2f81e4c3a570"

struct whitelist_sink_config {
        uint64_t max_hash_bytes;        /* MaxHashBytes=: larger files get no identity */
        uint64_t hash_rate;             /* HashRate=: bytes hashed per second at most */
        const char *const *temp_dirs;   /* temporary directories (copied) */
        size_t n_temp_dirs;
        const char *dpkg_info_dir;      /* NULL: /var/lib/dpkg/info */
};

/* The exec a deny callback is about. */
struct whitelist_exec {
        uint32_t pid, ppid, uid;
        uint64_t cgroup_id;
        uint64_t time_ns;               /* realtime */
        const char *path;
        const char *comm;
        const char *cmdline;            /* argv joined by spaces */
};

typedef int (*whitelist_deny_cb)(const struct whitelist_exec *x, const struct whitelist_entry *e,
                                 const struct whitelist_score *score, void *userdata);
/* Whether the program's behaviour profile (exe in cgroup_id's scope) is learned and quiet. */
typedef bool (*whitelist_stable_cb)(const char *exe, uint64_t cgroup_id, void *userdata);

struct whitelist_sink_stats {
        uint64_t execs, hashed_files, hashed_bytes, cache_hits, vanished, too_large, pending_dropped,
                hash_errors, deny_hits;
};

struct whitelist_sink;

/* Takes wl (also on failure). event: where the hashing continues between records. */
int whitelist_sink_new(struct whitelist_sink **ret, struct whitelist *wl, const struct whitelist_sink_config *c,
                       sd_event *event, whitelist_deny_cb deny, void *deny_userdata, whitelist_stable_cb stable,
                       void *stable_userdata);
struct whitelist_sink *whitelist_sink_free(struct whitelist_sink *k);
DEFINE_POINTER_CLEANUP(struct whitelist_sink, whitelist_sink_free);
struct record_sink whitelist_sink_record_sink(struct whitelist_sink *k);

struct whitelist *whitelist_sink_get(const struct whitelist_sink *k);
const struct whitelist_sink_stats *whitelist_sink_stats(const struct whitelist_sink *k);
/* Replaces the deny list (taken) and marks the table's entries by it. */
void whitelist_sink_set_denylist(struct whitelist_sink *k, struct denylist *d);
/* A reload: the rate and size bound. */
void whitelist_sink_set_limits(struct whitelist_sink *k, uint64_t max_hash_bytes, uint64_t hash_rate);

/* The program process pid last executed, else the one last executed from path (may be NULL); NULL
 * when unknown (not hashed yet, or forgotten). */
struct whitelist_entry *whitelist_sink_program_of(struct whitelist_sink *k, uint32_t pid, const char *path);
/* Identifies a file now, in full (cwatchctl whitelist show PATH): opens it as the host's processes see
 * it, hashes it unless cached (no budget; -EFBIG above WHITELIST_IDENTIFY_MAX_BYTES), gathers the facts
 * a host file has. Does not record an execution. -errno. */
int whitelist_sink_identify_path(struct whitelist_sink *k, const char *path, uint8_t sha256[WHITELIST_SHA256_SIZE],
                                 struct whitelist_facts *ret_facts);
/* Hashes still waiting. */
size_t whitelist_sink_pending(const struct whitelist_sink *k);
/* Finishes every pending hash now (tests, stop). */
void whitelist_sink_flush(struct whitelist_sink *k);
