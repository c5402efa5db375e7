/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The whitelist in the manager: a record sink before the rules' (so an exec's program is known when
 * they raise about it), the critical alert of a deny-listed or revoked program, and the alert step
 * that puts the program's SHA-256 and trust on every alert about a process (CWATCH_SHA256=,
 * CWATCH_TRUST=; the incident score counts the alert scaled by it) and counts the alert and its
 * incident against the program. Trust never holds back an alert: only the profiles' anomaly scores
 * are scaled before their threshold (manager_program_trust()). */
#include <stdio.h>
#include <string.h>
#include "manager.h"
#include "alert/pipeline.h"
#include "detect/detect.h"
#include "shared/log.h"
#include "shared/timeutil.h"
#include "whitelist/whitelist-sink.h"

static void fill_process(struct alert_process *p, const struct proc_entry *e)
{
        *p = (struct alert_process) {
                .pid = e->pid, .ppid = e->ppid, .uid = e->uid, .comm = e->comm, .exe = e->exe, .cmdline = e->cmdline,
        };
}

/* A deny-listed or revoked program ran: a critical alert, straight to the sinks (no rate limit, no
 * dedup: every execution is reported). */
static int raise_denied(const struct whitelist_exec *x, const struct whitelist_entry *e,
                        const struct whitelist_score *score, void *userdata)
{
        struct manager *m = userdata;
        const struct proctable *t = m->detect ? detect_get_proctable(m->detect) : NULL;
        /* the process as this exec made it (the rules' table has not seen the exec yet), then its
         * ancestors from the table */
        const struct proc_entry *p = t && x->ppid ? proctable_get(t, x->ppid) : NULL;
        char hex[WHITELIST_SHA256_HEX], message[512];
        struct alert a = {
                .time_ns = x->time_ns ?: now_realtime_ns(),
                .count = 1,
                .rule = WHITELIST_DENY_RULE,
                .message_id = CWATCH_MESSAGE_DENYLIST,
                .severity = SEVERITY_CRITICAL,
                .mitre = "T1204",
                .message = message,
                .score = 10,
                .cgroup_id = x->cgroup_id,
                .identity = m->identity && x->cgroup_id ? identity_lookup(m->identity, x->cgroup_id) : NULL,
                .process = { .pid = x->pid, .ppid = x->ppid, .uid = x->uid, .comm = x->comm, .exe = x->path,
                             .cmdline = x->cmdline },
        };

        whitelist_sha256_to_hex(e->sha256, hex);
        if (e->malicious)
                snprintf(message, sizeof(message), "Deny-listed program executed: %s (sha256 %s)", x->path ?: "?", hex);
        else
                snprintf(message, sizeof(message), "Revoked program executed: %s (sha256 %s), reported malicious by %s",
                         x->path ?: "?", hex, e->revoked_by);
        for (; p && a.n_ancestors < ALERT_MAX_ANCESTORS; p = proctable_get(t, p->ppid)) {
                fill_process(&a.ancestors[a.n_ancestors++], p);
                if (p->ppid == p->pid)
                        break;
        }
        log_debug("%s (%zu reasons)", message, score->n_reasons);
        return manager_raise_alert(m, &a);
}

int manager_enable_whitelist(struct manager *m, struct whitelist *wl, const struct whitelist_sink_config *config,
                             whitelist_stable_cb stable, void *stable_userdata, struct whitelist_sink **ret)
{
        _cleanup_(whitelist_sink_freep) struct whitelist_sink *k = NULL;
        struct record_sink sink;
        int r;

        if (m->whitelist) {
                whitelist_free(wl);
                return -EALREADY;
        }
        r = whitelist_sink_new(&k, wl, config, m->event, raise_denied, m, stable, stable_userdata);
        if (r < 0)
                return r;
        sink = whitelist_sink_record_sink(k);
        r = manager_add_record_sink(m, &sink);
        if (r < 0)
                return r;
        m->whitelist = k;
        *ret = TAKE_PTR(k);
        return 0;
}

static struct whitelist_entry *program_of(struct manager *m, uint32_t pid, const char *exe)
{
        return m->whitelist ? whitelist_sink_program_of(m->whitelist, pid, exe) : NULL;
}

bool manager_program_trust(struct manager *m, uint32_t pid, const char *exe, double *ret)
{
        struct whitelist_entry *e = program_of(m, pid, exe);

        if (!e)
                return false;
        *ret = e->malicious || e->revoked ? 0 : e->confidence;
        return true;
}

void manager_whitelist_annotate(struct manager *m, struct alert *a, char hex[WHITELIST_SHA256_HEX])
{
        struct whitelist_entry *e = !a->program_sha256 && (a->process.pid || a->process.exe) ?
                program_of(m, a->process.pid, a->process.exe) : NULL;

        if (!e)
                return;
        whitelist_sha256_to_hex(e->sha256, hex);
        a->program_sha256 = hex;
        a->trust = e->malicious || e->revoked ? 0 : e->confidence;
}

void manager_whitelist_count_alert(struct manager *m, const struct alert *a)
{
        uint8_t sha[WHITELIST_SHA256_SIZE];

        if (!m->whitelist || !a->program_sha256 ||
            whitelist_sha256_from_hex(a->program_sha256, strlen(a->program_sha256), sha) < 0)
                return;
        (void) whitelist_record_alert_in_incident(whitelist_sink_get(m->whitelist), sha, a->incident_id);
}
