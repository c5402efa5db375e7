/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The behaviour profiles in the manager: a record sink after the rules', its processes looked up in
 * the rules' process table, its anomalies raised as alerts through the alert pipeline. */
#include <stdio.h>
#include <string.h>
#include "manager.h"
#include "alert/pipeline.h"
#include "detect/detect.h"
#include "profile/profile-sink.h"
#include "shared/log.h"
#include "shared/timeutil.h"

static const struct proctable *manager_proctable(struct manager *m)
{
        return m->detect ? detect_get_proctable(m->detect) : NULL;
}

static bool lookup_process(uint32_t pid, struct profile_process_info *ret, void *userdata)
{
        const struct proctable *t = manager_proctable(userdata);
        const struct proc_entry *e = t ? proctable_get(t, pid) : NULL;

        if (!e || !e->exe)
                return false;
        *ret = (struct profile_process_info) { .ppid = e->ppid, .exe = e->exe, .comm = e->comm };
        return true;
}

static void fill_process(struct alert_process *p, const struct proc_entry *e)
{
        *p = (struct alert_process) {
                .pid = e->pid, .ppid = e->ppid, .uid = e->uid, .comm = e->comm, .exe = e->exe, .cmdline = e->cmdline,
        };
}

static int raise_anomaly(const struct profile_anomaly *an, void *userdata)
{
        struct manager *m = userdata;
        const struct proctable *t = manager_proctable(m);
        const struct proc_entry *e = t && an->pid ? proctable_get(t, an->pid) : NULL;
        const struct identity *id =
                m->identity && an->cgroup_id ? identity_lookup(m->identity, an->cgroup_id) : NULL;
        struct identity unit_only = {};
        char message[PROFILE_ANOMALY_TEXT_MAX + 128];
        double trust, score = an->score;
        struct alert a = {
                .time_ns = an->time_ns ?: now_realtime_ns(),
                .count = 1,
                .rule = PROFILE_ALERT_RULE,
                .message_id = CWATCH_MESSAGE_ANOMALY,
                .severity = SEVERITY_WARNING,
                .message = message,
                .score = an->score,
                .anomaly = an->text,
                .cgroup_id = an->cgroup_id,
        };

        /* a trusted program's anomaly weighs less (manager-whitelist.c); below the threshold it is not raised */
        if (manager_program_trust(m, an->pid, an->exe, &trust)) {
                score = whitelist_scale_score(an->score, trust);
                if (score < an->threshold) {
                        log_debug("Anomaly of %s not raised: score %.1f scaled by trust %.2f to %.1f, below %.1f",
                                  an->exe ?: "?", an->score, trust, score, an->threshold);
                        return 0;
                }
                a.score = score;
        }
        /* the unit may be gone by the time the window closes: its name is in the profile's scope */
        if (!id && strneq(an->scope, "unit:", 5)) {
                unit_only.unit = an->scope + 5;
                id = &unit_only;
        }
        a.identity = id;
        snprintf(message, sizeof(message), "Anomalous behaviour (score %.1f, threshold %.1f): %s", score,
                 an->threshold, an->text);
        if (e)
                fill_process(&a.process, e);
        a.process.pid = an->pid;
        if (!a.process.comm)
                a.process.comm = an->comm;
        if (!a.process.exe)
                a.process.exe = an->exe;
        for (e = e ? proctable_get(t, e->ppid) : NULL; e && a.n_ancestors < ALERT_MAX_ANCESTORS;
             e = proctable_get(t, e->ppid)) {
                fill_process(&a.ancestors[a.n_ancestors++], e);
                if (e->ppid == e->pid)
                        break;
        }
        return manager_submit_alert(m, &a, an->object);
}

static int deliver_to_sinks(const struct alert *a, void *userdata)
{
        return manager_raise_alert(userdata, a);
}

int manager_enable_profiles(struct manager *m, struct profile_set *set, const struct profile_sink_config *config,
                            struct profile_sink **ret)
{
        _cleanup_(profile_sink_freep) struct profile_sink *k = NULL;
        struct record_sink sink;
        int r;

        r = profile_sink_new(&k, set, config, lookup_process, raise_anomaly, m);
        if (r < 0)
                return r;
        if (!m->alert_pipeline) {
                r = alert_pipeline_new(&m->alert_pipeline, m->event, NULL, deliver_to_sinks, m);
                if (r < 0)
                        return r;
        }
        sink = profile_sink_record_sink(k);
        r = manager_add_record_sink(m, &sink);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(k);
        return 0;
}
