/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The scan detector on synthetic records of the tcp tracer's real schema: a vertical and a
 * horizontal scan, what counts as an attempt (once per connection, failed or not), windows, one
 * alert per scan, process versus container versus unit, the bounds of its tables, limits and bad
 * input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "../common/rules-test-records.h"
#include "detect/scan.h"
#include "tracers/tracer.h"

#define SEC UINT64_C(1000000000)
#define MS UINT64_C(1000000)

struct raised {
        char rule[32], mitre[16], message[256], object[64], comm[32], container[64], event[16];
        uint32_t pid, uid;
        enum alert_severity severity;
        uint64_t dport;
};

static struct raised raised[64];
static size_t n_raised;

static int capture(const struct alert *a, const char *object, void *userdata)
{
        struct raised *x;
        int c;

        assert_true(n_raised < ELEMENTSOF(raised));
        x = &raised[n_raised++];
        *x = (struct raised) { .pid = a->process.pid, .uid = a->process.uid, .severity = a->severity };
        snprintf(x->rule, sizeof(x->rule), "%s", a->rule);
        snprintf(x->mitre, sizeof(x->mitre), "%s", a->mitre ?: "");
        snprintf(x->message, sizeof(x->message), "%s", a->message ?: "");
        snprintf(x->object, sizeof(x->object), "%s", object ?: "");
        snprintf(x->comm, sizeof(x->comm), "%s", a->process.comm ?: "");
        if (a->identity && a->identity->container_name)
                snprintf(x->container, sizeof(x->container), "%s", a->identity->container_name);
        assert_non_null(a->event);
        snprintf(x->event, sizeof(x->event), "%s", record_event(a->event));
        c = schema_find_column(a->event->schema, "dport");
        x->dport = a->event->values[c].u;
        return 0;
}

static const struct schema *tcp_schema(void)
{
        int i = tracer_registry_find("tcp");

        assert_true(i >= 0);
        return tracer_registry[i]->info->schema;
}

static struct scan_detector *new_detector(uint64_t threshold, uint64_t window_ns)
{
        struct scan_detector *s = NULL;

        n_raised = 0;
        assert_int_equal(scan_detector_new(&s, &(struct scan_limits) { threshold, window_ns }, tcp_schema(), NULL,
                                           capture, NULL), 0);
        return s;
}

/* One record of the tcp tracer: event "connect" (established), "tcp_failed" or "tcp" (closed). */
static int feed(struct scan_detector *s, const char *event, uint32_t pid, const char *comm, const char *daddr,
                uint16_t dport, uint64_t time_ns, const struct identity *id)
{
        struct trec t;

        trec_init(&t, tcp_schema(), event);
        t.r.time_ns = time_ns;
        t.r.identity = id;
        t.r.cgroup_id = id ? 4242 : 1;
        trec_u64(&t, "pid", pid);
        trec_u64(&t, "uid", 1000);
        trec_str(&t, "comm", comm);
        trec_str(&t, "direction", "connect");
        trec_str(&t, "family", strchr(daddr, ':') ? "ipv6" : "ipv4");
        trec_str(&t, "saddr", "127.0.0.1");
        trec_u64(&t, "sport", 40000);
        trec_str(&t, "daddr", daddr);
        trec_u64(&t, "dport", dport);
        return scan_detector_on_record(s, &t.r);
}

static const struct identity web = {
        .runtime = "docker", .container_id = "c0ffee00c0ffee00c0ffee00", .container_name = "web",
        .unit = "docker-c0ffee00c0ffee00c0ffee00.scope",
};
static const struct identity nginx_unit = { .unit = "nginx.service" };

static void test_vertical_scan(void **state)
{
        _cleanup_(scan_detector_freep) struct scan_detector *s = new_detector(100, 10 * SEC);
        struct scan_stats st;

        /* 150 closed ports, 5 ms apart: the 100th raises, the rest of the same scan does not */
        for (int i = 0; i < 150; i++)
                assert_int_equal(feed(s, "tcp_failed", 4321, "nc", "127.0.0.1", 1000 + i, 100 * SEC + i * 5 * MS,
                                      NULL), 0);
        assert_int_equal(n_raised, 1);
        assert_string_equal(raised[0].rule, "port-scan");
        assert_string_equal(raised[0].mitre, "T1046");
        assert_int_equal(raised[0].severity, SEVERITY_WARNING);
        assert_int_equal(raised[0].pid, 4321);
        assert_int_equal(raised[0].uid, 1000);
        assert_string_equal(raised[0].comm, "nc");
        assert_string_equal(raised[0].object, "127.0.0.1");
        assert_string_equal(raised[0].event, "tcp_failed");
        assert_int_equal(raised[0].dport, 1099);
        assert_string_equal(raised[0].message, "nc (pid 4321) connected to 100 distinct ports of 127.0.0.1 in 0.5 s");
        scan_detector_get_stats(s, &st);
        assert_int_equal(st.attempts, 150);
        assert_int_equal(st.scans, 1);
        assert_int_equal(st.subjects_evicted, 0);
        assert_int_equal(st.pairs_unplaced, 0);
}

static void test_horizontal_scan_ipv6(void **state)
{
        _cleanup_(scan_detector_freep) struct scan_detector *s = new_detector(50, 10 * SEC);
        char addr[64];

        /* port 22 on 60 hosts, established or not */
        for (int i = 0; i < 60; i++) {
                snprintf(addr, sizeof(addr), "fd00::%x", i + 1);
                feed(s, i % 2 ? "connect" : "tcp_failed", 77, "masscan", addr, 22, SEC + i * MS, NULL);
        }
        assert_int_equal(n_raised, 1);
        assert_string_equal(raised[0].message,
                            "masscan (pid 77) connected to 50 distinct addresses and ports (first fd00::1) in 0.0 s");
}

/* The same peer again and again, and the records that are not attempts, count nothing. */
static void test_near_misses(void **state)
{
        _cleanup_(scan_detector_freep) struct scan_detector *s = new_detector(100, 10 * SEC);
        struct scan_stats st;

        /* a client reconnecting 200 times to one port: 200 attempts, 1 distinct pair */
        for (int i = 0; i < 200; i++) {
                feed(s, "connect", 10, "client", "10.0.0.5", 5432, SEC + i * MS, NULL);
                feed(s, "tcp", 10, "client", "10.0.0.5", 5432, SEC + i * MS + 1, NULL);
        }
        /* 99 distinct ports: one short of a scan; each established connection's close and the
         * server's accept count nothing */
        for (int i = 0; i < 99; i++) {
                feed(s, "connect", 11, "worker", "10.0.0.6", 2000 + i, SEC + i * MS, NULL);
                feed(s, "tcp", 11, "worker", "10.0.0.6", 2000 + i, SEC + i * MS + 1, NULL);
                feed(s, "accept", 11, "worker", "10.0.0.6", 3000 + i, SEC + i * MS + 2, NULL);
                feed(s, "tcp", 11, "worker", "10.0.0.6", 3000 + i, SEC + i * MS + 3, NULL);
        }
        /* the same 99 again, failed this time: still 99 */
        for (int i = 0; i < 99; i++)
                feed(s, "tcp_failed", 11, "worker", "10.0.0.6", 2000 + i, 2 * SEC + i * MS, NULL);
        assert_int_equal(n_raised, 0);
        scan_detector_get_stats(s, &st);
        assert_int_equal(st.attempts, 200 + 99 + 99);
}

static void test_windows(void **state)
{
        _cleanup_(scan_detector_freep) struct scan_detector *s = new_detector(100, 10 * SEC);
        uint64_t t = 1000 * SEC;

        /* 60 distinct, then 60 more after the window: two windows of 60, no scan */
        for (int i = 0; i < 60; i++)
                feed(s, "tcp_failed", 5, "slow", "192.0.2.1", 100 + i, t + i * MS, NULL);
        t += 11 * SEC;
        for (int i = 0; i < 60; i++)
                feed(s, "tcp_failed", 5, "slow", "192.0.2.1", 200 + i, t + i * MS, NULL);
        assert_int_equal(n_raised, 0);

        /* a scan of 1000 ports over 25 s, an attempt every 25 ms: one alert, never re-raised while
         * it goes on */
        t += 20 * SEC;
        for (int i = 0; i < 1000; i++)
                feed(s, "tcp_failed", 6, "nmap", "192.0.2.2", 1 + i, t + i * 25 * MS, NULL);
        assert_int_equal(n_raised, 1);
        assert_int_equal(raised[0].pid, 6);
        assert_string_equal(raised[0].message, "nmap (pid 6) connected to 100 distinct ports of 192.0.2.2 in 2.5 s");

        /* after a quiet window, the same process scanning again is a new scan */
        t += 25 * SEC + 11 * SEC;
        for (int i = 0; i < 100; i++)
                feed(s, "tcp_failed", 6, "nmap", "192.0.2.3", 1 + i, t + i * MS, NULL);
        assert_int_equal(n_raised, 2);
        assert_non_null(strstr(raised[1].message, "of 192.0.2.3"));
}

static void test_container_and_unit(void **state)
{
        _cleanup_(scan_detector_freep) struct scan_detector *s = new_detector(100, 10 * SEC);

        /* one process in a container scans: one alert, of the process, naming the container */
        for (int i = 0; i < 120; i++)
                feed(s, "tcp_failed", 900, "nc", "172.17.0.3", 1 + i, SEC + i * MS, &web);
        assert_int_equal(n_raised, 1);
        assert_string_equal(raised[0].container, "web");
        assert_string_equal(raised[0].message,
                            "nc (pid 900, container web) connected to 100 distinct ports of 172.17.0.3 in 0.1 s");

        /* later, a shell loop there: a process per port (nc -z), each below any threshold */
        for (int i = 0; i < 130; i++)
                feed(s, "tcp_failed", 1000 + i, "nc", "172.17.0.4", 1 + i, 30 * SEC + i * MS, &web);
        assert_int_equal(n_raised, 2);
        assert_int_equal(raised[1].pid, 1099);
        assert_string_equal(raised[1].message, "Processes of container web connected to 100 distinct ports of "
                                               "172.17.0.4 in 0.1 s (the last: nc, pid 1099)");

        /* the processes of one unit on the host, the same way */
        for (int i = 0; i < 100; i++)
                feed(s, "connect", 2000 + i % 7, "curl", "198.51.100.7", 8000 + i, 60 * SEC + i * MS, &nginx_unit);
        assert_int_equal(n_raised, 3);
        assert_string_equal(raised[2].message, "Processes of unit nginx.service connected to 100 distinct ports of "
                                               "198.51.100.7 in 0.1 s (the last: curl, pid 2001)");
}

/* More subjects and pairs than the tables hold: evictions are counted, nothing breaks, and a scan
 * among them is still seen. */
static void test_bounds(void **state)
{
        _cleanup_(scan_detector_freep) struct scan_detector *s = new_detector(100, 10 * SEC);
        struct scan_stats st;
        char addr[32];

        for (uint32_t pid = 1; pid <= 3 * SCAN_SUBJECTS; pid++) {
                snprintf(addr, sizeof(addr), "10.%u.%u.1", pid >> 8 & 255, pid & 255);
                feed(s, "connect", pid, "many", addr, 443, SEC + pid * 1000, NULL);
        }
        /* 300 processes with 90 distinct pairs each, more than the pair table holds */
        for (uint32_t pid = 50000; pid < 50300; pid++)
                for (int i = 0; i < 90; i++)
                        feed(s, "connect", pid, "busy", "10.9.9.9", 1 + i, 2 * SEC + i * 1000, NULL);
        scan_detector_get_stats(s, &st);
        assert_true(st.subjects_evicted > 0);
        assert_true(st.pairs_unplaced > 0);
        assert_int_equal(n_raised, 0);
        for (int i = 0; i < 100; i++)
                feed(s, "tcp_failed", 60000, "nc", "10.1.1.1", 1 + i, 3 * SEC + i * MS, NULL);
        assert_int_equal(n_raised, 1);
        assert_int_equal(raised[0].pid, 60000);
}

static void test_limits_and_bad_input(void **state)
{
        _cleanup_(scan_detector_freep) struct scan_detector *s = new_detector(10, 10 * SEC);
        struct scan_detector *bad = NULL;
        const struct tracer_ops *process = tracer_registry[tracer_registry_find("process")];
        struct trec t;

        assert_int_equal(scan_detector_new(&bad, &(struct scan_limits) { 1, 10 * SEC }, tcp_schema(), NULL, capture,
                                           NULL), -EINVAL);
        assert_int_equal(scan_detector_new(&bad, &(struct scan_limits) { 10, 0 }, tcp_schema(), NULL, capture, NULL),
                         -EINVAL);
        /* a schema without addresses cannot be counted */
        assert_int_equal(scan_detector_new(&bad, &(struct scan_limits) { 10, 10 * SEC }, process->info->schema, NULL,
                                           capture, NULL), -EINVAL);
        assert_null(bad);
        assert_int_equal(scan_detector_set_limits(s, &(struct scan_limits) { 5000, 10 * SEC }), -EINVAL);

        /* records of another schema, and tcp records without pid, address or port, count nothing */
        trec_init(&t, process->info->schema, "exec");
        trec_u64(&t, "pid", 1);
        assert_int_equal(scan_detector_on_record(s, &t.r), 0);
        for (int i = 0; i < 20; i++) {
                trec_init(&t, tcp_schema(), "tcp_failed");
                trec_u64(&t, "dport", 1 + i);
                trec_str(&t, i % 2 ? "daddr" : "comm", "127.0.0.1");
                assert_int_equal(scan_detector_on_record(s, &t.r), 0);
        }
        trec_init(&t, tcp_schema(), NULL);
        assert_int_equal(scan_detector_on_record(s, &t.r), 0);
        /* an address longer than any real one is cut in the message, not overrun */
        for (int i = 0; i < 10; i++)
                feed(s, "tcp_failed", 3, "", "0123456789012345678901234567890123456789012345678901234567890123",
                     1 + i, SEC, NULL);
        assert_int_equal(n_raised, 1);
        assert_string_equal(raised[0].comm, "");
        assert_int_equal(strlen(raised[0].object), 45);

        /* off, then back on with a lower threshold */
        assert_int_equal(scan_detector_set_limits(s, &(struct scan_limits) { 0, 0 }), 0);
        for (int i = 0; i < 20; i++)
                feed(s, "tcp_failed", 4, "nc", "127.0.0.2", 1 + i, 2 * SEC, NULL);
        assert_int_equal(n_raised, 1);
        assert_int_equal(scan_detector_set_limits(s, &(struct scan_limits) { 2, SEC }), 0);
        feed(s, "tcp_failed", 8, "nc", "127.0.0.3", 1, 3 * SEC, NULL);
        feed(s, "tcp_failed", 8, "nc", "127.0.0.3", 2, 3 * SEC, NULL);
        assert_int_equal(n_raised, 2);

        /* a threshold lowered below a window's count raises at its next new pair, once */
        assert_int_equal(scan_detector_set_limits(s, &(struct scan_limits) { 100, 10 * SEC }), 0);
        for (int i = 0; i < 60; i++)
                feed(s, "tcp_failed", 9, "nc", "127.0.0.4", 1 + i, 4 * SEC, NULL);
        assert_int_equal(n_raised, 2);
        assert_int_equal(scan_detector_set_limits(s, &(struct scan_limits) { 50, 10 * SEC }), 0);
        feed(s, "tcp_failed", 9, "nc", "127.0.0.4", 1, 4 * SEC, NULL);
        assert_int_equal(n_raised, 2);
        feed(s, "tcp_failed", 9, "nc", "127.0.0.4", 100, 4 * SEC, NULL);
        feed(s, "tcp_failed", 9, "nc", "127.0.0.4", 101, 4 * SEC, NULL);
        assert_int_equal(n_raised, 3);
        assert_non_null(strstr(raised[2].message, "61 distinct ports of 127.0.0.4"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_vertical_scan),
                cmocka_unit_test(test_horizontal_scan_ipv6),
                cmocka_unit_test(test_near_misses),
                cmocka_unit_test(test_windows),
                cmocka_unit_test(test_container_and_unit),
                cmocka_unit_test(test_bounds),
                cmocka_unit_test(test_limits_and_bad_input),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
