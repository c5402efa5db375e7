/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <string.h>
#include "service-bus.h"
#include "bus/bus-activity.h"
#include "bus/bus-connections.h"
#include "bus/bus-errors.h"
#include "service-bus-rules.h"
#include "service-bus-profiles.h"
#include "service-bus-sync.h"
#include "service-bus-whitelist.h"
#include "service-bus-response.h"
#include "bus/query-alerts.h"
#include "bus/query-incidents.h"
#include "graph/provenance.h"
#include "alert/pipeline.h"
#include "service.h"
#include "service-restart.h"
#include "detect/detect.h"
#include "shared/log.h"
#include "shared/strbuf.h"

#define ACTION_MANAGE_TRACERS "org.cwatch1.manage-tracers"
#define ACTION_READ_STATUS "org.cwatch1.read-status"
#define ACTION_QUERY_ALERTS "org.cwatch1.query-alerts"
#define ACTION_RELOAD "org.cwatch1.reload"

static int no_such_tracer(sd_bus_error *error, struct manager *m, const char *name)
{
        struct strbuf names = {};
        int r;

        for (size_t i = 0; i < m->n_tracers; i++)
                strbuf_printf(&names, "%s%s", i ? ", " : "", m->tracers[i].ops->info->name);
        r = sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_TRACER, "No tracer '%.64s' in this cwatchd; tracers: %s",
                              name, names.data ?: "none");
        strbuf_free(&names);
        return r;
}

static int method_list_tracers(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct service *s = userdata;
        struct manager *m = s->manager;
        int r;

        r = polkit_check(&s->polkit, msg, ACTION_READ_STATUS, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssbtt)");
        for (size_t i = 0; i < m->n_tracers && r >= 0; i++) {
                struct tracer *t = &m->tracers[i];

                r = sd_bus_message_append(reply, "(ssbtt)", t->ops->info->name, t->ops->info->description,
                                          (int) t->running, t->events, tracer_drops(t));
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_start_stop_tracer(sd_bus_message *msg, void *userdata, sd_bus_error *error, bool start)
{
        struct service *s = userdata;
        const char *name;
        int r;

        /* authorization first: a denied caller learns nothing, not even which tracers exist */
        r = polkit_check(&s->polkit, msg, ACTION_MANAGE_TRACERS, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        if (!manager_find_tracer(s->manager, name))
                return no_such_tracer(error, s->manager, name);
        r = start ? service_start_tracer(s, name) : service_stop_tracer(s, name);
        if (r < 0)
                return sd_bus_error_setf(error, BUS_ERROR_TRACER_FAILED, "Failed to %s tracer %s: %s (see the journal)",
                                         start ? "start" : "stop", name, strerror(-r));
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_start_tracer(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return method_start_stop_tracer(msg, userdata, error, true);
}

static int method_stop_tracer(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return method_start_stop_tracer(msg, userdata, error, false);
}

/* "rules": the rule engine runs; "builtin": the rules did not load at start and the built-in
 * exec detection runs instead; "off": neither. */
static const char *detection_state(const struct service *s)
{
        if (s->manager->detect)
                return "rules";
        return s->builtin_exec_on ? "builtin" : "off";
}

static int method_get_stats(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct service *s = userdata;
        struct manager *m = s->manager;
        uint64_t events = 0, drops = 0, running = 0;
        struct detect_stats ds = {};
        struct alert_pipeline_stats ps = {};
        int r;

        r = polkit_check(&s->polkit, msg, ACTION_READ_STATUS, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        for (size_t i = 0; i < m->n_tracers; i++) {
                events += m->tracers[i].events;
                drops += tracer_drops(&m->tracers[i]);
                running += m->tracers[i].running;
        }
        if (m->detect)
                detect_get_stats(m->detect, &ds);
        if (m->alert_pipeline)
                alert_pipeline_get_stats(m->alert_pipeline, &ps);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}",
                                          "events", "t", events,
                                          "drops", "t", drops,
                                          "malformed_events", "t", m->malformed_events,
                                          "alerts", "t", m->alerts_raised,
                                          "alerts_journal", "t", s->alerts_sent_to_journal,
                                          "tracers", "u", (uint32_t) m->n_tracers,
                                          "tracers_running", "u", (uint32_t) running,
                                          "started_usec", "t", s->started_usec,
                                          "config_loaded_usec", "t", s->config_loaded_usec,
                                          "reloads", "t", s->reloads,
                                          "interval_usec", "t", m->interval_ns / 1000);
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}{sv}",
                                          "detection", "s", detection_state(s),
                                          "rules", "u", (uint32_t) ds.rules,
                                          "rule_matches", "t", ds.matches,
                                          "alerts_deduplicated", "t", ps.deduplicated,
                                          "alerts_rate_limited", "t", ps.rate_limited);
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}{sv}",
                                          "bus_disconnects", "t", s->bus_link.disconnects,
                                          "alert_signals_failed", "t", s->bus_link.signals_failed);
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}", "degraded", "s", s->degraded);
        if (r >= 0)
                r = service_restart_append_stats(reply, s);
        if (r >= 0 && manager_provenance(m)) {
                struct provenance_stats gs;

                provenance_get_stats(manager_provenance(m), &gs);
                r = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}{sv}",
                                          "incidents_opened", "t", gs.incidents_opened,
                                          "incident_alerts", "t", gs.incident_alerts,
                                          "graph_nodes", "t", (uint64_t) gs.graph.nodes,
                                          "graph_edges", "t", (uint64_t) gs.graph.edges,
                                          "graph_evictions", "t", gs.graph.node_evictions + gs.graph.edge_evictions +
                                                                  gs.graph.expired);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct service *s = userdata;
        struct conf_error err = {};
        int r;

        r = polkit_check(&s->polkit, msg, ACTION_RELOAD, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = service_reload(s, &err);
        if (r < 0)
                return sd_bus_error_setf(error, BUS_ERROR_BAD_CONFIGURATION,
                                         "Configuration not reloaded, the last good one stays: %s",
                                         err.text[0] ? err.text : strerror(-r));
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_query_alerts(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct service *s = userdata;
        struct alert_filter f;
        int r;

        r = polkit_check(&s->polkit, msg, ACTION_QUERY_ALERTS, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = alert_filter_from_message(msg, &f, error);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = alert_query_journal(&f, reply, error);
        alert_filter_done(&f);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_connections(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct service *s = userdata;
        int r;

        r = polkit_check(&s->polkit, msg, ACTION_QUERY_ALERTS, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        return bus_method_get_connections(msg, s->manager, error);
}

static int method_get_activity(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct service *s = userdata;
        int r;

        r = polkit_check(&s->polkit, msg, ACTION_READ_STATUS, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        return bus_method_get_activity(msg, s->manager, error);
}

static int method_list_rules(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct service *s = userdata;
        int r;

        r = polkit_check(&s->polkit, msg, ACTION_QUERY_ALERTS, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        return bus_reply_list_rules(msg, s->manager);
}

static int method_query_incidents(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct service *s = userdata;
        int r;

        r = polkit_check(&s->polkit, msg, ACTION_QUERY_ALERTS, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        return bus_reply_query_incidents(msg, manager_provenance(s->manager), error);
}

static int method_get_alert_story(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct service *s = userdata;
        int r;

        r = polkit_check(&s->polkit, msg, ACTION_QUERY_ALERTS, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        return bus_reply_alert_story(msg, manager_provenance(s->manager), error);
}

static int property_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        return sd_bus_message_append(reply, "s", CWATCH_VERSION);
}

const sd_bus_vtable bus_manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD_WITH_ARGS("ListTracers", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssbtt)", tracers),
                                method_list_tracers, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("StartTracer", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT,
                                method_start_tracer, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("StopTracer", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT,
                                method_stop_tracer, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetStats", SD_BUS_NO_ARGS, SD_BUS_RESULT("a{sv}", stats),
                                method_get_stats, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Reload", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT,
                                method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("QueryAlerts", SD_BUS_ARGS("a{sv}", filter), SD_BUS_RESULT("aa{sv}", alerts),
                                method_query_alerts, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetConnections", SD_BUS_ARGS("t", since_usec),
                                SD_BUS_RESULT(BUS_CONNECTIONS_SIGNATURE, connections),
                                method_get_connections, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListRules", SD_BUS_NO_ARGS, SD_BUS_RESULT(BUS_RULES_SIGNATURE, rules),
                                method_list_rules, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("QueryIncidents", SD_BUS_ARGS("a{sv}", filter),
                                SD_BUS_RESULT("aa{sv}", incidents), method_query_incidents,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetAlertStory", SD_BUS_ARGS("s", alert_id), SD_BUS_RESULT("s", story),
                                method_get_alert_story, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListWhitelist", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a" BUS_WHITELIST_SIGNATURE, programs),
                                bus_method_list_whitelist, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetWhitelistEntry", SD_BUS_ARGS("s", program),
                                SD_BUS_RESULT(BUS_WHITELIST_SIGNATURE, entry, "a" BUS_WHITELIST_REASON_SIGNATURE, reasons),
                                bus_method_get_whitelist_entry, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListProfiles", SD_BUS_NO_ARGS, SD_BUS_RESULT("a" BUS_PROFILE_SIGNATURE, profiles),
                                bus_method_list_profiles, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetProfile", SD_BUS_ARGS("s", name),
                                SD_BUS_RESULT(BUS_PROFILE_SIGNATURE, profile, "a" BUS_PROFILE_FEATURE_SIGNATURE, features),
                                bus_method_get_profile, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ResetProfile", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT,
                                bus_method_reset_profile, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetProfileMode", SD_BUS_ARGS("s", name, "s", mode), SD_BUS_NO_RESULT,
                                bus_method_set_profile_mode, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetActivity", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("t", now_usec, "t", drops, "a" BUS_ACTIVITY_ROW_SIGNATURE, rows),
                                method_get_activity, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ExportSnapshot", SD_BUS_NO_ARGS, SD_BUS_RESULT("h", snapshot),
                                bus_method_export_snapshot, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ImportSnapshot", SD_BUS_ARGS("h", snapshot, "s", origin),
                                SD_BUS_RESULT("s", host, "t", serial, "u", entries),
                                bus_method_import_snapshot, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetHostKey", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", host_id, "s", public_key),
                                bus_method_get_host_key, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Freeze", SD_BUS_ARGS("s", kind, "s", name), SD_BUS_RESULT(BUS_ACTION_SIGNATURE, action),
                                bus_method_freeze, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Thaw", SD_BUS_ARGS("s", kind, "s", name), SD_BUS_RESULT(BUS_ACTION_SIGNATURE, action),
                                bus_method_thaw, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Kill", SD_BUS_ARGS("s", kind, "s", name, "i", signal),
                                SD_BUS_RESULT(BUS_ACTION_SIGNATURE, action), bus_method_kill, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListActions", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a" BUS_ACTION_SIGNATURE, actions, "as", frozen),
                                bus_method_list_actions, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("AlertRaised", SD_BUS_ARGS("a{sv}", alert), 0),
        SD_BUS_SIGNAL_WITH_ARGS("ActionTaken", SD_BUS_ARGS(BUS_ACTION_SIGNATURE, action), 0),
        SD_BUS_VTABLE_END
};

int bus_manager_add_object(struct service *s, sd_bus *bus)
{
        return sd_bus_add_object_vtable(bus, &s->bus_vtable_slot, BUS_PATH, BUS_INTERFACE, bus_manager_vtable, s);
}
