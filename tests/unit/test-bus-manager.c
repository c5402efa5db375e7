/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.cwatch1.Manager over a private connection (no bus daemon, no BPF): argument validation,
 * named errors, and dbus/org.cwatch1.Manager.xml equal to the live introspection. */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include <systemd/sd-bus.h>
#include "bus/bus-manager.h"
#include "bus/query-alerts.h"
#include "daemon/service.h"
#include "shared/strbuf.h"

static const char *xml_path;

struct fixture {
        struct service service;
        struct manager manager;
        sd_bus *server, *client;
        pthread_t thread;
        volatile int stop;
};

static void *server_loop(void *userdata)
{
        struct fixture *f = userdata;

        while (!f->stop) {
                int r = sd_bus_process(f->server, NULL);

                if (r < 0)
                        break;
                if (r == 0)
                        (void) sd_bus_wait(f->server, 20000);
        }
        return NULL;
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        sd_id128_t id;
        int fds[2];

        assert_non_null(f);
        /* a manager with the registry's tracers, none running: no BPF needed */
        f->manager.n_tracers = tracer_registry_size;
        for (size_t i = 0; i < tracer_registry_size; i++)
                f->manager.tracers[i] = (struct tracer) { .ops = tracer_registry[i], .manager = &f->manager,
                                                          .index = i, .drops_fd = -1 };
        f->service.manager = &f->manager;

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        assert_int_equal(sd_id128_randomize(&id), 0);
        assert_int_equal(sd_bus_new(&f->server), 0);
        assert_int_equal(sd_bus_set_fd(f->server, fds[0], fds[0]), 0);
        assert_int_equal(sd_bus_set_server(f->server, 1, id), 0);
        assert_int_equal(sd_bus_set_anonymous(f->server, 1), 0);
        assert_int_equal(bus_manager_add_object(&f->service, f->server), 0);
        assert_int_equal(sd_bus_start(f->server), 0);

        assert_int_equal(sd_bus_new(&f->client), 0);
        assert_int_equal(sd_bus_set_fd(f->client, fds[1], fds[1]), 0);
        assert_int_equal(sd_bus_set_anonymous(f->client, 1), 0);
        assert_int_equal(sd_bus_start(f->client), 0);
        assert_int_equal(pthread_create(&f->thread, NULL, server_loop, f), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        sd_bus_flush_close_unref(f->client);
        f->stop = 1;
        pthread_join(f->thread, NULL);
        sd_bus_slot_unref(f->service.bus_vtable_slot);
        sd_bus_flush_close_unref(f->server);
        polkit_registry_done(&f->service.polkit);
        free(f);
        return 0;
}

static sd_bus_message *new_call(struct fixture *f, const char *method)
{
        sd_bus_message *m = NULL;

        assert_int_equal(sd_bus_message_new_method_call(f->client, &m, NULL, BUS_PATH, BUS_INTERFACE, method), 0);
        return m;
}

/* Calls m and expects the named error with a message containing text. */
static void expect_error(struct fixture *f, sd_bus_message *m, const char *name, const char *text)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_call(f->client, m, 0, &error, NULL);

        sd_bus_message_unref(m);
        assert_true(r < 0);
        if (!sd_bus_error_has_name(&error, name) || !strstr(error.message ?: "", text))
                fail_msg("expected %s '%s', got %s '%s'", name, text, error.name, error.message);
        sd_bus_error_free(&error);
}

static void test_no_such_tracer(void **state)
{
        struct fixture *f = *state;
        sd_bus_message *m;

        m = new_call(f, "StartTracer");
        assert_true(sd_bus_message_append(m, "s", "nosuch") >= 0);
        expect_error(f, m, "org.cwatch1.Error.NoSuchTracer", "No tracer 'nosuch' in this cwatchd; tracers: process");
        m = new_call(f, "StopTracer");
        assert_true(sd_bus_message_append(m, "s", "") >= 0);
        expect_error(f, m, "org.cwatch1.Error.NoSuchTracer", "No tracer ''");
        assert_false(f->manager.tracers[0].running);
}

static void test_wrong_types(void **state)
{
        struct fixture *f = *state;
        sd_bus_message *m;

        m = new_call(f, "StartTracer");
        assert_true(sd_bus_message_append(m, "i", 3) >= 0);
        expect_error(f, m, SD_BUS_ERROR_INVALID_ARGS, "");
        m = new_call(f, "QueryAlerts");
        assert_true(sd_bus_message_append(m, "s", "since") >= 0);
        expect_error(f, m, SD_BUS_ERROR_INVALID_ARGS, "");
        m = new_call(f, "NoSuchMethod");
        expect_error(f, m, SD_BUS_ERROR_UNKNOWN_METHOD, "");
}

static void test_query_filters(void **state)
{
        static const struct { const char *sig; const char *key; int kind; const char *s; uint64_t u; const char *error; } cases[] = {
                { "s", "color", 0, "red", 0, "Unknown filter 'color'; valid filters: since, until, rule, severity, container, unit, limit" },
                { "u", "limit", 1, NULL, 0, "Filter 'limit' must be between 1 and 10000, not 0" },
                { "u", "limit", 1, NULL, 10001, "Filter 'limit' must be between 1 and 10000, not 10001" },
                { "s", "since", 0, "yesterday", 0, "Filter 'since' must be a number (type t or u), not of type 's'" },
                { "t", "rule", 2, NULL, 5, "Filter 'rule' must be a string (type s), not of type 't'" },
                { "s", "severity", 0, "loud", 0, "Filter 'severity' must be one of critical, error, warning, notice, info" },
                { "s", "rule", 0, "", 0, "Filter 'rule' must be a non-empty string" },
                { "s", "unit", 0, "a\nb", 0, "on one line" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct fixture *f = *state;
                sd_bus_message *m = new_call(f, "QueryAlerts");

                if (cases[i].kind == 0)
                        assert_true(sd_bus_message_append(m, "a{sv}", 1, cases[i].key, "s", cases[i].s) >= 0);
                else if (cases[i].kind == 1)
                        assert_true(sd_bus_message_append(m, "a{sv}", 1, cases[i].key, "u", (uint32_t) cases[i].u) >= 0);
                else
                        assert_true(sd_bus_message_append(m, "a{sv}", 1, cases[i].key, "t", cases[i].u) >= 0);
                expect_error(f, m, "org.cwatch1.Error.InvalidArgument", cases[i].error);
        }
}

static void test_query_since_after_until(void **state)
{
        struct fixture *f = *state;
        sd_bus_message *m = new_call(f, "QueryAlerts");

        assert_true(sd_bus_message_append(m, "a{sv}", 2, "since", "t", UINT64_C(200), "until", "t", UINT64_C(100)) >= 0);
        expect_error(f, m, "org.cwatch1.Error.InvalidArgument", "Filter 'since' (200) lies after 'until' (100)");
}

/* A good filter is read completely (without the bus: the parser itself). */
static void test_filter_parse(void **state)
{
        sd_bus_message *m = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        struct alert_filter flt;
        struct fixture *f = *state;

        assert_int_equal(sd_bus_message_new_method_call(f->client, &m, NULL, BUS_PATH, BUS_INTERFACE, "QueryAlerts"), 0);
        assert_true(sd_bus_message_append(m, "a{sv}", 7, "since", "t", UINT64_C(1000), "until", "x", INT64_C(2000),
                                               "rule", "s", "exec-from-tmp", "severity", "s", "warning",
                                               "container", "s", "web1", "unit", "s", "nginx.service",
                                               "limit", "u", (uint32_t) 5) >= 0);
        assert_true(0 <= sd_bus_message_seal(m, 1, 0));
        assert_int_equal(alert_filter_from_message(m, &flt, &error), 0);
        assert_int_equal(flt.since_usec, 1000);
        assert_int_equal(flt.until_usec, 2000);
        assert_string_equal(flt.rule, "exec-from-tmp");
        assert_int_equal(flt.severity, SEVERITY_WARNING);
        assert_string_equal(flt.container, "web1");
        assert_string_equal(flt.unit, "nginx.service");
        assert_int_equal(flt.limit, 5);
        alert_filter_done(&flt);
        sd_bus_message_unref(m);

        assert_int_equal(sd_bus_message_new_method_call(f->client, &m, NULL, BUS_PATH, BUS_INTERFACE, "QueryAlerts"), 0);
        assert_true(sd_bus_message_append(m, "a{sv}", 0) >= 0);
        assert_true(0 <= sd_bus_message_seal(m, 2, 0));
        assert_int_equal(alert_filter_from_message(m, &flt, &error), 0);
        assert_int_equal(flt.limit, ALERT_QUERY_DEFAULT_LIMIT);
        assert_int_equal(flt.severity, -1);
        assert_null(flt.rule);
        alert_filter_done(&flt);
        sd_bus_message_unref(m);

        assert_int_equal(sd_bus_message_new_method_call(f->client, &m, NULL, BUS_PATH, BUS_INTERFACE, "QueryAlerts"), 0);
        assert_true(sd_bus_message_append(m, "a{sv}", 1, "since", "x", INT64_C(-5)) >= 0);
        assert_true(0 <= sd_bus_message_seal(m, 3, 0));
        assert_true(alert_filter_from_message(m, &flt, &error) < 0);
        assert_string_equal(error.message, "Filter 'since' must not be negative");
        sd_bus_error_free(&error);
        sd_bus_message_unref(m);
}

/* Methods that pass validation reach polkit: root passes, anyone else on a direct connection is
 * refused (there is no bus name polkit could check). */
static void test_list_tracers(void **state)
{
        struct fixture *f = *state;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL, *m = new_call(f, "ListTracers");
        const char *name, *desc;
        int running, r;
        uint64_t events, drops;

        r = sd_bus_call(f->client, m, 0, &error, &reply);
        sd_bus_message_unref(m);
        if (geteuid() != 0) {
                assert_true(sd_bus_error_has_name(&error, SD_BUS_ERROR_ACCESS_DENIED));
                sd_bus_error_free(&error);
                return;
        }
        assert_int_equal(r, 1);
        assert_int_equal(sd_bus_message_enter_container(reply, 'a', "(ssbtt)"), 1);
        assert_int_equal(sd_bus_message_read(reply, "(ssbtt)", &name, &desc, &running, &events, &drops), 1);
        assert_string_equal(name, "process");
        assert_false(running);
        assert_int_equal(events, 0);
        sd_bus_message_unref(reply);
}

/* The <interface> element with comments dropped and whitespace between tags removed. */
static char *normalize_interface(const char *xml)
{
        const char *start = strstr(xml, "<interface name=\"" BUS_INTERFACE "\">"), *end;
        struct strbuf b = {};

        if (!start)
                return NULL;
        end = strstr(start, "</interface>");
        if (!end)
                return NULL;
        end += strlen("</interface>");
        for (const char *p = start; p < end;) {
                if (strncmp(p, "<!--", 4) == 0) {
                        const char *c = strstr(p, "-->");

                        p = c ? c + 3 : end;
                } else if (*p == '>' ) {
                        strbuf_putc(&b, '>');
                        for (p++; p < end && strchr(" \t\n", *p); p++)
                                ;
                } else if (strchr(" \t\n", *p)) {
                        /* runs of blanks inside a tag count as one */
                        const char *q = p;

                        while (q < end && strchr(" \t\n", *q))
                                q++;
                        if (*q != '<' && *q != '/' && *q != '>')
                                strbuf_putc(&b, ' ');
                        p = q;
                } else
                        strbuf_putc(&b, *p++);
        }
        return b.data;
}

static void test_introspection_xml(void **state)
{
        struct fixture *f = *state;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *live;
        char *live_norm, *file_norm, *text;
        FILE *file;
        long size;

        assert_int_equal(sd_bus_call_method(f->client, NULL, BUS_PATH, "org.freedesktop.DBus.Introspectable",
                                            "Introspect", &error, &reply, ""), 1);
        assert_int_equal(sd_bus_message_read(reply, "s", &live), 1);
        if (getenv("PRINT_INTROSPECTION"))
                puts(live);
        file = fopen(xml_path, "re");
        assert_non_null(file);
        fseek(file, 0, SEEK_END);
        size = ftell(file);
        rewind(file);
        text = calloc(1, size + 1);
        assert_int_equal(fread(text, 1, size, file), size);
        fclose(file);

        live_norm = normalize_interface(live);
        file_norm = normalize_interface(text);
        assert_non_null(live_norm);
        if (!file_norm)
                fail_msg("%s has no <interface name=\"%s\">", xml_path, BUS_INTERFACE);
        if (strcmp(live_norm, file_norm) != 0)
                fail_msg("%s differs from the live vtable:\nlive: %s\nfile: %s", xml_path, live_norm, file_norm);
        /* every member is documented: a comment right before each method, signal and property */
        for (const char *p = text; *p; p++) {
                const char *q = p;

                if (strncmp(p, "<method ", 8) != 0 && strncmp(p, "<signal ", 8) != 0 &&
                    strncmp(p, "<property ", 10) != 0)
                        continue;
                while (q > text && strchr(" \t\n", q[-1]))
                        q--;
                if (q - text < 3 || strncmp(q - 3, "-->", 3) != 0)
                        fail_msg("no comment documents %.40s", p);
        }
        free(live_norm);
        free(file_norm);
        free(text);
        sd_bus_message_unref(reply);
}

int main(int argc, char *argv[])
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_no_such_tracer, setup, teardown),
                cmocka_unit_test_setup_teardown(test_wrong_types, setup, teardown),
                cmocka_unit_test_setup_teardown(test_query_filters, setup, teardown),
                cmocka_unit_test_setup_teardown(test_query_since_after_until, setup, teardown),
                cmocka_unit_test_setup_teardown(test_filter_parse, setup, teardown),
                cmocka_unit_test_setup_teardown(test_list_tracers, setup, teardown),
                cmocka_unit_test_setup_teardown(test_introspection_xml, setup, teardown),
        };

        xml_path = argc > 1 ? argv[1] : "dbus/org.cwatch1.Manager.xml";
        return cmocka_run_group_tests(tests, NULL, NULL);
}
