/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sysexits.h>
#include <systemd/sd-daemon.h>
#include "service.h"
#include "probe.h"
#include "service-bus.h"
#include "service-health.h"
#include "service-restart.h"
#include "detect/builtin-exec.h"
#include "detect/detect.h"
#include "graph/provenance.h"
#include "metrics/http-server.h"
#include "alert/journal.h"
#include "shared/log.h"
#include "shared/strbuf.h"
#include "shared/timeutil.h"

/* What the parts take from the configuration in force, at start and after each reload. */
static void service_apply_config(struct service *s)
{
        s->manager->interval_ns = s->config.interval_ns;
        s->manager->min_severity = s->config.min_severity;
        s->builtin_exec.exec_from_temporary = s->config.exec_from_temporary;
        s->builtin_exec.dirs = s->config.temporary_dirs.items;
        s->builtin_exec.n_dirs = s->config.temporary_dirs.n;
        /* the parser checked the range; no scan detection without the rules (-ENOENT) */
        (void) manager_set_scan_limits(s->manager, s->config.scan_threshold, s->config.scan_window_ns);
        /* checked by the configuration's parser; -ENOENT while the rules are off */
        (void) manager_set_discovery_limits(s->manager, s->config.discovery_threshold,
                                            s->config.discovery_window_ns);
}

static bool tracer_configured(const struct config *c, const char *name)
{
        return c && strv_contains(&c->tracers, name);
}

int service_start_tracer(struct service *s, const char *name)
{
        struct tracer *t = manager_find_tracer(s->manager, name);
        int r;

        if (!t)
                return -ENOENT;
        s->user_stopped[t->index] = false;
        if (t->running)
                return 0;
        r = manager_start_tracer(s->manager, name);
        if (r < 0)
                return log_error_errno(r, "Failed to start tracer %s: %m", name);
        (void) service_fdstore_keep(s->manager, &s->handover);
        log_info("Tracer %s started", name);
        service_notify_status(s);
        return 0;
}

int service_stop_tracer(struct service *s, const char *name)
{
        struct tracer *t = manager_find_tracer(s->manager, name);

        if (!t)
                return -ENOENT;
        s->user_stopped[t->index] = true;
        if (!t->running)
                return 0;
        /* out of the fd store first: the detach is then ours, not PID 1's */
        service_fdstore_forget(s->manager, false);
        (void) manager_stop_tracer(s->manager, name);
        (void) service_fdstore_keep(s->manager, &s->handover);
        log_info("Tracer %s stopped", name);
        service_notify_status(s);
        return 0;
}

/* Brings the running tracers in line with new (old: the configuration before, NULL at start). */
static void service_apply_tracers(struct service *s, const struct config *old, const struct config *new)
{
        struct manager *m = s->manager;

        for (size_t i = 0; i < new->tracers.n; i++)
                if (!manager_find_tracer(m, new->tracers.items[i]))
                        log_warning("Tracer '%s' is enabled in the configuration but not built into this "
                                    "cwatchd, ignoring", new->tracers.items[i]);

        for (size_t i = 0; i < m->n_tracers; i++) {
                struct tracer *t = &m->tracers[i];
                const char *name = t->ops->info->name;
                /* an external tracer's own Enable= (cwatch.tracer(5)) counts like the configuration */
                bool ext = t->ops->external && t->ops->info->enabled_by_default;
                bool want = ext || tracer_configured(new, name), was = ext || tracer_configured(old, name);
                int r;

                if (want != was)
                        s->user_stopped[i] = false;
                if (!want || s->user_stopped[i]) {
                        if (t->running && !want) {
                                (void) manager_stop_tracer(m, name);
                                log_info("Tracer %s stopped (disabled in the configuration)", name);
                        }
                        continue;
                }
                if (t->running)
                        continue;
                r = manager_start_tracer(m, name);
                if (r < 0)
                        log_warning_errno(r, "Failed to start tracer %s, continuing without it: %m", name);
                else
                        log_info("Tracer %s started", name);
        }
}

void service_notify_status(struct service *s)
{
        struct manager *m = s->manager;
        struct strbuf names = {}, degraded = {};
        uint64_t events = 0, drops = 0;
        size_t running = 0;

        for (size_t i = 0; i < m->n_tracers; i++) {
                struct tracer *t = &m->tracers[i];

                events += t->events;
                drops += tracer_drops(t);
                if (t->running)
                        strbuf_printf(&names, "%s%s", running++ ? " " : "", t->ops->info->name);
        }
        service_status_prefix(s, &degraded);
        (void) sd_notifyf(false, "STATUS=%sTracing: %s; %" PRIu64 " events, %" PRIu64 " dropped, %" PRIu64 " alerts%s",
                          degraded.data ?: "", running ? names.data : "nothing", events, drops, m->alerts_raised,
                          bus_link_status(s));
        strbuf_free(&names);
        strbuf_free(&degraded);
}

int service_reload(struct service *s, struct conf_error *err)
{
        struct config new, old;
        int r;

        r = config_load(&new, s->config_file, s->config_dir, err);
        if (r < 0) {
                log_error("Failed to reload the configuration, keeping the last good one: %s", err->text);
                return r;
        }
        if (s->manager->detect) {
                struct strbuf errors = {};

                /* all or nothing: a bad rule file keeps both the old rules and the old configuration;
                 * the new rules watch the new configuration's WatchPaths= */
                r = manager_reload_rules(s->manager, &new.watch_paths, &errors);
                if (r < 0) {
                        /* every error, each its own journal entry, in file and line order */
                        (void) service_log_rule_errors("Failed to reload the rules, keeping the last good ones",
                                                       errors.data, err->text, sizeof(err->text));
                        strbuf_free(&errors);
                        config_done(&new);
                        return r;
                }
                strbuf_free(&errors);
        }
        if (new.ringbuf_size != s->config.ringbuf_size)
                log_notice("RingBufferSize= changes only take effect on restart");
        if (new.latency_ns != s->config.latency_ns)
                log_notice("Latency= changes only take effect on restart");
        if (new.profiles != s->config.profiles || new.profile_max_profiles != s->config.profile_max_profiles ||
            new.profile_max_features != s->config.profile_max_features ||
            !streq(new.profile_state_dir ?: "", s->config.profile_state_dir ?: ""))
                log_notice("[Profiles] Enable=, MaxProfiles=, MaxFeatures= and StateDirectory= changes only take effect "
                           "on restart");
        new.latency_ns = s->config.latency_ns;
        old = s->config;
        s->config = new;
        service_apply_config(s);
        service_apply_profiles_config(s);
        service_apply_whitelist_config(s);
        service_apply_sync_config(s);
        service_apply_response_config(s);
        service_fdstore_forget(s->manager, false);
        service_apply_tracers(s, &old, &s->config);
        (void) service_fdstore_keep(s->manager, &s->handover);
        config_done(&old);
        if (s->status_source)
                (void) sd_event_source_set_time_relative(s->status_source, s->config.status_interval_ns / 1000);
        s->reloads++;
        s->config_loaded_usec = now_realtime_ns() / 1000;
        log_info("Configuration reloaded");
        service_notify_status(s);
        return 0;
}

static int on_exit_signal(sd_event_source *src, const struct signalfd_siginfo *si, void *userdata)
{
        log_info("Received %s, detaching and exiting", strsignal(si->ssi_signo));
        (void) sd_notify(false, "STOPPING=1\nSTATUS=Detaching the tracers");
        /* a stop detaches: nothing stays in the fd store (a crash leaves it all there, and so does a
         * restart: the next instance takes over at once, and this one exits without detaching) */
        if (service_restart_pending(userdata))
                log_info("Restarting: the programs stay attached for the next cwatchd");
        else
                service_fdstore_forget(((struct service *) userdata)->manager, true);
        return sd_event_exit(sd_event_source_get_event(src), 0);
}

static int on_sighup(sd_event_source *src, const struct signalfd_siginfo *si, void *userdata)
{
        struct conf_error err = {};

        /* a reload over D-Bus is one systemd already knows of (ExecReload=); a signal is not */
        log_info("Received SIGHUP, reloading the configuration");
        (void) sd_notify(false, "RELOADING=1\nSTATUS=Reloading the configuration");
        (void) service_reload(userdata, &err);
        (void) sd_notify(false, "READY=1");
        service_notify_status(userdata);
        return 0;
}

static int on_status_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
        struct service *s = userdata;

        service_notify_status(s);
        service_restart_save(s);
        return sd_event_source_set_time_relative(src, s->config.status_interval_ns / 1000);
}

static int journal_alert_send(const struct alert *a, void *userdata)
{
        struct service *s = userdata;
        int r;

        if (!s->config.journal)
                return 0;
        r = journal_sink_send(a, NULL);
        if (r >= 0)
                s->alerts_sent_to_journal++;
        return r;
}

static int raise_builtin_alert(const struct alert *a, void *userdata)
{
        return manager_raise_alert(userdata, a);
}

/* The rule engine; when the rules cannot be loaded, the built-in exec detection keeps watching. */
static int service_enable_detection(struct service *s)
{
        struct rules_paths paths = { s->rules_dirs, s->n_rules_dirs };
        struct strbuf errors = {};
        struct record_sink sink;
        int r;

        r = manager_enable_rules(s->manager, s->n_rules_dirs > 0 ? &paths : NULL, &s->config.watch_paths,
                                 &errors);
        if (r < 0) {
                service_note_rules_failed(s, errors.data);
                builtin_exec_init(&s->builtin_exec, raise_builtin_alert, s->manager);
                s->builtin_exec_on = true;
                service_apply_config(s);
                sink = builtin_exec_record_sink(&s->builtin_exec);
                r = manager_add_record_sink(s->manager, &sink);
                if (r < 0)
                        log_error_errno(r, "Failed to add the built-in detection: %m");
        } else
                service_apply_config(s);        /* the scan and discovery detections the rules brought */
        strbuf_free(&errors);
        return r;
}

static void service_done(struct service *s)
{
        /* tracers first: nothing may arrive for sinks that are gone */
        s->profiles.timer = sd_event_source_disable_unref(s->profiles.timer);
        service_stop_sync(s);
        s->whitelist.timer = sd_event_source_disable_unref(s->whitelist.timer);
        service_restart_save(s);
        s->manager = manager_free(s->manager);
        service_handover_done(&s->handover);
        service_stop_profiles(s);
        service_stop_whitelist(s);
        service_stop_response(s);
        bus_link_stop(s);
        s->sigterm_source = sd_event_source_unref(s->sigterm_source);
        s->sigint_source = sd_event_source_unref(s->sigint_source);
        s->sighup_source = sd_event_source_unref(s->sighup_source);
        s->status_source = sd_event_source_unref(s->status_source);
        config_done(&s->config);
}

int service_run(const struct options *o)
{
        struct service s = {
                .config_file = o->config_file ?: CONFIG_FILE,
                .config_dir = o->config_dir ?: CONFIG_DROPIN_DIR,
                .rules_dirs = o->rules_dirs,
                .n_rules_dirs = o->n_rules_dirs,
        };
        struct conf_error err = {};
        struct probe probe = {};
        sigset_t mask;
        int r;

        r = config_load(&s.config, s.config_file, s.config_dir, &err);
        if (r < 0) {
                log_error("Bad configuration, refusing to start: %s", err.text[0] ? err.text : strerror(-r));
                (void) sd_notifyf(false, "STATUS=Bad configuration: %s", err.text[0] ? err.text : strerror(-r));
                /* not 1: the unit's RestartPreventExitStatus= keeps systemd from trying again */
                return EX_CONFIG;
        }
        s.config_loaded_usec = s.started_usec = now_realtime_ns() / 1000;

        probe_run(&probe);
        if (probe_report_missing(&probe, false, stderr) > 0)
                log_warning("Some kernel features are missing (see above); tracers that need them will fail");

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = manager_new(&s.manager, (uint32_t) s.config.ringbuf_size, s.config.interval_ns);
        if (r < 0)
                goto finish;
        service_apply_config(&s);
        r = manager_set_latency(s.manager, s.config.latency_ns);
        if (r < 0) {
                log_error_errno(r, "Failed to set the event latency: %m");
                goto finish;
        }
        /* before any tracer: the ring buffer an earlier instance left in the fd store */
        service_restart_begin(&s);

        r = sd_event_add_signal(s.manager->event, &s.sigterm_source, SIGTERM, on_exit_signal, &s);
        if (r >= 0)
                r = sd_event_add_signal(s.manager->event, &s.sigint_source, SIGINT, on_exit_signal, &s);
        if (r >= 0)
                r = sd_event_add_signal(s.manager->event, &s.sighup_source, SIGHUP, on_sighup, &s);
        if (r < 0) {
                log_error_errno(r, "Failed to watch signals: %m");
                goto finish;
        }
        r = sd_event_set_watchdog(s.manager->event, true);
        if (r < 0)
                log_warning_errno(r, "Failed to enable the watchdog, ignoring: %m");
        r = sd_event_add_time_relative(s.manager->event, &s.status_source, CLOCK_MONOTONIC,
                                       s.config.status_interval_ns / 1000, 0, on_status_timer, &s);
        if (r < 0) {
                log_error_errno(r, "Failed to arm the status timer: %m");
                goto finish;
        }
        (void) sd_event_source_set_enabled(s.status_source, SD_EVENT_ON);

        (void) manager_add_alert_sink(s.manager, &(struct alert_sink) {
                .name = "journal", .send = journal_alert_send, .userdata = &s });

        r = manager_enable_identity(s.manager, &(struct identity_config) {
                .roots = { .docker = s.config.docker_root, .podman = s.config.podman_root, .pods = s.config.pods_root } });
        if (r < 0)
                log_warning_errno(r, "Identity is off (no container, pod or unit names), ignoring: %m");

        /* before the rules, which may name their events */
        r = manager_load_external_tracers(s.manager, NULL, 0);
        if (r < 0)
                goto finish;

        /* before the rules: they ask the graph where an executed file came from */
        if (s.config.provenance) {
                r = manager_enable_provenance(s.manager, &(struct provenance_config) {
                        .graph = { s.config.graph_max_nodes, s.config.graph_max_edges, s.config.graph_window_ns },
                        .incident_window_ns = s.config.incident_window_ns,
                        .max_incidents = s.config.max_incidents,
                        .story_hops = (unsigned) s.config.story_hops,
                        .story_max_bytes = s.config.story_max_bytes }, s.config.journal);
                if (r < 0)
                        log_warning_errno(r, "The provenance graph is off (no stories, no incidents), ignoring: %m");
        }

        /* before the rules: their alerts carry the program's trust */
        (void) service_start_whitelist(&s);
        r = service_enable_detection(&s);
        if (r < 0)
                goto finish;
        (void) service_start_profiles(&s);

        /* the socket of cwatchd.socket when systemd passed one, else [Metrics] Listen= */
        r = manager_start_metrics_server(s.manager, s.config.metrics_listen);
        if (r < 0)
                log_warning_errno(r, "Serving no metrics: %m");
        (void) service_start_sync(&s);          /* after the metrics server: it serves /whitelist */

        /* the bus is how people steer us, but tracing and the journal work without it */
        r = bus_link_start(&s);
        if (r < 0)
                goto finish;
        (void) service_start_response(&s);     /* acts through systemd once the bus is there */

        service_apply_tracers(&s, NULL, &s.config);
        service_restart_ready(&s);

        (void) sd_notify(false, "READY=1");
        service_notify_status(&s);
        log_info("cwatchd %s running", CWATCH_VERSION);

        r = sd_event_loop(s.manager->event);
        if (r < 0)
                log_error_errno(r, "Event loop failed: %m");
        (void) manager_drain(s.manager);
        manager_log_counters(s.manager);
finish:
        service_done(&s);
        log_info("cwatchd stopped");
        return r < 0 ? 1 : 0;
}
