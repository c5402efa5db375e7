/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cwatchd.conf's [Whitelist] section: defaults (the whitelist's own), good values, and bad ones named
 * with file:line. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "daemon/config.h"
#include "whitelist/whitelist-sink.h"

static int parse(struct config *c, const char *text, struct conf_error *err)
{
        assert_int_equal(config_init_default(c), 0);
        memset(err, 0, sizeof(*err));
        return config_load_string(c, "test.conf", text, strlen(text), err);
}

static void test_defaults(void **state)
{
        struct whitelist_config d;
        struct config c;

        whitelist_config_init_default(&d);
        assert_int_equal(config_init_default(&c), 0);
        assert_true(c.whitelist);
        assert_null(c.denylist_dir);
        assert_null(c.whitelist_state_dir);
        assert_true(c.whitelist_cap == d.cap);
        assert_int_equal(c.whitelist_max_entries, d.max_entries);
        assert_int_equal(c.whitelist_max_hash_bytes, WHITELIST_DEFAULT_MAX_HASH_BYTES);
        assert_int_equal(c.whitelist_hash_rate, WHITELIST_DEFAULT_HASH_RATE);
        assert_int_equal(c.whitelist_save_interval_ns, 600000000000ULL);
        config_done(&c);
}

static void test_good(void **state)
{
        struct conf_error err;
        struct config c;

        assert_int_equal(parse(&c, "[Whitelist]\nEnable=no\nDenyListDirectory=/srv/deny\nMaxHashBytes=64M\n"
                                   "HashRate=8M\nCap=0.5\nMaxEntries=2000\nSaveInterval=1min\n"
                                   "StateDirectory=/var/lib/cwatch/wl\n", &err), 0);
        assert_false(c.whitelist);
        assert_string_equal(c.denylist_dir, "/srv/deny");
        assert_int_equal(c.whitelist_max_hash_bytes, 64ULL << 20);
        assert_int_equal(c.whitelist_hash_rate, 8ULL << 20);
        assert_true(c.whitelist_cap == 0.5);
        assert_int_equal(c.whitelist_max_entries, 2000);
        assert_int_equal(c.whitelist_save_interval_ns, 60000000000ULL);
        assert_string_equal(c.whitelist_state_dir, "/var/lib/cwatch/wl");
        config_done(&c);
        assert_int_equal(parse(&c, "[Whitelist]\nCap=0\n", &err), 0);
        assert_true(c.whitelist_cap == 0);
        config_done(&c);
}

static void test_bad(void **state)
{
        static const struct {
                const char *text, *message;
        } cases[] = {
                { "[Whitelist]\nCap=1.5\n", "test.conf:2: Cap=" },
                { "[Whitelist]\nCap=-0.1\n", "from 0 to 1" },
                { "[Whitelist]\nCap=nan\n", "from 0 to 1" },
                { "[Whitelist]\nCap=\n", "from 0 to 1" },
                { "[Whitelist]\nMaxHashBytes=1\n", "MaxHashBytes=" },
                { "[Whitelist]\nHashRate=0\n", "HashRate=" },
                { "[Whitelist]\nMaxEntries=3\n", "from 16 to 10000000" },
                { "[Whitelist]\nSaveInterval=0\n", "SaveInterval=" },
                { "[Whitelist]\nDenyListDirectory=etc/deny\n", "not an absolute path" },
                { "[Whitelist]\nStateDirectory=x\n", "not an absolute path" },
                { "[Whitelist]\nEnable=sometimes\n", "Enable=" },
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
