/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Alert -> journal fields, and the table that names them in D-Bus and JSON. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "alert/alert-fields.h"
#include "detect/builtin-exec.h"

static void test_full_alert(void **state)
{
        struct identity id = {
                .runtime = "docker", .container_id = "0123456789abcdef0123", .container_name = "web1",
                .pod = "web-7f9c", .pod_namespace = "shop", .unit = "docker-0123.scope",
        };
        struct alert a = {
                .id = "0123456789abcdef0123456789abcdef",
                .time_ns = 1700000000123456789ULL,
                .count = 3,
                .rule = "exec-from-tmp",
                .message_id = MESSAGE_ID_EXEC_FROM_TMP,
                .severity = SEVERITY_WARNING,
                .mitre = "T1059",
                .message = "exec-from-tmp: /tmp/x executed from a temporary directory",
                .process = { .pid = 4242, .ppid = 1, .uid = 1000, .comm = "x", .exe = "/tmp/x",
                             .cmdline = "/tmp/x --flag\nnext" },
                .identity = &id,
        };
        static const char *const expected[] = {
                "MESSAGE=exec-from-tmp: /tmp/x executed from a temporary directory",
                "MESSAGE_ID=82c9f644f9624f1ba8737fa05feb6c96",
                "PRIORITY=4",
                "SYSLOG_IDENTIFIER=cwatch",
                "OBJECT_PID=4242",
                "CWATCH_TIME_USEC=1700000000123456",
                "CWATCH_ALERT_ID=0123456789abcdef0123456789abcdef",
                "CWATCH_RULE=exec-from-tmp",
                "CWATCH_SEVERITY=warning",
                "CWATCH_PID=4242",
                "CWATCH_PPID=1",
                "CWATCH_UID=1000",
                "CWATCH_COMM=x",
                "CWATCH_EXE=/tmp/x",
                "CWATCH_CMDLINE=/tmp/x --flag\\x0anext",
                "CWATCH_CONTAINER_ID=0123456789abcdef0123",
                "CWATCH_CONTAINER_NAME=web1",
                "CWATCH_CONTAINER_RUNTIME=docker",
                "CWATCH_POD=web-7f9c",
                "CWATCH_NAMESPACE=shop",
                "CWATCH_UNIT=docker-0123.scope",
                "CWATCH_MITRE=T1059",
                "CWATCH_COUNT=3",
        };
        struct alert_journal_fields f;

        assert_int_equal(alert_to_journal_fields(&a, &f), 0);
        assert_int_equal(f.n, sizeof(expected) / sizeof(expected[0]));
        for (size_t i = 0; i < f.n; i++)
                assert_string_equal(f.items[i], expected[i]);
        assert_string_equal(alert_journal_fields_get(&f, "CWATCH_POD"), "web-7f9c");
        assert_null(alert_journal_fields_get(&f, "CWATCH_PO"));
        alert_journal_fields_done(&f);
}

/* Host alerts leave the identity fields out; severities map to syslog priorities. */
static void test_host_alert(void **state)
{
        static const struct { enum alert_severity s; const char *priority, *name; } map[] = {
                { SEVERITY_CRITICAL, "2", "critical" }, { SEVERITY_ERROR, "3", "error" },
                { SEVERITY_WARNING, "4", "warning" }, { SEVERITY_NOTICE, "5", "notice" },
                { SEVERITY_INFO, "6", "info" },
        };

        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
                struct alert a = { .rule = "r", .severity = map[i].s, .process = { .pid = 7, .comm = "sh" } };
                struct alert_journal_fields f;

                assert_int_equal(alert_to_journal_fields(&a, &f), 0);
                assert_string_equal(alert_journal_fields_get(&f, "PRIORITY"), map[i].priority);
                assert_string_equal(alert_journal_fields_get(&f, "CWATCH_SEVERITY"), map[i].name);
                assert_string_equal(alert_journal_fields_get(&f, "MESSAGE"), "r");
                assert_string_equal(alert_journal_fields_get(&f, "CWATCH_COUNT"), "1");
                assert_null(alert_journal_fields_get(&f, "CWATCH_CONTAINER_NAME"));
                assert_null(alert_journal_fields_get(&f, "CWATCH_UNIT"));
                assert_null(alert_journal_fields_get(&f, "CWATCH_EXE"));
                assert_null(alert_journal_fields_get(&f, "CWATCH_MITRE"));
                assert_null(alert_journal_fields_get(&f, "MESSAGE_ID"));
                assert_null(alert_journal_fields_get(&f, "CWATCH_ANOMALY"));
                /* a rule alert has no score: severity says how bad, incidents weigh it */
                assert_null(alert_journal_fields_get(&f, "CWATCH_SCORE"));
                alert_journal_fields_done(&f);
        }
}

/* A cut executable path is marked in the entry; a whole one is not. */
static void test_exe_truncated(void **state)
{
        struct alert a = {
                .rule = "r", .process = { .pid = 7, .exe = "/tmp/e/s/.../evil", .exe_truncated = true },
        };
        struct alert_journal_fields f;

        assert_int_equal(alert_to_journal_fields(&a, &f), 0);
        assert_string_equal(alert_journal_fields_get(&f, "CWATCH_EXE"), "/tmp/e/s/.../evil");
        assert_string_equal(alert_journal_fields_get(&f, "CWATCH_EXE_TRUNCATED"), "1");
        alert_journal_fields_done(&f);
        a.process.exe_truncated = false;
        assert_int_equal(alert_to_journal_fields(&a, &f), 0);
        assert_null(alert_journal_fields_get(&f, "CWATCH_EXE_TRUNCATED"));
        alert_journal_fields_done(&f);
        assert_int_equal(alert_field_by_key("exe_truncated")->type, 'u');
}

/* Hostile strings: every field escaped one way, none left raw; a cut command line is marked; a
 * process outside cwatchd's pid namespace says so; the story (JSON, escaped when written) is kept. */
static void test_hostile_strings(void **state)
{
        struct identity id = { .container_id = "m\xe9", .container_name = "ev\nil\x1b[2J",
                               .unit = "machine-cw\\x2dweb\n.scope" };
        struct alert a = {
                .rule = "r", .message = "/tmp/ev\nil\xff ran\x1b[31m", .story = "{\"l\":\"a\\\\x0ab\"}",
                .identity = &id,
                .process = { .pid = 7, .ppid = 3, .comm = "ev\nil", .exe = "/tmp/ev\nil\xff\\",
                             .cmdline = "/tmp/ev\nil AAAA", .cmdline_truncated = true, .pid_host = true },
        };
        struct alert_journal_fields f;

        assert_int_equal(alert_to_journal_fields(&a, &f), 0);
        assert_string_equal(alert_journal_fields_get(&f, "MESSAGE"), "/tmp/ev\\x0ail\\xff ran\\x1b[31m");
        assert_string_equal(alert_journal_fields_get(&f, "CWATCH_COMM"), "ev\\x0ail");
        assert_string_equal(alert_journal_fields_get(&f, "CWATCH_EXE"), "/tmp/ev\\x0ail\\xff\\\\");
        assert_string_equal(alert_journal_fields_get(&f, "CWATCH_CMDLINE"), "/tmp/ev\\x0ail AAAA...");
        assert_string_equal(alert_journal_fields_get(&f, "CWATCH_CMDLINE_TRUNCATED"), "1");
        assert_string_equal(alert_journal_fields_get(&f, "CWATCH_PID_SCOPE"), "host");
        assert_string_equal(alert_journal_fields_get(&f, "CWATCH_CONTAINER_ID"), "m\\xe9");
        assert_string_equal(alert_journal_fields_get(&f, "CWATCH_CONTAINER_NAME"), "ev\\x0ail\\x1b[2J");
        /* a unit name keeps systemd's own escapes (the same \xNN); a raw control byte is escaped */
        assert_string_equal(alert_journal_fields_get(&f, "CWATCH_UNIT"), "machine-cw\\x2dweb\\x0a.scope");
        assert_string_equal(alert_journal_fields_get(&f, "CWATCH_STORY"), "{\"l\":\"a\\\\x0ab\"}");
        alert_journal_fields_done(&f);
        a.process.cmdline_truncated = a.process.pid_host = false;
        assert_int_equal(alert_to_journal_fields(&a, &f), 0);
        assert_string_equal(alert_journal_fields_get(&f, "CWATCH_CMDLINE"), "/tmp/ev\\x0ail AAAA");
        assert_null(alert_journal_fields_get(&f, "CWATCH_CMDLINE_TRUNCATED"));
        assert_null(alert_journal_fields_get(&f, "CWATCH_PID_SCOPE"));
        alert_journal_fields_done(&f);
        assert_int_equal(alert_field_by_key("cmdline_truncated")->type, 'u');
        assert_int_equal(alert_field_by_key("pid_scope")->type, 's');
}

/* An anomaly of the behaviour profiles says what was new in CWATCH_ANOMALY ("anomaly" on D-Bus). */
static void test_anomaly(void **state)
{
        struct alert a = { .rule = "anomaly", .score = 7.5, .anomaly = "sh (unit x.service) ran /usr/bin/id for the first time",
                           .process = { .pid = 7, .comm = "sh" } };
        struct alert_journal_fields f;

        assert_int_equal(alert_to_journal_fields(&a, &f), 0);
        assert_string_equal(alert_journal_fields_get(&f, "CWATCH_ANOMALY"), a.anomaly);
        assert_string_equal(alert_journal_fields_get(&f, "CWATCH_SCORE"), "7.5");
        alert_journal_fields_done(&f);
        assert_string_equal(alert_field_by_journal("CWATCH_ANOMALY", 14)->key, "anomaly");
        assert_int_equal(alert_field_by_key("anomaly")->type, 's');
}

/* Every CWATCH_* field of DESIGN.md has a D-Bus/JSON key. */
static void test_table(void **state)
{
        static const char *const design[] = {
                "CWATCH_ALERT_ID", "CWATCH_RULE", "CWATCH_SEVERITY", "CWATCH_SCORE", "CWATCH_PID", "CWATCH_PPID",
                "CWATCH_UID", "CWATCH_COMM", "CWATCH_EXE", "CWATCH_CMDLINE", "CWATCH_CONTAINER_ID",
                "CWATCH_CONTAINER_NAME", "CWATCH_CONTAINER_RUNTIME", "CWATCH_POD", "CWATCH_NAMESPACE", "CWATCH_UNIT",
                "CWATCH_MITRE", "CWATCH_COUNT",
        };

        for (size_t i = 0; i < sizeof(design) / sizeof(design[0]); i++)
                assert_non_null(alert_field_by_journal(design[i], strlen(design[i])));
        assert_string_equal(alert_field_by_journal("CWATCH_PIDX", 10)->key, "pid");
        assert_null(alert_field_by_journal("CWATCH_PIDX", 11));
        assert_int_equal(alert_field_by_key("pid")->type, 'u');
        assert_int_equal(alert_field_by_key("count")->type, 't');
        assert_int_equal(alert_field_by_key("score")->type, 'd');
        assert_null(alert_field_by_key("nope"));
}

static void test_path_in_dirs(void **state)
{
        char *dirs[] = { "/tmp", "/dev/shm/", "/" };

        assert_true(path_in_dirs("/tmp/x", 6, dirs, 2));
        assert_true(path_in_dirs("/tmp/a/b", 8, dirs, 2));
        assert_true(path_in_dirs("/dev/shm/x", 10, dirs, 2));
        assert_false(path_in_dirs("/tmpfoo/x", 9, dirs, 2));
        assert_false(path_in_dirs("/tmp", 4, dirs, 2));
        assert_false(path_in_dirs("/usr/bin/tmp", 12, dirs, 2));
        assert_true(path_in_dirs("/usr/bin/x", 10, dirs, 3));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_full_alert),
                cmocka_unit_test(test_host_alert),
                cmocka_unit_test(test_table),
                cmocka_unit_test(test_exe_truncated),
                cmocka_unit_test(test_hostile_strings),
                cmocka_unit_test(test_anomaly),
                cmocka_unit_test(test_path_in_dirs),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
