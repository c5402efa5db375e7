/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include "service-bus-link.h"
#include "service-bus.h"
#include "service.h"
#include "bus/bus-alert.h"
#include "metrics/exposition.h"
#include "shared/log.h"
#include "shared/timeutil.h"

static void bus_link_close(struct service *s)
{
        /* pending polkit checks belong to calls on this connection: nobody waits for them now */
        polkit_registry_done(&s->polkit);
        s->bus_vtable_slot = sd_bus_slot_unref(s->bus_vtable_slot);
        if (s->bus) {
                (void) sd_bus_detach_event(s->bus);
                s->bus = sd_bus_flush_close_unref(s->bus);
        }
        s->bus_link.named = false;
        service_response_bus_changed(s);
}

static void bus_link_named(struct service *s)
{
        struct bus_link *l = &s->bus_link;

        l->named = true;
        l->retry_usec = BUS_RETRY_FIRST_USEC;
        l->name_failures = 0;
        if (l->lost_usec) {
                log_info("Connected to the system bus again and took %s back after %.1f s; %" PRIu64
                         " AlertRaised signals could not be sent meanwhile (the alerts are in the journal)",
                         BUS_NAME, (double) (now_monotonic_ns() / 1000 - l->lost_usec) / 1e6,
                         l->signals_failed - l->signals_failed_logged);
                l->signals_failed_logged = l->signals_failed;
                l->lost_usec = 0;
                service_notify_status(s);
        }
}

static void bus_link_lost(struct service *s, const char *why);

static int on_name_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        struct service *s = userdata;
        struct bus_link *l = &s->bus_link;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        uint32_t result = 0;

        /* 1: ours now, 4: ours already; 3: someone else's (the request does not queue) */
        if (!e && sd_bus_message_read(reply, "u", &result) >= 0 && (result == 1 || result == 4)) {
                bus_link_named(s);
                return 0;
        }
        /* said once, then tried less and less often */
        log_internal(l->name_failures++ ? LOG_DEBUG : LOG_WARNING, 0,
                     "Failed to take the bus name %s again: %s", BUS_NAME,
                     e ? e->message ?: e->name : result == 3 ? "another process owns it" : "bad reply");
        l->retry_usec = MIN(l->retry_usec * 2, BUS_RETRY_MAX_USEC);
        bus_link_lost(s, NULL);
        return 0;
}

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        bus_link_lost(userdata, "the connection was closed");
        return 0;
}

/* A new connection with the object exported; the name is requested synchronously at start (so
 * that it is ours at READY=1) and asynchronously later (the bus may still be starting). */
static int bus_link_connect(struct service *s, bool sync)
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0)
                return log_debug_errno(r, "Failed to connect to the system bus: %m");
        r = sd_bus_match_signal_async(bus, NULL, "org.freedesktop.DBus.Local", "/org/freedesktop/DBus/Local",
                                      "org.freedesktop.DBus.Local", "Disconnected", on_disconnected, NULL, s);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the bus connection: %m");
        r = bus_manager_add_object(s, bus);
        if (r < 0)
                return log_error_errno(r, "Failed to export %s: %m", BUS_PATH);
        r = sd_bus_attach_event(bus, s->manager->event, 0);
        if (r < 0) {
                s->bus_vtable_slot = sd_bus_slot_unref(s->bus_vtable_slot);
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");
        }
        if (sync)
                r = sd_bus_request_name(bus, BUS_NAME, 0);
        else
                r = sd_bus_request_name_async(bus, NULL, BUS_NAME, 0, on_name_reply, s);
        if (r < 0) {
                s->bus_vtable_slot = sd_bus_slot_unref(s->bus_vtable_slot);
                (void) sd_bus_detach_event(bus);
                return log_warning_errno(r, "Failed to take the bus name %s: %m", BUS_NAME);
        }
        s->bus = TAKE_PTR(bus);
        service_response_bus_changed(s);
        if (sync)
                bus_link_named(s);
        return 0;
}

static int on_retry(sd_event_source *src, uint64_t usec, void *userdata)
{
        struct service *s = userdata;
        struct bus_link *l = &s->bus_link;
        int r;

        bus_link_close(s);
        r = bus_link_connect(s, false);
        if (r >= 0)
                return sd_event_source_set_enabled(src, SD_EVENT_OFF);
        l->retry_usec = MIN(l->retry_usec * 2, BUS_RETRY_MAX_USEC);
        r = sd_event_source_set_time_relative(src, l->retry_usec);
        if (r >= 0)
                r = sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
        if (r < 0)
                log_error_errno(r, "Failed to arm the next attempt to reach the system bus, "
                                "giving up on D-Bus: %m");
        return 0;
}

/* why: logged when the loss is new (NULL: a failed attempt to link again, which is not). */
static void bus_link_lost(struct service *s, const char *why)
{
        struct bus_link *l = &s->bus_link;
        int r;

        l->named = false;
        if (why && !l->lost_usec) {
                log_warning("Lost the system bus (%s): tracing goes on and alerts still reach the journal; "
                            "connecting again in the background", why);
                l->disconnects++;
                l->signals_failed_logged = l->signals_failed;
        }
        if (!l->lost_usec)
                l->lost_usec = now_monotonic_ns() / 1000 ?: 1;
        /* the connection is closed on the next turn of the loop: this may run inside its dispatch */
        if (!l->retry)
                r = sd_event_add_time_relative(s->manager->event, &l->retry, CLOCK_MONOTONIC, l->retry_usec,
                                               0, on_retry, s);
        else {
                r = sd_event_source_set_time_relative(l->retry, l->retry_usec);
                if (r >= 0)
                        r = sd_event_source_set_enabled(l->retry, SD_EVENT_ONESHOT);
        }
        if (r < 0)
                log_error_errno(r, "Failed to arm the attempt to reach the system bus again, "
                                "giving up on D-Bus: %m");
        service_notify_status(s);
}

static int bus_alert_send(const struct alert *a, void *userdata)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *sig = NULL;
        struct service *s = userdata;
        int r;

        if (!s->bus || !s->bus_link.named) {
                s->bus_link.signals_failed++;
                return 0;
        }
        r = sd_bus_message_new_signal(s->bus, &sig, BUS_PATH, BUS_INTERFACE, "AlertRaised");
        if (r >= 0)
                r = bus_append_alert(sig, a);
        if (r >= 0)
                r = sd_bus_send(s->bus, sig, NULL);
        /* counted, not logged: a lost bus would log once per alert */
        if (r < 0)
                s->bus_link.signals_failed++;
        return 0;
}

int bus_link_start(struct service *s)
{
        int r;

        s->bus_link.retry_usec = BUS_RETRY_FIRST_USEC;
        r = manager_add_alert_sink(s->manager, &(struct alert_sink) {
                .name = "dbus", .send = bus_alert_send, .userdata = s });
        if (r < 0)
                return log_error_errno(r, "Failed to add the D-Bus alert sink: %m");
        r = manager_add_metrics_renderer(s->manager, bus_link_render_metrics, s);
        if (r < 0)
                log_warning_errno(r, "Failed to add the D-Bus metrics, ignoring: %m");
        if (bus_link_connect(s, true) < 0) {
                log_warning("The system bus is not reachable: tracing and the journal work without it; "
                            "connecting again in the background");
                bus_link_lost(s, NULL);
        }
        return 0;
}

void bus_link_stop(struct service *s)
{
        s->bus_link.retry = sd_event_source_disable_unref(s->bus_link.retry);
        bus_link_close(s);
}

const char *bus_link_status(struct service *s)
{
        struct bus_link *l = &s->bus_link;

        if (l->named)
                return "";
        snprintf(l->status, sizeof(l->status), "; no D-Bus (connecting again), %" PRIu64
                 " AlertRaised not sent", l->signals_failed - l->signals_failed_logged);
        return l->status;
}

void bus_link_render_metrics(struct strbuf *b, void *userdata)
{
        const struct bus_link *l = &((const struct service *) userdata)->bus_link;

        expo_family(b, "cwatch_dbus_connected", "gauge",
                    "1 while cwatchd owns org.cwatch1 on the system bus.");
        expo_sample_u64(b, "cwatch_dbus_connected", NULL, 0, l->named);
        expo_family(b, "cwatch_dbus_disconnects_total", "counter", "Times cwatchd lost the system bus.");
        expo_sample_u64(b, "cwatch_dbus_disconnects_total", NULL, 0, l->disconnects);
        expo_family(b, "cwatch_alert_signals_failed_total", "counter",
                    "AlertRaised signals not sent (no bus, or sending failed); "
                    "the alerts still reach the journal.");
        expo_sample_u64(b, "cwatch_alert_signals_failed_total", NULL, 0, l->signals_failed);
}
