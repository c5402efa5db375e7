/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The local whitelist: one entry per program identity (the SHA-256 of an executed file) with what
 * this host saw of it (first and last seen, active days, executions, alerts and incidents it took
 * part in, the facts of its last executed path: Debian package, owner, container layer, location)
 * and the fleet's view of it (global confidence from trusted hosts' votes, a revocation). The trust
 * model (whitelist_score) turns an entry into a confidence in [0, 1] with its reasons, one line
 * each. Pure: no I/O, times are passed in. See docs/WHITELIST.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "shared/macro.h"

#define WHITELIST_SHA256_SIZE 32
#define WHITELIST_SHA256_HEX (2 * WHITELIST_SHA256_SIZE + 1)
/* A host id (the hex machine id, or a peer's name) with its NUL. */
#define WHITELIST_HOST_MAX 65

/* What the last executed path of an entry's file showed. */
enum whitelist_package {
        WHITELIST_PACKAGE_NONE,         /* no Debian package owns the path */
        WHITELIST_PACKAGE_VERIFIED,     /* owned, and its md5sum matches the package's */
        WHITELIST_PACKAGE_MODIFIED,     /* owned, but its md5sum differs: changed after install */
        WHITELIST_PACKAGE_UNCHECKED,    /* owned, the package lists no md5sum for it */
        _WHITELIST_PACKAGE_MAX,
};

enum whitelist_layer {
        WHITELIST_LAYER_HOST,           /* not in a container's overlay root */
        WHITELIST_LAYER_IMAGE,          /* a container image's lower layer */
        WHITELIST_LAYER_DRIFT,          /* written in the container: the overlay's upper layer */
        _WHITELIST_LAYER_MAX,
};

/* Location flags: where the file ran from. */
#define WHITELIST_LOC_TEMP    (1u << 0) /* /tmp, /var/tmp, /dev/shm, /run/user/... */
#define WHITELIST_LOC_HIDDEN  (1u << 1) /* a path component starting with '.' */
#define WHITELIST_LOC_DELETED (1u << 2) /* unlinked while it ran */
#define WHITELIST_LOC_MEMFD   (1u << 3) /* an anonymous memory file */

/* The kind of program, for the cap: trusting it would trust whatever it runs. */
enum whitelist_kind {
        WHITELIST_KIND_PROGRAM,
        WHITELIST_KIND_SHELL,
        WHITELIST_KIND_INTERPRETER,
        WHITELIST_KIND_DOWNLOADER,
        _WHITELIST_KIND_MAX,
};

/* Facts about one executed file at one path; the manager gathers them (dpkg index, stat, mountinfo,
 * the profile set) and the table keeps those of the entry's last exec. */
struct whitelist_facts {
        uint8_t package;                /* enum whitelist_package */
        uint8_t layer;                  /* enum whitelist_layer */
        uint8_t kind;                   /* enum whitelist_kind */
        uint8_t location;               /* WHITELIST_LOC_* */
        bool root_owned;                /* owned by root and not writable by group or others */
        bool stable;                    /* its behaviour profile detects (learned, no recent anomaly) */
        char package_name[64];          /* when package != NONE */
};

/* One trusted host's vote for an entry (the fleet layer sets them). */
struct whitelist_vote {
        char host[WHITELIST_HOST_MAX];
        double weight;                  /* the host's weight */
        double confidence;              /* the entry's confidence on that host */
};

struct whitelist_entry {
        uint8_t sha256[WHITELIST_SHA256_SIZE];
        double confidence;              /* local confidence, as last scored */
        uint64_t first_seen_usec, last_seen_usec;       /* realtime */
        uint32_t active_days;           /* distinct days (UTC) it was executed */
        uint64_t executions;
        uint32_t alerts, incidents;     /* it took part in */
        bool malicious;                 /* on the local deny list, or reported here */
        const char *path;               /* its last executed path; NULL unknown. Owned by the table */
        struct whitelist_facts facts;   /* of its last exec */

        /* The fleet's view (whitelist_set_global, whitelist_revoke). */
        double global_confidence;       /* weighted votes of trusted hosts; 0 none */
        bool global;                    /* the votes passed the quorum */
        bool revoked;                   /* a trusted host reported it malicious */
        char revoked_by[WHITELIST_HOST_MAX];
        struct whitelist_vote *votes;   /* owned by the table */
        size_t n_votes;

        uint32_t last_day;              /* day (since 1970, UTC) of the last execution */
        uint64_t last_incident_key;     /* hash of the last incident counted, so each counts once */
};

struct whitelist_config {
        double cap;                     /* the highest confidence of shells, interpreters, downloaders */
        size_t max_entries;             /* the least recently seen entry is dropped beyond this */
};

#define WHITELIST_DEFAULT_CAP 0.3
#define WHITELIST_DEFAULT_MAX_ENTRIES 100000

void whitelist_config_init_default(struct whitelist_config *c);

struct whitelist;

int whitelist_new(struct whitelist **ret, const struct whitelist_config *config);
struct whitelist *whitelist_free(struct whitelist *wl);
DEFINE_POINTER_CLEANUP(struct whitelist, whitelist_free);

/* The cap of shells, interpreters and downloaders; set_cap: -EINVAL outside [0, 1] (a reload). */
double whitelist_cap(const struct whitelist *wl);
int whitelist_set_cap(struct whitelist *wl, double cap);
size_t whitelist_max_entries(const struct whitelist *wl);

/* The entry of sha256, or NULL. Valid until the table next changes. */
struct whitelist_entry *whitelist_get(const struct whitelist *wl, const uint8_t sha256[WHITELIST_SHA256_SIZE]);
/* The entry of sha256, created (all zero but its hash) when absent. NULL: no memory. */
struct whitelist_entry *whitelist_ensure(struct whitelist *wl, const uint8_t sha256[WHITELIST_SHA256_SIZE]);
size_t whitelist_size(const struct whitelist *wl);

/* Calls cb on every entry, in no particular order; a negative return stops and is returned. The
 * table must not change meanwhile. */
typedef int (*whitelist_foreach_cb)(const struct whitelist_entry *e, void *userdata);
int whitelist_foreach(const struct whitelist *wl, whitelist_foreach_cb cb, void *userdata);

/* Records one execution of sha256 from path (may be NULL) with its facts at time now_usec: counts,
 * days, last path and facts; then rescores it. Returns the entry, NULL on no memory. */
struct whitelist_entry *whitelist_record_exec(struct whitelist *wl, const uint8_t sha256[WHITELIST_SHA256_SIZE],
                                              const char *path, const struct whitelist_facts *facts,
                                              uint64_t now_usec);
/* An alert or an incident named this program. -ENOENT when unknown. */
int whitelist_record_alert(struct whitelist *wl, const uint8_t sha256[WHITELIST_SHA256_SIZE], bool incident);
/* An alert of incident incident_id (NULL: none) named this program: counts the alert, and the
 * incident once. -ENOENT when unknown. */
int whitelist_record_alert_in_incident(struct whitelist *wl, const uint8_t sha256[WHITELIST_SHA256_SIZE],
                                       const char *incident_id);
/* Marks (or unmarks) sha256 as malicious here: the deny list; creates the entry. */
int whitelist_set_malicious(struct whitelist *wl, const uint8_t sha256[WHITELIST_SHA256_SIZE], bool malicious);

/* The fleet layer. Sets the fleet's view of sha256 (creating the entry when absent): its global
 * confidence and the votes behind it (copied); global when global_confidence > 0 and not revoked.
 * -ENOMEM, -EINVAL on a bad confidence. */
int whitelist_set_global(struct whitelist *wl, const uint8_t sha256[WHITELIST_SHA256_SIZE],
                         double global_confidence, const struct whitelist_vote *votes, size_t n);
/* A trusted host reported sha256 malicious: revoked everywhere (no longer global). Creates the entry. */
int whitelist_revoke(struct whitelist *wl, const uint8_t sha256[WHITELIST_SHA256_SIZE],
                     const char *reporting_host);
/* Forgets every entry's fleet view (global, votes, revocation) before a fresh merge. */
void whitelist_clear_global(struct whitelist *wl);

/* The trust model. */
#define WHITELIST_REASONS_MAX 20
#define WHITELIST_REASON_TEXT 128

struct whitelist_reason {
        const char *id;                 /* "package", "root-owned", "drift", "cap", ... (static) */
        double weight;                  /* what it added (negative: took away); for "cap": the cap */
        char text[WHITELIST_REASON_TEXT];       /* "owned by package coreutils, md5sum matches" */
};

struct whitelist_score {
        double confidence;              /* in [0, 1] */
        bool denied;                    /* on the deny list or revoked: confidence 0, never scaled */
        bool texts;                     /* the reasons' texts are filled (whitelist_score_entry) */
        size_t n_reasons;
        struct whitelist_reason reasons[WHITELIST_REASONS_MAX];
};

/* Scores an entry at time now_usec: confidence and its reasons, in the order they apply. */
void whitelist_score_entry(const struct whitelist *wl, const struct whitelist_entry *e, uint64_t now_usec,
                           struct whitelist_score *ret);
/* The confidence alone, without the texts (cheaper: what each exec's rescore uses). */
double whitelist_confidence(const struct whitelist *wl, const struct whitelist_entry *e, uint64_t now_usec);
/* Scores the entry of sha256 (and stores its confidence in the entry); -ENOENT when unknown. */
int whitelist_score(struct whitelist *wl, const uint8_t sha256[WHITELIST_SHA256_SIZE], uint64_t now_usec,
                    struct whitelist_score *ret);

/* What trust does to a score: an anomaly or incident score scaled down by the program's confidence
 * (score x (1 - WHITELIST_SCALE x confidence)). Never below a quarter of the score. */
#define WHITELIST_SCALE 0.75
double whitelist_scale_score(double score, double confidence);

/* Lower-case hex of a hash into out (WHITELIST_SHA256_HEX bytes). */
void whitelist_sha256_to_hex(const uint8_t sha256[WHITELIST_SHA256_SIZE], char out[WHITELIST_SHA256_HEX]);
/* Parses 64 hex digits (either case, nothing else); -EINVAL. */
int whitelist_sha256_from_hex(const char *s, size_t len, uint8_t sha256[WHITELIST_SHA256_SIZE]);

const char *whitelist_package_name(enum whitelist_package p);
const char *whitelist_layer_name(enum whitelist_layer l);
const char *whitelist_kind_name(enum whitelist_kind k);
