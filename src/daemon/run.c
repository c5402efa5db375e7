/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <signal.h>
#include <string.h>
#include "run.h"
#include "graph/provenance.h"
#include "manager.h"
#include "probe.h"
#include "tracers/ext-conf.h"
#include "detect/detect.h"
#include "alert/alert-format.h"
#include "sink/output.h"
#include "shared/log.h"
#include "shared/strbuf.h"
#include "shared/timeutil.h"
#include "metrics/graph.h"
#include "metrics/http-server.h"
#include "metrics/metrics.h"

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        log_info("received %s, exiting", strsignal(si->ssi_signo));
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static int on_duration(sd_event_source *s, uint64_t usec, void *userdata)
{
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static void print_graph(struct manager *m, enum graph_format format)
{
        _cleanup_free_ struct conn_edge *edges = NULL;
        struct strbuf b = {};
        size_t n;

        /* halves still waiting for their other side are final now */
        conn_tracker_expire(&m->metrics->connections, UINT64_MAX);
        if (conn_tracker_edges_since(&m->metrics->connections, 0, &edges, &n) < 0) {
                log_error_errno(ENOMEM, "Failed to build the connection graph: %m");
                return;
        }
        graph_render(&b, format, edges, n);
        fputs(b.data ?: "", stdout);
        fflush(stdout);
        strbuf_free(&b);
}

/* The external tracers among the names asked for (cwatch.tracer(5)); an error for a name that is
 * neither built in nor a usable NAME.tracer. */
static int run_find_external_tracers(struct manager *m, const struct options *o)
{
        bool wanted = false;
        int r;

        for (size_t i = 0; i < o->n_tracers; i++)
                wanted |= tracer_registry_find(o->tracers[i]) < 0;
        if (!wanted)
                return 0;
        r = manager_load_external_tracers(m, o->tracers_dir ? &o->tracers_dir : NULL, o->tracers_dir ? 1 : 0);
        if (r < 0)
                return log_error_errno(r, "Failed to load the external tracers: %m");
        for (size_t i = 0; i < o->n_tracers; i++) {
                const char *why = manager_external_rejected(m, o->tracers[i]);

                if (manager_find_tracer(m, o->tracers[i]))
                        continue;
                if (why)
                        return log_error_errno(EINVAL, "Cannot run tracer %s: %s", o->tracers[i], why);
                return log_error_errno(ENOENT, "Unknown tracer '%s': not built in, and no %s.tracer in %s",
                                       o->tracers[i], o->tracers[i],
                                       o->tracers_dir ?: EXT_TRACER_DIR_ETC " or " EXT_TRACER_DIR_LIB);
        }
        return 0;
}

int run_foreground(const struct options *o)
{
        _cleanup_(manager_freep) struct manager *m = NULL;
        _cleanup_(sd_event_source_unrefp) sd_event_source *sigint = NULL, *sigterm = NULL, *timer = NULL;
        struct formatter formatter;
        struct output output;
        struct strbuf names = {};
        struct probe probe = {};
        bool need_tracefs = false;
        sigset_t mask;
        int r;

        for (size_t i = 0; i < o->n_tracers; i++) {
                int k = tracer_registry_find(o->tracers[i]);

                /* external tracers that need it say so when they attach */
                need_tracefs |= k >= 0 && tracer_registry[k]->needs_tracefs;
        }
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
        r = manager_set_latency(m, o->latency_ns);
        if (r < 0) {
                log_error_errno(r, "Failed to set the event latency: %m");
                return 1;
        }
        formatter_init(&formatter, o->format, stdout);
        output_init(&output, &formatter, o->sort, o->top);
        m->pid_filter = o->pid > 0 ? (uint32_t) o->pid : 0;
        /* with --graph, stdout carries the graph alone */
        if (!o->graph) {
                struct record_sink sink = output_record_sink(&output);

                r = manager_add_record_sink(m, &sink);
                if (r < 0) {
                        log_error_errno(r, "Failed to add the output: %m");
                        goto out;
                }
        }

        if (sd_event_add_signal(m->event, &sigint, SIGINT, on_signal, NULL) < 0 ||
            sd_event_add_signal(m->event, &sigterm, SIGTERM, on_signal, NULL) < 0) {
                r = log_error_errno(ENOMEM, "Failed to watch signals: %m");
                goto out;
        }

        if (!o->no_identity) {
                struct identity_config ic = {
                        .roots = { .docker = o->docker_root, .podman = o->podman_root, .pods = o->pods_root },
                        .container_filter = o->container,
                };

                r = manager_enable_identity(m, &ic);
                if (r < 0 && o->container) {
                        log_error_errno(r, "Cannot filter by container without identity: %m");
                        goto out;
                }
                if (r < 0)
                        log_warning_errno(r, "Identity is off (no container, pod or unit names), ignoring: %m");
        }

        r = run_find_external_tracers(m, o);
        if (r < 0)
                goto out;
        for (size_t i = 0; i < o->n_tracers; i++) {
                const struct tracer_ops *ops = manager_find_tracer(m, o->tracers[i])->ops;

                if (o->sort && ops->has_interval && output_check_sort_key(o->sort, ops->info->schema) < 0) {
                        r = -EINVAL;
                        goto out;
                }
        }
        for (size_t i = 0; i < o->n_tracers; i++) {
                r = manager_start_tracer(m, o->tracers[i]);
                if (r < 0) {
                        log_error_errno(r, "Failed to start tracer %s (--debug says at which step): %m", o->tracers[i]);
                        goto out;
                }
                strbuf_printf(&names, "%s%s", i ? " " : "", o->tracers[i]);
        }
        if (!o->no_rules) {
                struct rules_paths paths = { o->rules_dirs, o->n_rules_dirs };
                struct alert_sink sink = { "foreground", formatter_alert_sink_send, &formatter };
                struct strbuf errors = {};

                /* alerts join the records on stdout (not with --graph, which has stdout alone) */
                r = o->graph ? 0 : manager_add_alert_sink(m, &sink);
                /* the provenance graph before the rules, which ask it; its incidents are counted
                 * (metrics), not journaled, in the foreground */
                if (r >= 0 && manager_enable_provenance(m, &PROVENANCE_DEFAULT_CONFIG, false) < 0)
                        log_warning("The provenance graph is off, ignoring");
                if (r >= 0)
                        r = manager_enable_rules(m, o->n_rules_dirs > 0 ? &paths : NULL, NULL, &errors);
                if (errors.len > 0)
                        fputs(errors.data, stderr);
                strbuf_free(&errors);
                if (r < 0) {
                        log_error_errno(r, "Failed to load the rules: %m");
                        goto out;
                }
        }
        if (o->metrics_listen) {
                r = manager_start_metrics_server(m, o->metrics_listen);
                if (r < 0)
                        goto out;
        }
        /* --duration counts from here, not from the start: loading and verifying the programs takes
         * from 0.1 s to seconds on a busy machine, and a run whose start ate its duration traced
         * nothing (issue 16, item 10) */
        if (o->duration_ns > 0) {
                r = sd_event_add_time_relative(m->event, &timer, CLOCK_MONOTONIC,
                                               o->duration_ns / NSEC_PER_USEC, 0, on_duration, NULL);
                if (r < 0) {
                        log_error_errno(r, "Failed to arm the duration timer: %m");
                        goto out;
                }
        }
        log_info("tracing: %s (press Ctrl-C to stop)", names.data);

        r = sd_event_loop(m->event);
        if (r < 0)
                log_error_errno(r, "Event loop failed: %m");
        (void) manager_drain(m);
        manager_log_counters(m);
        output_log_summary(&output);
        if (o->graph)
                print_graph(m, graph_format_from_string(o->graph));
out:
        /* detach before the formatter goes */
        m = manager_free(m);
        output_done(&output);
        formatter_done(&formatter);
        strbuf_free(&names);
        return r < 0 ? 1 : 0;
}
