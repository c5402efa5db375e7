/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cwatchd.conf's [Profiles] section: defaults, good values, and bad ones named with file:line. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "daemon/config.h"
#include "profile/profile-set.h"

static int parse(struct config *c, const char *text, struct conf_error *err)
{
        assert_int_equal(config_init_default(c), 0);
        memset(err, 0, sizeof(*err));
        return config_load_string(c, "test.conf", text, strlen(text), err);
}

static void test_defaults(void **state)
{
        struct profile_config d;
        struct config c;

        profile_config_init_default(&d);
        assert_int_equal(config_init_default(&c), 0);
        assert_true(c.profiles);
        /* the daemon's defaults are the profile set's */
        assert_int_equal(c.profile_learning_period_ns / 1000000000, d.learning_period_s);
        assert_int_equal(c.profile_quiet_period_ns / 1000000000, d.quiet_period_s);
        assert_int_equal(c.profile_min_instances, d.min_instances);
        assert_true(c.profile_threshold == d.threshold);
        assert_int_equal(c.profile_max_profiles, d.max_profiles);
        assert_int_equal(c.profile_max_features, d.max_features);
        assert_int_equal(c.profile_save_interval_ns, 600000000000ULL);
        assert_null(c.profile_state_dir);
        config_done(&c);
}

static void test_good(void **state)
{
        struct conf_error err;
        struct config c;

        assert_int_equal(parse(&c, "[Profiles]\nEnable=no\nLearningPeriod=2w\nQuietPeriod=0\nMinInstances=3\n"
                                   "Threshold=2.5\nMaxProfiles=100\nMaxFeatures=64\nSaveInterval=30s\n"
                                   "StateDirectory=/var/lib/cwatch/test\n", &err), 0);
        assert_false(c.profiles);
        assert_int_equal(c.profile_learning_period_ns, 14 * 86400000000000ULL);
        assert_int_equal(c.profile_quiet_period_ns, 0);
        assert_int_equal(c.profile_min_instances, 3);
        assert_true(c.profile_threshold == 2.5);
        assert_int_equal(c.profile_max_profiles, 100);
        assert_int_equal(c.profile_max_features, 64);
        assert_int_equal(c.profile_save_interval_ns, 30000000000ULL);
        assert_string_equal(c.profile_state_dir, "/var/lib/cwatch/test");
        config_done(&c);
        assert_int_equal(parse(&c, "[Profiles]\nLearningPeriod=3d\n", &err), 0);
        assert_int_equal(c.profile_learning_period_ns, 3 * 86400000000000ULL);
        config_done(&c);
}

static void test_bad(void **state)
{
        static const struct {
                const char *text, *message;
        } cases[] = {
                { "[Profiles]\nMinInstances=0\n", "test.conf:2: MinInstances=" },
                { "[Profiles]\nMinInstances=-1\n", "whole number" },
                { "[Profiles]\nMinInstances=12abc\n", "whole number" },
                { "[Profiles]\nMaxFeatures=4\n", "from 8 to 4096" },
                { "[Profiles]\nMaxFeatures=99999\n", "from 8 to 4096" },
                { "[Profiles]\nMaxProfiles=\n", "whole number" },
                { "[Profiles]\nThreshold=0\n", "above 0" },
                { "[Profiles]\nThreshold=nan\n", "above 0" },
                { "[Profiles]\nThreshold=5x\n", "above 0" },
                { "[Profiles]\nLearningPeriod=0\n", "LearningPeriod=" },
                { "[Profiles]\nSaveInterval=2d\n", "SaveInterval=" },
                { "[Profiles]\nStateDirectory=var/lib\n", "not an absolute path" },
                { "[Profiles]\nEnable=maybe\n", "Enable=" },
        };
        struct conf_error err;
        struct config c;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                assert_int_equal(parse(&c, cases[i].text, &err), -EINVAL);
                if (!strstr(err.text, cases[i].message))
                        fail_msg("%s: '%s' lacks '%s'", cases[i].text, err.text, cases[i].message);
                config_done(&c);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_good),
                cmocka_unit_test(test_bad),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
