/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "whitelist.h"
#include "shared/hash.h"
#include "shared/u64map.h"

struct whitelist_node {
        struct whitelist_entry entry;   /* first: an entry pointer is its node's */
        struct whitelist_node *next;    /* another hash with the same first 8 bytes */
};

struct whitelist {
        struct whitelist_config config;
        struct u64map by_hash;          /* first 8 bytes of the hash -> node chain */
        size_t n;
};

void whitelist_config_init_default(struct whitelist_config *c)
{
        *c = (struct whitelist_config) { .cap = WHITELIST_DEFAULT_CAP, .max_entries = WHITELIST_DEFAULT_MAX_ENTRIES };
}

static uint64_t hash_key(const uint8_t sha256[WHITELIST_SHA256_SIZE])
{
        uint64_t k;

        memcpy(&k, sha256, sizeof(k));
        return k ?: 1;
}

int whitelist_new(struct whitelist **ret, const struct whitelist_config *config)
{
        struct whitelist *wl;

        if (config && (!(config->cap >= 0 && config->cap <= 1) || config->max_entries == 0))
                return -EINVAL;
        wl = calloc(1, sizeof(*wl));
        if (!wl)
                return -ENOMEM;
        if (config)
                wl->config = *config;
        else
                whitelist_config_init_default(&wl->config);
        *ret = wl;
        return 0;
}

double whitelist_cap(const struct whitelist *wl)
{
        return wl->config.cap;
}

size_t whitelist_max_entries(const struct whitelist *wl)
{
        return wl->config.max_entries;
}

int whitelist_set_cap(struct whitelist *wl, double cap)
{
        if (!(cap >= 0 && cap <= 1))
                return -EINVAL;
        wl->config.cap = cap;
        return 0;
}

static void node_free(struct whitelist_node *n)
{
        free((char *) n->entry.path);
        free(n->entry.votes);
        free(n);
}

struct whitelist *whitelist_free(struct whitelist *wl)
{
        size_t pos = 0;
        uint64_t key;
        void *v;

        if (!wl)
                return NULL;
        while (u64map_next(&wl->by_hash, &pos, &key, &v))
                for (struct whitelist_node *n = v, *next; n; n = next) {
                        next = n->next;
                        node_free(n);
                }
        u64map_clear(&wl->by_hash);
        free(wl);
        return NULL;
}

struct whitelist_entry *whitelist_get(const struct whitelist *wl, const uint8_t sha256[WHITELIST_SHA256_SIZE])
{
        for (struct whitelist_node *n = u64map_get(&wl->by_hash, hash_key(sha256)); n; n = n->next)
                if (memcmp(n->entry.sha256, sha256, WHITELIST_SHA256_SIZE) == 0)
                        return &n->entry;
        return NULL;
}

size_t whitelist_size(const struct whitelist *wl)
{
        return wl->n;
}

static void remove_node(struct whitelist *wl, struct whitelist_node *victim)
{
        uint64_t key = hash_key(victim->entry.sha256);
        struct whitelist_node *head = u64map_get(&wl->by_hash, key);

        if (head == victim) {
                if (victim->next)
                        (void) u64map_put(&wl->by_hash, key, victim->next);     /* replaces: no allocation */
                else
                        (void) u64map_remove(&wl->by_hash, key);
        } else
                for (struct whitelist_node *n = head; n; n = n->next)
                        if (n->next == victim) {
                                n->next = victim->next;
                                break;
                        }
        node_free(victim);
        wl->n--;
}

static bool evictable(const struct whitelist_entry *e)
{
        return !e->malicious && !e->revoked && !e->global;
}

static int cmp_last_seen(const void *a, const void *b)
{
        const struct whitelist_node *x = *(struct whitelist_node *const *) a, *y = *(struct whitelist_node *const *) b;

        return x->entry.last_seen_usec < y->entry.last_seen_usec ? -1 : x->entry.last_seen_usec > y->entry.last_seen_usec;
}

/* Full: drops the least recently seen sixteenth (at least one entry), keeping the deny-listed and
 * the fleet's entries; when only those remain, the oldest of them. Rare: sorting is fine. */
static void evict(struct whitelist *wl)
{
        size_t want = MAX(wl->n / 16, (size_t) 1), pos = 0, nv = 0, nkeep = 0;
        struct whitelist_node **victims;
        uint64_t key;
        void *v;

        victims = malloc(wl->n * sizeof(*victims));
        if (!victims)
                return;
        while (u64map_next(&wl->by_hash, &pos, &key, &v))
                for (struct whitelist_node *n = v; n; n = n->next) {
                        if (evictable(&n->entry))
                                victims[nv++] = n;
                        else
                                victims[wl->n - ++nkeep] = n;
                }
        if (nv == 0) {
                memmove(victims, victims + wl->n - nkeep, nkeep * sizeof(*victims));
                nv = nkeep;
        }
        qsort(victims, nv, sizeof(*victims), cmp_last_seen);
        for (size_t i = 0; i < MIN(want, nv); i++)
                remove_node(wl, victims[i]);
        free(victims);
}

struct whitelist_entry *whitelist_ensure(struct whitelist *wl, const uint8_t sha256[WHITELIST_SHA256_SIZE])
{
        struct whitelist_entry *e = whitelist_get(wl, sha256);
        struct whitelist_node *n;
        uint64_t key = hash_key(sha256);

        if (e)
                return e;
        if (wl->n >= wl->config.max_entries)
                evict(wl);
        n = calloc(1, sizeof(*n));
        if (!n)
                return NULL;
        memcpy(n->entry.sha256, sha256, WHITELIST_SHA256_SIZE);
        n->next = u64map_get(&wl->by_hash, key);
        if (u64map_put(&wl->by_hash, key, n) < 0) {
                free(n);
                return NULL;
        }
        wl->n++;
        return &n->entry;
}

int whitelist_foreach(const struct whitelist *wl, whitelist_foreach_cb cb, void *userdata)
{
        size_t pos = 0;
        uint64_t key;
        void *v;

        while (u64map_next(&wl->by_hash, &pos, &key, &v))
                for (struct whitelist_node *n = v; n; n = n->next) {
                        int r = cb(&n->entry, userdata);

                        if (r < 0)
                                return r;
                }
        return 0;
}

struct whitelist_entry *whitelist_record_exec(struct whitelist *wl, const uint8_t sha256[WHITELIST_SHA256_SIZE],
                                              const char *path, const struct whitelist_facts *facts,
                                              uint64_t now_usec)
{
        struct whitelist_entry *e = whitelist_ensure(wl, sha256);
        uint32_t day = (uint32_t) (now_usec / (UINT64_C(86400) * 1000000));

        if (!e)
                return NULL;
        if (path && (!e->path || !streq(e->path, path))) {
                char *p = strdup(path);

                if (!p)
                        return NULL;
                free((char *) e->path);
                e->path = p;
        }
        if (facts)
                e->facts = *facts;
        if (e->executions == 0 || now_usec < e->first_seen_usec)
                e->first_seen_usec = now_usec;
        if (now_usec > e->last_seen_usec)
                e->last_seen_usec = now_usec;
        if (e->executions == 0 || day != e->last_day) {
                e->active_days++;
                e->last_day = day;
        }
        e->executions++;
        e->confidence = whitelist_confidence(wl, e, now_usec);
        return e;
}

int whitelist_record_alert(struct whitelist *wl, const uint8_t sha256[WHITELIST_SHA256_SIZE], bool incident)
{
        struct whitelist_entry *e = whitelist_get(wl, sha256);

        if (!e)
                return -ENOENT;
        if (incident)
                e->incidents++;
        else
                e->alerts++;
        return 0;
}

int whitelist_record_alert_in_incident(struct whitelist *wl, const uint8_t sha256[WHITELIST_SHA256_SIZE],
                                       const char *incident_id)
{
        struct whitelist_entry *e = whitelist_get(wl, sha256);
        uint64_t key;

        if (!e)
                return -ENOENT;
        e->alerts++;
        key = incident_id ? hash_bytes64(0, incident_id, strlen(incident_id)) ?: 1 : 0;
        if (key && key != e->last_incident_key) {
                e->incidents++;
                e->last_incident_key = key;
        }
        return 0;
}

int whitelist_set_malicious(struct whitelist *wl, const uint8_t sha256[WHITELIST_SHA256_SIZE], bool malicious)
{
        struct whitelist_entry *e = malicious ? whitelist_ensure(wl, sha256) : whitelist_get(wl, sha256);

        if (!e)
                return malicious ? -ENOMEM : 0;
        e->malicious = malicious;
        if (malicious)
                e->confidence = 0;
        return 0;
}

int whitelist_set_global(struct whitelist *wl, const uint8_t sha256[WHITELIST_SHA256_SIZE],
                         double global_confidence, const struct whitelist_vote *votes, size_t n)
{
        struct whitelist_vote *copy = NULL;
        struct whitelist_entry *e;

        if (!(global_confidence >= 0 && global_confidence <= 1) || (n > 0 && !votes))
                return -EINVAL;
        if (n > 0) {
                copy = malloc(n * sizeof(*copy));
                if (!copy)
                        return -ENOMEM;
                memcpy(copy, votes, n * sizeof(*copy));
                for (size_t i = 0; i < n; i++)
                        copy[i].host[WHITELIST_HOST_MAX - 1] = 0;
        }
        e = whitelist_ensure(wl, sha256);
        if (!e) {
                free(copy);
                return -ENOMEM;
        }
        free(e->votes);
        e->votes = copy;
        e->n_votes = n;
        e->global_confidence = global_confidence;
        e->global = global_confidence > 0 && !e->revoked;
        return 0;
}

int whitelist_revoke(struct whitelist *wl, const uint8_t sha256[WHITELIST_SHA256_SIZE], const char *reporting_host)
{
        struct whitelist_entry *e = whitelist_ensure(wl, sha256);

        if (!e)
                return -ENOMEM;
        e->revoked = true;
        e->global = false;
        snprintf(e->revoked_by, sizeof(e->revoked_by), "%s", reporting_host ?: "");
        return 0;
}

static int clear_one(const struct whitelist_entry *c, void *userdata)
{
        struct whitelist_entry *e = (struct whitelist_entry *) c;

        free(e->votes);
        e->votes = NULL;
        e->n_votes = 0;
        e->global_confidence = 0;
        e->global = e->revoked = false;
        e->revoked_by[0] = 0;
        return 0;
}

void whitelist_clear_global(struct whitelist *wl)
{
        (void) whitelist_foreach(wl, clear_one, NULL);
}

double whitelist_scale_score(double score, double confidence)
{
        if (!(confidence > 0))
                return score;
        return score * (1 - WHITELIST_SCALE * MIN(confidence, 1.0));
}

void whitelist_sha256_to_hex(const uint8_t sha256[WHITELIST_SHA256_SIZE], char out[WHITELIST_SHA256_HEX])
{
        static const char digits[] = "0123456789abcdef";

        for (size_t i = 0; i < WHITELIST_SHA256_SIZE; i++) {
                out[2 * i] = digits[sha256[i] >> 4];
                out[2 * i + 1] = digits[sha256[i] & 15];
        }
        out[2 * WHITELIST_SHA256_SIZE] = 0;
}

static int hex_digit(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int whitelist_sha256_from_hex(const char *s, size_t len, uint8_t sha256[WHITELIST_SHA256_SIZE])
{
        uint8_t out[WHITELIST_SHA256_SIZE];

        if (len != 2 * WHITELIST_SHA256_SIZE)
                return -EINVAL;
        for (size_t i = 0; i < WHITELIST_SHA256_SIZE; i++) {
                int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);

                if (hi < 0 || lo < 0)
                        return -EINVAL;
                out[i] = (uint8_t) (hi << 4 | lo);
        }
        memcpy(sha256, out, sizeof(out));
        return 0;
}

const char *whitelist_package_name(enum whitelist_package p)
{
        static const char *const names[_WHITELIST_PACKAGE_MAX] = {
                [WHITELIST_PACKAGE_NONE] = "none", [WHITELIST_PACKAGE_VERIFIED] = "verified",
                [WHITELIST_PACKAGE_MODIFIED] = "modified", [WHITELIST_PACKAGE_UNCHECKED] = "unchecked",
        };
        return (unsigned) p < _WHITELIST_PACKAGE_MAX ? names[p] : NULL;
}

const char *whitelist_layer_name(enum whitelist_layer l)
{
        static const char *const names[_WHITELIST_LAYER_MAX] = {
                [WHITELIST_LAYER_HOST] = "host", [WHITELIST_LAYER_IMAGE] = "image", [WHITELIST_LAYER_DRIFT] = "drift",
        };
        return (unsigned) l < _WHITELIST_LAYER_MAX ? names[l] : NULL;
}

const char *whitelist_kind_name(enum whitelist_kind k)
{
        static const char *const names[_WHITELIST_KIND_MAX] = {
                [WHITELIST_KIND_PROGRAM] = "program", [WHITELIST_KIND_SHELL] = "shell",
                [WHITELIST_KIND_INTERPRETER] = "interpreter", [WHITELIST_KIND_DOWNLOADER] = "downloader",
        };
        return (unsigned) k < _WHITELIST_KIND_MAX ? names[k] : NULL;
}
