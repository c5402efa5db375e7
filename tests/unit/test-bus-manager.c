/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.cwatch1.Manager over a private connection (no bus daemon, no BPF): argument validation,
 * named errors, and dbus/org.cwatch1.Manager.xml equal to the live introspection. */
#include <inttypes.h>
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
#include "detect/scan.h"
#include "graph/provenance.h"
#include <systemd/sd-bus.h>
#include "daemon/service-bus.h"
#include "bus/query-alerts.h"
#include "daemon/service.h"
#include "detect/detect.h"
#include "detect/discovery.h"
#include "alert/pipeline.h"
#include "../common/rules-test-records.h"
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
                f->manager.tracers[i] = (struct tracer) { .ops = tracer_registry[i], .env = &f->manager.tracer_env,
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
        alert_pipeline_free(f->manager.alert_pipeline);
        detect_free(f->manager.detect);
        scan_detector_free(f->manager.scan);
        discovery_free(f->manager.discovery);
        manager_graph_free(f->manager.graph);
        manager_set_watched_paths(&f->manager, &(struct tracer_watched_paths) {});
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
                { "s", "color", 0, "red", 0, "Unknown filter 'color'; valid filters: since, until, rule, severity, container, unit, alert_id, incident, limit" },
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

struct rule_row {
        const char *name, *severity, *mitre, *description, *file;
        char **events;
        uint32_t line;
        int enabled, active;
        uint64_t matches;
};

/* Calls ListRules and reads every row; returns how many (at most max). */
static size_t list_rules(struct fixture *f, struct rule_row *rows, size_t max, sd_bus_message **ret_reply)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL, *m = new_call(f, "ListRules");
        size_t n = 0;
        int r;

        r = sd_bus_call(f->client, m, 0, &error, &reply);
        sd_bus_message_unref(m);
        if (r < 0)
                fail_msg("ListRules: %s %s", error.name, error.message);
        assert_string_equal(sd_bus_message_get_signature(reply, true), "a(sasssssubbt)");
        assert_int_equal(sd_bus_message_enter_container(reply, 'a', "(sasssssubbt)"), 1);
        while (n < max && (r = sd_bus_message_enter_container(reply, 'r', "sasssssubbt")) > 0) {
                struct rule_row *w = &rows[n++];

                assert_int_equal(sd_bus_message_read(reply, "s", &w->name), 1);
                assert_true(sd_bus_message_read_strv(reply, &w->events) >= 0);
                assert_int_equal(sd_bus_message_read(reply, "ssssubbt", &w->severity, &w->mitre, &w->description,
                                                     &w->file, &w->line, &w->enabled, &w->active, &w->matches), 1);
                assert_int_equal(sd_bus_message_exit_container(reply), 1);
        }
        assert_true(r >= 0);
        *ret_reply = reply;
        return n;
}

static void free_rows(struct rule_row *rows, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                for (size_t j = 0; rows[i].events && rows[i].events[j]; j++)
                        free(rows[i].events[j]);
                free(rows[i].events);
        }
}

/* ListRules with the rule engine off: an empty array; with the default rules: every rule with
 * its fields as the files say, active only while a tracer of its event runs, matches counted. */
static void test_list_rules(void **state)
{
        static const char *const dirs[] = { RULES_SOURCE_DIR };
        struct fixture *f = *state;
        struct rule_row rows[128];
        sd_bus_message *reply;
        struct strbuf errors = {};
        struct tracer *process = &f->manager.tracers[0];
        const struct rule_row *tmp = NULL;
        const struct detect_engine *e;
        size_t n, n_tmp = 0;

        if (geteuid() != 0) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *m = new_call(f, "ListRules");

                assert_true(sd_bus_call(f->client, m, 0, &error, NULL) < 0);
                assert_true(sd_bus_error_has_name(&error, SD_BUS_ERROR_ACCESS_DENIED));
                sd_bus_error_free(&error);
                sd_bus_message_unref(m);
                return;
        }
        assert_int_equal(list_rules(f, rows, 128, &reply), 0);
        sd_bus_message_unref(reply);

        if (manager_enable_rules(&f->manager, &(struct rules_paths) { dirs, 1 }, NULL, &errors) < 0)
                fail_msg("the default rules did not load: %s", errors.data);
        strbuf_free(&errors);
        e = detect_get_engine(f->manager.detect);
        n = list_rules(f, rows, 128, &reply);
        assert_int_equal(n, detect_engine_n_rules(e));
        assert_true(n >= 25);
        for (size_t i = 0; i < n; i++) {
                assert_true(rows[i].name[0] != '\0');
                assert_non_null(rows[i].events);
                assert_non_null(rows[i].events[0]);
                assert_true(alert_severity_from_string(rows[i].severity) >= 0);
                assert_true(rows[i].mitre[0] == 'T');
                assert_true(strncmp(rows[i].file, RULES_SOURCE_DIR "/", strlen(RULES_SOURCE_DIR) + 1) == 0);
                assert_true(rows[i].line > 0);
                assert_true(rows[i].enabled);
                assert_false(rows[i].active);           /* no tracer runs */
                assert_int_equal(rows[i].matches, 0);
                if (strcmp(rows[i].name, "exec-from-tmp") == 0) {
                        tmp = &rows[i];
                        n_tmp = i;
                }
        }
        assert_non_null(tmp);
        assert_string_equal(tmp->events[0], "exec");
        assert_null(tmp->events[1]);
        assert_string_equal(tmp->severity, "warning");
        assert_string_equal(tmp->mitre, "T1204.002");
        assert_string_equal(tmp->file, RULES_SOURCE_DIR "/10-process.rules");
        assert_int_equal(tmp->line, 25);
        free_rows(rows, n);
        sd_bus_message_unref(reply);

        /* a running process tracer makes exec rules active (running is only a flag here, nothing is
         * attached); two execs from /tmp are two matches of exec-from-tmp, which a reload keeps */
        process->running = true;
        for (int k = 0; k < 2; k++) {
                struct trec t;

                trec_init(&t, process->ops->info->schema, "exec");
                trec_u64(&t, "pid", 4242 + k);
                trec_u64(&t, "ppid", 1);
                trec_u64(&t, "uid", 0);
                trec_str(&t, "comm", "x");
                trec_str(&t, "exe", "/tmp/x");
                trec_strv(&t, "args", "/tmp/x\0", 7);
                assert_int_equal(detect_on_record(f->manager.detect, &t.r), 0);
        }
        assert_int_equal(detect_reload(f->manager.detect, &errors), 0);
        strbuf_free(&errors);
        n = list_rules(f, rows, 128, &reply);
        for (size_t i = 0; i < n; i++) {
                bool exec = false;

                for (size_t j = 0; rows[i].events[j]; j++)
                        exec = exec || strcmp(rows[i].events[j], "exec") == 0;
                if (exec != (bool) rows[i].active)
                        fail_msg("rule %s: active is %d with only the process tracer running", rows[i].name,
                                 rows[i].active);
                if (rows[i].matches != (i == n_tmp ? 2 : 0))
                        fail_msg("rule %s: %" PRIu64 " matches", rows[i].name, rows[i].matches);
        }
        free_rows(rows, n);
        sd_bus_message_unref(reply);
        process->running = false;
}

/* The <interface> element with comments dropped and whitespace between tags removed. */
/* QueryIncidents and GetAlertStory: an alert given its story and incident by the alert step, then
 * found by both; bad arguments are named errors. */
static void test_incidents(void **state)
{
        struct fixture *f = *state;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m, *reply = NULL;
        struct alert a = { .id = "00112233445566778899aabbccddeeff", .rule = "exec-from-tmp",
                           .severity = SEVERITY_WARNING, .mitre = "T1204.002", .process = { .pid = 4242 },
                           .time_ns = 1000 };
        const char *story, *key, *id = NULL;
        size_t n = 0;

        /* without the graph: nothing, not an error */
        m = new_call(f, "QueryIncidents");
        assert_true(sd_bus_message_append(m, "a{sv}", 0) >= 0);
        assert_true(sd_bus_call(f->client, m, 0, &error, &reply) >= 0);
        sd_bus_message_unref(m);
        assert_true(sd_bus_message_enter_container(reply, 'a', "a{sv}") >= 0);
        assert_int_equal(sd_bus_message_at_end(reply, false), 1);
        reply = sd_bus_message_unref(reply);

        assert_int_equal(manager_enable_provenance(&f->manager, &PROVENANCE_DEFAULT_CONFIG, false), 0);
        manager_annotate_alert(&f->manager, &a);
        assert_non_null(a.incident_id);
        assert_non_null(a.story);

        m = new_call(f, "QueryIncidents");
        assert_true(sd_bus_message_append(m, "a{sv}", 1, "id", "s", a.incident_id) >= 0);
        assert_true(sd_bus_call(f->client, m, 0, &error, &reply) >= 0);
        sd_bus_message_unref(m);
        assert_true(sd_bus_message_enter_container(reply, 'a', "a{sv}") >= 0);
        while (sd_bus_message_enter_container(reply, 'a', "{sv}") > 0) {
                while (sd_bus_message_enter_container(reply, 'e', "sv") > 0) {
                        assert_true(sd_bus_message_read(reply, "s", &key) >= 0);
                        if (streq(key, "incident_id"))
                                assert_true(sd_bus_message_read(reply, "v", "s", &id) >= 0);
                        else
                                assert_true(sd_bus_message_skip(reply, "v") >= 0);
                        assert_true(sd_bus_message_exit_container(reply) >= 0);
                }
                assert_true(sd_bus_message_exit_container(reply) >= 0);
                n++;
        }
        assert_int_equal(n, 1);
        assert_non_null(id);
        assert_string_equal(id, a.incident_id);
        reply = sd_bus_message_unref(reply);

        /* the alert's process is not in the graph: no story to tell again, "" */
        m = new_call(f, "GetAlertStory");
        assert_true(sd_bus_message_append(m, "s", a.id) >= 0);
        assert_true(sd_bus_call(f->client, m, 0, &error, &reply) >= 0);
        sd_bus_message_unref(m);
        assert_true(sd_bus_message_read(reply, "s", &story) >= 0);
        assert_string_equal(story, "");
        reply = sd_bus_message_unref(reply);

        m = new_call(f, "QueryIncidents");
        assert_true(sd_bus_message_append(m, "a{sv}", 1, "color", "s", "red") >= 0);
        expect_error(f, m, "org.cwatch1.Error.InvalidArgument", "Unknown filter 'color'; known: id");
        m = new_call(f, "QueryIncidents");
        assert_true(sd_bus_message_append(m, "a{sv}", 1, "id", "s", "xyz") >= 0);
        expect_error(f, m, "org.cwatch1.Error.InvalidArgument", "8 to 32 lowercase hex digits");
        m = new_call(f, "GetAlertStory");
        assert_true(sd_bus_message_append(m, "s", "nope") >= 0);
        expect_error(f, m, "org.cwatch1.Error.InvalidArgument", "32 lowercase hex digits");
        sd_bus_error_free(&error);
}

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
                cmocka_unit_test_setup_teardown(test_list_rules, setup, teardown),
                cmocka_unit_test_setup_teardown(test_introspection_xml, setup, teardown),
                cmocka_unit_test_setup_teardown(test_incidents, setup, teardown),
        };

        xml_path = argc > 1 ? argv[1] : "dbus/org.cwatch1.Manager.xml";
        return cmocka_run_group_tests(tests, NULL, NULL);
}
