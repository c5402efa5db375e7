/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "profile-set.h"

void profile_config_init_default(struct profile_config *c)
{
        *c = (struct profile_config) {
                .learning_period_s = PROFILE_DEFAULT_LEARNING_PERIOD_S,
                .min_instances = PROFILE_DEFAULT_MIN_INSTANCES,
                .quiet_period_s = PROFILE_DEFAULT_QUIET_PERIOD_S,
                .threshold = PROFILE_DEFAULT_THRESHOLD,
                .max_profiles = PROFILE_DEFAULT_MAX_PROFILES,
                .max_features = PROFILE_DEFAULT_MAX_FEATURES,
                .learn_days = PROFILE_DEFAULT_LEARN_DAYS,
                .decay = PROFILE_DEFAULT_DECAY,
        };
}

static const char *const mode_names[_PROFILE_MODE_MAX] = {
        [PROFILE_LEARNING] = "learning", [PROFILE_DETECTING] = "detecting",
};

const char *profile_mode_to_string(enum profile_mode m)
{
        return m < _PROFILE_MODE_MAX ? mode_names[m] : "unknown";
}

int profile_mode_from_string(const char *s)
{
        for (size_t i = 0; i < _PROFILE_MODE_MAX; i++)
                if (streq(s, mode_names[i]))
                        return i;
        return -EINVAL;
}

/* Programs whose normal behaviour is itself varied. */
bool profile_exe_is_varied(const char *exe)
{
        static const char *const names[] = {
                "sh", "bash", "dash", "zsh", "ash", "ksh", "fish", "busybox", "python", "perl", "ruby", "node",
                "php", "java", "lua", "tclsh", "apt", "apt-get", "dpkg", "rpm", "dnf", "yum", "pip", "npm",
                "make", "sudo", "su", "env", "xargs", "find", "systemd", "init",
        };
        const char *base = exe ? strrchr(exe, '/') : NULL;
        size_t l;

        base = base ? base + 1 : exe;
        if (!base)
                return false;
        /* python3.11 -> python */
        for (l = 0; base[l] && !(base[l] >= '0' && base[l] <= '9') && base[l] != '.'; l++)
                ;
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strlen(names[i]) == l && strneq(base, names[i], l))
                        return true;
        return false;
}

double profile_damping(const struct profile *p)
{
        return p->varied ? PROFILE_VARIED_DAMPING : 1.0;
}

uint64_t profile_subject_key(const char *exe, const char *scope)
{
        uint64_t a = feature_key(REL_EXEC_PARENT, exe, strlen(exe));
        uint64_t b = feature_key(REL_EXEC_CHILD, scope, strlen(scope));

        return (a * UINT64_C(0x9e3779b97f4a7c15)) ^ b ^ 1;
}

/* The count-min sketch: two rows of 1 << PROFILE_DF_BITS counters indexed by independent bits of the key. */
static uint16_t *df_cell(const struct profile_set *s, uint64_t key, int row)
{
        uint64_t h = key * (row ? UINT64_C(0xc2b2ae3d27d4eb4f) : UINT64_C(0x9e3779b97f4a7c15));

        return &s->df[((size_t) row << PROFILE_DF_BITS) + (h >> (64 - PROFILE_DF_BITS))];
}

static void df_add(struct profile_set *s, uint64_t key, int delta)
{
        for (int row = 0; row < 2; row++) {
                uint16_t *c = df_cell(s, key, row);

                if (delta > 0 && *c < UINT16_MAX)
                        (*c)++;
                else if (delta < 0 && *c > 0)
                        (*c)--;
        }
}

double profile_set_weight(const struct profile_set *s, uint64_t key)
{
        double p = s->n_profiles, df = MIN(*df_cell(s, key, 0), *df_cell(s, key, 1));

        df = MIN(df, p);
        return 1.0 + log2((p + 1.0) / (df + 1.0));
}

int profile_set_new(struct profile_set **ret, const struct profile_config *config)
{
        struct profile_set *s = calloc(1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        s->config = *config;
        if (s->config.max_profiles == 0)
                s->config.max_profiles = PROFILE_DEFAULT_MAX_PROFILES;
        if (s->config.max_features < 8)
                s->config.max_features = 8;
        if (s->config.max_features > 4096)
                s->config.max_features = 4096;
        s->df = calloc((size_t) 2 << PROFILE_DF_BITS, sizeof(uint16_t));
        if (!s->df) {
                free(s);
                return -ENOMEM;
        }
        *ret = s;
        return 0;
}

static void profile_free(struct profile *p)
{
        if (!p)
                return;
        free(p->exe);
        free(p->scope);
        free(p->slots);
        free(p);
}

struct profile_set *profile_set_free(struct profile_set *s)
{
        size_t pos = 0;
        uint64_t key;
        void *v;

        if (!s)
                return NULL;
        for (struct profile *p = s->lru_head, *next; p; p = next) {
                next = p->lru_next;
                profile_free(p);
        }
        u64map_clear(&s->by_subject);
        while (u64map_next(&s->names, &pos, &key, &v))
                free(v);
        u64map_clear(&s->names);
        free(s->df);
        free(s);
        return NULL;
}

static void lru_unlink(struct profile_set *s, struct profile *p)
{
        if (p->lru_prev)
                p->lru_prev->lru_next = p->lru_next;
        else
                s->lru_head = p->lru_next;
        if (p->lru_next)
                p->lru_next->lru_prev = p->lru_prev;
        else
                s->lru_tail = p->lru_prev;
        p->lru_prev = p->lru_next = NULL;
}

static void lru_push_head(struct profile_set *s, struct profile *p)
{
        p->lru_prev = NULL;
        p->lru_next = s->lru_head;
        if (s->lru_head)
                s->lru_head->lru_prev = p;
        s->lru_head = p;
        if (!s->lru_tail)
                s->lru_tail = p;
}

static void profile_drop_features(struct profile_set *s, struct profile *p)
{
        for (uint32_t i = 0; i < p->capacity; i++)
                if (p->slots[i].key_day)
                        df_add(s, feature_slot_key(&p->slots[i]), -1);
        free(p->slots);
        p->slots = NULL;
        p->capacity = p->n_features = 0;
}

void profile_set_remove(struct profile_set *s, struct profile *p)
{
        profile_drop_features(s, p);
        lru_unlink(s, p);
        u64map_remove(&s->by_subject, p->subject);
        s->n_profiles--;
        s->removals++;
        profile_free(p);
}

struct profile *profile_set_find(struct profile_set *s, uint64_t subject)
{
        return u64map_get(&s->by_subject, subject);
}

int profile_set_adopt(struct profile_set *s, struct profile *p)
{
        int r;

        if (u64map_get(&s->by_subject, p->subject))
                return -EEXIST;
        if (s->n_profiles >= s->config.max_profiles)
                return -E2BIG;
        r = u64map_put(&s->by_subject, p->subject, p);
        if (r < 0)
                return r;
        /* adopted in file order, most recently used first: append at the tail */
        p->lru_next = NULL;
        p->lru_prev = s->lru_tail;
        if (s->lru_tail)
                s->lru_tail->lru_next = p;
        s->lru_tail = p;
        if (!s->lru_head)
                s->lru_head = p;
        s->n_profiles++;
        for (uint32_t i = 0; i < p->capacity; i++)
                if (p->slots[i].key_day)
                        df_add(s, feature_slot_key(&p->slots[i]), +1);
        return 0;
}

struct profile *profile_set_get(struct profile_set *s, const char *exe, const char *scope, uint32_t now,
                                bool create)
{
        uint64_t subject = profile_subject_key(exe, scope);
        struct profile *p = u64map_get(&s->by_subject, subject);

        if (p) {
                if (s->lru_head != p) {
                        lru_unlink(s, p);
                        lru_push_head(s, p);
                }
                p->last_seen = now;
                return p;
        }
        if (!create)
                return NULL;
        if (s->n_profiles >= s->config.max_profiles && s->lru_tail) {
                profile_set_remove(s, s->lru_tail);
                s->stats.profiles_evicted++;
        }
        p = calloc(1, sizeof(*p));
        if (!p)
                return NULL;
        *p = (struct profile) {
                .subject = subject, .exe = strdup(exe), .scope = strdup(scope), .mode = PROFILE_LEARNING,
                .varied = profile_exe_is_varied(exe), .created = now, .last_seen = now, .last_new = now,
                .decay_day = profile_day(now),
        };
        if (!p->exe || !p->scope || u64map_put(&s->by_subject, subject, p) < 0) {
                profile_free(p);
                return NULL;
        }
        lru_push_head(s, p);
        s->n_profiles++;
        return p;
}

/* Table capacity for max features: room for an eighth more, so probes stay short when full. */
static uint32_t capacity_for(uint32_t max_features)
{
        return max_features + max_features / 8;
}

static inline uint32_t slot_home(uint64_t key, uint32_t capacity)
{
        /* the key is 48 bits, the capacity below 2^16: the product fits */
        return (uint32_t) (((key & FEATURE_KEY_MASK) * capacity) >> FEATURE_KEY_BITS);
}

static struct feature_slot *slot_find(const struct profile *p, uint64_t key, bool *found)
{
        uint32_t i;

        *found = false;
        if (p->capacity == 0)
                return NULL;
        for (i = slot_home(key, p->capacity);; i = i + 1 == p->capacity ? 0 : i + 1) {
                if (!p->slots[i].key_day)
                        return &p->slots[i];
                if (feature_slot_key(&p->slots[i]) == key) {
                        *found = true;
                        return &p->slots[i];
                }
        }
}

const struct feature_slot *profile_lookup(const struct profile *p, uint64_t key)
{
        bool found;
        struct feature_slot *slot = slot_find(p, key, &found);

        return found ? slot : NULL;
}

/* Rehashes p into a table of capacity slots, keeping the slots keep() accepts. */
static int profile_rehash(struct profile *p, uint32_t capacity)
{
        struct feature_slot *old = p->slots, *slots = calloc(capacity, sizeof(*slots));
        uint32_t old_capacity = p->capacity;
        bool found;

        if (!slots)
                return -ENOMEM;
        p->slots = slots;
        p->capacity = capacity;
        for (uint32_t i = 0; i < old_capacity; i++)
                if (old[i].key_day)
                        *slot_find(p, feature_slot_key(&old[i]), &found) = old[i];
        free(old);
        return 0;
}

/* Backward-shift deletion: no tombstones, probes stay as short as they were. */
static void slot_delete(struct profile *p, uint32_t i)
{
        uint32_t j = i;

        for (;;) {
                j = j + 1 == p->capacity ? 0 : j + 1;
                if (!p->slots[j].key_day)
                        break;
                uint32_t h = slot_home(feature_slot_key(&p->slots[j]), p->capacity);
                /* j may move to i unless its home lies cyclically in (i, j] */
                bool stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);

                if (stays)
                        continue;
                p->slots[i] = p->slots[j];
                i = j;
        }
        p->slots[i] = (struct feature_slot) {};
        p->n_features--;
}

/* A full profile makes room: its least recently seen feature goes (ties: the least counted). */
static void evict_one(struct profile_set *s, struct profile *p)
{
        uint32_t victim = UINT32_MAX;

        for (uint32_t i = 0; i < p->capacity; i++) {
                const struct feature_slot *a = &p->slots[i];

                if (!a->key_day)
                        continue;
                if (victim == UINT32_MAX || a->last_seen < p->slots[victim].last_seen ||
                    (a->last_seen == p->slots[victim].last_seen && a->count < p->slots[victim].count))
                        victim = i;
        }
        if (victim == UINT32_MAX)
                return;
        df_add(s, feature_slot_key(&p->slots[victim]), -1);
        slot_delete(p, victim);
        s->stats.features_evicted++;
}

void profile_decay(struct profile_set *s, struct profile *p, uint32_t now)
{
        uint16_t today = profile_day(now);
        double f;

        if (today <= p->decay_day)
                return;
        f = pow(s->config.decay, today - p->decay_day);
        p->decay_day = today;
        for (uint32_t i = 0; i < p->capacity;) {
                struct feature_slot *a = &p->slots[i];

                if (a->key_day) {
                        a->count = (uint16_t) (a->count * f);
                        if (a->count == 0) {
                                df_add(s, feature_slot_key(a), -1);
                                slot_delete(p, i);
                                s->stats.features_forgotten++;
                                continue;       /* slot i holds a shifted entry now */
                        }
                }
                i++;
        }
}

static double novelty_of(const struct feature_slot *a)
{
        if (!a || a->state != FEATURE_LEARNED)
                return 1.0;
        return 1.0 / (1.0 + (double) a->count / FEATURE_COUNT_ONE);
}

int profile_observe(struct profile_set *s, struct profile *p, const struct feature *f, uint32_t now,
                    struct observation *ret)
{
        struct feature_slot *slot;
        bool found;
        int r;

        profile_decay(s, p, now);
        p->last_seen = MAX(p->last_seen, now);
        *ret = (struct observation) {};
        slot = slot_find(p, f->key, &found);
        ret->learned = found && slot->state == FEATURE_LEARNED;
        ret->novelty = novelty_of(found ? slot : NULL);
        if (found) {
                if (profile_day(slot->last_seen) != profile_day(now) && slot->days < UINT8_MAX)
                        slot->days++;
                slot->last_seen = now;
                slot->count = slot->count > FEATURE_COUNT_MAX - FEATURE_COUNT_ONE ? FEATURE_COUNT_MAX
                                                                                   : slot->count + FEATURE_COUNT_ONE;
                if (slot->state == FEATURE_CANDIDATE &&
                    (p->mode == PROFILE_LEARNING || slot->days >= s->config.learn_days)) {
                        slot->state = FEATURE_LEARNED;
                        s->stats.features_learned++;
                }
                return 0;
        }
        if (p->n_features >= s->config.max_features)
                evict_one(s, p);
        if (p->n_features + 1 > p->capacity * 7 / 8 || p->capacity == 0) {
                uint32_t max = capacity_for(s->config.max_features);
                uint32_t want = MIN(MAX(p->capacity * 2, 8u), max);

                if (want > p->capacity) {
                        r = profile_rehash(p, want);
                        if (r < 0)
                                return r;
                }
        }
        slot = slot_find(p, f->key, &found);
        *slot = (struct feature_slot) {
                .key_day = f->key | (uint64_t) profile_day(now) << FEATURE_KEY_BITS,
                .last_seen = now,
                .count = FEATURE_COUNT_ONE,
                .days = 1,
                .state = p->mode == PROFILE_LEARNING ? FEATURE_LEARNED : FEATURE_CANDIDATE,
        };
        p->n_features++;
        p->last_new = now;
        df_add(s, f->key, +1);
        ret->added = true;
        if (!u64map_get(&s->names, f->key)) {
                char name[FEATURE_OBJECT_MAX + 16];

                snprintf(name, sizeof(name), "%s %s", feature_relation_name(f->relation), f->object);
                (void) profile_set_add_name(s, f->key, name);
        }
        return 0;
}

void profile_mark_alerted(struct profile *p, uint64_t key)
{
        bool found;
        struct feature_slot *slot = slot_find(p, key, &found);

        if (found && slot->state == FEATURE_CANDIDATE)
                slot->days = 0;
}

bool profile_update_mode(const struct profile_set *s, struct profile *p, uint32_t now)
{
        const struct profile_config *c = &s->config;

        if (p->mode != PROFILE_LEARNING)
                return false;
        if ((uint64_t) now < p->created + c->learning_period_s || p->instances < c->min_instances ||
            (uint64_t) now < p->last_new + c->quiet_period_s)
                return false;
        p->mode = PROFILE_DETECTING;
        return true;
}

void profile_set_mode(struct profile *p, enum profile_mode mode, uint32_t now)
{
        if (mode == PROFILE_LEARNING) {
                p->created = p->last_new = now;
                p->instances = 0;
                p->score_mean = p->score_var = 0;
        }
        p->mode = mode;
}

void profile_reset(struct profile_set *s, struct profile *p, uint32_t now)
{
        profile_drop_features(s, p);
        p->alerts = 0;
        profile_set_mode(p, PROFILE_LEARNING, now);
}

void profile_add_learning_score(struct profile *p, double score)
{
        /* exponentially weighted mean and variance: the end of learning counts most */
        const double alpha = 0.1;
        double d = score - p->score_mean;

        p->score_mean += alpha * d;
        p->score_var = (1.0 - alpha) * (p->score_var + alpha * d * d);
}

double profile_threshold(const struct profile_set *s, const struct profile *p)
{
        double learned = p->score_mean + 3.0 * sqrt(MAX(p->score_var, 0.0f));

        return MAX(s->config.threshold, learned);
}

const char *profile_set_feature_name(const struct profile_set *s, uint64_t key)
{
        return u64map_get(&s->names, key);
}

int profile_set_add_name(struct profile_set *s, uint64_t key, const char *name)
{
        char *c;
        int r;

        if (u64map_get(&s->names, key))
                return 0;
        if (s->names.n >= PROFILE_MAX_NAMES)
                return -E2BIG;
        c = strdup(name);
        if (!c)
                return -ENOMEM;
        r = u64map_put(&s->names, key, c);
        if (r < 0)
                free(c);
        return r;
}

size_t profile_set_memory(const struct profile_set *s)
{
        size_t bytes = sizeof(*s) + ((size_t) 2 << PROFILE_DF_BITS) * sizeof(uint16_t);
        size_t pos = 0;
        uint64_t key;
        void *v;

        bytes += u64map_table_bytes(&s->by_subject) + u64map_table_bytes(&s->names);
        for (const struct profile *p = s->lru_head; p; p = p->lru_next)
                bytes += sizeof(*p) + p->capacity * sizeof(struct feature_slot) + strlen(p->exe) +
                         strlen(p->scope) + 2;
        while (u64map_next(&s->names, &pos, &key, &v))
                bytes += strlen(v) + 1;
        return bytes;
}
