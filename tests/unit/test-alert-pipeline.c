/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The alert pipeline: dedup by signature with counted repeats and summaries, the per-rule rate
 * limit and what it holds back, object normalisation, the summary timer on sd-event. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "alert/normalize.h"
#include "alert/pipeline.h"
#include "shared/timeutil.h"

struct sent {
        struct alert a[64];
        char rule[64][32];
        size_t n;
};

static int deliver(const struct alert *a, void *userdata)
{
        struct sent *s = userdata;

        assert_true(s->n < 64);
        s->a[s->n] = *a;
        snprintf(s->rule[s->n], sizeof(s->rule[s->n]), "%s", a->rule);
        s->n++;
        return 0;
}

static struct alert make(const char *rule, const char *exe, uint64_t t)
{
        static const struct record dummy;

        return (struct alert) {
                .rule = rule, .severity = SEVERITY_WARNING, .message = "m", .time_ns = t,
                .process = { .pid = 42, .exe = exe }, .event = &dummy,
        };
}

static void test_dedup_counts(void **state)
{
        struct alert_pipeline_config cfg = ALERT_PIPELINE_DEFAULT_CONFIG;
        struct alert_pipeline *p;
        struct alert_pipeline_stats st;
        struct sent s = {};
        char object[64];

        assert_int_equal(alert_pipeline_new(&p, NULL, &cfg, deliver, &s), 0);
        for (int i = 0; i < 1000; i++) {
                struct alert a = make("exec-from-tmp", "/tmp/x", 1000 + i);

                /* pids and temp names differ; the signature does not */
                snprintf(object, sizeof(object), "/tmp/x %d /tmp/tmp.%08x", i, i * 7919);
                assert_int_equal(alert_pipeline_submit(p, &a, object), i == 0 ? 1 : 0);
        }
        assert_int_equal(s.n, 1);
        assert_int_equal(s.a[0].count, 1);
        assert_non_null(s.a[0].event);
        assert_int_equal(strlen(s.a[0].id), 32);
        assert_int_equal(alert_pipeline_flush(p), 0);
        assert_int_equal(s.n, 2);
        assert_string_equal(s.rule[1], "exec-from-tmp");
        assert_int_equal(s.a[1].count, 1000);
        assert_null(s.a[1].event);
        assert_int_equal(s.a[1].first_seen_ns, 1000);
        assert_int_equal(s.a[1].last_seen_ns, 1999);
        assert_string_not_equal(s.a[0].id, s.a[1].id);
        /* nothing new: no more summaries */
        assert_int_equal(alert_pipeline_flush(p), 0);
        assert_int_equal(s.n, 2);
        alert_pipeline_get_stats(p, &st);
        assert_int_equal(st.submitted, 1000);
        assert_int_equal(st.sent, 1);
        assert_int_equal(st.deduplicated, 999);
        assert_int_equal(st.summaries, 1);
        assert_int_equal(st.entries, 1);

        /* a different executable or rule is another signature */
        {
                struct alert a = make("exec-from-tmp", "/tmp/y", 1), b = make("other", "/tmp/x", 1);

                assert_int_equal(alert_pipeline_submit(p, &a, "/tmp/y"), 1);
                assert_int_equal(alert_pipeline_submit(p, &b, "/tmp/x 1"), 1);
        }
        assert_int_equal(s.n, 4);
        alert_pipeline_free(p);
}

static void count_held_back(const char *rule, void *userdata)
{
        unsigned *n = userdata;

        assert_string_equal(rule, "noisy");
        (*n)++;
}

static void test_rate_limit(void **state)
{
        unsigned held_back = 0;
        struct alert_pipeline_config cfg = ALERT_PIPELINE_DEFAULT_CONFIG;
        struct alert_pipeline *p;
        struct alert_pipeline_stats st;
        struct sent s = {};

        cfg.rate_burst = 5;
        assert_int_equal(alert_pipeline_new(&p, NULL, &cfg, deliver, &s), 0);
        alert_pipeline_set_held_back_callback(p, count_held_back, &held_back);
        for (int i = 0; i < 30; i++) {
                struct alert a = make("noisy", "/usr/bin/cat", i);
                char object[32];

                /* distinct objects: each is a new signature */
                snprintf(object, sizeof(object), "/etc/file-%c", 'a' + i % 26);
                snprintf(object + strlen(object), 8, "%c", 'a' + i / 26);
                alert_pipeline_submit(p, &a, object);
        }
        assert_int_equal(s.n, 5);
        alert_pipeline_get_stats(p, &st);
        assert_int_equal(st.rate_limited, 25);
        assert_int_equal(alert_pipeline_rule_held_back(p, "noisy"), 25);
        assert_int_equal(held_back, 25);
        /* another rule is not held back by this one */
        {
                struct alert a = make("quiet", "/usr/bin/cat", 1);

                assert_int_equal(alert_pipeline_submit(p, &a, "x"), 1);
        }
        /* held-back alerts are not sent one by one later */
        alert_pipeline_flush(p);
        assert_int_equal(s.n, 6);
        alert_pipeline_free(p);
}

static void test_table_full(void **state)
{
        struct alert_pipeline_config cfg = ALERT_PIPELINE_DEFAULT_CONFIG;
        struct alert_pipeline *p;
        struct alert_pipeline_stats st;
        struct sent s = {};

        cfg.max_entries = 2;
        assert_int_equal(alert_pipeline_new(&p, NULL, &cfg, deliver, &s), 0);
        for (int i = 0; i < 4; i++) {
                struct alert a = make("r", "/bin/x", i);
                char o[8] = { 'a' + i };

                assert_int_equal(alert_pipeline_submit(p, &a, o), 1);
        }
        alert_pipeline_get_stats(p, &st);
        assert_int_equal(st.untracked, 2);
        assert_int_equal(st.entries, 2);
        alert_pipeline_free(p);
}

static void test_timer_summaries(void **state)
{
        struct alert_pipeline_config cfg = ALERT_PIPELINE_DEFAULT_CONFIG;
        struct alert_pipeline *p;
        struct identity id = { .container_id = "c0ffee", .container_name = "web" };
        struct sent s = {};
        sd_event *e;
        uint64_t end;

        cfg.summary_interval_ns = 50 * NSEC_PER_MSEC;
        cfg.window_ns = 120 * NSEC_PER_MSEC;
        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(alert_pipeline_new(&p, e, &cfg, deliver, &s), 0);
        for (int i = 0; i < 3; i++) {
                struct alert a = make("r", "/bin/x", i);

                a.identity = &id;
                alert_pipeline_submit(p, &a, "/proc/1234/environ");
        }
        end = now_monotonic_ns() + 400 * NSEC_PER_MSEC;
        while (now_monotonic_ns() < end)
                assert_true(sd_event_run(e, 10000) >= 0);
        /* the first, then one summary with the count; then the window passed and it was forgotten */
        assert_int_equal(s.n, 2);
        assert_int_equal(s.a[1].count, 3);
        assert_non_null(s.a[1].identity);
        {
                struct alert_pipeline_stats st;

                alert_pipeline_get_stats(p, &st);
                assert_int_equal(st.entries, 0);
        }
        alert_pipeline_free(p);
        sd_event_unref(e);
}

static const char *norm(const char *s)
{
        static struct strbuf b;

        strbuf_reset(&b);
        alert_normalize_object(&b, s, strlen(s));
        return b.data ?: "";
}

static void test_normalize(void **state)
{
        assert_string_equal(norm("/proc/4242/environ"), "/proc/*/environ");
        assert_string_equal(norm("/tmp/tmp.Xa3bC9dEfg/run"), "/tmp/tmp.*/run");
        assert_string_equal(norm("/var/lib/docker/containers/0123456789abcdef0123/config.v2.json"),
                            "/var/lib/docker/containers/*/config.v2.json");
        assert_string_equal(norm("10.0.0.7:3333"), "*.*.*.*:*");
        assert_string_equal(norm("/usr/bin/python3 -c print"), "/usr/bin/python3 -c print");
        assert_string_equal(norm("/etc/shadow"), "/etc/shadow");
        assert_string_equal(norm("deadbeef"), "deadbeef");     /* a word: no digit */
        assert_string_equal(norm("dead1beef"), "*");
        assert_string_equal(norm("QmFzZTY0RW5jb2RlZA"), "*");
        assert_string_equal(norm(""), "");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_dedup_counts),
                cmocka_unit_test(test_rate_limit),
                cmocka_unit_test(test_table_full),
                cmocka_unit_test(test_timer_summaries),
                cmocka_unit_test(test_normalize),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
