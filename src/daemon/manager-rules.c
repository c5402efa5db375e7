/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rules in the manager: detection as a record sink, its alerts through the alert pipeline,
 * and the paths its rules need pushed down to the tracers that watch opens. */
#include <stdlib.h>
#include <string.h>
#include "manager.h"
#include "alert/pipeline.h"
#include "detect/detect.h"
#include "detect/discovery.h"
#include "detect/rules-check.h"
#include "detect/scan.h"
#include "graph/provenance.h"
#include "metrics/metrics.h"
#include "shared/log.h"

static int deliver_rule_alert(const struct alert *a, const char *object, void *userdata)
{
        return manager_submit_alert(userdata, a, object);
}

static int deliver_to_sinks(const struct alert *a, void *userdata)
{
        return manager_raise_alert(userdata, a);
}

static void count_held_back(const char *rule, void *userdata)
{
        struct manager *m = userdata;

        metrics_observe_rate_limited(m->metrics, rule);
}

/* The rules' patterns and the operator's own for opens (WatchPaths=), the rules' for Unix
 * connects, for the tracers. */
static int manager_apply_watched_paths(struct manager *m, const struct strv *extra)
{
        struct tracer_watched_paths paths = {};
        int r;

        r = detect_watched_paths(m->detect, &detect_path_filter_open, &paths.open);
        /* the graph's: opens for writing in temporary directories, at once */
        for (size_t i = 0; r >= 0 && m->graph && provenance_watched_paths[i]; i++)
                r = strv_add(&paths.open, provenance_watched_paths[i]);
        for (size_t i = 0; r >= 0 && extra && i < extra->n; i++)
                r = strv_add(&paths.open, extra->items[i]);
        if (r >= 0)
                r = detect_watched_paths(m->detect, &detect_path_filter_unix_connect, &paths.unix_connect);
        if (r < 0) {
                tracer_watched_paths_done(&paths);
                return r;
        }
        for (size_t i = 0; i < paths.open.n; i++)
                log_debug("rules watch opens under %s", paths.open.items[i]);
        for (size_t i = 0; i < paths.unix_connect.n; i++)
                log_debug("rules watch Unix connects to %s", paths.unix_connect.items[i]);
        manager_set_watched_paths(m, &paths);
        return 0;
}

int manager_enable_rules(struct manager *m, const struct rules_paths *paths, const struct strv *extra_watch,
                         struct strbuf *errors)
{
        _cleanup_(detect_freep) struct detect *d = NULL;
        struct detect_lookup lookup;
        struct record_sink sink;
        const struct schema *tcp;
        int r;

        if (m->detect)
                return -EALREADY;
        lookup = manager_detect_lookup(m);
        r = detect_new(&d, paths, manager_detect_catalog(m), &lookup, deliver_rule_alert, m, errors);
        if (r < 0)
                return r;
        if (!m->alert_pipeline) {
                r = alert_pipeline_new(&m->alert_pipeline, m->event, NULL, deliver_to_sinks, m);
                if (r < 0)
                        return r;
                alert_pipeline_set_held_back_callback(m->alert_pipeline, count_held_back, m);
        }
        sink = detect_record_sink(d);
        r = manager_add_record_sink(m, &sink);
        if (r < 0)
                return r;
        m->detect = TAKE_PTR(d);
        /* scans, after the rules (whose process table names the scanner); see manager_set_scan_limits() */
        tcp = tracer_info_schema("tcp");
        r = !tcp ? -ENOENT : scan_detector_new(&m->scan, &(struct scan_limits) { SCAN_DEFAULT_THRESHOLD,
                                               SCAN_DEFAULT_WINDOW_NS }, tcp,
                                               detect_get_proctable(m->detect), deliver_rule_alert, m);
        if (r >= 0) {
                sink = scan_detector_record_sink(m->scan);
                r = manager_add_record_sink(m, &sink);
        }
        if (r < 0) {
                m->scan = scan_detector_free(m->scan);
                log_warning_errno(r, "Failed to start scan detection, ignoring: %m");
        }
        /* discovery bursts, likewise; see manager_set_discovery_limits() */
        r = discovery_new(&m->discovery, &(struct discovery_limits) { DISCOVERY_DEFAULT_THRESHOLD,
                          DISCOVERY_DEFAULT_WINDOW_NS }, NULL, tracer_info_schema("process"),
                          detect_get_proctable(m->detect), deliver_rule_alert, m);
        if (r >= 0) {
                sink = discovery_record_sink(m->discovery);
                r = manager_add_record_sink(m, &sink);
        }
        if (r < 0) {
                m->discovery = discovery_free(m->discovery);
                log_warning_errno(r, "Failed to start the detection of discovery bursts, ignoring: %m");
        }
        r = manager_apply_watched_paths(m, extra_watch);
        if (r < 0)
                log_warning_errno(r, "Failed to pass on the paths the rules watch, ignoring: %m");
        return 0;
}

int manager_set_scan_limits(struct manager *m, uint64_t threshold, uint64_t window_ns)
{
        if (!m->scan)
                return -ENOENT;
        return scan_detector_set_limits(m->scan, &(struct scan_limits) { threshold, window_ns });
}

int manager_reload_rules(struct manager *m, const struct strv *extra_watch, struct strbuf *errors)
{
        int r;

        if (!m->detect)
                return -ENOENT;
        r = detect_reload(m->detect, errors);
        if (r < 0)
                return r;
        r = manager_apply_watched_paths(m, extra_watch);
        if (r < 0)
                log_warning_errno(r, "Failed to pass on the paths the rules watch, ignoring: %m");
        return 0;
}

int manager_set_discovery_limits(struct manager *m, uint64_t threshold, uint64_t window_ns)
{
        if (!m->discovery)
                return -ENOENT;
        return discovery_set_limits(m->discovery, &(struct discovery_limits) { threshold, window_ns });
}
