/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "polkit.h"
#include "shared/log.h"
#include "shared/macro.h"

enum polkit_state {
        POLKIT_PENDING,
        POLKIT_ALLOWED,
        POLKIT_DENIED,
        POLKIT_CHALLENGE,       /* authentication would allow it, but the caller did not allow it */
        POLKIT_FAILED,          /* polkit could not be asked */
};

struct polkit_query {
        struct polkit_registry *reg;
        struct polkit_query *next;
        sd_bus_message *request;
        sd_bus_slot *slot;
        char *action;
        enum polkit_state state;
        bool interactive;       /* the caller allowed interactive authentication */
        char *failure;
};

static void polkit_query_free(struct polkit_query *q)
{
        if (!q)
                return;
        sd_bus_slot_unref(q->slot);
        sd_bus_message_unref(q->request);
        free(q->action);
        free(q->failure);
        free(q);
}

static void polkit_query_unlink(struct polkit_query *q)
{
        for (struct polkit_query **p = &q->reg->queries; *p; p = &(*p)->next)
                if (*p == q) {
                        *p = q->next;
                        return;
                }
}

void polkit_registry_done(struct polkit_registry *reg)
{
        while (reg->queries) {
                struct polkit_query *q = reg->queries;

                reg->queries = q->next;
                polkit_query_free(q);
        }
}

static int polkit_on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        struct polkit_query *q = userdata;
        const sd_bus_error *e;
        int authorized = 0, challenge = 0, r;

        q->slot = sd_bus_slot_unref(q->slot);
        e = sd_bus_message_get_error(reply);
        if (e) {
                q->state = POLKIT_FAILED;
                q->failure = strdup(e->message ?: e->name ?: "unknown error");
                log_warning("polkit check of %s failed: %s", q->action, e->message ?: e->name);
        } else {
                r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
                if (r < 0) {
                        q->state = POLKIT_FAILED;
                        q->failure = strdup("polkit sent a malformed answer");
                } else
                        q->state = authorized ? POLKIT_ALLOWED : challenge ? POLKIT_CHALLENGE : POLKIT_DENIED;
        }

        /* run the method again, now with the answer at hand */
        r = sd_bus_message_rewind(q->request, true);
        if (r >= 0)
                r = sd_bus_enqueue_for_read(sd_bus_message_get_bus(q->request), q->request);
        if (r < 0) {
                log_error_errno(r, "Failed to requeue the call waiting for polkit: %m");
                (void) sd_bus_reply_method_errorf(q->request, SD_BUS_ERROR_FAILED,
                                                  "Internal error while waiting for polkit");
                polkit_query_unlink(q);
                polkit_query_free(q);
        }
        return 0;
}

static struct polkit_query *polkit_find(struct polkit_registry *reg, sd_bus_message *m, const char *action)
{
        for (struct polkit_query *q = reg->queries; q; q = q->next)
                if (q->request == m && streq(q->action, action))
                        return q;
        return NULL;
}

static int polkit_answer(struct polkit_query *q, sd_bus_error *error)
{
        int r;

        switch (q->state) {
        case POLKIT_ALLOWED:
                r = 1;
                break;
        case POLKIT_CHALLENGE:
                if (q->interactive)
                        r = sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                              "Not authorized for %s: authentication is required and no polkit "
                                              "agent answered", q->action);
                else
                        r = sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                              "Not authorized for %s without authentication; allow interactive "
                                              "authorization (e.g. busctl --allow-interactive-authorization=yes) "
                                              "or run as root", q->action);
                break;
        case POLKIT_FAILED:
                r = sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                      "Not authorized: polkit could not check %s: %s", q->action,
                                      q->failure ?: "out of memory");
                break;
        default:
                r = sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "Not authorized for %s (polkit said no)",
                                      q->action);
                break;
        }
        polkit_query_unlink(q);
        polkit_query_free(q);
        return r;
}

int polkit_check(struct polkit_registry *reg, sd_bus_message *m, const char *action, sd_bus_error *error)
{
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        struct polkit_query *q;
        const char *sender;
        uid_t euid;
        int r;

        q = polkit_find(reg, m, action);
        if (q) {
                if (q->state == POLKIT_PENDING)
                        return 0;
                return polkit_answer(q, error);
        }

        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &euid);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to get the caller's credentials: %m");
        if (euid == 0)
                return 1;

        sender = sd_bus_message_get_sender(m);
        if (!sender)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Not authorized for %s: a direct connection cannot be checked with polkit",
                                         action);

        r = sd_bus_message_new_method_call(sd_bus_message_get_bus(m), &call, "org.freedesktop.PolicyKit1",
                                           "/org/freedesktop/PolicyKit1/Authority",
                                           "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
        if (r >= 0)
                r = sd_bus_message_append(call, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name", "s", sender,
                                          action, 0,
                                          (uint32_t) (sd_bus_message_get_allow_interactive_authorization(m) > 0 ?
                                                      1 : 0),
                                          "");
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to build the polkit request: %m");

        q = calloc(1, sizeof(*q));
        if (!q || !(q->action = strdup(action))) {
                free(q);
                return sd_bus_error_set_errno(error, -ENOMEM);
        }
        q->reg = reg;
        q->request = sd_bus_message_ref(m);
        q->state = POLKIT_PENDING;
        q->interactive = sd_bus_message_get_allow_interactive_authorization(m) > 0;
        /* interactive authentication waits for a person */
        r = sd_bus_call_async(sd_bus_message_get_bus(m), &q->slot, call, polkit_on_reply, q,
                              sd_bus_message_get_allow_interactive_authorization(m) > 0 ? 300 * 1000000ULL : 0);
        if (r < 0) {
                polkit_query_free(q);
                return sd_bus_error_set_errnof(error, r, "Failed to ask polkit: %m");
        }
        q->next = reg->queries;
        reg->queries = q;
        return 0;
}
