/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The profiles sink with records as the tracers make them: a program in a unit learns, detects,
 * and what it and its children do that is new becomes one anomaly with its explanation; repeated,
 * it raises again and is not learned. Time is injected through the records. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "profile/profile-sink.h"

#define SEC UINT64_C(1000000000)
#define T0 (UINT64_C(1800000000) * SEC)

static const struct column proc_columns[] = {
        { "pid", VALUE_U64 }, { "ppid", VALUE_U64 }, { "comm", VALUE_STR }, { "exe", VALUE_STR },
};
static const struct schema proc_schema = SCHEMA("exec", proc_columns);
static const struct column file_columns[] = {
        { "pid", VALUE_U64 }, { "reads", VALUE_U64 }, { "writes", VALUE_U64 }, { "type", VALUE_STR },
        { "comm", VALUE_STR }, { "path", VALUE_STR },
};
static const struct schema file_schema = SCHEMA("file_io", file_columns);
static const struct column tcp_columns[] = {
        { "pid", VALUE_U64 }, { "daddr", VALUE_STR }, { "dport", VALUE_U64 }, { "sport", VALUE_U64 },
};
static const struct schema tcp_schema = SCHEMA("connect", tcp_columns);

static const struct identity unit_identity = { .unit = "webapp.service" };

struct raised {
        int n;
        char first_text[PROFILE_ANOMALY_TEXT_MAX + 64];
        char text[PROFILE_ANOMALY_TEXT_MAX + 64];
        char object[256];
        char scope[64];
        uint32_t pid;
        double score;
};

static int raise_cb(const struct profile_anomaly *a, void *userdata)
{
        struct raised *r = userdata;

        if (r->n++ == 0)
                snprintf(r->first_text, sizeof(r->first_text), "%s", a->text);
        snprintf(r->text, sizeof(r->text), "%s", a->text);
        snprintf(r->object, sizeof(r->object), "%s", a->object);
        snprintf(r->scope, sizeof(r->scope), "%s", a->scope);
        r->pid = a->pid;
        r->score = a->score;
        return 0;
}

static void process(struct profile_sink *k, const char *event, uint64_t t, uint32_t pid, uint32_t ppid,
                    const char *comm, const char *exe)
{
        struct value v[4] = {};
        struct record r = {
                .schema = &proc_schema, .event = event, .time_ns = t, .identity = &unit_identity, .values = v,
        };

        value_set_u64(&v[0], pid);
        value_set_u64(&v[1], ppid);
        value_set_cstr(&v[2], comm);
        value_set_cstr(&v[3], exe);
        assert_int_equal(profile_sink_on_record(k, &r), 0);
}

static void file_io(struct profile_sink *k, uint64_t t, uint32_t pid, bool write, const char *path)
{
        struct value v[6] = {};
        struct record r = { .schema = &file_schema, .time_ns = t, .identity = &unit_identity, .values = v };

        value_set_u64(&v[0], pid);
        value_set_u64(&v[1], !write);
        value_set_u64(&v[2], write);
        value_set_cstr(&v[3], "R");
        value_set_cstr(&v[5], path);
        assert_int_equal(profile_sink_on_record(k, &r), 0);
}

static void connect_to(struct profile_sink *k, uint64_t t, uint32_t pid, const char *addr, uint16_t port)
{
        struct value v[4] = {};
        struct record r = { .schema = &tcp_schema, .time_ns = t, .identity = &unit_identity, .values = v };

        value_set_u64(&v[0], pid);
        value_set_cstr(&v[1], addr);
        value_set_u64(&v[2], port);
        value_set_u64(&v[3], 40000);
        assert_int_equal(profile_sink_on_record(k, &r), 0);
}

/* One round of the benign behaviour: the loop (pid 100) runs cat, which reads /etc/hostname. */
static void benign(struct profile_sink *k, uint64_t t, uint32_t child)
{
        process(k, "fork", t, child, 100, "loop", NULL);
        process(k, "exec", t, child, 100, "cat", "/usr/bin/cat");
        file_io(k, t, child, false, "/etc/hostname");
        file_io(k, t, 100, true, "/var/tmp/X/out");
        process(k, "exit", t, child, 100, "cat", NULL);
}

static struct profile_sink *new_sink(struct raised *raised)
{
        struct profile_config c;
        struct profile_set *set;
        struct profile_sink *k;

        profile_config_init_default(&c);
        c.learning_period_s = 10;
        c.min_instances = 3;
        c.quiet_period_s = 5;
        assert_int_equal(profile_set_new(&set, &c), 0);
        assert_int_equal(profile_sink_new(&k, set, &(struct profile_sink_config) { .window_ns = 2 * SEC }, NULL,
                                          raise_cb, raised), 0);
        return k;
}

static void test_learn_detect_alert(void **state)
{
        struct raised raised = {};
        struct profile_sink *k = new_sink(&raised);
        struct profile_set *set = profile_sink_get_set(k);
        struct profile_sink_stats stats;
        struct profile *loop, *cat;
        uint64_t t = T0;
        uint32_t pid = 1000;

        process(k, "exec", t, 100, 1, "loop", "/usr/bin/loop");
        for (; t < T0 + 30 * SEC; t += SEC / 2) {
                benign(k, t, pid++);
                profile_sink_tick(k, t);
        }
        loop = profile_set_get(set, "/usr/bin/loop", "unit:webapp.service", (uint32_t) (t / SEC), false);
        cat = profile_set_get(set, "/usr/bin/cat", "unit:webapp.service", (uint32_t) (t / SEC), false);
        assert_non_null(loop);
        assert_non_null(cat);
        assert_int_equal(cat->mode, PROFILE_DETECTING);
        /* the loop is one instance: it learns until MinInstances */
        assert_int_equal(loop->mode, PROFILE_LEARNING);
        profile_set_mode(loop, PROFILE_DETECTING, (uint32_t) (t / SEC));
        assert_int_equal(raised.n, 0);

        /* more of the same: nothing */
        for (int i = 0; i < 10; i++, t += SEC / 2) {
                benign(k, t, pid++);
                profile_sink_tick(k, t);
        }
        profile_sink_tick(k, t + 10 * SEC);
        assert_int_equal(raised.n, 0);

        /* something new: the loop runs sh, which runs id and cat /etc/passwd: one story */
        t += 20 * SEC;
        process(k, "fork", t, 200, 100, "loop", NULL);
        process(k, "exec", t, 200, 100, "sh", "/usr/bin/dash");
        process(k, "fork", t, 201, 200, "sh", NULL);
        process(k, "exec", t, 201, 200, "id", "/usr/bin/id");
        process(k, "fork", t, 202, 200, "sh", NULL);
        process(k, "exec", t, 202, 200, "cat", "/usr/bin/cat");
        file_io(k, t + SEC, 202, false, "/etc/passwd");
        profile_sink_tick(k, t + SEC);
        assert_int_equal(raised.n, 0);          /* the window is still open */
        profile_sink_tick(k, t + 3 * SEC);
        assert_int_equal(raised.n, 1);
        assert_int_equal(raised.pid, 100);
        assert_string_equal(raised.scope, "unit:webapp.service");
        assert_string_equal(raised.object, "EXEC_CHILD /usr/bin/dash");
        assert_non_null(strstr(raised.text, "loop (unit webapp.service) ran /usr/bin/dash for the first time"));
        assert_non_null(strstr(raised.text, "cat read /etc/passwd for the first time"));
        assert_true(raised.score >= set->config.threshold);

        /* the same again on the next days: alerts each time, never learned */
        for (int day = 1; day <= 4; day++) {
                uint64_t d = t + day * 86400 * SEC;

                process(k, "fork", d, 300 + day, 100, "loop", NULL);
                process(k, "exec", d, 300 + day, 100, "sh", "/usr/bin/dash");
                process(k, "fork", d, 400 + day, 300 + day, "sh", NULL);
                process(k, "exec", d, 400 + day, 300 + day, "cat", "/usr/bin/cat");
                file_io(k, d + SEC, 400 + day, false, "/etc/passwd");
                profile_sink_tick(k, d + 3 * SEC);
                assert_int_equal(raised.n, 1 + day);
                assert_non_null(strstr(raised.text, "ran /usr/bin/dash (not yet learned)"));
        }
        assert_int_equal(profile_lookup(loop, feature_key(REL_EXEC_CHILD, "/usr/bin/dash", 13))->state,
                         FEATURE_CANDIDATE);
        profile_sink_get_stats(k, &stats);
        assert_int_equal(stats.anomalies, 5);
        profile_sink_free(k);
}

static void test_connect_and_below_threshold(void **state)
{
        struct raised raised = {};
        struct profile_sink *k = new_sink(&raised);
        struct profile_set *set = profile_sink_get_set(k);
        struct profile_sink_stats stats;
        struct profile *p;

        process(k, "exec", T0, 100, 1, "app", "/usr/bin/app");
        connect_to(k, T0, 100, "127.0.0.1", 5432);
        /* one profile: every weight is 1 + log2(2/2) = 1 */
        set->config.threshold = 1.0;
        p = profile_set_get(set, "/usr/bin/app", "unit:webapp.service", (uint32_t) (T0 / SEC), false);
        profile_set_mode(p, PROFILE_DETECTING, (uint32_t) (T0 / SEC));
        connect_to(k, T0 + SEC, 100, "127.0.0.1", 5432);
        connect_to(k, T0 + SEC, 100, "8.8.8.8", 443);
        profile_sink_tick(k, T0 + 5 * SEC);
        assert_int_equal(raised.n, 1);
        assert_non_null(strstr(raised.text, "connected to tcp public :443 for the first time"));

        /* a high threshold: the story closes quietly */
        set->config.threshold = 1000;
        connect_to(k, T0 + 10 * SEC, 100, "10.0.0.1", 22);
        profile_sink_tick(k, T0 + 15 * SEC);
        assert_int_equal(raised.n, 1);
        profile_sink_get_stats(k, &stats);
        assert_int_equal(stats.below_threshold, 1);
        profile_sink_free(k);
}

/* A story never crosses into another cgroup: the service manager's novelties and a unit's are two. */
static void test_story_stays_in_cgroup(void **state)
{
        struct raised raised = {};
        struct profile_sink *k = new_sink(&raised);
        struct profile_set *set = profile_sink_get_set(k);
        struct value v[4] = {};
        struct record r = { .schema = &proc_schema, .event = "exec", .values = v };

        set->config.threshold = 1.0;
        /* pid 1 in cgroup 1, its child 50 in cgroup 2 */
        r.time_ns = T0;
        r.cgroup_id = 1;
        value_set_u64(&v[0], 1);
        value_set_u64(&v[1], 0);
        value_set_cstr(&v[2], "init");
        value_set_cstr(&v[3], "/usr/sbin/managerd");
        assert_int_equal(profile_sink_on_record(k, &r), 0);
        r.cgroup_id = 2;
        value_set_u64(&v[0], 50);
        value_set_u64(&v[1], 1);
        value_set_cstr(&v[2], "app");
        value_set_cstr(&v[3], "/usr/bin/app");
        assert_int_equal(profile_sink_on_record(k, &r), 0);
        for (struct profile *p = set->lru_head; p; p = p->lru_next)
                profile_set_mode(p, PROFILE_DETECTING, (uint32_t) (T0 / SEC));
        connect_to(k, T0 + SEC, 1, "8.8.8.8", 53);     /* init: a story on pid 1 */
        connect_to(k, T0 + SEC, 50, "8.8.4.4", 443);   /* app: its own, not init's */
        profile_sink_tick(k, T0 + 10 * SEC);
        assert_int_equal(raised.n, 2);
        profile_sink_free(k);
}

/* The subject's scope: image, else container name, in a container; the unit on the host. */
static void test_scopes(void **state)
{
        const struct identity image = { .runtime = "docker", .container_name = "web1", .image = "nginx:1.25",
                                        .unit = "docker-0123.scope" };
        const struct identity no_image = { .runtime = "nspawn", .container_name = "web1",
                                           .unit = "machine-web1.scope" };
        const struct identity unit = { .unit = "backup.service" };
        char buf[64];

        profile_scope_of(&image, buf, sizeof(buf));
        assert_string_equal(buf, "image:nginx:1.25");
        profile_scope_of(&no_image, buf, sizeof(buf));
        assert_string_equal(buf, "container:web1");
        profile_scope_of(&unit, buf, sizeof(buf));
        assert_string_equal(buf, "unit:backup.service");
        profile_scope_of(NULL, buf, sizeof(buf));
        assert_string_equal(buf, "host");
}

/* Stories due at the same tick raise in the order they opened: the pipeline keeps the first of a
 * repeated behaviour, which is the one that says "for the first time". */
static void test_stories_in_order(void **state)
{
        struct raised raised = {};
        struct profile_sink *k = new_sink(&raised);
        struct profile_set *set = profile_sink_get_set(k);

        set->config.threshold = 1.0;
        process(k, "exec", T0, 100, 1, "app", "/usr/bin/app");
        process(k, "exec", T0, 101, 1, "app", "/usr/bin/app");
        process(k, "exec", T0, 102, 1, "app", "/usr/bin/app");
        profile_set_mode(set->lru_head, PROFILE_DETECTING, (uint32_t) (T0 / SEC));
        connect_to(k, T0 + SEC, 100, "8.8.8.8", 443);
        connect_to(k, T0 + SEC + SEC / 5, 101, "8.8.8.8", 443);
        connect_to(k, T0 + SEC + 2 * SEC / 5, 102, "8.8.8.8", 443);
        profile_sink_tick(k, T0 + 10 * SEC);
        assert_int_equal(raised.n, 3);
        assert_non_null(strstr(raised.first_text, "tcp public :443 for the first time"));
        assert_non_null(strstr(raised.text, "tcp public :443 (not yet learned)"));
        profile_sink_free(k);
}

static void test_unknown_and_garbage(void **state)
{
        struct raised raised = {};
        struct profile_sink *k = new_sink(&raised);
        struct value v[6] = {};
        struct record r = { .schema = &file_schema, .time_ns = T0, .values = v };
        static const struct column other_columns[] = { { "x", VALUE_U64 } };
        static const struct schema other = SCHEMA("other", other_columns);
        struct value ov[1] = {};
        struct record o = { .schema = &other, .time_ns = T0, .values = ov };

        /* an unknown process, without a lookup: ignored */
        value_set_u64(&v[0], 4242);
        value_set_u64(&v[1], 1);
        value_set_cstr(&v[5], "/etc/passwd");
        assert_int_equal(profile_sink_on_record(k, &r), 0);
        /* a record without the columns: ignored */
        assert_int_equal(profile_sink_on_record(k, &o), 0);
        /* an exec without an exe, an exit of a stranger */
        process(k, "exec", T0, 5, 1, "x", NULL);
        process(k, "exit", T0, 6, 1, "x", NULL);
        profile_sink_tick(k, T0 + 100 * SEC);
        assert_int_equal(profile_sink_get_set(k)->n_profiles, 0);
        profile_sink_free(k);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_learn_detect_alert),
                cmocka_unit_test(test_connect_and_below_threshold),
                cmocka_unit_test(test_story_stays_in_cgroup),
                cmocka_unit_test(test_stories_in_order),
                cmocka_unit_test(test_scopes),
                cmocka_unit_test(test_unknown_and_garbage),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
