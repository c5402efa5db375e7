/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Discovery bursts on synthetic exec records of the process tracer's real schema: one alert per burst
 * with the list, none under the threshold or for repeats, the subject (container, unit, parent), the
 * sliding window, the quiet time after an alert, the bounded tables and the limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "../common/rules-test-schemas.h"
#include "../common/rules-test-records.h"
#include "detect/discovery.h"

#define SEC UINT64_C(1000000000)
#define T0 (UINT64_C(1700000000) * SEC)

struct raised {
        size_t n;
        char message[512], object[192], rule[64], mitre[16], exe[64];
        uint32_t pid;
        enum alert_severity severity;
        bool has_event;
};

static int raise_cb(const struct alert *a, const char *object, void *userdata)
{
        struct raised *r = userdata;

        r->n++;
        snprintf(r->message, sizeof(r->message), "%s", a->message);
        snprintf(r->object, sizeof(r->object), "%s", object);
        snprintf(r->rule, sizeof(r->rule), "%s", a->rule);
        snprintf(r->mitre, sizeof(r->mitre), "%s", a->mitre);
        snprintf(r->exe, sizeof(r->exe), "%s", a->process.exe ?: "");
        r->pid = a->process.pid;
        r->severity = a->severity;
        r->has_event = a->event != NULL;
        return 0;
}

static const struct identity session3 = { .unit = "session-3.scope", .slice = "user-1000.slice" };
static const struct identity session4 = { .unit = "session-4.scope", .slice = "user-1000.slice" };
static const struct identity web = { .runtime = "docker", .container_id = "c0ffee", .container_name = "web",
                                     .unit = "docker-c0ffee.scope" };

/* An exec of exe with argv (NUL-separated, len bytes) at second s after T0. */
static int exec_at(struct discovery *d, uint64_t s, uint32_t pid, uint32_t ppid, const struct identity *id,
                   const char *exe, const char *argv, size_t len)
{
        struct trec t;

        trec_init(&t, test_tracer_schema("process"), "exec");
        t.r.time_ns = T0 + s * SEC;
        t.r.identity = id;
        trec_u64(&t, "pid", pid);
        trec_u64(&t, "ppid", ppid);
        trec_u64(&t, "uid", 1000);
        trec_str(&t, "comm", strrchr(exe, '/') + 1);
        trec_str(&t, "exe", exe);
        trec_strv(&t, "args", argv, len);
        return discovery_on_record(d, &t.r);
}

#define EXEC(d, s, pid, ppid, id, exe, argv) \
        assert_int_equal(exec_at((d), (s), (pid), (ppid), (id), (exe), (argv), sizeof(argv) - 1), 0)

static struct discovery *new_discovery(uint64_t threshold, uint64_t window_s, struct raised *r)
{
        struct discovery *d = NULL;

        assert_int_equal(discovery_new(&d, &(struct discovery_limits) { threshold, window_s * SEC }, NULL,
                                       test_tracer_schema("process"), NULL, raise_cb, r), 0);
        return d;
}

/* The eight commands of the live test, from one session scope. */
static void eight_commands(struct discovery *d, const struct identity *id, uint64_t s)
{
        EXEC(d, s + 0, 101, 100, id, "/usr/bin/id", "id\0");
        EXEC(d, s + 0, 102, 100, id, "/usr/bin/whoami", "whoami\0");
        EXEC(d, s + 1, 103, 100, id, "/usr/bin/uname", "uname\0-a\0");
        EXEC(d, s + 1, 104, 100, id, "/usr/bin/hostname", "hostname\0");
        EXEC(d, s + 2, 105, 100, id, "/usr/bin/ps", "ps\0aux\0");
        EXEC(d, s + 2, 106, 100, id, "/usr/bin/cat", "cat\0/etc/passwd\0");
        EXEC(d, s + 3, 107, 100, id, "/usr/bin/ss", "ss\0-tlnp\0");
        EXEC(d, s + 3, 108, 100, id, "/usr/sbin/ip", "ip\0a\0");
}

static void test_one_alert_per_burst(void **state)
{
        struct raised r = {};
        struct discovery *d = new_discovery(5, 60, &r);
        struct discovery_stats st;

        eight_commands(d, &session3, 0);
        assert_int_equal(r.n, 1);
        assert_string_equal(r.message,
                            "Discovery burst: id, whoami, uname -a, hostname, ps aux (5 distinct commands "
                            "in 2.0 s) by uid 1000 in unit session-3.scope");
        assert_string_equal(r.rule, "discovery-burst");
        assert_string_equal(r.mitre, "T1082");
        assert_string_equal(r.object, "unit session-3.scope");
        assert_string_equal(r.exe, "/usr/bin/ps");
        assert_int_equal(r.pid, 105);
        assert_int_equal(r.severity, SEVERITY_NOTICE);
        assert_true(r.has_event);
        /* the burst goes on: still one alert; quiet for a window, then a new burst is a new alert */
        eight_commands(d, &session3, 50);
        assert_int_equal(r.n, 1);
        eight_commands(d, &session3, 100);
        assert_int_equal(r.n, 1);
        eight_commands(d, &session3, 200);
        assert_int_equal(r.n, 2);
        discovery_get_stats(d, &st);
        assert_int_equal(st.commands, 32);
        assert_int_equal(st.bursts, 2);
        discovery_free(d);
}

static void test_below_threshold(void **state)
{
        struct raised r = {};
        struct discovery *d = new_discovery(5, 60, &r);

        /* three commands; the same one many times; commands that are no discovery */
        EXEC(d, 0, 101, 100, &session3, "/usr/bin/id", "id\0");
        EXEC(d, 0, 102, 100, &session3, "/usr/bin/whoami", "whoami\0");
        EXEC(d, 0, 103, 100, &session3, "/usr/bin/uname", "uname\0-r\0");
        for (uint32_t i = 0; i < 20; i++)
                EXEC(d, 1, 110 + i, 100, &session3, "/usr/bin/id", "id\0-u\0");
        EXEC(d, 2, 140, 100, &session3, "/usr/bin/cat", "cat\0/etc/hostname\0");
        EXEC(d, 2, 141, 100, &session3, "/usr/bin/env", "/usr/bin/env\0python3\0script.py\0");
        EXEC(d, 2, 142, 100, &session3, "/usr/bin/mount", "mount\0-t\0tmpfs\0x\0/mnt\0");
        EXEC(d, 2, 143, 100, &session3, "/usr/bin/ls", "ls\0-l\0");
        EXEC(d, 2, 144, 100, &session3, "/usr/bin/sudo", "sudo\0ls\0");
        assert_int_equal(r.n, 0);
        /* the fourth and fifth distinct ones */
        EXEC(d, 3, 150, 100, &session3, "/usr/bin/env", "env\0");
        assert_int_equal(r.n, 0);
        EXEC(d, 3, 151, 100, &session3, "/usr/bin/sudo", "sudo\0-l\0");
        assert_int_equal(r.n, 1);
        assert_string_equal(r.message,
                            "Discovery burst: whoami, uname -r, id -u, env, sudo -l (5 distinct commands "
                            "in 3.0 s) by uid 1000 in unit session-3.scope");
        discovery_free(d);
}

static void test_subjects(void **state)
{
        struct raised r = {};
        struct discovery *d = new_discovery(4, 60, &r);

        /* two sessions: 2 + 3 commands, neither reaches 4 */
        EXEC(d, 0, 101, 100, &session3, "/usr/bin/id", "id\0");
        EXEC(d, 0, 102, 100, &session3, "/usr/bin/w", "w\0");
        EXEC(d, 0, 201, 200, &session4, "/usr/bin/id", "id\0");
        EXEC(d, 0, 202, 200, &session4, "/usr/bin/who", "who\0");
        EXEC(d, 0, 203, 200, &session4, "/usr/bin/last", "last\0");
        assert_int_equal(r.n, 0);
        /* on the host outside any unit: the children of one process; other parents do not add up */
        EXEC(d, 0, 301, 300, NULL, "/usr/bin/id", "id\0");
        EXEC(d, 0, 302, 300, NULL, "/usr/bin/lsmod", "lsmod\0");
        EXEC(d, 0, 401, 400, NULL, "/usr/bin/df", "df\0-h\0");
        EXEC(d, 0, 303, 300, NULL, "/usr/sbin/getcap", "getcap\0-r\0/\0");
        assert_int_equal(r.n, 0);
        EXEC(d, 1, 304, 300, NULL, "/usr/bin/find", "find\0/\0-perm\0-4000\0");
        assert_int_equal(r.n, 1);
        assert_string_equal(r.message,
                            "Discovery burst: id, lsmod, getcap -r, find -perm (4 distinct commands in 1.0 s) "
                            "by uid 1000 in the children of pid 300");
        /* a container, whatever its processes' parents, with busybox applets */
        EXEC(d, 0, 501, 1, &web, "/bin/busybox", "id\0");
        EXEC(d, 0, 502, 501, &web, "/bin/busybox", "/bin/uname\0-a\0");
        EXEC(d, 0, 503, 502, &web, "/bin/busybox", "ps\0");
        EXEC(d, 0, 504, 1, &web, "/bin/busybox", "netstat\0-an\0");
        assert_int_equal(r.n, 2);
        assert_string_equal(r.message,
                            "Discovery burst: id, uname -a, ps, netstat -an (4 distinct commands in 0.0 s) "
                            "by uid 1000 in container web");
        assert_string_equal(r.object, "container web");
        discovery_free(d);
}

static void test_sliding_window(void **state)
{
        struct raised r = {};
        struct discovery *d = new_discovery(5, 60, &r);

        /* id falls out of the window before the fifth command comes */
        EXEC(d, 0, 101, 100, &session3, "/usr/bin/id", "id\0");
        EXEC(d, 61, 102, 100, &session3, "/usr/bin/whoami", "whoami\0");
        EXEC(d, 62, 103, 100, &session3, "/usr/bin/uname", "uname\0");
        EXEC(d, 63, 104, 100, &session3, "/usr/bin/ps", "ps\0");
        EXEC(d, 64, 105, 100, &session3, "/usr/bin/w", "w\0");
        assert_int_equal(r.n, 0);
        /* a burst that began late in a window is not cut by it */
        EXEC(d, 100, 106, 100, &session3, "/usr/bin/hostname", "hostname\0");
        assert_int_equal(r.n, 1);
        assert_string_equal(r.message,
                            "Discovery burst: whoami, uname, ps, w, hostname (5 distinct commands in 39.0 s) "
                            "by uid 1000 in unit session-3.scope");
        discovery_free(d);
}

static void test_bounded(void **state)
{
        struct raised r = {};
        struct discovery *d = new_discovery(2, 60, &r);
        struct discovery_stats st;
        struct identity ids[4 * DISCOVERY_SUBJECTS];
        char units[ELEMENTSOF(ids)][32];
        struct trec t;

        /* many more sessions than subjects, each with one command: some are evicted, none alerts */
        for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
                snprintf(units[i], sizeof(units[i]), "session-%zu.scope", i);
                ids[i] = (struct identity) { .unit = units[i] };
                EXEC(d, 0, 1000 + i, 100, &ids[i], "/usr/bin/id", "id\0");
        }
        discovery_get_stats(d, &st);
        assert_true(st.subjects_evicted > 0);
        assert_int_equal(r.n, 0);
        /* records of other schemas and other events are not looked at */
        trec_init(&t, test_tracer_schema("files"), "open");
        assert_int_equal(discovery_on_record(d, &t.r), 0);
        trec_init(&t, test_tracer_schema("process"), "exit");
        trec_u64(&t, "pid", 1);
        trec_str(&t, "exe", "/usr/bin/id");
        assert_int_equal(discovery_on_record(d, &t.r), 0);
        discovery_get_stats(d, &st);
        assert_int_equal(st.commands, ELEMENTSOF(ids));
        discovery_free(d);
}

static void test_limits_and_commands(void **state)
{
        static const char *const bad[][2] = { { "", NULL }, { "/usr/bin/id", NULL }, { "cat a b", NULL },
                                              { "cat ", NULL } };
        static const char *const own[] = { "nmap", "kubectl get*", NULL };
        struct raised r = {};
        struct discovery *d = new_discovery(5, 60, &r), *e = NULL;

        assert_int_equal(discovery_set_limits(d, &(struct discovery_limits) { 1, 60 * SEC }), -EINVAL);
        assert_int_equal(discovery_set_limits(d, &(struct discovery_limits) {
                                DISCOVERY_THRESHOLD_MAX + 1, 60 * SEC }),
                         -EINVAL);
        assert_int_equal(discovery_set_limits(d, &(struct discovery_limits) { 5, 0 }), -EINVAL);
        /* off */
        assert_int_equal(discovery_set_limits(d, &(struct discovery_limits) { 0, 0 }), 0);
        eight_commands(d, &session3, 0);
        assert_int_equal(r.n, 0);
        assert_int_equal(discovery_set_limits(d, &(struct discovery_limits) { 2, 10 * SEC }), 0);
        eight_commands(d, &session3, 100);
        assert_int_equal(r.n, 1);
        discovery_free(d);

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(discovery_new(&e, &(struct discovery_limits) { 5, 60 * SEC }, bad[i],
                                               test_tracer_schema("process"), NULL, raise_cb, &r), -EINVAL);
        /* a schema without exe and args */
        assert_int_equal(discovery_new(&e, &(struct discovery_limits) { 5, 60 * SEC }, NULL,
                                       test_tracer_schema("tcp"), NULL, raise_cb, &r), -EINVAL);
        /* a list of one's own */
        assert_int_equal(discovery_new(&e, &(struct discovery_limits) { 2, 60 * SEC }, own,
                                       test_tracer_schema("process"), NULL, raise_cb, &r), 0);
        r = (struct raised) {};
        EXEC(e, 0, 101, 100, &session3, "/usr/bin/id", "id\0");
        EXEC(e, 0, 102, 100, &session3, "/usr/bin/nmap", "nmap\0-sn\0""10.0.0.0/24\0");
        assert_int_equal(r.n, 0);
        EXEC(e, 0, 103, 100, &session3, "/usr/bin/kubectl", "kubectl\0get-contexts\0");
        assert_int_equal(r.n, 1);
        assert_non_null(strstr(r.message, "nmap -sn, kubectl get-contexts (2 distinct"));
        discovery_free(e);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_one_alert_per_burst),
                cmocka_unit_test(test_below_threshold),
                cmocka_unit_test(test_subjects),
                cmocka_unit_test(test_sliding_window),
                cmocka_unit_test(test_bounded),
                cmocka_unit_test(test_limits_and_commands),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
