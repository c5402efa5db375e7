/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include "service-restart.h"
#include "service.h"
#include "shared/log.h"
#include "shared/timeutil.h"

void service_restart_begin(struct service *s)
{
        service_state_start(&s->state, s->started_usec);
        service_handover_begin(&s->handover, s->manager);
}

void service_restart_ready(struct service *s)
{
        struct service_state *st = &s->state;
        bool attached = s->handover.adopted && s->handover.n_links > 0;
        char when[64], started[64];

        service_handover_finish(&s->handover, s->manager);
        service_state_ready(st, now_realtime_ns() / 1000, attached);
        service_restart_save(s);
        if (st->restarts == 0)
                return;
        (void) format_timestamp(started, sizeof(started), st->started_usec * 1000);
        if (st->previous_end_usec == 0)
                log_notice("Restart %" PRIu64 " this boot, started %s; how the instance before ended is not known",
                           st->restarts, started);
        else if (attached)
                log_notice("Restart %" PRIu64 " this boot, started %s; the instance before ended %s (%s); its programs "
                           "stayed attached meanwhile: no blind window", st->restarts, started,
                           format_timestamp(when, sizeof(when), st->previous_end_usec * 1000), st->previous_end);
        else
                log_warning("Restart %" PRIu64 " this boot, started %s; the instance before ended %s (%s): blind for "
                            "at least %.1f s", st->restarts, started,
                            format_timestamp(when, sizeof(when), st->previous_end_usec * 1000), st->previous_end,
                            st->blind_usec / 1e6);
}

void service_restart_save(struct service *s)
{
        struct manager *m = s->manager;
        uint64_t events = 0, drops = 0;

        /* not started (a failure before): the file keeps what the last instance saved */
        if (!m || s->state.started_usec == 0)
                return;
        for (size_t i = 0; i < m->n_tracers; i++) {
                events += m->tracers[i].events;
                drops += tracer_drops(&m->tracers[i]);
        }
        (void) service_state_save(&s->state, events, drops, m->alerts_raised);
}

bool service_restart_pending(struct service *s)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *type = NULL;
        const char *unit, *job;
        uint64_t timeout = 0;
        uint32_t id;
        int r;

        if (!s->bus)
                return false;
        /* the bus may be gone or hung: a stop must not wait the default 25 s for this */
        (void) sd_bus_get_method_call_timeout(s->bus, &timeout);
        (void) sd_bus_set_method_call_timeout(s->bus, 2 * USEC_PER_SEC);
        r = sd_bus_call_method(s->bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                               "org.freedesktop.systemd1.Manager", "GetUnitByPID", &error, &reply, "u",
                               (uint32_t) getpid());
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &unit);
        if (r >= 0) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *prop = NULL;

                r = sd_bus_get_property(s->bus, "org.freedesktop.systemd1", unit, "org.freedesktop.systemd1.Unit",
                                        "Job", &error, &prop, "(uo)");
                if (r >= 0)
                        r = sd_bus_message_read(prop, "(uo)", &id, &job);
                if (r >= 0 && id == 0)
                        r = -ENOENT;
                if (r >= 0)
                        r = sd_bus_get_property_string(s->bus, "org.freedesktop.systemd1", job,
                                                       "org.freedesktop.systemd1.Job", "JobType", &error, &type);
        }
        sd_bus_error_free(&error);
        (void) sd_bus_set_method_call_timeout(s->bus, timeout);
        if (r < 0) {
                log_debug_errno(r, "No restart job of ours found, detaching: %m");
                return false;
        }
        log_debug("Stopped by a %s job", type);
        return strstr(type, "restart") != NULL;
}

int service_restart_append_stats(sd_bus_message *reply, const struct service *s)
{
        const struct service_state *st = &s->state;
        const struct manager *m = s->manager;
        uint64_t events = 0, drops = 0;

        for (size_t i = 0; i < m->n_tracers; i++) {
                events += m->tracers[i].events;
                drops += tracer_drops(&m->tracers[i]);
        }
        return sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}",
                                     "restarts", "t", st->restarts,
                                     "previous_end_usec", "t", st->previous_end_usec,
                                     "previous_end", "s", st->previous_end,
                                     "ready_usec", "t", st->ready_usec,
                                     "blind_usec", "t", st->blind_usec,
                                     "handed_over", "b", (int) st->handed_over,
                                     "handover_events", "t", m->handover_events,
                                     "events_total", "t", st->events_before + events,
                                     "drops_total", "t", st->drops_before + drops,
                                     "alerts_total", "t", st->alerts_before + m->alerts_raised);
}
