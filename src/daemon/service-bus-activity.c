/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "bus/bus-activity.h"
#include "manager.h"
#include "metrics/metrics.h"
#include "shared/timeutil.h"

struct append_ctx {
        sd_bus_message *reply;
        int r;
};

static void append_row(const struct activity_row *row, void *userdata)
{
        struct append_ctx *ctx = userdata;
        const struct activity_counts *c = &row->counts;

        if (ctx->r >= 0)
                ctx->r = sd_bus_message_append(ctx->reply, BUS_ACTIVITY_ROW_SIGNATURE,
                                               activity_kind_to_string(row->kind), row->name, row->id, row->runtime,
                                               c->events, c->execs, c->read_bytes, c->write_bytes, c->connections,
                                               c->alerts, row->first_ns / NSEC_PER_USEC,
                                               row->last_ns / NSEC_PER_USEC);
}

int bus_method_get_activity(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct manager *m = userdata;
        struct append_ctx ctx = {};
        uint64_t drops = 0;
        int r;

        for (size_t i = 0; i < m->n_tracers; i++)
                drops += tracer_drops(&m->tracers[i]);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "tt", now_monotonic_ns() / NSEC_PER_USEC, drops);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', BUS_ACTIVITY_ROW_SIGNATURE);
        if (r < 0)
                return r;
        ctx.reply = reply;
        if (m->metrics)
                activity_foreach(&m->metrics->activity, append_row, &ctx);
        r = ctx.r;
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}
