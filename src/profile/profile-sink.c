/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "profile-sink-private.h"
#include "shared/log.h"
#include "shared/strbuf.h"

int profile_scope_of(const struct identity *id, char *buf, size_t size)
{
        if (id && id->runtime && id->image && *id->image)
                return snprintf(buf, size, "image:%s", id->image);
        if (id && id->runtime && id->container_name)
                return snprintf(buf, size, "container:%s", id->container_name);
        if (id && id->unit)
                return snprintf(buf, size, "unit:%s", id->unit);
        return snprintf(buf, size, "host");
}

int profile_sink_new(struct profile_sink **ret, struct profile_set *set, const struct profile_sink_config *config,
                     profile_lookup_fn lookup, profile_raise_fn raise, void *userdata)
{
        struct profile_sink *k = calloc(1, sizeof(*k));

        if (!k) {
                profile_set_free(set);
                return -ENOMEM;
        }
        *k = (struct profile_sink) { .set = set, .lookup = lookup, .raise = raise, .userdata = userdata };
        if (config)
                k->config = *config;
        if (k->config.window_ns == 0)
                k->config.window_ns = DEFAULT_WINDOW_NS;
        if (k->config.max_processes == 0)
                k->config.max_processes = DEFAULT_MAX_PROCESSES;
        column_index_init(&k->columns, profile_record_columns, _PC_MAX);
        *ret = k;
        return 0;
}

static void story_free(struct story *st)
{
        strbuf_free(&st->text);
        free(st);
}

static void forget_processes(struct profile_sink *k)
{
        size_t pos = 0;
        uint64_t key;
        void *v;

        while (u64map_next(&k->procs, &pos, &key, &v))
                free(v);
        u64map_clear(&k->procs);
        for (struct story *st = k->stories, *next; st; st = next) {
                next = st->next;
                story_free(st);
        }
        k->stories = k->stories_tail = NULL;
}

struct profile_sink *profile_sink_free(struct profile_sink *k)
{
        if (!k)
                return NULL;
        forget_processes(k);
        profile_set_free(k->set);
        free(k);
        return NULL;
}

struct profile_set *profile_sink_get_set(struct profile_sink *k)
{
        return k->set;
}

struct profile_set *profile_sink_replace_set(struct profile_sink *k, struct profile_set *set)
{
        struct profile_set *old = k->set;

        forget_processes(k);
        k->set = set;
        return old;
}

void profile_sink_get_stats(const struct profile_sink *k, struct profile_sink_stats *ret)
{
        *ret = k->stats;
}

struct proc_state *profile_sink_proc_new(struct profile_sink *k, uint32_t pid)
{
        struct proc_state *ps;

        if (k->procs.n >= k->config.max_processes) {
                k->stats.untracked++;
                return NULL;
        }
        ps = calloc(1, sizeof(*ps));
        if (!ps)
                return NULL;
        ps->pid = pid;
        if (u64map_put(&k->procs, pid, ps) < 0) {
                free(ps);
                return NULL;
        }
        return ps;
}

void profile_sink_proc_forget(struct profile_sink *k, struct proc_state *ps)
{
        u64map_remove(&k->procs, ps->pid);
        if (ps->story)
                ps->story->root_pid = 0;        /* the story still closes and reports */
        free(ps);
}

/* The profile of a process: the cached pointer while no profile was removed since, else a lookup. */
struct profile *profile_sink_profile_of(struct profile_sink *k, struct proc_state *ps)
{
        if (!ps->subject)
                return NULL;
        if (ps->profile && ps->removals == k->set->removals && ps->profile->subject == ps->subject)
                return ps->profile;
        ps->profile = profile_set_find(k->set, ps->subject);
        ps->removals = k->set->removals;
        return ps->profile;
}

void profile_sink_set_comm(struct proc_state *ps, const char *s, size_t len)
{
        len = MIN(len, sizeof(ps->comm) - 1);
        memcpy(ps->comm, s, len);
        ps->comm[len] = 0;
}

/* The profile of a process that runs exe with the identity of r: found or created, an instance more. */
struct profile *profile_sink_attach(struct profile_sink *k, struct proc_state *ps, const char *exe,
                                      const struct record *r, uint32_t now)
{
        char scope[256];
        struct profile *p;

        (void) profile_scope_of(r->identity, scope, sizeof(scope));
        ps->cgroup_id = r->cgroup_id;
        p = profile_set_get(k->set, exe, scope, now, true);
        ps->subject = p ? p->subject : 0;
        ps->profile = p;
        ps->removals = k->set->removals;
        if (p)
                p->instances++;
        return p;
}

/* The state of the record's process: known, or looked up once (a process older than cwatchd). */
struct proc_state *profile_sink_proc_of(struct profile_sink *k, uint32_t pid, const struct record *r,
                                        uint32_t now)
{
        struct proc_state *ps = u64map_get(&k->procs, pid);
        struct profile_process_info info = {};

        if (ps || pid == 0)
                return ps;
        if (!k->lookup || !k->lookup(pid, &info, k->userdata) || !info.exe)
                return NULL;
        ps = profile_sink_proc_new(k, pid);
        if (!ps)
                return NULL;
        ps->ppid = info.ppid;
        if (info.comm)
                profile_sink_set_comm(ps, info.comm, strlen(info.comm));
        (void) profile_sink_attach(k, ps, info.exe, r, now);
        return ps;
}

/* A learning profile takes the process's window score as a sample for its threshold, from the second
 * half of its learning period on: the first processes' burst is the learning itself. */
void profile_sink_sample_window(struct profile_sink *k, struct proc_state *ps, uint32_t now)
{
        struct profile *p = ps->active ? profile_sink_profile_of(k, ps) : NULL;

        if (p && p->mode == PROFILE_LEARNING && (uint64_t) now >= p->created + k->set->config.learning_period_s / 2)
                profile_add_learning_score(p, ps->window_score);
        ps->window_score = 0;
        ps->active = false;
}

static struct story *story_open(struct profile_sink *k, struct proc_state *ps, const struct record *r,
                                uint64_t now_ns)
{
        struct story *st = calloc(1, sizeof(*st));

        if (!st)
                return NULL;
        st->root_pid = ps->pid;
        st->subject = ps->subject;
        st->cgroup_id = r->cgroup_id;
        st->first_ns = now_ns;
        st->deadline_ns = now_ns + k->config.window_ns;
        memcpy(st->comm, ps->comm, sizeof(st->comm));
        if (k->stories_tail)
                k->stories_tail->next = st;
        else
                k->stories = st;
        k->stories_tail = st;
        ps->story = st;
        return st;
}

/* The open story of the process or of its nearest ancestor with one in the same cgroup: what a unit's
 * processes do never joins a story of the service manager or a shell that started the unit. */
static struct story *story_of(struct profile_sink *k, struct proc_state *ps)
{
        uint64_t cgroup_id = ps ? ps->cgroup_id : 0;

        for (int depth = 0; ps && depth < ANCESTOR_DEPTH && ps->cgroup_id == cgroup_id; depth++) {
                if (ps->story)
                        return ps->story;
                if (ps->ppid == ps->pid)
                        break;
                ps = u64map_get(&k->procs, ps->ppid);
        }
        return NULL;
}

static void story_add(struct profile_sink *k, struct story *st, struct proc_state *ps, const struct profile *p,
                      const struct feature *f, const struct observation *o, double contribution)
{
        const char *comm = ps->comm[0] ? ps->comm : "?";

        for (unsigned i = 0; i < st->n_items; i++)
                if (st->items[i].key == f->key && st->items[i].subject == p->subject)
                        return;
        if (st->n_items >= STORY_MAX_ITEMS)
                return;
        st->items[st->n_items++] = (struct story_item) { p->subject, f->key };
        st->score += contribution;
        if (st->n_items == 1) {
                const char *colon = strchr(p->scope, ':');

                snprintf(st->object, sizeof(st->object), "%s %s", feature_relation_name(f->relation), f->object);
                if (colon)
                        strbuf_printf(&st->text, "%s (%.*s %s) ", comm, (int) (colon - p->scope), p->scope,
                                      colon + 1);
                else
                        strbuf_printf(&st->text, "%s (%s) ", comm, p->scope);
        } else if (st->text.len < PROFILE_ANOMALY_TEXT_MAX)
                strbuf_printf(&st->text, "; %s ", comm);
        if (st->text.len < PROFILE_ANOMALY_TEXT_MAX)
                strbuf_printf(&st->text, "%s %s%s", feature_relation_verb(f->relation), f->object,
                              o->added ? " for the first time" : o->learned ? " (rare)" : " (not yet learned)");
}

/* Counts one feature of process ps; in detection what is new or rare joins a story. */
void profile_sink_observe(struct profile_sink *k, struct proc_state *ps, const struct record *r,
                          enum feature_relation rel, const char *object, size_t len, uint32_t now)
{
        struct profile *p;
        struct observation o;
        struct feature f;
        struct story *st;
        double contribution;

        p = ps ? profile_sink_profile_of(k, ps) : NULL;
        if (!p)
                return;
        feature_set(&f, rel, object, len);
        if (profile_observe(k->set, p, &f, now, &o) < 0)
                return;
        k->stats.features++;
        ps->active = true;
        if (o.learned && o.novelty < 1.0 / (1.0 + RARE_COUNT))
                return;
        /* the IDF weight only now: most features are learned and common, and the sketch is a cache miss */
        contribution = profile_set_weight(k->set, f.key) * o.novelty / profile_damping(p);
        if (p->mode == PROFILE_LEARNING) {
                ps->window_score += contribution;
                return;
        }
        st = story_of(k, ps);
        if (!st) {
                st = story_open(k, ps, r, r->time_ns);
                if (!st)
                        return;
        }
        story_add(k, st, ps, p, &f, &o, contribution);
}


static void story_close(struct profile_sink *k, struct story *st)
{
        struct profile *p = profile_set_find(k->set, st->subject);
        double threshold = p ? profile_threshold(k->set, p) : k->set->config.threshold;
        struct proc_state *root = st->root_pid ? u64map_get(&k->procs, st->root_pid) : NULL;

        if (root && root->story == st)
                root->story = NULL;
        if (st->score < threshold || !p) {
                k->stats.below_threshold++;
                log_debug("Story of pid %" PRIu32 " closed with score %.2f below the threshold %.2f: %s",
                          st->root_pid, st->score, threshold, st->text.data ?: "");
                return;
        }
        /* what was part of an alert is not learned on the days it alerts */
        for (unsigned i = 0; i < st->n_items; i++) {
                struct profile *q = profile_set_find(k->set, st->items[i].subject);

                if (q)
                        profile_mark_alerted(q, st->items[i].key);
        }
        p->alerts++;
        k->stats.anomalies++;
        log_debug("Story of pid %" PRIu32 " raised with score %.2f (threshold %.2f) about %s: %s", st->root_pid,
                  st->score, threshold, st->object, st->text.data ?: "");
        if (k->raise)
                (void) k->raise(&(struct profile_anomaly) {
                        .time_ns = st->first_ns, .pid = st->root_pid, .comm = st->comm, .exe = p->exe,
                        .scope = p->scope, .cgroup_id = st->cgroup_id, .score = st->score, .threshold = threshold,
                        .n_features = st->n_items, .text = st->text.data ?: "", .object = st->object,
                }, k->userdata);
}

void profile_sink_tick(struct profile_sink *k, uint64_t now_ns)
{
        uint32_t now = (uint32_t) (now_ns / 1000000000);
        bool sample = now_ns >= k->last_sample_ns + k->config.window_ns || now_ns < k->last_sample_ns;
        uint32_t doomed[256];
        size_t pos = 0, n_doomed = 0;
        uint64_t key;
        void *v;

        while (k->stories && k->stories->deadline_ns <= now_ns) {
                struct story *st = k->stories;

                k->stories = st->next;
                if (!k->stories)
                        k->stories_tail = NULL;
                story_close(k, st);
                story_free(st);
        }
        /* the passes over every process and profile are for sampling, forgetting and learning's end:
         * once a window is enough, and keeps a tick cheap with thousands of them */
        if (!sample)
                return;
        k->last_sample_ns = now_ns;
        while (u64map_next(&k->procs, &pos, &key, &v)) {
                struct proc_state *ps = v;

                profile_sink_sample_window(k, ps, now);
                /* the map must not change while iterating: forget after (the rest next tick) */
                if (ps->exited && ps->exited + EXIT_GRACE_S < now && !ps->story && n_doomed < ELEMENTSOF(doomed))
                        doomed[n_doomed++] = ps->pid;
        }
        for (size_t i = 0; i < n_doomed; i++)
                profile_sink_proc_forget(k, u64map_get(&k->procs, doomed[i]));
        for (struct profile *p = k->set->lru_head; p; p = p->lru_next)
                if (profile_update_mode(k->set, p, now))
                        k->stats.to_detecting++;
}
