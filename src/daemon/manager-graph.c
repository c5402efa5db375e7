/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The provenance graph in the manager: a record sink added before the rules' (so an exec's file
 * provenance is known when they evaluate it), the lookup the rules ask it through, and the alert
 * step that gives every alert its story and incident, writing an incident entry to the journal when
 * an incident opens or its score grows materially. */
#include <stdlib.h>
#include <systemd/sd-journal.h>
#include "manager.h"
#include "detect/engine.h"
#include "graph/mitre.h"
#include "graph/provenance.h"
#include "shared/escape.h"
#include "shared/log.h"

struct manager_graph {
        struct provenance *provenance;
        struct strbuf story;
        bool journal;
        uint64_t incident_entries;      /* incident entries written to the journal */
};

struct manager_graph *manager_graph_free(struct manager_graph *g)
{
        if (!g)
                return NULL;
        provenance_free(g->provenance);
        strbuf_free(&g->story);
        free(g);
        return NULL;
}

static bool lookup_file_origin(const struct record *r, struct detect_file_origin *ret, void *userdata)
{
        struct manager_graph *g = userdata;
        struct file_provenance fp;

        if (!provenance_exec_origin(g->provenance, r, &fp))
                return false;
        *ret = (struct detect_file_origin) {
                .origin = file_origin_to_string(fp.origin),
                .writer_exe = fp.writer_known ? fp.writer_exe : NULL,
                .writer_network = fp.network,
                .writer_same_user = fp.same_user,
        };
        return true;
}

struct detect_lookup manager_detect_lookup(struct manager *m)
{
        if (!m->graph)
                return (struct detect_lookup) {};
        return (struct detect_lookup) { .file_origin = lookup_file_origin, .userdata = m->graph };
}

int manager_enable_provenance(struct manager *m, const struct provenance_config *config, bool journal)
{
        struct manager_graph *g;
        struct record_sink sink;
        int r;

        if (m->graph)
                return -EALREADY;
        g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->journal = journal;
        r = provenance_new(&g->provenance, config);
        if (r >= 0) {
                sink = provenance_record_sink(g->provenance);
                r = manager_add_record_sink(m, &sink);
        }
        if (r < 0) {
                manager_graph_free(g);
                return r;
        }
        m->graph = g;
        return 0;
}

static void journal_incident(const struct incident *in)
{
        char tactics[256] = "", rules[512] = "";
        /* names from cgroup paths: any bytes, escaped as every output does (shared/escape.h); a unit
         * name keeps systemd's own escapes, the same \xNN */
        _cleanup_free_ char *container = in->container ? escape_dup(in->container, strlen(in->container), 0)
                                                       : NULL,
                            *unit = in->unit ? escape_dup(in->unit, strlen(in->unit), ESCAPE_ESCAPED) : NULL;
        size_t tl = 0, rl = 0;
        int r;

        for (int t = 0; t < _TACTIC_MAX; t++)
                if (in->tactics & (UINT32_C(1) << t))
                        tl += snprintf(tactics + tl, sizeof(tactics) - MIN(tl, sizeof(tactics)), "%s%s",
                                       tl ? " " : "", mitre_tactic_to_string(t));
        for (size_t i = 0; i < in->n_rules && rl < sizeof(rules); i++)
                rl += snprintf(rules + rl, sizeof(rules) - rl, "%s%s", i ? " " : "", in->rules[i]);
        r = sd_journal_send("MESSAGE=Incident %.12s: %" PRIu64 " alerts (%s), score %.1f%s%s", in->id, in->alerts,
                            rules, in->score, container ? " in container " : unit ? " in unit " : "",
                            container ?: unit ?: "",
                            "MESSAGE_ID=" CWATCH_MESSAGE_INCIDENT,
                            "PRIORITY=%d", alert_severity_to_priority(in->severity),
                            "SYSLOG_IDENTIFIER=cwatch",
                            "CWATCH_INCIDENT_ID=%s", in->id,
                            "CWATCH_INCIDENT_SCORE=%.1f", in->score,
                            "CWATCH_INCIDENT_ALERTS=%" PRIu64, in->alerts,
                            "CWATCH_INCIDENT_RULES=%s", rules,
                            "CWATCH_INCIDENT_TACTICS=%s", tactics,
                            "CWATCH_INCIDENT_FIRST_USEC=%" PRIu64, in->first_ns / 1000,
                            "CWATCH_SEVERITY=%s", alert_severity_to_string(in->severity),
                            "CWATCH_CONTAINER_ID=%s", container ?: "",
                            "CWATCH_UNIT=%s", unit ?: "",
                            NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to write incident %s to the journal, ignoring: %m", in->id);
}

void manager_annotate_alert(struct manager *m, struct alert *a)
{
        struct manager_graph *g = m->graph;
        const struct incident *in = NULL;
        bool report = false;
        int r;

        if (!g)
                return;
        strbuf_reset(&g->story);
        r = provenance_on_alert(g->provenance, a, &g->story, &in, &report);
        if (!g->story.oom && g->story.len > 0)
                a->story = g->story.data;
        if (r < 0) {
                log_debug_errno(r, "No incident for alert %s, ignoring: %m", a->id);
                return;
        }
        a->incident_id = in->id;
        if (!report)
                return;
        if (g->journal) {
                journal_incident(in);
                g->incident_entries++;
        }
}

const struct provenance *manager_provenance(const struct manager *m)
{
        return m->graph ? m->graph->provenance : NULL;
}

uint64_t manager_incident_entries(const struct manager *m)
{
        return m->graph ? m->graph->incident_entries : 0;
}
