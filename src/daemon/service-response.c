/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <systemd/sd-login.h>
#include "service-response.h"
#include "service.h"
#include "service-bus.h"
#include "service-bus-response.h"
#include "graph/provenance.h"
#include "respond/response.h"
#include "respond/response-journal.h"
#include "respond/unit-control.h"
#include "shared/log.h"

struct pending_reply {
        sd_bus_message *msg;
        uint64_t seq;
        struct pending_reply *next;
};

static double incident_score(struct manager *m, const char *id)
{
        const struct provenance *p = id ? manager_provenance(m) : NULL;
        const struct incident *in = p ? incident_table_find(provenance_incidents(p), id) : NULL;

        return in ? in->score : 0;
}

static int response_alert_send(const struct alert *a, void *userdata)
{
        struct service *s = userdata;

        response_on_alert(s->response.response, a, incident_score(s->manager, a->incident_id));
        return 0;
}

static int execute(const struct response_entry *e, const struct response_target *t, void *userdata)
{
        struct service *s = userdata;

        return unit_control_run(s->response.control, e, t);
}

static void on_done(uint64_t seq, int error, const char *detail, void *userdata)
{
        struct service *s = userdata;

        response_complete(s->response.response, seq, error, detail);
}

static void notify(const struct response_entry *e, void *userdata)
{
        struct service *s = userdata;
        struct pending_reply **p = &s->response.replies;
        int r;

        if (e->result == RESPONSE_FAILED)
                log_warning("Response %s %s failed: %s", response_action_to_string(e->action), e->unit ?: "",
                            e->reason ?: "");
        if (s->config.journal) {
                r = response_journal_send(e);
                if (r < 0)
                        log_warning_errno(r, "Failed to write response %s to the journal, ignoring: %m", e->id);
        }
        (void) bus_response_emit_action_taken(s->bus, e);
        while (*p) {
                struct pending_reply *q = *p;

                if (q->seq != e->seq) {
                        p = &q->next;
                        continue;
                }
                r = bus_response_reply_entry(q->msg, e);
                if (r < 0)
                        log_debug_errno(r, "Failed to answer a response call, ignoring: %m");
                *p = q->next;
                sd_bus_message_unref(q->msg);
                free(q);
        }
}

int service_response_reply_when_done(struct service *s, sd_bus_message *msg, uint64_t seq)
{
        struct pending_reply *q;

        for (size_t i = response_n_entries(s->response.response); i > 0; i--) {
                const struct response_entry *e = response_entry(s->response.response, i - 1);

                if (e->seq == seq && e->result != RESPONSE_PENDING)
                        return bus_response_reply_entry(msg, e);
        }
        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        *q = (struct pending_reply) { .msg = sd_bus_message_ref(msg), .seq = seq, .next = s->response.replies };
        s->response.replies = q;
        return 1;
}

int service_start_response(struct service *s)
{
        struct service_response *sr = &s->response;
        _cleanup_free_ char *own_unit = NULL;
        const char *mount = s->manager->identity ? identity_cgroup_mount(s->manager->identity) : NULL;
        int r;

        r = unit_control_new(&sr->control, s->bus, mount, on_done, s);
        if (r >= 0)
                r = response_new(&sr->response, &s->config.response, execute, notify, s);
        if (r >= 0 && sd_pid_get_unit(0, &own_unit) >= 0)
                r = response_set_own_unit(sr->response, own_unit);
        if (r >= 0)
                r = manager_add_alert_sink(s->manager, &(struct alert_sink) {
                        .name = "response", .send = response_alert_send, .userdata = s });
        if (r < 0) {
                service_stop_response(s);
                return log_warning_errno(r, "No response (freeze, kill, stop), ignoring: %m");
        }
        if (s->config.response.enable)
                log_info("Response on%s: acting on alerts as [Response] and the rules' Action= say",
                         s->config.response.dry_run ? " (dry run)" : "");
        return 0;
}

void service_response_bus_changed(struct service *s)
{
        if (s->response.control)
                unit_control_set_bus(s->response.control, s->bus);
}

void service_apply_response_config(struct service *s)
{
        int r;

        if (!s->response.response)
                return;
        r = response_set_config(s->response.response, &s->config.response);
        if (r < 0)
                log_warning_errno(r, "Failed to apply [Response], keeping the last one: %m");
}

void service_stop_response(struct service *s)
{
        struct service_response *sr = &s->response;

        while (sr->replies) {
                struct pending_reply *q = sr->replies;

                sr->replies = q->next;
                (void) sd_bus_reply_method_errorf(q->msg, SD_BUS_ERROR_FAILED, "cwatchd is stopping");
                sd_bus_message_unref(q->msg);
                free(q);
        }
        sr->control = unit_control_free(sr->control);
        sr->response = response_free(sr->response);
}
