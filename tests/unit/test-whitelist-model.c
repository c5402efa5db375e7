/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The whitelist table and the trust model (docs/WHITELIST.md): each reason's weight, the ramps of
 * age, executions and active days, the clamp, the cap of shells and downloaders, the deny list and a
 * revocation at 0, the fleet's view (global votes, revoke, clear), alert and incident counting,
 * eviction of the least recently seen, the scaling of scores. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>
#include "alert/alert.h"
#include "whitelist/whitelist.h"
#include "whitelist/whitelist-weights.h"

#define DAY_USEC (UINT64_C(86400) * 1000000)
#define T0 (UINT64_C(20000) * DAY_USEC)
/* what one day of activity adds: every entry that ran has it */
#define ONE_DAY (WL_W_ACTIVE_DAYS / WL_ACTIVE_DAYS_FULL)

static void sha_of(uint8_t sha[WHITELIST_SHA256_SIZE], unsigned n)
{
        memset(sha, 0, WHITELIST_SHA256_SIZE);
        sha[0] = (uint8_t) n;
        sha[1] = (uint8_t) (n >> 8);
        sha[31] = 0x5a;
}

static const struct whitelist_reason *reason(const struct whitelist_score *s, const char *id)
{
        for (size_t i = 0; i < s->n_reasons; i++)
                if (streq(s->reasons[i].id, id))
                        return &s->reasons[i];
        return NULL;
}

static struct whitelist *new_table(size_t max)
{
        struct whitelist_config c;
        struct whitelist *wl;

        whitelist_config_init_default(&c);
        if (max)
                c.max_entries = max;
        assert_int_equal(whitelist_new(&wl, &c), 0);
        return wl;
}

static void test_package_program_grows_with_history(void **state)
{
        _cleanup_(whitelist_freep) struct whitelist *wl = new_table(0);
        struct whitelist_facts f = { .package = WHITELIST_PACKAGE_VERIFIED, .root_owned = true,
                                     .package_name = "coreutils" };
        struct whitelist_entry *e;
        struct whitelist_score s;
        uint8_t sha[32];

        sha_of(sha, 1);
        e = whitelist_record_exec(wl, sha, "/usr/bin/ls", &f, T0);
        assert_non_null(e);
        whitelist_score_entry(wl, e, T0, &s);
        /* first sight: package + root-owned, one active day, no age, one execution (log10(1) = 0) */
        assert_float_equal(s.confidence, WL_W_PACKAGE + WL_W_ROOT_OWNED + ONE_DAY, 1e-9);
        assert_non_null(reason(&s, "package"));
        assert_non_null(strstr(reason(&s, "package")->text, "coreutils"));
        assert_float_equal(reason(&s, "age")->weight, 0, 1e-9);
        assert_float_equal(reason(&s, "executions")->weight, 0, 1e-9);
        assert_float_equal(e->confidence, s.confidence, 1e-9);

        /* a run every day for 30 days, 40 a day: age, days and executions reach their full weight */
        for (unsigned d = 1; d <= 30; d++)
                for (unsigned i = 0; i < 40; i++)
                        e = whitelist_record_exec(wl, sha, "/usr/bin/ls", &f, T0 + d * DAY_USEC + i);
        assert_int_equal(e->active_days, 31);
        assert_int_equal(e->executions, 1201);
        f.stable = true;
        e = whitelist_record_exec(wl, sha, "/usr/bin/ls", &f, T0 + 30 * DAY_USEC + 100);
        whitelist_score_entry(wl, e, T0 + 30 * DAY_USEC + 100, &s);
        assert_float_equal(reason(&s, "age")->weight, WL_W_AGE, 1e-9);
        assert_float_equal(reason(&s, "executions")->weight, WL_W_EXECUTIONS, 1e-9);
        assert_float_equal(reason(&s, "active-days")->weight, WL_W_ACTIVE_DAYS, 1e-9);
        assert_float_equal(reason(&s, "stable")->weight, WL_W_STABLE, 1e-9);
        assert_float_equal(s.confidence, 0.95, 1e-9);

        /* half-way ramps: 15 days of age */
        whitelist_score_entry(wl, e, T0 + 15 * DAY_USEC, &s);
        assert_float_equal(reason(&s, "age")->weight, WL_W_AGE / 2, 1e-9);
}

static void test_negatives_and_clamp(void **state)
{
        _cleanup_(whitelist_freep) struct whitelist *wl = new_table(0);
        struct whitelist_facts f = { .layer = WHITELIST_LAYER_DRIFT,
                                     .location = WHITELIST_LOC_TEMP | WHITELIST_LOC_HIDDEN | WHITELIST_LOC_DELETED };
        struct whitelist_score s;
        struct whitelist_entry *e;
        uint8_t sha[32];

        sha_of(sha, 2);
        e = whitelist_record_exec(wl, sha, "/tmp/.x/payload", &f, T0);
        whitelist_score_entry(wl, e, T0, &s);
        assert_float_equal(reason(&s, "drift")->weight, WL_W_DRIFT, 1e-9);
        assert_float_equal(reason(&s, "temporary")->weight, WL_W_TEMP, 1e-9);
        assert_float_equal(reason(&s, "hidden")->weight, WL_W_HIDDEN, 1e-9);
        assert_float_equal(reason(&s, "deleted")->weight, WL_W_DELETED, 1e-9);
        assert_null(reason(&s, "package"));
        assert_non_null(reason(&s, "no-package"));
        assert_float_equal(s.confidence, 0, 1e-9);     /* clamped */

        f = (struct whitelist_facts) { .location = WHITELIST_LOC_MEMFD, .root_owned = true };
        sha_of(sha, 3);
        e = whitelist_record_exec(wl, sha, "/memfd:x", &f, T0);
        whitelist_score_entry(wl, e, T0, &s);
        assert_float_equal(reason(&s, "memfd")->weight, WL_W_MEMFD, 1e-9);

        /* a modified package file, an image file */
        f = (struct whitelist_facts) { .package = WHITELIST_PACKAGE_MODIFIED, .root_owned = true };
        sha_of(sha, 4);
        e = whitelist_record_exec(wl, sha, "/usr/bin/ls", &f, T0);
        whitelist_score_entry(wl, e, T0, &s);
        assert_float_equal(reason(&s, "package-modified")->weight, WL_W_PACKAGE_MODIFIED, 1e-9);
        assert_float_equal(s.confidence, 0, 1e-9);
        f = (struct whitelist_facts) { .layer = WHITELIST_LAYER_IMAGE, .root_owned = true };
        sha_of(sha, 5);
        e = whitelist_record_exec(wl, sha, "/usr/sbin/nginx", &f, T0);
        whitelist_score_entry(wl, e, T0, &s);
        assert_float_equal(s.confidence, WL_W_IMAGE + WL_W_ROOT_OWNED + ONE_DAY, 1e-9);
}

static void test_alerts_and_incidents(void **state)
{
        _cleanup_(whitelist_freep) struct whitelist *wl = new_table(0);
        struct whitelist_facts f = { .package = WHITELIST_PACKAGE_VERIFIED, .root_owned = true };
        struct whitelist_score s;
        struct whitelist_entry *e;
        uint8_t sha[32], unknown[32];

        sha_of(sha, 6);
        sha_of(unknown, 7);
        e = whitelist_record_exec(wl, sha, "/usr/bin/curl", &f, T0);
        assert_int_equal(whitelist_record_alert_in_incident(wl, unknown, NULL), -ENOENT);
        assert_int_equal(whitelist_record_alert_in_incident(wl, sha, NULL), 0);
        assert_int_equal(whitelist_record_alert_in_incident(wl, sha, "aaaa"), 0);
        assert_int_equal(whitelist_record_alert_in_incident(wl, sha, "aaaa"), 0);    /* the same incident */
        assert_int_equal(whitelist_record_alert_in_incident(wl, sha, "bbbb"), 0);
        assert_int_equal(e->alerts, 4);
        assert_int_equal(e->incidents, 2);
        whitelist_score_entry(wl, e, T0, &s);
        assert_float_equal(reason(&s, "alerts")->weight, 4 * WL_W_ALERT, 1e-9);
        assert_float_equal(reason(&s, "incidents")->weight, 2 * WL_W_INCIDENT, 1e-9);
        for (int i = 0; i < 20; i++)
                (void) whitelist_record_alert(wl, sha, i % 2);
        whitelist_score_entry(wl, e, T0, &s);
        assert_float_equal(reason(&s, "alerts")->weight, WL_W_ALERTS_MAX, 1e-9);
        assert_float_equal(reason(&s, "incidents")->weight, WL_W_INCIDENTS_MAX, 1e-9);
}

static void test_cap(void **state)
{
        _cleanup_(whitelist_freep) struct whitelist *wl = new_table(0);
        struct whitelist_facts f = { .package = WHITELIST_PACKAGE_VERIFIED, .root_owned = true,
                                     .kind = WHITELIST_KIND_SHELL };
        struct whitelist_score s;
        struct whitelist_entry *e;
        uint8_t sha[32];

        sha_of(sha, 8);
        e = whitelist_record_exec(wl, sha, "/usr/bin/bash", &f, T0);
        whitelist_score_entry(wl, e, T0, &s);
        assert_float_equal(s.confidence, WHITELIST_DEFAULT_CAP, 1e-9);
        assert_non_null(reason(&s, "cap"));
        assert_float_equal(reason(&s, "cap")->weight, WHITELIST_DEFAULT_CAP, 1e-9);
        assert_string_equal(s.reasons[s.n_reasons - 1].id, "cap");
        assert_int_equal(whitelist_set_cap(wl, 0.5), 0);
        assert_int_equal(whitelist_set_cap(wl, 1.5), -EINVAL);
        assert_int_equal(whitelist_set_cap(wl, NAN), -EINVAL);
        whitelist_score_entry(wl, e, T0, &s);
        assert_float_equal(s.confidence, 0.5, 1e-9);
        /* a program below the cap is not capped */
        f.package = WHITELIST_PACKAGE_NONE;
        f.kind = WHITELIST_KIND_DOWNLOADER;
        e = whitelist_record_exec(wl, sha, "/usr/bin/curl", &f, T0);
        whitelist_score_entry(wl, e, T0, &s);
        assert_null(reason(&s, "cap"));
        /* its second execution: log10(2) of the way to full */
        assert_float_equal(s.confidence, WL_W_ROOT_OWNED + ONE_DAY + WL_W_EXECUTIONS * log10(2) / 3, 1e-9);
}

static void test_deny_and_fleet(void **state)
{
        _cleanup_(whitelist_freep) struct whitelist *wl = new_table(0);
        struct whitelist_facts f = { .package = WHITELIST_PACKAGE_VERIFIED, .root_owned = true };
        struct whitelist_vote votes[2] = { { "host-a", 1.0, 0.8 }, { "host-b", 0.5, 0.6 } };
        struct whitelist_score s;
        struct whitelist_entry *e;
        uint8_t sha[32], other[32];

        sha_of(sha, 9);
        sha_of(other, 10);
        e = whitelist_record_exec(wl, sha, "/usr/bin/ls", &f, T0);
        assert_int_equal(whitelist_set_global(wl, sha, 0.7, votes, 2), 0);
        assert_true(e->global);
        whitelist_score_entry(wl, e, T0, &s);
        assert_float_equal(reason(&s, "global")->weight, WL_W_GLOBAL * 0.7, 1e-9);
        assert_non_null(strstr(reason(&s, "global")->text, "host-a, host-b"));
        assert_float_equal(s.confidence, WL_W_PACKAGE + WL_W_ROOT_OWNED + ONE_DAY + WL_W_GLOBAL * 0.7, 1e-9);
        assert_int_equal(whitelist_set_global(wl, sha, 1.5, NULL, 0), -EINVAL);
        assert_int_equal(whitelist_set_global(wl, sha, 0.5, NULL, 1), -EINVAL);

        /* an entry only the fleet knows */
        assert_int_equal(whitelist_set_global(wl, other, 0.9, votes, 1), 0);
        assert_int_equal(whitelist_size(wl), 2);
        assert_int_equal(whitelist_get(wl, other)->executions, 0);
        whitelist_score_entry(wl, whitelist_get(wl, other), T0, &s);
        assert_non_null(reason(&s, "never-ran"));
        assert_null(reason(&s, "age"));

        /* revoked: 0 and the reporting host named; no longer global */
        assert_int_equal(whitelist_revoke(wl, sha, "host-c"), 0);
        assert_false(e->global);
        whitelist_score_entry(wl, e, T0, &s);
        assert_true(s.denied);
        assert_float_equal(s.confidence, 0, 1e-9);
        assert_non_null(strstr(reason(&s, "revoked")->text, "host-c"));
        /* a fresh merge forgets the fleet's view */
        whitelist_clear_global(wl);
        assert_false(e->revoked);
        assert_int_equal(e->n_votes, 0);
        whitelist_score_entry(wl, e, T0, &s);
        assert_false(s.denied);

        /* the deny list */
        assert_int_equal(whitelist_set_malicious(wl, sha, true), 0);
        assert_int_equal(whitelist_score(wl, sha, T0, &s), 0);
        assert_true(s.denied);
        assert_float_equal(e->confidence, 0, 1e-9);
        assert_non_null(reason(&s, "deny-list"));
        assert_int_equal(whitelist_set_malicious(wl, sha, false), 0);
        assert_int_equal(whitelist_score(wl, sha, T0, &s), 0);
        assert_false(s.denied);
        sha_of(other, 11);
        assert_int_equal(whitelist_score(wl, other, T0, &s), -ENOENT);
}

struct count_ctx {
        size_t n, malicious;
};

static int count_cb(const struct whitelist_entry *e, void *userdata)
{
        struct count_ctx *c = userdata;

        c->n++;
        c->malicious += e->malicious;
        return 0;
}

static void test_eviction_keeps_denied(void **state)
{
        _cleanup_(whitelist_freep) struct whitelist *wl = new_table(32);
        struct whitelist_facts f = {};
        struct count_ctx c = {};
        uint8_t sha[32];

        sha_of(sha, 1000);
        assert_int_equal(whitelist_set_malicious(wl, sha, true), 0);
        for (unsigned i = 0; i < 100; i++) {
                sha_of(sha, i);
                assert_non_null(whitelist_record_exec(wl, sha, "/x", &f, T0 + i + 1));
                assert_true(whitelist_size(wl) <= 32);
        }
        (void) whitelist_foreach(wl, count_cb, &c);
        assert_int_equal(c.n, whitelist_size(wl));
        assert_int_equal(c.malicious, 1);
        /* the most recent stay */
        sha_of(sha, 99);
        assert_non_null(whitelist_get(wl, sha));
        sha_of(sha, 0);
        assert_null(whitelist_get(wl, sha));
}

static void test_hex_and_scale(void **state)
{
        uint8_t sha[32], back[32];
        char hex[WHITELIST_SHA256_HEX];

        for (int i = 0; i < 32; i++)
                sha[i] = (uint8_t) (i * 37 + 1);
        whitelist_sha256_to_hex(sha, hex);
        assert_int_equal(strlen(hex), 64);
        assert_int_equal(whitelist_sha256_from_hex(hex, 64, back), 0);
        assert_memory_equal(sha, back, 32);
        hex[5] = 'G';
        assert_int_equal(whitelist_sha256_from_hex(hex, 64, back), -EINVAL);
        assert_int_equal(whitelist_sha256_from_hex(hex, 63, back), -EINVAL);
        assert_float_equal(whitelist_scale_score(8, 0), 8, 1e-9);
        assert_float_equal(whitelist_scale_score(8, 1), 2, 1e-9);
        assert_float_equal(whitelist_scale_score(8, 0.5), 5, 1e-9);
        assert_float_equal(whitelist_scale_score(8, NAN), 8, 1e-9);
        assert_float_equal(WHITELIST_SCALE, ALERT_TRUST_SCALE, 1e-9);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_package_program_grows_with_history),
                cmocka_unit_test(test_negatives_and_clamp),
                cmocka_unit_test(test_alerts_and_incidents),
                cmocka_unit_test(test_cap),
                cmocka_unit_test(test_deny_and_fleet),
                cmocka_unit_test(test_eviction_keeps_denied),
                cmocka_unit_test(test_hex_and_scale),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
