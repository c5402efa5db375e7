/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel-side losses logged while running: events the BPF programs could not write because the
 * ring buffer was full, and what the tracers lost in the kernel (tracer_ops.lost), each tracer's
 * new losses at most once per MANAGER_DROPS_LOG_USEC with how many since the last line and in all.
 * Before, they reached the journal only at stop. */
#include <inttypes.h>
#include "manager.h"
#include "shared/log.h"
#include "shared/timeutil.h"

#define MANAGER_DROPS_CHECK_USEC (1 * USEC_PER_SEC)
#define MANAGER_DROPS_LOG_USEC (10 * USEC_PER_SEC)

static uint64_t tracer_lost_now(struct tracer *t)
{
        return t->running && t->ops->lost ? t->ops->lost(t) : 0;
}

/* Logs the losses since the last line; returns how many tracers had some. */
int manager_log_new_drops(struct manager *m, uint64_t since_usec)
{
        int n = 0;

        for (size_t i = 0; i < m->n_tracers; i++) {
                struct tracer *t = &m->tracers[i];
                uint64_t drops = tracer_drops(t), lost = tracer_lost_now(t);
                uint64_t new_drops, new_lost;

                /* a tracer started again counts its kernel losses from 0 */
                if (lost < m->lost_reported[i])
                        m->lost_reported[i] = 0;
                new_drops = drops - MIN(drops, m->drops_reported[i]);
                new_lost = lost - m->lost_reported[i];
                if (new_drops == 0 && new_lost == 0)
                        continue;
                log_warning("%s: %" PRIu64 " events dropped (ring buffer full) and %" PRIu64 " lost in the kernel "
                            "in the last %.0f s; %" PRIu64 " dropped since start", t->ops->info->name, new_drops,
                            new_lost, since_usec / 1e6, drops);
                m->drops_reported[i] = drops;
                m->lost_reported[i] = lost;
                n++;
        }
        return n;
}

static int on_drops_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct manager *m = userdata;

        if (!m->drops_logged_usec || usec >= m->drops_logged_usec + MANAGER_DROPS_LOG_USEC) {
                uint64_t since = m->drops_logged_usec ? usec - m->drops_logged_usec : usec - m->drops_started_usec;

                if (manager_log_new_drops(m, since) > 0)
                        m->drops_logged_usec = usec;
        }
        return sd_event_source_set_time(s, usec + MANAGER_DROPS_CHECK_USEC);
}

int manager_watch_drops(struct manager *m)
{
        uint64_t now;
        int r;

        r = sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        m->drops_started_usec = now;
        r = sd_event_add_time(m->event, &m->drops_source, CLOCK_MONOTONIC, now + MANAGER_DROPS_CHECK_USEC,
                              100 * USEC_PER_MSEC, on_drops_timer, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(m->drops_source, "drops");
        return sd_event_source_set_enabled(m->drops_source, SD_EVENT_ON);
}
