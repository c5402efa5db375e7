/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Behaviour profiles: one per subject (an executable in a systemd unit on the host, or in a container
 * image), each a bounded open-addressing table of the features its processes showed. A profile
 * learns until it has seen enough (time, process instances and a quiet period without a new
 * feature), then detects: a new feature is a candidate, learned only after it recurred on several
 * distinct days without being part of an alert. Counts decay each day so profiles adapt. The set is
 * bounded by max_profiles x max_features; the least recently used profile, and in a full profile the
 * least recently seen feature, is evicted. Pure: times are passed in (seconds, realtime). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "feature.h"
#include "shared/macro.h"
#include "shared/u64map.h"

enum profile_mode {
        PROFILE_LEARNING,
        PROFILE_DETECTING,
        _PROFILE_MODE_MAX,
};

enum feature_state {
        FEATURE_LEARNED = 1,
        FEATURE_CANDIDATE = 2,
};

/* 16 bytes: the key's top 16 bits hold the day (since 1970) it was first seen. */
struct feature_slot {
        uint64_t key_day;               /* 0: empty */
        uint32_t last_seen;             /* seconds since 1970 */
        uint16_t count;                 /* decayed occurrences, in 1/16 */
        uint8_t days;                   /* distinct days seen (a candidate: since its last alert) */
        uint8_t state;                  /* enum feature_state */
};
_Static_assert(sizeof(struct feature_slot) == 16, "feature slots are 16 bytes");

#define FEATURE_COUNT_ONE 16
#define FEATURE_COUNT_MAX UINT16_MAX

static inline uint64_t feature_slot_key(const struct feature_slot *s)
{
        return s->key_day & FEATURE_KEY_MASK;
}

static inline uint16_t feature_slot_first_day(const struct feature_slot *s)
{
        return (uint16_t) (s->key_day >> FEATURE_KEY_BITS);
}

struct profile_config {
        uint64_t learning_period_s;     /* LearningPeriod= */
        uint32_t min_instances;         /* MinInstances= */
        uint64_t quiet_period_s;        /* QuietPeriod=: no new feature for this long */
        double threshold;               /* Threshold=: the least anomaly score that alerts */
        uint32_t max_profiles;          /* MaxProfiles= */
        uint32_t max_features;          /* MaxFeatures= per profile */
        uint32_t learn_days;            /* distinct days before a candidate is learned */
        double decay;                   /* counts are multiplied by this each day */
};

#define PROFILE_DEFAULT_LEARNING_PERIOD_S (UINT64_C(7) * 86400)
#define PROFILE_DEFAULT_MIN_INSTANCES 20
#define PROFILE_DEFAULT_QUIET_PERIOD_S (UINT64_C(86400))
#define PROFILE_DEFAULT_THRESHOLD 4.0
#define PROFILE_DEFAULT_MAX_PROFILES 5000
#define PROFILE_DEFAULT_MAX_FEATURES 256
#define PROFILE_DEFAULT_LEARN_DAYS 3
#define PROFILE_DEFAULT_DECAY 0.95
#define PROFILE_MAX_NAMES 65536
/* how much more a varied program (shell, interpreter, package manager) must deviate */
#define PROFILE_VARIED_DAMPING 2.0

void profile_config_init_default(struct profile_config *c);

struct profile {
        uint64_t subject;               /* key of (exe, scope) */
        char *exe;
        char *scope;                    /* "unit:NAME", "image:NAME", "container:NAME" or "host" */
        uint8_t mode;                   /* enum profile_mode */
        bool varied;                    /* a shell, an interpreter, a package manager: damped */
        uint16_t decay_day;             /* the day counts were last decayed */
        uint32_t created;               /* seconds: learning started */
        uint32_t last_seen;
        uint32_t last_new;              /* a feature was last added */
        uint32_t instances;             /* processes seen */
        uint32_t alerts;
        float score_mean, score_var;    /* of window scores while learning (exponentially weighted) */
        uint32_t n_features, capacity;
        struct feature_slot *slots;
        struct profile *lru_prev, *lru_next;
};

struct profile_set_stats {
        uint64_t profiles_evicted;
        uint64_t features_evicted;      /* a full profile dropped its least recently seen feature */
        uint64_t features_forgotten;    /* decayed to nothing */
        uint64_t features_learned;      /* candidates that became learned */
};

/* What observing a feature found. */
struct observation {
        bool added;                     /* it was new to the profile */
        bool learned;                   /* it was learned before this occurrence */
        double novelty;                 /* 1 unlearned, 1/(1+count) learned */
};

struct profile_set {
        struct profile_config config;
        struct u64map by_subject;
        struct profile *lru_head, *lru_tail;    /* head: most recently used */
        size_t n_profiles;
        uint16_t *df;                   /* count-min sketch of document frequencies: 2 rows */
        struct u64map names;            /* key -> "RELATION object", for explanations */
        struct profile_set_stats stats;
        uint64_t removals;              /* profiles removed so far: a cached profile pointer is valid
                                         * while this has not changed */
};

#define PROFILE_DF_BITS 18

int profile_set_new(struct profile_set **ret, const struct profile_config *config);
struct profile_set *profile_set_free(struct profile_set *s);
DEFINE_POINTER_CLEANUP(struct profile_set, profile_set_free);

/* Subject key of (exe, scope). */
uint64_t profile_subject_key(const char *exe, const char *scope);
/* The profile of (exe, scope), made most recently used; created (learning from now) when create is
 * set, evicting the least recently used profile when the set is full. NULL: absent or no memory. */
struct profile *profile_set_get(struct profile_set *s, const char *exe, const char *scope, uint32_t now,
                                bool create);
struct profile *profile_set_find(struct profile_set *s, uint64_t subject);
/* Adds a profile as read from a file (takes exe and scope); -EEXIST, -ENOMEM, -E2BIG when full. */
int profile_set_adopt(struct profile_set *s, struct profile *p);
void profile_set_remove(struct profile_set *s, struct profile *p);

/* Counts f in p: in learning it is learned at once, in detection a new feature is a candidate
 * that is learned once it has been seen on learn_days distinct days. */
int profile_observe(struct profile_set *s, struct profile *p, const struct feature *f, uint32_t now,
                    struct observation *ret);
/* A feature was part of an alert: a candidate starts counting its days again. */
void profile_mark_alerted(struct profile *p, uint64_t key);
const struct feature_slot *profile_lookup(const struct profile *p, uint64_t key);

/* Learning -> detecting once learning_period, min_instances and quiet_period are all met.
 * Returns true when the mode changed. */
bool profile_update_mode(const struct profile_set *s, struct profile *p, uint32_t now);
/* Back to learning from now (features kept: candidates become learned as they recur), or to
 * detection at once. */
void profile_set_mode(struct profile *p, enum profile_mode mode, uint32_t now);
/* Forgets every feature and learns afresh. */
void profile_reset(struct profile_set *s, struct profile *p, uint32_t now);
/* Applies the daily decay when a day has passed since the last one. */
void profile_decay(struct profile_set *s, struct profile *p, uint32_t now);

/* IDF weight of a feature key over the set, >= 1. */
double profile_set_weight(const struct profile_set *s, uint64_t key);
/* A learning window's score, for the threshold. */
void profile_add_learning_score(struct profile *p, double score);
/* The least score that alerts for p: Threshold= or, when higher, mean + 3 sd of the scores seen
 * while it learned. */
double profile_threshold(const struct profile_set *s, const struct profile *p);
/* 1, or PROFILE_VARIED_DAMPING for shells, interpreters and package managers. */
double profile_damping(const struct profile *p);
bool profile_exe_is_varied(const char *exe);

/* The explanation of a feature key ("READ /etc/passwd") if known. */
const char *profile_set_feature_name(const struct profile_set *s, uint64_t key);
int profile_set_add_name(struct profile_set *s, uint64_t key, const char *name);

const char *profile_mode_to_string(enum profile_mode m);
int profile_mode_from_string(const char *s);
/* Approximate bytes held (tables, strings, sketch). */
size_t profile_set_memory(const struct profile_set *s);
/* 1970-based day of a time in seconds. */
static inline uint16_t profile_day(uint32_t t)
{
        return (uint16_t) (t / 86400);
}
