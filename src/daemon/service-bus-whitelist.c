/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "service-bus-whitelist.h"
#include "service.h"
#include "bus/bus-errors.h"
#include "shared/timeutil.h"
#include "whitelist/whitelist-sink.h"

#define ACTION_QUERY_ALERTS "org.cwatch1.query-alerts"

static const char *entry_state(const struct whitelist_entry *e)
{
        return e->malicious ? "denied" : e->revoked ? "revoked" : e->global ? "global" : "local";
}

static int append_entry(sd_bus_message *reply, const struct whitelist_entry *e)
{
        char hex[WHITELIST_SHA256_HEX];

        whitelist_sha256_to_hex(e->sha256, hex);
        return sd_bus_message_append(reply, BUS_WHITELIST_SIGNATURE, hex, e->path ?: "", e->confidence, e->executions,
                                     e->active_days, e->first_seen_usec, e->last_seen_usec, e->alerts, e->incidents,
                                     entry_state(e));
}

static int append_cb(const struct whitelist_entry *e, void *userdata)
{
        return append_entry(userdata, e);
}

static struct whitelist_sink *sink_of(struct service *s, sd_bus_error *error)
{
        if (!s->whitelist.sink)
                sd_bus_error_set(error, BUS_ERROR_WHITELIST_OFF, "The whitelist is off ([Whitelist] Enable=no in "
                                 "cwatchd.conf)");
        return s->whitelist.sink;
}

int bus_method_list_whitelist(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct service *s = userdata;
        struct whitelist_sink *k;
        int r;

        r = polkit_check(&s->polkit, msg, ACTION_QUERY_ALERTS, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        k = sink_of(s, error);
        if (!k)
                return -EINVAL;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', BUS_WHITELIST_SIGNATURE);
        if (r >= 0)
                r = whitelist_foreach(whitelist_sink_get(k), append_cb, reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int bus_method_get_whitelist_entry(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct service *s = userdata;
        struct whitelist_entry *e, unseen = {};
        struct whitelist_sink *k;
        struct whitelist_score score;
        uint8_t sha[WHITELIST_SHA256_SIZE];
        const char *name;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = polkit_check(&s->polkit, msg, ACTION_QUERY_ALERTS, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        k = sink_of(s, error);
        if (!k)
                return -EINVAL;
        if (whitelist_sha256_from_hex(name, strlen(name), sha) >= 0)
                e = whitelist_get(whitelist_sink_get(k), sha);
        else if (name[0] == '/') {
                r = whitelist_sink_identify_path(k, name, sha, &unseen.facts);
                if (r < 0)
                        return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT, "Cannot identify '%.200s': %s", name,
                                                 strerror(-r));
                e = whitelist_get(whitelist_sink_get(k), sha);
                if (e && !e->executions)
                        e->facts = unseen.facts;        /* known from the fleet only: explain this file */
        } else
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
                                         "'%.64s' is neither a SHA-256 (64 hex digits) nor an absolute path", name);
        if (!e && name[0] != '/')
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_PROGRAM,
                                         "No program with SHA-256 %s has run here (cwatchctl whitelist list)", name);
        if (!e) {
                /* never executed: what its file alone says */
                memcpy(unseen.sha256, sha, sizeof(sha));
                unseen.path = name;
                e = &unseen;
        }
        whitelist_score_entry(whitelist_sink_get(k), e, now_realtime_ns() / 1000, &score);
        e->confidence = score.confidence;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = append_entry(reply, e);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', BUS_WHITELIST_REASON_SIGNATURE);
        for (size_t i = 0; i < score.n_reasons && r >= 0; i++)
                r = sd_bus_message_append(reply, BUS_WHITELIST_REASON_SIGNATURE, score.reasons[i].id,
                                          score.reasons[i].weight, score.reasons[i].text);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}
