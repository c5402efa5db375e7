/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "service-bus-response.h"
#include "service-bus.h"
#include "service.h"
#include "bus/bus-errors.h"
#include "respond/response.h"
#include "shared/log.h"

#define ACTION_RESPOND "org.cwatch1.respond"

static int append_entry(sd_bus_message *m, const struct response_entry *e)
{
        return sd_bus_message_append(m, BUS_ACTION_SIGNATURE, e->id, e->time_ns / 1000,
                                     response_action_to_string(e->action), response_result_to_string(e->result),
                                     response_origin_to_string(e->origin), e->unit ?: "", e->pid, e->signal,
                                     e->alert_id ?: "", e->incident_id ?: "", e->rule ?: "", e->caller ?: "",
                                     e->reason ?: "");
}

int bus_response_reply_entry(sd_bus_message *call, const struct response_entry *e)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(call, &reply);
        if (r >= 0)
                r = append_entry(reply, e);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int bus_response_emit_action_taken(sd_bus *bus, const struct response_entry *e)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *sig = NULL;
        int r;

        if (!bus)
                return 0;
        r = sd_bus_message_new_signal(bus, &sig, BUS_PATH, BUS_INTERFACE, "ActionTaken");
        if (r >= 0)
                r = append_entry(sig, e);
        if (r >= 0)
                r = sd_bus_send(bus, sig, NULL);
        return r;
}

static bool valid_name(const char *s)
{
        size_t n = strlen(s);

        return n > 0 && n <= 256 && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                              ":-_.\\@") == n;
}

static int check_args(const char *kind, const char *name, int signal, sd_bus_error *error)
{
        if (!streq(kind, "unit") && !streq(kind, "container"))
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
                                         "'%.32s' is not \"unit\" or \"container\"", kind);
        if (!valid_name(name))
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT, "'%.64s' is not a %s name", name, kind);
        /* 0: no signal (freeze, thaw) */
        if (signal < 0 || signal >= SIGRTMIN)
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT, "%d is not a signal (1 to %d)", signal,
                                         SIGRTMIN - 1);
        return 0;
}

static char *caller_of(sd_bus_message *msg)
{
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        char *s = NULL;
        uid_t uid;

        if (sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID, &creds) >= 0 && sd_bus_creds_get_euid(creds, &uid) >= 0 &&
            asprintf(&s, "uid %u", (unsigned) uid) < 0)
                return NULL;
        return s;
}

static int respond(sd_bus_message *msg, struct service *s, enum response_action action, const char *kind,
                   const char *name, int signal, sd_bus_error *error)
{
        _cleanup_free_ char *unit = NULL, *cgroup = NULL, *caller = NULL;
        const struct response_entry *e;
        int r;

        r = check_args(kind, name, signal, error);
        if (r < 0)
                return r;
        r = polkit_check(&s->polkit, msg, ACTION_RESPOND, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        if (!s->response.response)
                return sd_bus_error_set(error, BUS_ERROR_RESPONSE_OFF,
                                        "The response is off (cwatchd has no connection to systemd)");
        r = s->manager->identity ? identity_find_unit(s->manager->identity, streq(kind, "container") ? name : NULL,
                                                      name, &unit, &cgroup)
                                 : -ENOENT;
        if (r == -ENOTUNIQ)
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_UNIT, "'%.64s' names several containers", name);
        if (r < 0)
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_UNIT, "No running %s '%.64s' (%s)", kind, name,
                                         strerror(-r));
        caller = caller_of(msg);
        e = response_request(s->response.response, action,
                             &(struct response_target) { .unit = unit, .cgroup = cgroup }, signal, caller);
        if (!e)
                return -ENOMEM;
        return service_response_reply_when_done(s, msg, e->seq);
}

int bus_method_freeze(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        const char *kind, *name;
        int r;

        r = sd_bus_message_read(msg, "ss", &kind, &name);
        if (r < 0)
                return r;
        return respond(msg, userdata, RESPONSE_ACTION_FREEZE, kind, name, 0, error);
}

int bus_method_thaw(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        const char *kind, *name;
        int r;

        r = sd_bus_message_read(msg, "ss", &kind, &name);
        if (r < 0)
                return r;
        return respond(msg, userdata, RESPONSE_ACTION_THAW, kind, name, 0, error);
}

int bus_method_kill(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        const char *kind, *name;
        int r, signal;

        r = sd_bus_message_read(msg, "ssi", &kind, &name, &signal);
        if (r < 0)
                return r;
        if (signal == 0)
                return sd_bus_error_set(error, BUS_ERROR_INVALID_ARGUMENT, "0 is not a signal to kill with");
        return respond(msg, userdata, RESPONSE_ACTION_KILL_UNIT, kind, name, signal, error);
}

int bus_method_list_actions(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct service *s = userdata;
        const struct response *resp = s->response.response;
        const struct strv *frozen;
        int r;

        r = polkit_check(&s->polkit, msg, ACTION_RESPOND, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', BUS_ACTION_SIGNATURE);
        for (size_t i = 0; resp && i < response_n_entries(resp) && r >= 0; i++)
                r = append_entry(reply, response_entry(resp, i));
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "s");
        frozen = resp ? response_frozen_units(resp) : NULL;
        for (size_t i = 0; frozen && i < frozen->n && r >= 0; i++)
                r = sd_bus_message_append(reply, "s", frozen->items[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}
