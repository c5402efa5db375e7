/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The manager's /metrics endpoint: what the tracers and identity count, then the metrics' own
 * series (src/metrics). */
#include "manager.h"
#include "metrics/exposition.h"
#include "metrics/http-server.h"
#include "metrics/metrics.h"
#include "shared/log.h"

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

static void manager_render_metrics(struct strbuf *b, void *userdata)
{
        struct manager *m = userdata;
        struct identity_stats ids = {};

        expo_family(b, "cwatch_build_info", "gauge", "Always 1; the version of cwatchd.");
        expo_sample_u64(b, "cwatch_build_info", &(struct label) { "version", CWATCH_VERSION }, 1, 1);
        render_tracers(m, b);
        if (m->identity)
                identity_get_stats(m->identity, &ids);
        metrics_render(m->metrics, m->identity ? &ids : NULL, b);
        for (size_t i = 0; i < m->n_metrics_renderers; i++)
                m->metrics_renderers[i].render(b, m->metrics_renderers[i].userdata);
}

int manager_add_metrics_renderer(struct manager *m, void (*render)(struct strbuf *b, void *userdata), void *userdata)
{
        if (m->n_metrics_renderers >= MANAGER_MAX_METRICS_RENDERERS)
                return -ENOSPC;
        m->metrics_renderers[m->n_metrics_renderers].render = render;
        m->metrics_renderers[m->n_metrics_renderers++].userdata = userdata;
        return 0;
}

int manager_start_metrics_server(struct manager *m, const char *listen_address)
{
        int r = metrics_server_start(&m->metrics_server, m->event, listen_address, manager_render_metrics, m);

        if (r > 0)
                metrics_enable_bpf_stats(m->metrics);
        return r;
}
