/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <signal.h>
#include <string.h>
#include "run.h"
#include "manager.h"
#include "probe.h"
#include "detect/builtin-exec.h"
#include "sink/alert-print.h"
#include "shared/log.h"
#include "shared/strbuf.h"
#include "shared/timeutil.h"

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        log_info("received %s, exiting", strsignal(si->ssi_signo));
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static int on_duration(sd_event_source *s, uint64_t usec, void *userdata)
{
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static void report_drops(struct manager *m)
{
        for (size_t i = 0; i < m->n_tracers; i++) {
                struct tracer *t = &m->tracers[i];
                uint64_t drops = tracer_drops(t), lost = t->ops->lost && t->running ? t->ops->lost(t) : 0;

                if (t->events == 0 && drops == 0 && !t->running)
                        continue;
                if (drops > 0 || lost > 0)
                        log_warning("%s: %" PRIu64 " events, %" PRIu64 " dropped (ring buffer full), "
                                    "%" PRIu64 " lost in the kernel", t->ops->name, t->events, drops, lost);
                else
                        log_info("%s: %" PRIu64 " events, 0 dropped", t->ops->name, t->events);
        }
        if (m->malformed_events > 0)
                log_warning("%" PRIu64 " malformed events ignored", m->malformed_events);
}

int run_foreground(const struct options *o)
{
        _cleanup_(manager_freep) struct manager *m = NULL;
        _cleanup_(sd_event_source_unrefp) sd_event_source *sigint = NULL, *sigterm = NULL, *timer = NULL;
        struct formatter formatter;
        struct strbuf names = {};
        struct probe probe = {};
        bool need_tracefs = false;
        sigset_t mask;
        int r;

        for (size_t i = 0; i < o->n_tracers; i++)
                need_tracefs |= tracer_registry[tracer_registry_find(o->tracers[i])]->needs_tracefs;
        probe_run(&probe);
        if (probe_report_missing(&probe, need_tracefs, stderr) > 0) {
                log_error("cannot trace: the pieces above are missing");
                return 1;
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = manager_new(&m, o->ringbuf_size, o->interval_ns);
        if (r < 0)
                return 1;
        formatter_init(&formatter, o->format, stdout);
        m->formatter = &formatter;
        m->pid_filter = o->pid;
        m->top = o->top;
        m->sort_key = o->sort;
        (void) manager_add_detector(m, &builtin_exec_detector);
        (void) manager_add_alert_sink(m, &(struct alert_sink) {
                .name = "foreground", .send = alert_print_send, .userdata = &formatter });

        if (sd_event_add_signal(m->event, &sigint, SIGINT, on_signal, NULL) < 0 ||
            sd_event_add_signal(m->event, &sigterm, SIGTERM, on_signal, NULL) < 0) {
                r = log_error_errno(ENOMEM, "Failed to watch signals: %m");
                goto out;
        }
        if (o->duration_ns > 0) {
                r = sd_event_add_time_relative(m->event, &timer, CLOCK_MONOTONIC,
                                               o->duration_ns / NSEC_PER_USEC, 0, on_duration, NULL);
                if (r < 0) {
                        log_error_errno(r, "Failed to arm the duration timer: %m");
                        goto out;
                }
        }

        for (size_t i = 0; i < o->n_tracers; i++) {
                r = manager_start_tracer(m, o->tracers[i]);
                if (r < 0) {
                        log_error_errno(r, "Failed to start tracer %s: %m", o->tracers[i]);
                        goto out;
                }
                strbuf_printf(&names, "%s%s", i ? " " : "", o->tracers[i]);
        }
        log_info("tracing: %s (press Ctrl-C to stop)", names.data);

        r = sd_event_loop(m->event);
        if (r < 0)
                log_error_errno(r, "Event loop failed: %m");
        (void) manager_drain(m);
        report_drops(m);
out:
        /* detach before the formatter goes */
        m = manager_free(m);
        formatter_done(&formatter);
        strbuf_free(&names);
        return r < 0 ? 1 : 0;
}
