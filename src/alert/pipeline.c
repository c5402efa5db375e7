/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "pipeline.h"
#include "normalize.h"
#include "shared/array.h"
#include "shared/log.h"
#include "shared/timeutil.h"

/* One signature: the alert as first seen (strings owned) and how often it recurred. */
struct entry {
        uint64_t signature;
        struct alert alert;
        struct identity identity;
        uint64_t reported;              /* count when the sinks last heard of it; 0: never */
        uint64_t last_mono_ns;
};

struct rule_rate {
        char *rule;
        uint64_t interval_start_ns;
        unsigned sent;                  /* in this interval */
        uint64_t held_back;             /* since start */
        uint64_t held_back_reported;
};

struct alert_pipeline {
        struct alert_pipeline_config config;
        alert_deliver_fn deliver;
        void *userdata;
        sd_event_source *timer;
        struct entry *entries;
        size_t n_entries;
        struct rule_rate *rates;
        size_t n_rates;
        struct alert_pipeline_stats stats;
        void (*held_back_fn)(const char *rule, void *userdata);
        void *held_back_userdata;
};

void alert_new_id(char id[static 33])
{
        uint8_t b[16];

        if (getrandom(b, sizeof(b), GRND_NONBLOCK) != sizeof(b)) {
                uint64_t t = now_monotonic_ns() ^ ((uint64_t) getpid() << 32);

                for (size_t i = 0; i < sizeof(b); i++, t = t * 6364136223846793005ULL + 1442695040888963407ULL)
                        b[i] = t >> 56;
        }
        for (size_t i = 0; i < sizeof(b); i++)
                snprintf(id + 2 * i, 3, "%02x", b[i]);
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
        for (s = s ?: ""; *s; s++)
                h = (h ^ (unsigned char) *s) * UINT64_C(0x100000001b3);
        return (h ^ 0xff) * UINT64_C(0x100000001b3);
}

static char *dup0(const char *s)
{
        return s ? strdup(s) : NULL;
}

static void process_free(struct alert_process *p)
{
        free((char *) p->comm);
        free((char *) p->exe);
        free((char *) p->cmdline);
}

static void entry_free(struct entry *e)
{
        struct identity *id = &e->identity;

        free((char *) e->alert.rule);
        free((char *) e->alert.message_id);
        free((char *) e->alert.mitre);
        free((char *) e->alert.message);
        free((char *) e->alert.anomaly);
        process_free(&e->alert.process);
        for (size_t i = 0; i < e->alert.n_ancestors; i++)
                process_free(&e->alert.ancestors[i]);
        free((char *) id->runtime);
        free((char *) id->container_id);
        free((char *) id->container_name);
        free((char *) id->image);
        free((char *) id->pod);
        free((char *) id->pod_namespace);
        free((char *) id->pod_uid);
        free((char *) id->unit);
        free((char *) id->slice);
        free((char *) id->cgroup_path);
        *e = (struct entry) {};
}

static void process_copy(struct alert_process *dst, const struct alert_process *src)
{
        *dst = *src;
        dst->comm = dup0(src->comm);
        dst->exe = dup0(src->exe);
        dst->cmdline = dup0(src->cmdline);
}

/* A deep copy of a: strings are allocated; failures leave them NULL (the alert is still useful). */
static void entry_store(struct entry *e, const struct alert *a)
{
        e->alert = *a;
        e->alert.rule = dup0(a->rule);
        e->alert.message_id = dup0(a->message_id);
        e->alert.mitre = dup0(a->mitre);
        e->alert.message = dup0(a->message);
        e->alert.anomaly = dup0(a->anomaly);
        e->alert.event = NULL;
        process_copy(&e->alert.process, &a->process);
        for (size_t i = 0; i < a->n_ancestors && i < ALERT_MAX_ANCESTORS; i++)
                process_copy(&e->alert.ancestors[i], &a->ancestors[i]);
        if (a->identity) {
                const struct identity *s = a->identity;

                e->identity = (struct identity) {
                        dup0(s->runtime), dup0(s->container_id), dup0(s->container_name), dup0(s->image),
                        dup0(s->pod), dup0(s->pod_namespace), dup0(s->pod_uid), dup0(s->unit), dup0(s->slice),
                        dup0(s->cgroup_path),
                };
                e->alert.identity = &e->identity;
        }
}

static int deliver(struct alert_pipeline *p, const struct alert *a)
{
        int r = p->deliver ? p->deliver(a, p->userdata) : 0;

        if (r < 0)
                log_debug_errno(r, "Delivering alert %s failed, ignoring: %m", a->rule);
        return 0;
}

static int send_summary(struct alert_pipeline *p, struct entry *e)
{
        struct alert s = e->alert;

        /* a fresh id: the summary is a journal entry of its own */
        alert_new_id(s.id);
        s.time_ns = now_realtime_ns();
        s.event = NULL;
        s.identity = e->alert.identity ? &e->identity : NULL;
        e->reported = e->alert.count;
        p->stats.summaries++;
        return deliver(p, &s);
}

static struct rule_rate *rate_get(struct alert_pipeline *p, const char *rule)
{
        struct rule_rate rate = {};

        for (size_t i = 0; i < p->n_rates; i++)
                if (streq(p->rates[i].rule, rule))
                        return &p->rates[i];
        rate.rule = strdup(rule);
        if (!rate.rule || ARRAY_APPEND(p->rates, p->n_rates, rate) < 0) {
                free(rate.rule);
                return NULL;
        }
        return &p->rates[p->n_rates - 1];
}

/* Whether the rule may send one more new alert now. */
static bool rate_allow(struct alert_pipeline *p, const char *rule, uint64_t now)
{
        struct rule_rate *r = rate_get(p, rule);

        if (!r || p->config.rate_burst == 0)
                return true;
        if (now - r->interval_start_ns >= p->config.rate_interval_ns || r->interval_start_ns == 0) {
                r->interval_start_ns = now;
                r->sent = 0;
        }
        if (r->sent < p->config.rate_burst) {
                r->sent++;
                return true;
        }
        r->held_back++;
        p->stats.rate_limited++;
        if (p->held_back_fn)
                p->held_back_fn(r->rule, p->held_back_userdata);
        return false;
}

static void report_held_back(struct alert_pipeline *p)
{
        for (size_t i = 0; i < p->n_rates; i++) {
                struct rule_rate *r = &p->rates[i];

                if (r->held_back == r->held_back_reported)
                        continue;
                log_warning("rule %s: %" PRIu64 " alerts held back by the rate limit (%u per %" PRIu64 " s)",
                            r->rule, r->held_back - r->held_back_reported, p->config.rate_burst,
                            p->config.rate_interval_ns / NSEC_PER_SEC);
                r->held_back_reported = r->held_back;
        }
}

static void tick(struct alert_pipeline *p, uint64_t now, bool all)
{
        size_t k = 0;

        for (size_t i = 0; i < p->n_entries; i++) {
                struct entry *e = &p->entries[i];
                bool expired = all || now - e->last_mono_ns >= p->config.window_ns;

                if (e->reported > 0 && e->alert.count > e->reported)
                        (void) send_summary(p, e);
                else if (e->reported == 0)
                        /* held back: counted in the rate-limit report, not sent one by one */
                        e->reported = e->alert.count;
                if (expired && e->alert.count == e->reported) {
                        entry_free(e);
                        continue;
                }
                if (k != i) {
                        p->entries[k] = *e;
                        if (p->entries[k].alert.identity)
                                p->entries[k].alert.identity = &p->entries[k].identity;
                        *e = (struct entry) {};
                }
                k++;
        }
        p->n_entries = k;
        p->stats.entries = k;
        report_held_back(p);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct alert_pipeline *p = userdata;

        tick(p, now_monotonic_ns(), false);
        return sd_event_source_set_time_relative(s, p->config.summary_interval_ns / NSEC_PER_USEC);
}

int alert_pipeline_new(struct alert_pipeline **ret, sd_event *event, const struct alert_pipeline_config *config,
                       alert_deliver_fn deliver_fn, void *userdata)
{
        struct alert_pipeline *p = calloc(1, sizeof(*p));
        int r;

        if (!p)
                return -ENOMEM;
        p->config = config ? *config : ALERT_PIPELINE_DEFAULT_CONFIG;
        if (p->config.max_entries == 0)
                p->config.max_entries = 1;
        if (p->config.summary_interval_ns == 0)
                p->config.summary_interval_ns = NSEC_PER_SEC;
        p->deliver = deliver_fn;
        p->userdata = userdata;
        p->entries = calloc(p->config.max_entries, sizeof(*p->entries));
        if (!p->entries) {
                free(p);
                return -ENOMEM;
        }
        if (event) {
                r = sd_event_add_time_relative(event, &p->timer, CLOCK_MONOTONIC,
                                               p->config.summary_interval_ns / NSEC_PER_USEC, 0, on_timer, p);
                if (r < 0) {
                        alert_pipeline_free(p);
                        return log_error_errno(r, "Failed to arm the alert summary timer: %m");
                }
                (void) sd_event_source_set_enabled(p->timer, SD_EVENT_ON);
                (void) sd_event_source_set_description(p->timer, "alert-summaries");
        }
        *ret = p;
        return 0;
}

struct alert_pipeline *alert_pipeline_free(struct alert_pipeline *p)
{
        if (!p)
                return NULL;
        tick(p, now_monotonic_ns(), true);
        p->timer = sd_event_source_disable_unref(p->timer);
        for (size_t i = 0; i < p->n_entries; i++)
                entry_free(&p->entries[i]);
        free(p->entries);
        for (size_t i = 0; i < p->n_rates; i++)
                free(p->rates[i].rule);
        free(p->rates);
        free(p);
        return NULL;
}

int alert_pipeline_submit(struct alert_pipeline *p, const struct alert *a, const char *object)
{
        struct strbuf norm = {};
        uint64_t sig = UINT64_C(0xcbf29ce484222325), now = now_monotonic_ns();
        struct alert first;
        struct entry *e = NULL;

        p->stats.submitted++;
        if (object)
                alert_normalize_object(&norm, object, strlen(object));
        sig = fnv1a(sig, a->rule);
        sig = fnv1a(sig, a->process.exe);
        sig = fnv1a(sig, a->identity ? a->identity->container_id : NULL);
        sig = fnv1a(sig, norm.oom ? object : norm.data);
        strbuf_free(&norm);

        for (size_t i = 0; i < p->n_entries; i++)
                if (p->entries[i].signature == sig) {
                        e = &p->entries[i];
                        break;
                }
        if (e) {
                e->alert.count++;
                e->alert.last_seen_ns = a->time_ns;
                e->last_mono_ns = now;
                p->stats.deduplicated++;
                return 0;
        }

        first = *a;
        alert_new_id(first.id);
        first.count = 1;
        first.first_seen_ns = first.last_seen_ns = a->time_ns;
        if (p->n_entries < p->config.max_entries) {
                e = &p->entries[p->n_entries++];
                e->signature = sig;
                e->last_mono_ns = now;
                entry_store(e, &first);
                p->stats.entries = p->n_entries;
        } else
                p->stats.untracked++;
        if (!rate_allow(p, a->rule, now))
                return 0;
        if (e)
                e->reported = 1;
        p->stats.sent++;
        (void) deliver(p, &first);
        return 1;
}

int alert_pipeline_flush(struct alert_pipeline *p)
{
        tick(p, now_monotonic_ns(), false);
        /* summaries of everything counted so far, even inside the window */
        for (size_t i = 0; i < p->n_entries; i++)
                if (p->entries[i].reported > 0 && p->entries[i].alert.count > p->entries[i].reported)
                        (void) send_summary(p, &p->entries[i]);
        return 0;
}

void alert_pipeline_get_stats(const struct alert_pipeline *p, struct alert_pipeline_stats *ret)
{
        *ret = p->stats;
        ret->entries = p->n_entries;
}

void alert_pipeline_set_held_back_callback(struct alert_pipeline *p, void (*fn)(const char *rule, void *userdata),
                                           void *userdata)
{
        p->held_back_fn = fn;
        p->held_back_userdata = userdata;
}

uint64_t alert_pipeline_rule_held_back(const struct alert_pipeline *p, const char *rule)
{
        for (size_t i = 0; i < p->n_rates; i++)
                if (streq(p->rates[i].rule, rule))
                        return p->rates[i].held_back;
        return 0;
}
