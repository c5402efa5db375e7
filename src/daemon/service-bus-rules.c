/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include "service-bus-rules.h"
#include "manager.h"
#include "detect/detect.h"
#include "shared/macro.h"

static bool event_traced(struct manager *m, const char *event)
{
        for (size_t i = 0; i < m->n_tracers; i++) {
                const struct tracer *t = &m->tracers[i];

                for (size_t j = 0; t->running && t->ops->info->events && t->ops->info->events[j]; j++)
                        if (streq(t->ops->info->events[j], event))
                                return true;
        }
        return false;
}

static int append_rule(sd_bus_message *reply, struct manager *m, const struct detect_rule_info *info,
                       uint64_t matches)
{
        bool active = false;
        int r;

        r = sd_bus_message_open_container(reply, 'r', "sasssssubbt");
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", info->name);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "s");
        for (size_t i = 0; r >= 0 && i < info->n_events; i++) {
                r = sd_bus_message_append(reply, "s", info->events[i]);
                active = active || event_traced(m, info->events[i]);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "ssssubbt", alert_severity_to_string(info->severity),
                                          info->mitre ?: "", info->description ?: "", info->file ?: "",
                                          info->line, (int) info->enabled, (int) (info->enabled && active),
                                          matches);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

int bus_reply_list_rules(sd_bus_message *msg, struct manager *m)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const struct detect_engine *e = m->detect ? detect_get_engine(m->detect) : NULL;
        _cleanup_free_ struct detect_rule_info *info = NULL;
        size_t n = detect_engine_n_rules(e);
        int r;

        if (n > 0) {
                info = calloc(n, sizeof(*info));
                if (!info)
                        return -ENOMEM;
                detect_engine_rules(e, info, n);
        }
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sasssssubbt)");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = append_rule(reply, m, &info[i], detect_rule_matches(m->detect, i));
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}
