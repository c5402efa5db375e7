/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The trust model: an entry's confidence is the sum of what its facts and history add or take away,
 * clamped to [0, 1], then capped for shells, interpreters and downloaders, and 0 when it is
 * deny-listed or revoked. The weights are docs/WHITELIST.md's table. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "whitelist.h"
#include "whitelist-weights.h"

/* The texts are written only when asked (an explanation): every exec rescores its program, and the
 * formatting would be most of what that costs. */
_printf_(4, 5)
static void add_reason(struct whitelist_score *s, const char *id, double weight, const char *fmt, ...)
{
        struct whitelist_reason *r;
        va_list ap;

        if (s->n_reasons >= WHITELIST_REASONS_MAX)
                return;
        r = &s->reasons[s->n_reasons++];
        r->id = id;
        r->weight = weight;
        if (s->texts) {
                va_start(ap, fmt);
                vsnprintf(r->text, sizeof(r->text), fmt, ap);
                va_end(ap);
        } else
                r->text[0] = 0;
        s->confidence += weight;
}

static double ramp(double value, double full)
{
        return value <= 0 ? 0 : value >= full ? 1 : value / full;
}

static void score_identity(const struct whitelist_entry *e, struct whitelist_score *s)
{
        const struct whitelist_facts *f = &e->facts;
        const char *pkg = f->package_name[0] ? f->package_name : "?";

        switch (f->package) {
        case WHITELIST_PACKAGE_VERIFIED:
                add_reason(s, "package", WL_W_PACKAGE, "owned by Debian package %s, its md5sum matches", pkg);
                break;
        case WHITELIST_PACKAGE_MODIFIED:
                add_reason(s, "package-modified", WL_W_PACKAGE_MODIFIED,
                           "owned by Debian package %s, but its md5sum differs: changed after install", pkg);
                break;
        case WHITELIST_PACKAGE_UNCHECKED:
                add_reason(s, "package-unchecked", WL_W_PACKAGE_UNCHECKED,
                           "owned by Debian package %s, which lists no md5sum for it", pkg);
                break;
        default:
                add_reason(s, "no-package", 0, "not owned by a Debian package");
        }
        if (f->root_owned)
                add_reason(s, "root-owned", WL_W_ROOT_OWNED, "owned by root, in a root-owned directory, not "
                           "writable by group or others");
        else
                add_reason(s, "not-root-owned", 0, "not root-owned, or writable by others");
        if (f->layer == WHITELIST_LAYER_IMAGE)
                add_reason(s, "image", WL_W_IMAGE, "in the container image (the overlay's lower layer)");
        else if (f->layer == WHITELIST_LAYER_DRIFT)
                add_reason(s, "drift", WL_W_DRIFT, "written in the container (the overlay's upper layer): drift");
        if (f->location & WHITELIST_LOC_TEMP)
                add_reason(s, "temporary", WL_W_TEMP, "runs from a temporary directory");
        if (f->location & WHITELIST_LOC_HIDDEN)
                add_reason(s, "hidden", WL_W_HIDDEN, "runs from a hidden path");
        if (f->location & WHITELIST_LOC_DELETED)
                add_reason(s, "deleted", WL_W_DELETED, "its file was deleted while it ran");
        if (f->location & WHITELIST_LOC_MEMFD)
                add_reason(s, "memfd", WL_W_MEMFD, "runs from an anonymous memory file (memfd)");
}

static void score_history(const struct whitelist_entry *e, uint64_t now_usec, struct whitelist_score *s)
{
        double age_days = e->executions && now_usec > e->first_seen_usec ?
                (double) (now_usec - e->first_seen_usec) / 86400e6 : 0;

        if (e->executions == 0) {
                add_reason(s, "never-ran", 0, "never ran here: no age, executions or active days yet");
                return;
        }
        add_reason(s, "age", WL_W_AGE * ramp(age_days, WL_AGE_FULL_DAYS), "first seen %.1f days ago (full at %d)",
                   age_days, WL_AGE_FULL_DAYS);
        add_reason(s, "executions", WL_W_EXECUTIONS * ramp(log10((double) MAX(e->executions, (uint64_t) 1)),
                                                           log10(WL_EXECUTIONS_FULL)),
                   "executed %llu times (full at %d)", (unsigned long long) e->executions, WL_EXECUTIONS_FULL);
        add_reason(s, "active-days", WL_W_ACTIVE_DAYS * ramp(e->active_days, WL_ACTIVE_DAYS_FULL),
                   "active on %u days (full at %d)", e->active_days, WL_ACTIVE_DAYS_FULL);
        if (e->facts.stable)
                add_reason(s, "stable", WL_W_STABLE, "its behaviour profile is learned and raised no anomaly");
        if (e->alerts)
                add_reason(s, "alerts", MAX(WL_W_ALERT * e->alerts, WL_W_ALERTS_MAX), "took part in %u alerts",
                           e->alerts);
        if (e->incidents)
                add_reason(s, "incidents", MAX(WL_W_INCIDENT * e->incidents, WL_W_INCIDENTS_MAX),
                           "took part in %u incidents", e->incidents);
}

static void score_fleet(const struct whitelist_entry *e, struct whitelist_score *s)
{
        char hosts[WHITELIST_REASON_TEXT] = "";
        size_t l = 0;

        if (!e->global)
                return;
        for (size_t i = 0; i < e->n_votes && l < sizeof(hosts); i++)
                l += snprintf(hosts + l, sizeof(hosts) - l, "%s%s", i ? ", " : "", e->votes[i].host);
        add_reason(s, "global", WL_W_GLOBAL * e->global_confidence, "global (%.2f): vouched for by %zu hosts: %s",
                   e->global_confidence, e->n_votes, hosts);
}

static void score_entry(const struct whitelist *wl, const struct whitelist_entry *e, uint64_t now_usec, bool texts,
                        struct whitelist_score *ret)
{
        double cap = whitelist_cap(wl);

        ret->confidence = 0;
        ret->denied = false;
        ret->n_reasons = 0;
        ret->texts = texts;
        score_identity(e, ret);
        score_history(e, now_usec, ret);
        score_fleet(e, ret);
        ret->confidence = MAX(0.0, MIN(1.0, ret->confidence));
        if (e->facts.kind != WHITELIST_KIND_PROGRAM && ret->confidence > cap) {
                add_reason(ret, "cap", 0, "a %s: capped at %.2f, since trusting it trusts whatever it runs",
                           whitelist_kind_name(e->facts.kind), cap);
                ret->reasons[ret->n_reasons - 1].weight = cap;
                ret->confidence = cap;
        }
        if (e->malicious || e->revoked) {
                if (e->malicious)
                        add_reason(ret, "deny-list", 0, "on the local deny list: confidence 0, alerts on exec");
                else
                        add_reason(ret, "revoked", 0, "revoked: reported malicious by %s", e->revoked_by);
                ret->denied = true;
                ret->confidence = 0;
        }
}

void whitelist_score_entry(const struct whitelist *wl, const struct whitelist_entry *e, uint64_t now_usec,
                           struct whitelist_score *ret)
{
        score_entry(wl, e, now_usec, true, ret);
}

double whitelist_confidence(const struct whitelist *wl, const struct whitelist_entry *e, uint64_t now_usec)
{
        struct whitelist_score s;

        score_entry(wl, e, now_usec, false, &s);
        return s.confidence;
}

int whitelist_score(struct whitelist *wl, const uint8_t sha256[WHITELIST_SHA256_SIZE], uint64_t now_usec,
                    struct whitelist_score *ret)
{
        struct whitelist_entry *e = whitelist_get(wl, sha256);

        if (!e)
                return -ENOENT;
        whitelist_score_entry(wl, e, now_usec, ret);
        e->confidence = ret->confidence;
        return 0;
}
