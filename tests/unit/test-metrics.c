/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <cmocka.h>
#include "metrics/addr-class.h"
#include "metrics/exposition.h"
#include "metrics/http-server.h"
#include "metrics/metrics.h"
#include "metrics/process-stats.h"
#include "metrics/series.h"
#include "alert/alert.h"

static void assert_label(const char *in, const char *want)
{
        struct strbuf b = {};

        expo_escape_label_value(&b, in);
        assert_string_equal(b.data ?: "", want);
        strbuf_free(&b);
}

static void test_label_escaping(void **state)
{
        assert_label("plain", "plain");
        assert_label("", "");
        assert_label("a\"b", "a\\\"b");
        assert_label("back\\slash", "back\\\\slash");
        assert_label("two\nlines", "two\\nlines");
        /* tabs and other characters pass as they are */
        assert_label("tab\there", "tab\there");
        assert_label("caf\xc3\xa9", "caf\xc3\xa9");
        /* invalid UTF-8 becomes U+FFFD: the format requires UTF-8 */
        assert_label("bad\xff", "bad\xef\xbf\xbd");
        assert_label("\xc3", "\xef\xbf\xbd");
        assert_label("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

static void test_sample_lines(void **state)
{
        struct strbuf b = {};
        struct label l[] = { { "rule", "say \"hi\"\\\n" }, { "severity", "warning" } };

        expo_family(&b, "cwatch_x_total", "counter", "Help with \\ and\nnewline.");
        expo_sample_u64(&b, "cwatch_x_total", l, 2, 18446744073709551615ULL);
        expo_sample_u64(&b, "cwatch_y", NULL, 0, 0);
        expo_sample_double(&b, "cwatch_z_seconds_total", NULL, 0, 1.5);
        expo_sample_double(&b, "cwatch_z_seconds_total", NULL, 0, 0.000034922);
        assert_string_equal(b.data,
                            "# HELP cwatch_x_total Help with \\\\ and\\nnewline.\n"
                            "# TYPE cwatch_x_total counter\n"
                            "cwatch_x_total{rule=\"say \\\"hi\\\"\\\\\\n\",severity=\"warning\"} 18446744073709551615\n"
                            "cwatch_y 0\n"
                            "cwatch_z_seconds_total 1.5\n"
                            "cwatch_z_seconds_total 3.4922e-05\n");
        strbuf_free(&b);
}

static void test_series_bounded(void **state)
{
        static const char *const names[] = { "container", "direction" };
        struct series_table t;
        struct strbuf b = {};
        char name[32];

        series_table_init(&t, "cwatch_file_bytes_total", "Bytes.", 4, names, 2);
        assert_int_equal(series_table_add(&t, (const char *[]) { "web", "read" }, 10), 0);
        assert_int_equal(series_table_add(&t, (const char *[]) { "web", "read" }, 5), 0);
        assert_int_equal(series_table_add(&t, (const char *[]) { "web", "write" }, 1), 0);
        assert_int_equal(series_table_get(&t, (const char *[]) { "web", "read" }), 15);
        for (int i = 0; i < 100; i++) {
                snprintf(name, sizeof(name), "c%d", i);
                assert_int_equal(series_table_add(&t, (const char *[]) { name, "read" }, 1), 0);
        }
        /* 4 series, then everything else in one "other" series */
        assert_int_equal(t.n_series, 5);
        assert_int_equal(series_table_get(&t, (const char *[]) { "other", "other" }), 98);
        assert_int_equal(t.overflowed, 98);
        /* existing series keep counting when full */
        assert_int_equal(series_table_add(&t, (const char *[]) { "web", "read" }, 1), 0);
        assert_int_equal(series_table_get(&t, (const char *[]) { "web", "read" }), 16);

        series_table_write(&t, &b);
        assert_string_equal(b.data,
                            "# HELP cwatch_file_bytes_total Bytes.\n"
                            "# TYPE cwatch_file_bytes_total counter\n"
                            "cwatch_file_bytes_total{container=\"web\",direction=\"read\"} 16\n"
                            "cwatch_file_bytes_total{container=\"web\",direction=\"write\"} 1\n"
                            "cwatch_file_bytes_total{container=\"c0\",direction=\"read\"} 1\n"
                            "cwatch_file_bytes_total{container=\"c1\",direction=\"read\"} 1\n"
                            "cwatch_file_bytes_total{container=\"other\",direction=\"other\"} 98\n");
        strbuf_free(&b);
        series_table_done(&t);
}

static void test_series_long_values_are_cut(void **state)
{
        static const char *const names[] = { "rule" };
        struct series_table t;
        char long_a[300], long_b[300];

        memset(long_a, 'a', sizeof(long_a) - 1);
        long_a[sizeof(long_a) - 1] = 0;
        memcpy(long_b, long_a, sizeof(long_b));
        long_b[200] = 'b';      /* differs only past the cut: the same series */
        series_table_init(&t, "cwatch_r_total", "R.", 8, names, 1);
        assert_int_equal(series_table_add(&t, (const char *[]) { long_a }, 1), 0);
        assert_int_equal(series_table_add(&t, (const char *[]) { long_b }, 1), 0);
        assert_int_equal(t.n_series, 1);
        assert_int_equal(strlen(t.series[0].values[0]), SERIES_VALUE_MAX);
        assert_int_equal(t.series[0].count, 2);
        series_table_done(&t);
}

static const char *class_of(const char *s)
{
        struct net_address a;

        assert_int_equal(net_address_parse(s, &a), 0);
        return net_address_class(&a);
}

static void test_address_classes(void **state)
{
        struct net_address a;

        assert_string_equal(class_of("127.0.0.1"), "loopback");
        assert_string_equal(class_of("127.45.1.2"), "loopback");
        assert_string_equal(class_of("::1"), "loopback");
        assert_string_equal(class_of("::ffff:127.0.0.1"), "loopback");
        assert_string_equal(class_of("10.1.2.3"), "private");
        assert_string_equal(class_of("172.16.0.1"), "private");
        assert_string_equal(class_of("172.31.255.255"), "private");
        assert_string_equal(class_of("172.32.0.1"), "public");
        assert_string_equal(class_of("192.168.1.1"), "private");
        assert_string_equal(class_of("100.64.0.1"), "private");
        assert_string_equal(class_of("169.254.1.1"), "private");
        assert_string_equal(class_of("fd00::1"), "private");
        assert_string_equal(class_of("fe80::1"), "private");
        assert_string_equal(class_of("::ffff:10.0.0.1"), "private");
        assert_string_equal(class_of("8.8.8.8"), "public");
        assert_string_equal(class_of("2001:db8::1"), "public");
        assert_string_equal(class_of("224.0.0.1"), "multicast");
        assert_string_equal(class_of("ff02::1"), "multicast");
        assert_string_equal(class_of("0.0.0.0"), "unspecified");
        assert_string_equal(class_of("::"), "unspecified");
        assert_int_equal(net_address_parse("not-an-address", &a), -EINVAL);
        assert_int_equal(net_address_parse("1.2.3.4.5", &a), -EINVAL);
        assert_int_equal(net_address_parse("", &a), -EINVAL);
}

static void test_port_classes(void **state)
{
        char buf[8];

        assert_string_equal(port_class(22, buf), "22");
        assert_string_equal(port_class(443, buf), "443");
        assert_string_equal(port_class(1023, buf), "1023");
        assert_string_equal(port_class(5432, buf), "5432");
        assert_string_equal(port_class(9469, buf), "9469");
        assert_string_equal(port_class(1024, buf), "ephemeral");
        assert_string_equal(port_class(41234, buf), "ephemeral");
        assert_string_equal(port_class(65535, buf), "ephemeral");
        assert_string_equal(port_class(0, buf), "ephemeral");
}

static void test_process_stats_parse(void **state)
{
        /* comm with spaces and a ")" inside */
        const char *stat = "1234 (a b) c) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 130 0 0 20 0 1 0 100 "
                           "12345678 900 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        struct process_stats ps;

        assert_int_equal(process_stats_parse(stat, "3000 900 200 10 0 500 0\n", 100, 4096, &ps), 0);
        assert_true(ps.cpu_seconds > 3.799 && ps.cpu_seconds < 3.801);
        assert_int_equal(ps.resident_bytes, 900 * 4096);
        assert_int_equal(process_stats_parse("garbage", "1 2", 100, 4096, &ps), -EINVAL);
        assert_int_equal(process_stats_parse("1 (x) S", "1 2", 100, 4096, &ps), -EINVAL);
        assert_int_equal(process_stats_parse(stat, "", 100, 4096, &ps), -EINVAL);
        assert_int_equal(process_stats_read(&ps), 0);
        assert_true(ps.resident_bytes > 0);
}

static void test_listen_addresses(void **state)
{
        struct sockaddr_storage sa;
        socklen_t len;

        assert_int_equal(metrics_parse_listen_address("127.0.0.1:9469", &sa, &len), 0);
        assert_int_equal(sa.ss_family, AF_INET);
        assert_int_equal(ntohs(((struct sockaddr_in *) &sa)->sin_port), 9469);
        assert_int_equal(metrics_parse_listen_address("[::1]:80", &sa, &len), 0);
        assert_int_equal(sa.ss_family, AF_INET6);
        assert_int_equal(ntohs(((struct sockaddr_in6 *) &sa)->sin6_port), 80);
        assert_int_equal(metrics_parse_listen_address("9469", &sa, &len), 0);
        assert_int_equal(ntohl(((struct sockaddr_in *) &sa)->sin_addr.s_addr), INADDR_LOOPBACK);
        assert_int_equal(metrics_parse_listen_address("0.0.0.0:0", &sa, &len), 0);
        assert_int_equal(metrics_parse_listen_address("127.0.0.1:65536", &sa, &len), -EINVAL);
        assert_int_equal(metrics_parse_listen_address("127.0.0.1:", &sa, &len), -EINVAL);
        assert_int_equal(metrics_parse_listen_address("127.0.0.1:-1", &sa, &len), -EINVAL);
        assert_int_equal(metrics_parse_listen_address("localhost:9469", &sa, &len), -EINVAL);
        assert_int_equal(metrics_parse_listen_address("::1:9469", &sa, &len), -EINVAL);
        assert_int_equal(metrics_parse_listen_address("[::1]9469", &sa, &len), -EINVAL);
        assert_int_equal(metrics_parse_listen_address("[]:1", &sa, &len), -EINVAL);
        assert_int_equal(metrics_parse_listen_address("", &sa, &len), -EINVAL);
}

static void test_alerts_counted(void **state)
{
        struct metrics *m;
        struct alert a = { .rule = "exec-from-tmp", .severity = SEVERITY_WARNING, .count = 3 };

        assert_int_equal(metrics_new(&m), 0);
        metrics_observe_alert(m, &a);
        metrics_observe_alert(m, &a);
        a.severity = SEVERITY_CRITICAL;
        metrics_observe_alert(m, &a);
        metrics_observe_rate_limited(m, "exec-from-tmp");
        assert_int_equal(series_table_get(&m->alerts, (const char *[]) { "exec-from-tmp", "warning" }), 2);
        assert_int_equal(series_table_get(&m->alerts, (const char *[]) { "exec-from-tmp", "critical" }), 1);
        assert_int_equal(series_table_get(&m->alerts_rate_limited, (const char *[]) { "exec-from-tmp" }), 1);
        metrics_free(m);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_label_escaping),
                cmocka_unit_test(test_sample_lines),
                cmocka_unit_test(test_series_bounded),
                cmocka_unit_test(test_series_long_values_are_cut),
                cmocka_unit_test(test_address_classes),
                cmocka_unit_test(test_port_classes),
                cmocka_unit_test(test_process_stats_parse),
                cmocka_unit_test(test_listen_addresses),
                cmocka_unit_test(test_alerts_counted),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
