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
#include "detect/discovery.h"
#include "detect/scan.h"
#include "shared/log.h"
#include "shared/timeutil.h"
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
            h->version != CW_EVENT_VERSION || (h->tracer & ~TRACER_ID_GENERATION) >= m->n_tracers ||
            m->tracers[h->tracer & ~TRACER_ID_GENERATION].ops->external) {
                m->malformed_events++;
                return;
        }
        t = &m->tracers[h->tracer & ~TRACER_ID_GENERATION];
        if (!t->running)
                return;
        /* the programs of the cwatchd this one took over from (manager-handover.c) */
        if (!!(h->tracer & TRACER_ID_GENERATION) != m->tracer_env.generation && !manager_handover_accept(m, t, h))
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
        m->tracer_env.cgroup_allow_fd = identity_allow_map_fd(m->identity);
        return 0;
}

int manager_on_ringbuf(sd_event_source *s, int fd, uint32_t revents, void *userdata)
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
        m->tracer_env.wakeup_bytes = manager_wakeup_bytes(m);
        if (latency_ns == 0)
                return sd_event_source_set_enabled(m->flush_source, SD_EVENT_OFF);
        r = sd_event_source_set_time_relative(m->flush_source, latency_ns / NSEC_PER_USEC);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(m->flush_source, SD_EVENT_ON);
}

static const char *const pid_column_name[] = { "pid" };
static int manager_emit_cb(void *owner, struct record *r);
static void manager_interval_cb(void *owner, const struct schema *s, bool begin);
static int metrics_sink_on_record(void *userdata, const struct record *r)
{
        metrics_observe_record(userdata, r);
        return 0;
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

        m->min_severity = _SEVERITY_MAX;
        column_index_init(&m->pid_column, pid_column_name, 1);

        r = metrics_new(&m->metrics);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the metrics: %m");
        r = manager_add_record_sink(m, &(struct record_sink) {
                .name = "metrics", .on_record = metrics_sink_on_record, .userdata = m->metrics });
        if (r < 0)
                return r;

        m->tracer_env = (struct tracer_env) {
                .ringbuf_fd = -1,
                .cgroup_allow_fd = -1,
                .boot_to_realtime = m->boot_to_realtime,
                .emit = manager_emit_cb,
                .interval = manager_interval_cb,
                .owner = m,
        };
        m->n_tracers = MIN(tracer_registry_size, (size_t) MANAGER_MAX_TRACERS);
        for (size_t i = 0; i < m->n_tracers; i++)
                m->tracers[i] = (struct tracer) {
                        .ops = tracer_registry[i],
                        .env = &m->tracer_env,
                        .index = i,
                        .drops_fd = -1,
                };

        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the event loop: %m");
        m->tracer_env.event = m->event;

        m->ringbuf_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "cw_events", 0, 0, ringbuf_size, NULL);
        if (m->ringbuf_fd < 0)
                return log_error_errno(errno, "Failed to create the ring buffer (%u bytes): %m",
                                       ringbuf_size);
        m->tracer_env.ringbuf_fd = m->ringbuf_fd;
        /* edge-triggered: only the BPF programs' wake-ups count, not every event written since the
         * last drain (the timer drains those) */
        r = sd_event_add_io(m->event, &m->ringbuf_source, m->ringbuf_fd, EPOLLIN | EPOLLET,
                            manager_on_ringbuf, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the ring buffer: %m");
        (void) sd_event_source_set_description(m->ringbuf_source, "ringbuf");

        m->latency_ns = MANAGER_DEFAULT_LATENCY_NS;
        m->tracer_env.wakeup_bytes = manager_wakeup_bytes(m);
        r = sd_event_add_time_relative(m->event, &m->flush_source, CLOCK_MONOTONIC,
                                       m->latency_ns / NSEC_PER_USEC, USEC_PER_MSEC, manager_on_flush, m);
        if (r < 0)
                return log_error_errno(r, "Failed to arm the ring buffer's drain timer: %m");
        (void) sd_event_source_set_description(m->flush_source, "ringbuf-flush");
        r = sd_event_source_set_enabled(m->flush_source, SD_EVENT_ON);
        if (r < 0)
                return log_error_errno(r, "Failed to enable the ring buffer's drain timer: %m");
        r = manager_watch_drops(m);
        if (r < 0)
                return log_error_errno(r, "Failed to arm the drop check: %m");

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
        m->discovery = discovery_free(m->discovery);
        m->detect = detect_free(m->detect);
        m->scan = scan_detector_free(m->scan);
        m->graph = manager_graph_free(m->graph);
        m->identity = identity_context_free(m->identity);
        m->ringbuf_source = sd_event_source_disable_unref(m->ringbuf_source);
        m->flush_source = sd_event_source_disable_unref(m->flush_source);
        m->drops_source = sd_event_source_disable_unref(m->drops_source);
        m->ringbuf = ringbuf_free(m->ringbuf);
        if (m->ringbuf_fd >= 0)
                close(m->ringbuf_fd);
        m->metrics = metrics_free(m->metrics);
        tracer_watched_paths_done(&m->watched_paths);
        m->ext = manager_ext_free(m->ext);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

struct tracer *manager_find_tracer(struct manager *m, const char *name)
{
        for (size_t i = 0; i < m->n_tracers; i++)
                if (streq(m->tracers[i].ops->info->name, name))
                        return &m->tracers[i];
        return NULL;
}

static int tracer_on_interval(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct tracer *t = userdata;
        struct manager *m = t->env->owner;
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
        m->tracer_env.target_tgid = m->pid_filter;
        r = t->ops->start(t);
        if (r < 0) {
                t->drops_fd = -1;
                return r;
        }
        t->running = true;
        m->started_boot_ns[t->index] = now_boottime_ns();
        if (t->ops->has_interval && t->ops->on_interval) {
                r = sd_event_add_time_relative(m->event, &t->interval_source, CLOCK_MONOTONIC,
                                               m->interval_ns / NSEC_PER_USEC, 0, tracer_on_interval, t);
                if (r < 0) {
                        tracer_stop(t);
                        return log_debug_errno(r, "%s: failed to arm the interval timer: %m", name);
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

/* The --pid filter for the tracers that cannot apply it in the kernel. */
static bool record_matches_pid(struct manager *m, const struct record *r)
{
        const int *c;
        const struct value *v;

        if (m->pid_filter == 0)
                return true;
        c = column_index_get(&m->pid_column, r->schema);
        v = c ? record_value(r, c[0]) : NULL;
        return !c || c[0] < 0 || (v && v->u == m->pid_filter);
}

int manager_emit(struct manager *m, struct record *r)
{
        const struct identity *id = NULL;
        int ret = 0;

        if (!record_matches_pid(m, r))
                return 0;
        if (m->identity && r->cgroup_id) {
                /* the kernel applies the container filter; events that were in flight when the
                 * filter's map changed are caught here */
                if (identity_has_filter(m->identity) && !identity_wanted(m->identity, r->cgroup_id))
                        return 0;
                id = identity_lookup(m->identity, r->cgroup_id);
        } else if (m->identity && identity_has_filter(m->identity))
                return 0;
        record_set_identity(r, id);

        for (size_t i = 0; i < m->n_record_sinks; i++) {
                const struct record_sink *s = &m->record_sinks[i];
                int k = s->on_record(s->userdata, r);

                if (k < 0) {
                        m->record_sink_errors++;
                        log_debug_errno(k, "Record sink %s failed on a %s record, ignoring: %m", s->name,
                                        record_event(r));
                        if (ret == 0)
                                ret = k;
                }
        }
        return ret;
}

static int manager_emit_cb(void *owner, struct record *r)
{
        return manager_emit(owner, r);
}

int manager_add_record_sink(struct manager *m, const struct record_sink *sink)
{
        if (m->n_record_sinks >= MANAGER_MAX_RECORD_SINKS)
                return -ENOSPC;
        m->record_sinks[m->n_record_sinks++] = *sink;
        return 0;
}

void manager_begin_interval(struct manager *m, const struct schema *s)
{
        for (size_t i = 0; i < m->n_record_sinks; i++)
                if (m->record_sinks[i].on_interval_begin)
                        m->record_sinks[i].on_interval_begin(m->record_sinks[i].userdata, s);
}

void manager_end_interval(struct manager *m, const struct schema *s)
{
        for (size_t i = 0; i < m->n_record_sinks; i++)
                if (m->record_sinks[i].on_interval_end)
                        m->record_sinks[i].on_interval_end(m->record_sinks[i].userdata, s);
}

static void manager_interval_cb(void *owner, const struct schema *s, bool begin)
{
        if (begin)
                manager_begin_interval(owner, s);
        else
                manager_end_interval(owner, s);
}

void manager_set_watched_paths(struct manager *m, struct tracer_watched_paths *paths)
{
        tracer_watched_paths_done(&m->watched_paths);
        m->watched_paths = *paths;
        *paths = (struct tracer_watched_paths) {};
        m->tracer_env.watched_paths = &m->watched_paths;
        for (size_t i = 0; i < m->n_tracers; i++) {
                struct tracer *t = &m->tracers[i];
                int r;

                if (!t->running || !t->ops->set_watched_paths)
                        continue;
                r = t->ops->set_watched_paths(t, &m->watched_paths);
                if (r < 0)
                        log_warning_errno(r, "%s: failed to watch the paths the rules need, ignoring: %m",
                                          t->ops->info->name);
        }
}

int manager_add_alert_sink(struct manager *m, const struct alert_sink *sink)
{
        if (m->n_alert_sinks >= MANAGER_MAX_ALERT_SINKS)
                return -ENOSPC;
        m->alert_sinks[m->n_alert_sinks++] = *sink;
        return 0;
}

int manager_raise_alert(struct manager *m, const struct alert *raised)
{
        struct alert annotated = *raised;
        const struct alert *a = &annotated;
        char sha256[WHITELIST_SHA256_HEX];
        int ret = 0;

        if (a->severity > m->min_severity)
                return 0;
        /* its program's trust, then its story and incident, before any sink sees it
         * (manager-whitelist.c, manager-graph.c) */
        manager_whitelist_annotate(m, &annotated, sha256);
        manager_annotate_alert(m, &annotated);
        manager_whitelist_count_alert(m, &annotated);

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

int manager_submit_alert(struct manager *m, const struct alert *a, const char *object)
{
        if (!m->alert_pipeline)
                return manager_raise_alert(m, a);
        return alert_pipeline_submit(m->alert_pipeline, a, object);
}

void manager_log_counters(struct manager *m)
{
        for (size_t i = 0; i < m->n_tracers; i++) {
                struct tracer *t = &m->tracers[i];
                uint64_t drops = tracer_drops(t), lost = t->ops->lost && t->running ? t->ops->lost(t) : 0;
                uint64_t filtered = t->ops->filtered && t->running ? t->ops->filtered(t) : 0;
                struct strbuf aggregates = {};
                char extra[64] = "";

                if (t->events == 0 && drops == 0 && !t->running)
                        continue;
                if (filtered > 0)
                        snprintf(extra, sizeof(extra), ", %" PRIu64 " filtered out in the kernel", filtered);
                /* an aggregating tracer's output is its interval rows, not its events */
                if (t->ops->interval_summary && t->running) {
                        t->ops->interval_summary(t, &aggregates);
                        strbuf_puts(&aggregates, "; ");
                }
                if (drops > 0 || lost > 0)
                        log_warning("%s: %s%" PRIu64 " events, %" PRIu64 " dropped (ring buffer full), "
                                    "%" PRIu64 " lost in the kernel%s", t->ops->info->name, aggregates.data ?: "",
                                    t->events, drops, lost, extra);
                else
                        log_info("%s: %s%" PRIu64 " events, 0 dropped%s%s", t->ops->info->name, aggregates.data ?: "",
                                 t->events, t->ops->lost && t->running ? ", 0 lost in the kernel" : "", extra);
                strbuf_free(&aggregates);
        }
        if (m->malformed_events > 0)
                log_warning("%" PRIu64 " malformed events ignored", m->malformed_events);
}
