/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Gathers the exposition at scrape time: most numbers are read where they are kept (the tracers,
 * the kernel, /proc) rather than copied into a registry as they change. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include "metrics.h"
#include "bpf-stats.h"
#include "exposition.h"
#include "process-stats.h"
#include "daemon/manager.h"
#include "shared/log.h"
#include "shared/timeutil.h"

void metrics_enable_bpf_stats(struct metrics *m)
{
        char buf[8] = {};
        int fd, error;

        if (m->bpf_stats != BPF_STATS_OFF)
                return;
        fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
        error = errno;
        if (fd >= 0) {
                m->bpf_stats_fd = fd;
                m->bpf_stats = BPF_STATS_OURS;
                log_debug("BPF run-time statistics enabled while cwatchd runs");
                return;
        }
        fd = open("/proc/sys/kernel/bpf_stats_enabled", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
                if (read(fd, buf, sizeof(buf) - 1) > 0 && buf[0] == '1')
                        m->bpf_stats = BPF_STATS_SYSCTL;
                close(fd);
        }
        if (m->bpf_stats == BPF_STATS_OFF)
                log_notice("BPF run-time statistics are off and could not be enabled (%s); "
                           "cwatch_bpf_prog_run_* stay 0, cwatch_bpf_stats_enabled is 0", strerror(error));
}

static void render_tracers(struct manager *mgr, struct strbuf *b)
{
        static const struct {
                const char *name, *type, *help;
        } families[] = {
                { "cwatch_events_total", "counter", "Events received from the kernel, by tracer." },
                { "cwatch_drops_total", "counter", "Events lost because the ring buffer was full, by tracer." },
                { "cwatch_tracer_running", "gauge", "1 when the tracer is attached, 0 otherwise." },
                { "cwatch_lru_evictions_total", "counter",
                  "Kernel-side aggregation entries evicted before user space read them, by tracer." },
        };

        for (size_t f = 0; f < ELEMENTSOF(families); f++) {
                expo_family(b, families[f].name, families[f].type, families[f].help);
                for (size_t i = 0; i < mgr->n_tracers; i++) {
                        struct tracer *t = &mgr->tracers[i];
                        struct label l = { "tracer", t->ops->info->name };

                        switch (f) {
                        case 0:
                                expo_sample_u64(b, families[f].name, &l, 1, t->events);
                                break;
                        case 1:
                                expo_sample_u64(b, families[f].name, &l, 1, tracer_drops(t));
                                break;
                        case 2:
                                expo_sample_u64(b, families[f].name, &l, 1, t->running);
                                break;
                        case 3:
                                /* only a loaded tracer can say */
                                if (t->ops->lost && t->running)
                                        expo_sample_u64(b, families[f].name, &l, 1, t->ops->lost(t));
                                break;
                        }
                }
        }
        expo_family(b, "cwatch_malformed_events_total", "counter",
                    "Events that failed validation and were ignored.");
        expo_sample_u64(b, "cwatch_malformed_events_total", NULL, 0, mgr->malformed_events);
}

static void render_bpf(struct metrics *m, struct strbuf *b)
{
        struct bpf_prog_stats stats[BPF_PROG_STATS_MAX];
        int n = bpf_prog_stats_collect(stats, ELEMENTSOF(stats));

        expo_family(b, "cwatch_bpf_stats_enabled", "gauge",
                    "1 when the kernel counts BPF program run time (kernel.bpf_stats_enabled or a "
                    "BPF_ENABLE_STATS fd held by cwatchd), 0 when it does not and cwatchd may not enable it.");
        expo_sample_u64(b, "cwatch_bpf_stats_enabled", NULL, 0, m->bpf_stats != BPF_STATS_OFF);
        expo_family(b, "cwatch_bpf_prog_run_time_seconds_total", "counter",
                    "Time spent in cwatch's BPF programs, by program.");
        for (int i = 0; i < n; i++)
                expo_sample_double(b, "cwatch_bpf_prog_run_time_seconds_total",
                                   &(struct label) { "prog", stats[i].name }, 1, stats[i].run_time_ns / 1e9);
        expo_family(b, "cwatch_bpf_prog_run_count_total", "counter", "Runs of cwatch's BPF programs, by program.");
        for (int i = 0; i < n; i++)
                expo_sample_u64(b, "cwatch_bpf_prog_run_count_total",
                                &(struct label) { "prog", stats[i].name }, 1, stats[i].run_count);
}

static void render_process(struct strbuf *b)
{
        struct process_stats ps;

        if (process_stats_read(&ps) < 0)
                return;
        expo_family(b, "cwatch_process_cpu_seconds_total", "counter", "User and system CPU time of cwatchd.");
        expo_sample_double(b, "cwatch_process_cpu_seconds_total", NULL, 0, ps.cpu_seconds);
        expo_family(b, "cwatch_process_resident_memory_bytes", "gauge", "Resident memory of cwatchd.");
        expo_sample_u64(b, "cwatch_process_resident_memory_bytes", NULL, 0, ps.resident_bytes);
}

static void render_identity(struct manager *mgr, struct strbuf *b)
{
        struct identity_stats st = {};

        if (mgr->identity)
                identity_get_stats(mgr->identity, &st);
        expo_family(b, "cwatch_identity_cache_entries", "gauge",
                    "Cgroups in the identity cache (0 when identity is off).");
        expo_sample_u64(b, "cwatch_identity_cache_entries", NULL, 0, st.cgroups);
        expo_family(b, "cwatch_identity_evictions_total", "counter",
                    "Identity cache entries dropped because the cache was full (cgroups that still exist).");
        expo_sample_u64(b, "cwatch_identity_evictions_total", NULL, 0, st.evicted);
}

static void render_overflow(struct metrics *m, struct strbuf *b)
{
        const struct series_table *tables[] = {
                &m->alerts, &m->alerts_rate_limited, &m->file_bytes, &m->tcp_connections,
        };

        expo_family(b, "cwatch_metrics_label_overflow_total", "counter",
                    "Additions counted under labels \"other\" because a metric reached its series limit.");
        for (size_t i = 0; i < ELEMENTSOF(tables); i++)
                expo_sample_u64(b, "cwatch_metrics_label_overflow_total",
                                &(struct label) { "metric", tables[i]->name }, 1, tables[i]->overflowed);
}

void metrics_render(struct manager *mgr, struct strbuf *b)
{
        struct metrics *m = mgr->metrics;

        expo_family(b, "cwatch_build_info", "gauge", "Always 1; the version of cwatchd.");
        expo_sample_u64(b, "cwatch_build_info", &(struct label) { "version", CWATCH_VERSION }, 1, 1);
        render_tracers(mgr, b);
        render_process(b);
        if (!m)
                return;
        /* connections whose other half never came are edges to address classes by now */
        conn_tracker_expire(&m->connections, now_monotonic_ns());
        series_table_write(&m->alerts, b);
        series_table_write(&m->alerts_rate_limited, b);
        render_identity(mgr, b);
        render_bpf(m, b);
        series_table_write(&m->file_bytes, b);
        series_table_write(&m->tcp_connections, b);
        render_overflow(m, b);
}
