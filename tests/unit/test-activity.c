/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The activity table behind cwatchctl top: a row per container and per unit, counts from records
 * and alerts, and its bound (idle rows replaced, the rest in "other"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "alert/alert.h"
#include "identity/identity.h"
#include "metrics/metrics.h"
#include "tracers/files-schema.h"
#include "shared/timeutil.h"

#define SEC (UINT64_C(1000000000))

struct found {
        const struct activity_row *rows[ACTIVITY_MAX_ROWS + 1];
        size_t n;
};

static void collect(const struct activity_row *row, void *userdata)
{
        struct found *f = userdata;

        f->rows[f->n++] = row;
}

static const struct activity_row *find(const struct activity_table *t, const char *kind, const char *name,
                                       size_t *ret_n)
{
        static struct found f;

        f.n = 0;
        activity_foreach(t, collect, &f);
        if (ret_n)
                *ret_n = f.n;
        for (size_t i = 0; i < f.n; i++)
                if (streq(activity_kind_to_string(f.rows[i]->kind), kind) && streq(f.rows[i]->name, name))
                        return f.rows[i];
        return NULL;
}

static void test_rows_by_identity(void **state)
{
        struct activity_table t = {};
        struct identity web = { .runtime = "docker", .container_id = "0123456789abcdef", .container_name = "web",
                                .unit = "docker-0123456789abcdef.scope" };
        struct identity nginx = { .unit = "nginx.service", .slice = "system.slice" };
        const struct activity_row *row;
        size_t n;

        assert_int_equal(activity_add(&t, &web, &(struct activity_counts) { .events = 1, .execs = 1 }, 5 * SEC), 0);
        assert_int_equal(activity_add(&t, &web, &(struct activity_counts) { .write_bytes = 4096 }, 6 * SEC), 0);
        assert_int_equal(activity_add(&t, &nginx, &(struct activity_counts) { .events = 1, .connections = 1 }, 6 * SEC), 0);
        assert_int_equal(activity_add(&t, NULL, &(struct activity_counts) { .events = 3 }, 7 * SEC), 0);
        assert_int_equal(activity_add(&t, &nginx, &(struct activity_counts) { .alerts = 1 }, 8 * SEC), 0);

        /* a container counts as the container, not as its scope unit */
        row = find(&t, "container", "web", &n);
        assert_int_equal(n, 3);
        assert_non_null(row);
        assert_string_equal(row->id, "0123456789abcdef");
        assert_string_equal(row->runtime, "docker");
        assert_int_equal(row->counts.events, 1);
        assert_int_equal(row->counts.execs, 1);
        assert_int_equal(row->counts.write_bytes, 4096);
        assert_int_equal(row->first_ns, 5 * SEC);
        assert_int_equal(row->last_ns, 6 * SEC);
        row = find(&t, "unit", "nginx.service", NULL);
        assert_non_null(row);
        assert_int_equal(row->counts.connections, 1);
        assert_int_equal(row->counts.alerts, 1);
        row = find(&t, "host", "host", NULL);
        assert_non_null(row);
        assert_int_equal(row->counts.events, 3);
        assert_null(find(&t, "other", "other", NULL));
        activity_table_done(&t);
}

static void test_bounded(void **state)
{
        struct activity_table t = {};
        struct activity_counts one = { .events = 1 };
        char name[32];
        size_t n;

        for (int i = 0; i < ACTIVITY_MAX_ROWS; i++) {
                snprintf(name, sizeof(name), "u%d.service", i);
                assert_int_equal(activity_add(&t, &(struct identity) { .unit = name }, &one, (1 + i) * SEC / 10), 0);
        }
        /* full, and every row was busy within the idle time: the new unit counts as other */
        assert_int_equal(activity_add(&t, &(struct identity) { .unit = "late.service" }, &one, 55 * SEC), 0);
        assert_null(find(&t, "unit", "late.service", &n));
        assert_int_equal(n, ACTIVITY_MAX_ROWS + 1);
        assert_int_equal(find(&t, "other", "other", NULL)->counts.events, 1);
        /* an existing row still counts in its own */
        assert_int_equal(activity_add(&t, &(struct identity) { .unit = "u5.service" }, &one, 56 * SEC), 0);
        assert_int_equal(find(&t, "unit", "u5.service", NULL)->counts.events, 2);

        /* u0 was idle longest (since 0.1 s) and for more than ACTIVITY_IDLE_NS: the next new unit takes
         * its row, with counts of its own */
        assert_int_equal(activity_add(&t, &(struct identity) { .unit = "later.service" }, &one, 200 * SEC), 0);
        assert_null(find(&t, "unit", "u0.service", &n));
        assert_int_equal(n, ACTIVITY_MAX_ROWS + 1);
        assert_int_equal(find(&t, "unit", "later.service", NULL)->counts.events, 1);
        assert_int_equal(t.replaced, 1);
        /* u0 is back: it takes the next idle row (u1), from zero */
        assert_int_equal(activity_add(&t, &(struct identity) { .unit = "u0.service" }, &one, 201 * SEC), 0);
        assert_int_equal(find(&t, "unit", "u0.service", NULL)->counts.events, 1);
        assert_null(find(&t, "unit", "u1.service", NULL));
        activity_table_done(&t);
}

/* Through the metrics sink: an interval row of the files tracer adds bytes, not an event. */
static void test_metrics_records(void **state)
{
        _cleanup_(metrics_freep) struct metrics *m = NULL;
        struct identity web = { .runtime = "nspawn", .container_id = "web1", .container_name = "web1" };
        struct value v[_COL_MAX] = {};
        struct record row = { .schema = &files_schema, .values = v };
        struct record open = { .schema = &files_schema, .event = "open", .values = v };
        struct alert a = { .rule = "exec-from-tmp", .severity = SEVERITY_WARNING, .identity = &web };
        const struct activity_row *r;

        assert_int_equal(metrics_new(&m), 0);
        value_set_u64(&v[COL_READ_BYTES], 100);
        value_set_u64(&v[COL_WRITE_BYTES], 7);
        record_set_identity(&row, &web);
        metrics_observe_record(m, &row);
        metrics_observe_record(m, &row);
        record_set_identity(&open, &web);
        metrics_observe_record(m, &open);
        metrics_observe_alert(m, &a);
        r = find(&m->activity, "container", "web1", NULL);
        assert_non_null(r);
        assert_int_equal(r->counts.read_bytes, 200);
        assert_int_equal(r->counts.write_bytes, 14);
        assert_int_equal(r->counts.events, 1);
        assert_int_equal(r->counts.execs, 0);
        assert_int_equal(r->counts.alerts, 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rows_by_identity),
                cmocka_unit_test(test_bounded),
                cmocka_unit_test(test_metrics_records),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
