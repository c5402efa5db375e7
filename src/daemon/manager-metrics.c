/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The manager's /metrics endpoint: what the tracers and identity count, then the metrics' own
 * series (src/metrics). */
#include "manager.h"
#include "detect/detect.h"
#include "graph/provenance.h"
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
                { "cwatch_kernel_filtered_total", "counter",
                  "Calls left out in the kernel because no watched path matched, by tracer." },
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
                        case 4:
                                if (t->ops->filtered && t->running)
                                        expo_sample_u64(b, families[f].name, &l, 1, t->ops->filtered(t));
                                break;
                        }
                }
        }
        expo_family(b, "cwatch_malformed_events_total", "counter",
                    "Events that failed validation and were ignored.");
        expo_sample_u64(b, "cwatch_malformed_events_total", NULL, 0, mgr->malformed_events);
}

/* Alert reduction and the provenance graph: raw rule hits, alerts sent, incidents opened. */
static void render_provenance(struct manager *mgr, struct strbuf *b)
{
        const struct provenance *p = manager_provenance(mgr);
        struct provenance_stats ps;
        struct detect_stats ds;

        if (mgr->detect) {
                detect_get_stats(mgr->detect, &ds);
                expo_family(b, "cwatch_rule_hits_total", "counter", "Rule matches before dedup and rate limits.");
                expo_sample_u64(b, "cwatch_rule_hits_total", NULL, 0, ds.matches);
        }
        expo_family(b, "cwatch_alerts_sent_total", "counter", "Alerts handed to the alert sinks.");
        expo_sample_u64(b, "cwatch_alerts_sent_total", NULL, 0, mgr->alerts_raised);
        if (!p)
                return;
        provenance_get_stats(p, &ps);
        expo_family(b, "cwatch_incidents_opened_total", "counter", "Incidents opened (alerts merged by story, "
                    "container or unit).");
        expo_sample_u64(b, "cwatch_incidents_opened_total", NULL, 0, ps.incidents_opened);
        expo_family(b, "cwatch_graph_nodes", "gauge", "Nodes in the provenance graph.");
        expo_sample_u64(b, "cwatch_graph_nodes", NULL, 0, ps.graph.nodes);
        expo_family(b, "cwatch_graph_edges", "gauge", "Edges in the provenance graph.");
        expo_sample_u64(b, "cwatch_graph_edges", NULL, 0, ps.graph.edges);
        expo_family(b, "cwatch_graph_evictions_total", "counter", "Graph nodes and edges evicted to stay "
                    "within the bounds, and nodes expired by the window.");
        expo_sample_u64(b, "cwatch_graph_evictions_total", &(struct label) { "kind", "node" }, 1,
                        ps.graph.node_evictions);
        expo_sample_u64(b, "cwatch_graph_evictions_total", &(struct label) { "kind", "edge" }, 1,
                        ps.graph.edge_evictions);
        expo_sample_u64(b, "cwatch_graph_evictions_total", &(struct label) { "kind", "expired" }, 1,
                        ps.graph.expired);
        expo_family(b, "cwatch_graph_bytes", "gauge", "Memory of the provenance graph (pools, buckets, labels).");
        expo_sample_u64(b, "cwatch_graph_bytes", NULL, 0, ps.graph.bytes);
}

static void manager_render_metrics(struct strbuf *b, void *userdata)
{
        struct manager *m = userdata;
        struct identity_stats ids = {};

        expo_family(b, "cwatch_build_info", "gauge", "Always 1; the version of cwatchd.");
        expo_sample_u64(b, "cwatch_build_info", &(struct label) { "version", CWATCH_VERSION }, 1, 1);
        render_tracers(m, b);
        render_provenance(m, b);
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
