/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The profile set: IDF and threshold arithmetic, learning -> detecting, candidates learned only
 * after distinct days without alerts, LRU eviction of profiles and features, decay. Time is
 * injected. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "profile/profile-set.h"

#define DAY 86400
#define T0 (UINT32_C(1800000000) / DAY * DAY + 3600)    /* 01:00 on some day */

static struct profile_set *new_set(uint32_t max_profiles, uint32_t max_features)
{
        struct profile_config c;
        struct profile_set *s;

        profile_config_init_default(&c);
        c.learning_period_s = 100;
        c.min_instances = 3;
        c.quiet_period_s = 50;
        c.max_profiles = max_profiles;
        c.max_features = max_features;
        assert_int_equal(profile_set_new(&s, &c), 0);
        return s;
}

static void observe(struct profile_set *s, struct profile *p, enum feature_relation rel, const char *obj,
                    uint32_t now, struct observation *o)
{
        struct feature f;
        struct observation dummy;

        feature_set(&f, rel, obj, strlen(obj));
        assert_int_equal(profile_observe(s, p, &f, now, o ?: &dummy), 0);
}

static void test_idf(void **state)
{
        struct profile_set *s = new_set(100, 64);
        struct profile *p[4];
        struct feature f, g;
        char exe[32];

        for (int i = 0; i < 4; i++) {
                snprintf(exe, sizeof(exe), "/usr/bin/p%d", i);
                p[i] = profile_set_get(s, exe, "host", T0, true);
                assert_non_null(p[i]);
        }
        assert_int_equal(s->n_profiles, 4);
        feature_set(&f, REL_READ, "/etc/passwd", 11);
        feature_set(&g, REL_READ, "/etc/shadow", 11);
        /* nobody has it: 1 + log2(5/1) */
        assert_true(fabs(profile_set_weight(s, f.key) - (1 + log2(5.0))) < 1e-9);
        for (int i = 0; i < 4; i++)
                observe(s, p[i], REL_READ, "/etc/passwd", T0, NULL);
        observe(s, p[0], REL_READ, "/etc/shadow", T0, NULL);
        /* everybody: 1 + log2(5/5) = 1; one of four: 1 + log2(5/2) */
        assert_true(fabs(profile_set_weight(s, f.key) - 1.0) < 1e-9);
        assert_true(fabs(profile_set_weight(s, g.key) - (1 + log2(2.5))) < 1e-9);
        /* removing a profile takes its features out of the frequencies */
        profile_set_remove(s, p[0]);
        assert_true(fabs(profile_set_weight(s, g.key) - (1 + log2(4.0))) < 1e-9);
        profile_set_free(s);
}

static void test_threshold(void **state)
{
        struct profile_set *s = new_set(10, 64);
        struct profile *p = profile_set_get(s, "/usr/bin/app", "unit:app.service", T0, true), *sh;

        /* no learning scores: Threshold= */
        assert_true(fabs(profile_threshold(s, p) - PROFILE_DEFAULT_THRESHOLD) < 1e-9);
        /* steady scores of 10: mean approaches 10, spread 0 -> about 10 */
        for (int i = 0; i < 200; i++)
                profile_add_learning_score(p, 10.0);
        assert_true(fabs(profile_threshold(s, p) - 10.0) < 0.01);
        /* alternating 0 and 10: mean 5, sd about 5 -> about 20 */
        for (int i = 0; i < 400; i++)
                profile_add_learning_score(p, i % 2 ? 10.0 : 0.0);
        assert_true(profile_threshold(s, p) > 15.0 && profile_threshold(s, p) < 25.0);
        /* damping */
        assert_true(profile_damping(p) == 1.0);
        sh = profile_set_get(s, "/usr/bin/dash", "unit:x.service", T0, true);
        assert_true(profile_damping(sh) == PROFILE_VARIED_DAMPING);
        assert_true(profile_exe_is_varied("/usr/bin/python3.11"));
        assert_true(profile_exe_is_varied("/usr/bin/apt-get"));
        assert_false(profile_exe_is_varied("/usr/sbin/nginx"));
        assert_false(profile_exe_is_varied("/usr/bin/shred"));
        profile_set_free(s);
}

static void test_learning_to_detecting(void **state)
{
        struct profile_set *s = new_set(10, 64);
        struct profile *p = profile_set_get(s, "/usr/bin/app", "unit:app.service", T0, true);
        struct observation o;

        assert_int_equal(p->mode, PROFILE_LEARNING);
        observe(s, p, REL_READ, "/etc/app.conf", T0, &o);
        assert_true(o.added);
        assert_int_equal(profile_lookup(p, o.added ? feature_key(REL_READ, "/etc/app.conf", 13) : 0)->state,
                         FEATURE_LEARNED);
        p->instances = 2;
        assert_false(profile_update_mode(s, p, T0 + 200));       /* too few instances */
        p->instances = 3;
        assert_false(profile_update_mode(s, p, T0 + 99));        /* too early */
        observe(s, p, REL_READ, "/etc/other", T0 + 180, &o);       /* a new feature: quiet again from here */
        assert_false(profile_update_mode(s, p, T0 + 200));
        assert_true(profile_update_mode(s, p, T0 + 231));
        assert_int_equal(p->mode, PROFILE_DETECTING);
        assert_false(profile_update_mode(s, p, T0 + 300));       /* once */

        /* learned: novelty 1/(1+count) */
        observe(s, p, REL_READ, "/etc/app.conf", T0 + 300, &o);
        assert_false(o.added);
        assert_true(o.learned);
        assert_true(fabs(o.novelty - 0.5) < 1e-9);
        /* new in detection: a candidate, novelty 1 */
        observe(s, p, REL_EXEC_CHILD, "/bin/sh", T0 + 300, &o);
        assert_true(o.added);
        assert_false(o.learned);
        assert_true(o.novelty == 1.0);
        assert_int_equal(profile_lookup(p, feature_key(REL_EXEC_CHILD, "/bin/sh", 7))->state, FEATURE_CANDIDATE);

        /* learn: back to learning; detect: at once */
        profile_set_mode(p, PROFILE_LEARNING, T0 + 400);
        assert_int_equal(p->mode, PROFILE_LEARNING);
        assert_int_equal(p->instances, 0);
        profile_set_mode(p, PROFILE_DETECTING, T0 + 400);
        assert_int_equal(p->mode, PROFILE_DETECTING);
        profile_reset(s, p, T0 + 500);
        assert_int_equal(p->n_features, 0);
        assert_int_equal(p->mode, PROFILE_LEARNING);
        profile_set_free(s);
}

static void test_candidate_days(void **state)
{
        struct profile_set *s = new_set(10, 64);
        struct profile *p = profile_set_get(s, "/usr/bin/app", "unit:app.service", T0, true);
        uint64_t key = feature_key(REL_CONNECT, "tcp public :443", 15);
        struct observation o;

        profile_set_mode(p, PROFILE_DETECTING, T0);
        /* many times on one day: still a candidate */
        for (int i = 0; i < 50; i++)
                observe(s, p, REL_CONNECT, "tcp public :443", T0 + i, &o);
        assert_int_equal(profile_lookup(p, key)->state, FEATURE_CANDIDATE);
        assert_int_equal(profile_lookup(p, key)->days, 1);
        /* part of an alert on day 1 and day 2: its days start again each time */
        profile_mark_alerted(p, key);
        observe(s, p, REL_CONNECT, "tcp public :443", T0 + DAY, &o);
        profile_mark_alerted(p, key);
        observe(s, p, REL_CONNECT, "tcp public :443", T0 + 2 * DAY, &o);
        assert_int_equal(profile_lookup(p, key)->state, FEATURE_CANDIDATE);
        assert_int_equal(profile_lookup(p, key)->days, 1);
        /* then quietly on two more days: three distinct days without an alert -> learned */
        observe(s, p, REL_CONNECT, "tcp public :443", T0 + 3 * DAY, &o);
        assert_int_equal(profile_lookup(p, key)->state, FEATURE_CANDIDATE);
        observe(s, p, REL_CONNECT, "tcp public :443", T0 + 4 * DAY, &o);
        assert_int_equal(profile_lookup(p, key)->state, FEATURE_LEARNED);
        assert_int_equal(s->stats.features_learned, 1);
        observe(s, p, REL_CONNECT, "tcp public :443", T0 + 4 * DAY + 1, &o);
        assert_true(o.learned);
        profile_set_free(s);
}

static void test_lru_profiles(void **state)
{
        struct profile_set *s = new_set(3, 16);
        struct profile *a = profile_set_get(s, "/a", "host", T0, true);

        assert_non_null(profile_set_get(s, "/b", "host", T0, true));
        assert_non_null(profile_set_get(s, "/c", "host", T0, true));
        observe(s, a, REL_READ, "/x", T0, NULL);
        /* a is used again: b is the least recently used */
        assert_ptr_equal(profile_set_get(s, "/a", "host", T0 + 1, false), a);
        assert_non_null(profile_set_get(s, "/d", "host", T0 + 2, true));
        assert_int_equal(s->n_profiles, 3);
        assert_int_equal(s->stats.profiles_evicted, 1);
        assert_null(profile_set_get(s, "/b", "host", T0 + 3, false));
        assert_non_null(profile_set_get(s, "/c", "host", T0 + 3, false));
        assert_non_null(profile_set_get(s, "/a", "host", T0 + 3, false));
        assert_null(profile_set_get(s, "/e", "host", T0 + 3, false));
        assert_int_equal(profile_lookup(a, feature_key(REL_READ, "/x", 2))->count, FEATURE_COUNT_ONE);
        profile_set_free(s);
}

static void test_lru_features(void **state)
{
        struct profile_set *s = new_set(3, 16);
        struct profile *p = profile_set_get(s, "/a", "host", T0, true);
        char obj[32];

        for (int i = 0; i < 16; i++) {
                snprintf(obj, sizeof(obj), "/f/%c", 'a' + i);
                observe(s, p, REL_READ, obj, T0 + i, NULL);
        }
        assert_int_equal(p->n_features, 16);
        /* /f/a is refreshed: /f/b is the least recently seen and goes first */
        observe(s, p, REL_READ, "/f/a", T0 + 100, NULL);
        for (int i = 0; i < 5; i++) {
                snprintf(obj, sizeof(obj), "/g/%c", 'a' + i);
                observe(s, p, REL_READ, obj, T0 + 200 + i, NULL);
        }
        assert_int_equal(p->n_features, 16);
        assert_int_equal(s->stats.features_evicted, 5);
        assert_non_null(profile_lookup(p, feature_key(REL_READ, "/f/a", 4)));
        assert_null(profile_lookup(p, feature_key(REL_READ, "/f/b", 4)));
        assert_null(profile_lookup(p, feature_key(REL_READ, "/f/f", 4)));
        assert_non_null(profile_lookup(p, feature_key(REL_READ, "/f/g", 4)));
        for (int i = 0; i < 5; i++) {
                snprintf(obj, sizeof(obj), "/g/%c", 'a' + i);
                assert_non_null(profile_lookup(p, feature_key(REL_READ, obj, strlen(obj))));
        }
        assert_true(p->capacity >= 16 && p->capacity <= 16 + 16 / 8 + 1);
        profile_set_free(s);
}

static void test_decay(void **state)
{
        struct profile_set *s = new_set(3, 16);
        struct profile *p = profile_set_get(s, "/a", "host", T0, true);
        struct observation o;

        for (int i = 0; i < 4; i++)
                observe(s, p, REL_READ, "/busy", T0, NULL);
        observe(s, p, REL_READ, "/once", T0, NULL);
        /* 0.95^d: after 60 days a count of 1 (16/16) is gone, a count of 4 is not */
        profile_decay(s, p, T0 + 60 * DAY);
        assert_non_null(profile_lookup(p, feature_key(REL_READ, "/busy", 5)));
        assert_null(profile_lookup(p, feature_key(REL_READ, "/once", 5)));
        assert_int_equal(s->stats.features_forgotten, 1);
        observe(s, p, REL_READ, "/busy", T0 + 60 * DAY, &o);
        assert_true(o.learned);
        profile_set_free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_idf),
                cmocka_unit_test(test_threshold),
                cmocka_unit_test(test_learning_to_detecting),
                cmocka_unit_test(test_candidate_days),
                cmocka_unit_test(test_lru_profiles),
                cmocka_unit_test(test_lru_features),
                cmocka_unit_test(test_decay),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
