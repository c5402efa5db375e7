/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "query-incidents.h"
#include "incident-filter.h"
#include "bus-errors.h"
#include "graph/mitre.h"
#include "graph/provenance.h"
#include "shared/escape.h"
#include "shared/macro.h"
#include "shared/strbuf.h"

static int append_incident(sd_bus_message *reply, const struct incident *in)
{
        struct strbuf tactics = {}, rules = {};
        /* names from cgroup paths: any bytes, escaped as every output does (shared/escape.h); a unit
         * name keeps systemd's own escapes, the same \xNN */
        _cleanup_free_ char *container = escape_dup(in->container ?: "", strlen(in->container ?: ""), 0),
                            *unit = escape_dup(in->unit ?: "", strlen(in->unit ?: ""), ESCAPE_ESCAPED);
        int r;

        for (int t = 0; t < _TACTIC_MAX; t++)
                if (in->tactics & (UINT32_C(1) << t))
                        strbuf_printf(&tactics, "%s%s", tactics.len ? " " : "", mitre_tactic_to_string(t));
        for (size_t i = 0; i < in->n_rules; i++)
                strbuf_printf(&rules, "%s%s", i ? " " : "", in->rules[i]);
        r = tactics.oom || rules.oom || !container || !unit ? -ENOMEM : 0;
        if (r >= 0)
                r = sd_bus_message_append(reply, "a{sv}", 12,
                                          "incident_id", "s", in->id,
                                          "open", "b", in->open,
                                          "first", "t", in->first_ns / 1000,
                                          "last", "t", in->last_ns / 1000,
                                          "score", "d", in->score,
                                          "alerts", "t", in->alerts,
                                          "severity", "s", alert_severity_to_string(in->severity),
                                          "tactics", "s", tactics.data ?: "",
                                          "rules", "s", rules.data ?: "",
                                          "container_id", "s", container,
                                          "unit", "s", unit,
                                          "nodes", "u", (uint32_t) in->n_nodes);
        strbuf_free(&tactics);
        strbuf_free(&rules);
        return r;
}

int bus_reply_query_incidents(sd_bus_message *msg, const struct provenance *p, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *id = NULL;
        const struct incident_table *t = p ? provenance_incidents(p) : NULL;
        int r;

        r = incident_filter_from_message(msg, &id, error);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "a{sv}");
        /* newest first */
        for (size_t i = t ? incident_table_size(t) : 0; r >= 0 && i > 0; i--) {
                const struct incident *in = incident_table_get(t, i - 1);

                if (!in || (id && !strneq(in->id, id, strlen(id))))
                        continue;
                r = append_incident(reply, in);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int bus_reply_alert_story(sd_bus_message *msg, const struct provenance *p, sd_bus_error *error)
{
        struct strbuf story = {};
        const char *id;
        int r;

        r = sd_bus_message_read(msg, "s", &id);
        if (r < 0)
                return r;
        if (strlen(id) != 32 || strspn(id, "0123456789abcdef") != 32)
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
                                         "An alert id is 32 lowercase hex digits, not '%.64s'", id);
        if (p && provenance_story_of(p, id, &story) < 0)
                strbuf_reset(&story);
        r = story.oom ? -ENOMEM : sd_bus_reply_method_return(msg, "s", story.data ?: "");
        strbuf_free(&story);
        return r;
}
