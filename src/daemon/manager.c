/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "manager.h"
#include "event.h"
#include "alert/pipeline.h"
#include "detect/detect.h"
#include "shared/log.h"
#include "shared/timeutil.h"
#include "config.h"
#include "metrics/http-server.h"
#include "metrics/metrics.h"
#include "shared/ringbuf.h"

static void manager_handle_sample(void *ctx, void *data, size_t size)
{
        struct manager *m = ctx;
        const struct cw_event_header *h = data;
        struct tracer *t;
        int r;

        if (size < sizeof(*h) || h->size > size || h->size < sizeof(*h) ||
            h->version != CW_EVENT_VERSION || h->tracer >= m->n_tracers) {
                m->malformed_events++;
                return;
        }
        t = &m->tracers[h->tracer];
        if (!t->running)
                return;
        t->events++;
        r = t->ops->on_event(t, data, h->size);
        if (r < 0)
                log_debug_errno(r, "%s: failed to handle event of type %u, ignoring: %m",
                                t->ops->info->name, h->type);
        /* never stop draining because of one event */
}

int manager_drain(struct manager *m)
{
        int r;

        /* mapped at the first drain, after the tracers that start with cwatchd have loaded:
         * each load parses the kernel's BTF (~11 MB for a moment), which then does not come on
         * top of the ring's pages; events wait in the ring meanwhile */
        if (!m->ringbuf) {
                r = ringbuf_new(&m->ringbuf, m->ringbuf_fd, m->ringbuf_size, manager_handle_sample, m);
                if (r < 0)
                        return log_error_errno(r, "Failed to map the ring buffer: %m");
        }
        r = ringbuf_consume(m->ringbuf);

        return r < 0 ? r : 0;
}

static int manager_drain_cb(void *userdata)
{
        return manager_drain(userdata);
}

int manager_enable_identity(struct manager *m, const struct identity_config *config)
{
        int r;

        if (m->identity)
                return -EALREADY;
        r = identity_context_new(&m->identity, config);
        if (r < 0)
                return r;
        r = identity_context_watch(m->identity, m->event, manager_drain_cb, m);
        if (r < 0) {
                m->identity = identity_context_free(m->identity);
                return r;
        }
        return 0;
}

static int manager_on_ringbuf(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct manager *m = userdata;
        int r = manager_drain(m);

        if (r < 0)
                log_warning_errno(r, "Failed to drain the ring buffer, ignoring: %m");
        return 0;
}

static int manager_on_flush(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct manager *m = userdata;
        int r = manager_drain(m);

        if (r < 0)
                log_warning_errno(r, "Failed to drain the ring buffer, ignoring: %m");
        return sd_event_source_set_time_relative(s, m->latency_ns / NSEC_PER_USEC);
}

uint64_t manager_wakeup_bytes(const struct manager *m)
{
        /* a wake-up when a sixteenth of the ring is waiting: bursts are drained long before it
         * fills, steady rates below that are drained by the timer */
        return m->latency_ns ? MAX(m->ringbuf_size / 16, 1u) : 0;
}

int manager_set_latency(struct manager *m, uint64_t latency_ns)
{
        int r;

        m->latency_ns = latency_ns;
        if (latency_ns == 0)
                return sd_event_source_set_enabled(m->flush_source, SD_EVENT_OFF);
        r = sd_event_source_set_time_relative(m->flush_source, latency_ns / NSEC_PER_USEC);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(m->flush_source, SD_EVENT_ON);
}

int manager_new(struct manager **ret, uint32_t ringbuf_size, uint64_t interval_ns)
{
        _cleanup_(manager_freep) struct manager *m = NULL;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->ringbuf_fd = -1;
        m->ringbuf_size = ringbuf_size;
        m->interval_ns = interval_ns;
        m->boot_to_realtime = boottime_to_realtime_offset();

        r = metrics_new(&m->metrics);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the metrics: %m");

        m->n_tracers = MIN(tracer_registry_size, (size_t) MANAGER_MAX_TRACERS);
        for (size_t i = 0; i < m->n_tracers; i++)
                m->tracers[i] = (struct tracer) {
                        .ops = tracer_registry[i],
                        .manager = m,
                        .index = i,
                        .drops_fd = -1,
                };

        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the event loop: %m");

        m->ringbuf_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "cw_events", 0, 0, ringbuf_size, NULL);
        if (m->ringbuf_fd < 0)
                return log_error_errno(errno, "Failed to create the ring buffer (%u bytes): %m",
                                       ringbuf_size);
        /* edge-triggered: only the BPF programs' wake-ups count, not every event written since the
         * last drain (the timer drains those) */
        r = sd_event_add_io(m->event, &m->ringbuf_source, m->ringbuf_fd, EPOLLIN | EPOLLET,
                            manager_on_ringbuf, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the ring buffer: %m");
        (void) sd_event_source_set_description(m->ringbuf_source, "ringbuf");

        m->latency_ns = MANAGER_DEFAULT_LATENCY_NS;
        r = sd_event_add_time_relative(m->event, &m->flush_source, CLOCK_MONOTONIC,
                                       m->latency_ns / NSEC_PER_USEC, USEC_PER_MSEC, manager_on_flush, m);
        if (r < 0)
                return log_error_errno(r, "Failed to arm the ring buffer's drain timer: %m");
        (void) sd_event_source_set_description(m->flush_source, "ringbuf-flush");
        r = sd_event_source_set_enabled(m->flush_source, SD_EVENT_ON);
        if (r < 0)
                return log_error_errno(r, "Failed to enable the ring buffer's drain timer: %m");

        *ret = TAKE_PTR(m);
        return 0;
}

static void tracer_stop(struct tracer *t)
{
        if (!t->running)
                return;
        t->interval_source = sd_event_source_disable_unref(t->interval_source);
        t->drops_before = tracer_drops(t);
        t->drops_fd = -1;
        t->ops->stop(t);
        t->running = false;
}

struct manager *manager_free(struct manager *m)
{
        if (!m)
                return NULL;
        m->metrics_server = metrics_server_free(m->metrics_server);
        for (size_t i = 0; i < m->n_tracers; i++)
                tracer_stop(&m->tracers[i]);
        /* last summaries go to the sinks, which are still there */
        m->alert_pipeline = alert_pipeline_free(m->alert_pipeline);
        m->detect = detect_free(m->detect);
        m->identity = identity_context_free(m->identity);
        m->ringbuf_source = sd_event_source_disable_unref(m->ringbuf_source);
        m->flush_source = sd_event_source_disable_unref(m->flush_source);
        m->ringbuf = ringbuf_free(m->ringbuf);
        if (m->ringbuf_fd >= 0)
                close(m->ringbuf_fd);
        m->metrics = metrics_free(m->metrics);
        strv_free_n(m->watched_paths, m->n_watched_paths);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

struct tracer *manager_find_tracer(struct manager *m, const char *name)
{
        int i = tracer_registry_find(name);

        return i < 0 || (size_t) i >= m->n_tracers ? NULL : &m->tracers[i];
}

static int tracer_on_interval(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct tracer *t = userdata;
        struct manager *m = t->manager;
        int r;

        /* events queued before the interval ends belong to it */
        (void) manager_drain(m);
        r = t->ops->on_interval(t);
        if (r < 0)
                log_warning_errno(r, "%s: interval failed, ignoring: %m", t->ops->info->name);
        return sd_event_source_set_time_relative(s, m->interval_ns / NSEC_PER_USEC);
}

int manager_start_tracer(struct manager *m, const char *name)
{
        struct tracer *t = manager_find_tracer(m, name);
        int r;

        if (!t)
                return -ENOENT;
        if (t->running)
                return -EALREADY;
        r = t->ops->start(t);
        if (r < 0) {
                t->drops_fd = -1;
                return r;
        }
        t->running = true;
        if (t->ops->has_interval && t->ops->on_interval) {
                r = sd_event_add_time_relative(m->event, &t->interval_source, CLOCK_MONOTONIC,
                                               m->interval_ns / NSEC_PER_USEC, 0, tracer_on_interval, t);
                if (r < 0) {
                        tracer_stop(t);
                        return log_error_errno(r, "%s: failed to arm the interval timer: %m", name);
                }
                (void) sd_event_source_set_enabled(t->interval_source, SD_EVENT_ON);
        }
        log_debug("%s: started", name);
        return 0;
}

int manager_stop_tracer(struct manager *m, const char *name)
{
        struct tracer *t = manager_find_tracer(m, name);

        if (!t)
                return -ENOENT;
        if (!t->running)
                return -EALREADY;
        /* events already in the ring buffer are still delivered */
        (void) manager_drain(m);
        tracer_stop(t);
        log_debug("%s: stopped", name);
        return 0;
}

static bool record_matches_filters(const struct manager *m, const struct record *r)
{
        int i;

        if (m->pid_filter <= 0)
                return true;
        i = schema_find_column(r->schema, "pid");
        return i < 0 || (r->values[i].present && r->values[i].u == (uint64_t) m->pid_filter);
}

int manager_emit(struct manager *m, const struct record *r)
{
        int r1 = 0, r2 = 0, r3 = 0;

        if (!record_matches_filters(m, r))
                return 0;
        if (m->identity) {
                if (identity_has_filter(m->identity) && !identity_wanted(m->identity, r->cgroup_id))
                        return 0;
                if (r->cgroup_id)
                        record_fill_identity((struct record *) r, identity_lookup(m->identity, r->cgroup_id));
        }
        metrics_observe_record(m->metrics, r);
        if (m->formatter && !r->quiet)
                r1 = formatter_write(m->formatter, r);
        if (m->detect)
                r3 = detect_on_record(m->detect, r);
        for (size_t i = 0; i < m->n_detectors; i++) {
                int k = m->detectors[i].on_record(m, r, m->detectors[i].userdata);

                if (k < 0)
                        log_debug_errno(k, "Detection %s failed on a %s record, ignoring: %m",
                                        m->detectors[i].name, record_event(r));
        }
        if (m->record_hook)
                r2 = m->record_hook(m, r, m->record_hook_userdata);
        return r1 < 0 ? r1 : r2 < 0 ? r2 : r3;
}

void manager_begin_interval(struct manager *m)
{
        if (m->formatter)
                formatter_new_section(m->formatter);
}

void manager_set_watched_paths(struct manager *m, char **paths, size_t n)
{
        strv_free_n(m->watched_paths, m->n_watched_paths);
        m->watched_paths = paths;
        m->n_watched_paths = n;
}

int manager_add_alert_sink(struct manager *m, const struct alert_sink *sink)
{
        if (m->n_alert_sinks >= MANAGER_MAX_ALERT_SINKS)
                return -ENOSPC;
        m->alert_sinks[m->n_alert_sinks++] = *sink;
        return 0;
}

int manager_add_detector(struct manager *m, const struct detector *d)
{
        if (m->n_detectors >= MANAGER_MAX_DETECTORS)
                return -ENOSPC;
        m->detectors[m->n_detectors++] = *d;
        return 0;
}

int manager_raise_alert(struct manager *m, const struct alert *a)
{
        int ret = 0;

        if (m->config && a->severity > m->config->min_severity)
                return 0;

        m->alerts_raised++;
        metrics_observe_alert(m->metrics, a);
        for (size_t i = 0; i < m->n_alert_sinks; i++) {
                int r = m->alert_sinks[i].send(a, m->alert_sinks[i].userdata);

                if (r < 0) {
                        log_warning_errno(r, "Alert sink %s failed, ignoring: %m", m->alert_sinks[i].name);
                        ret = r;
                }
        }
        return ret;
}

void manager_log_counters(struct manager *m)
{
        for (size_t i = 0; i < m->n_tracers; i++) {
                struct tracer *t = &m->tracers[i];
                uint64_t drops = tracer_drops(t), lost = t->ops->lost && t->running ? t->ops->lost(t) : 0;

                if (t->events == 0 && drops == 0 && !t->running)
                        continue;
                if (drops > 0 || lost > 0)
                        log_warning("%s: %" PRIu64 " events, %" PRIu64 " dropped (ring buffer full), "
                                    "%" PRIu64 " lost in the kernel", t->ops->info->name, t->events, drops,
                                    lost);
                else
                        log_info("%s: %" PRIu64 " events, 0 dropped", t->ops->info->name, t->events);
        }
        if (m->malformed_events > 0)
                log_warning("%" PRIu64 " malformed events ignored", m->malformed_events);
}
