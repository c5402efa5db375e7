/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cwatchd.conf's [Sync] section: defaults, good values, and bad ones named with file:line. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "daemon/config.h"

static int parse(struct config *c, const char *text, struct conf_error *err)
{
        assert_int_equal(config_init_default(c), 0);
        memset(err, 0, sizeof(*err));
        return config_load_string(c, "test.conf", text, strlen(text), err);
}

static void test_defaults(void **state)
{
        struct config c;

        assert_int_equal(config_init_default(&c), 0);
        assert_true(c.sync);
        assert_int_equal(c.sync_peers.n, 0);
        assert_null(c.sync_publish);
        assert_true(c.sync_quorum == 2.0);
        assert_true(c.sync_local_weight == 1.0);
        assert_int_equal(c.sync_interval_ns, 600000000000ULL);
        assert_int_equal(c.sync_timeout_ns, 30000000000ULL);
        assert_int_equal(c.sync_max_skew_ns, 300000000000ULL);
        assert_null(c.sync_host_id);
        assert_null(c.sync_trusted_dir);
        assert_null(c.sync_state_dir);
        config_done(&c);
}

static void test_good(void **state)
{
        struct conf_error err;
        struct config c;

        assert_int_equal(parse(&c, "[Sync]\nEnable=no\nPeers=http://a:9469/whitelist https://s3.example/b/x.snapshot\n"
                                   "Peers=file:///srv/cwatch/\nPublish=https://dav.example/cwatch/\nQuorum=1.5\n"
                                   "LocalWeight=0\nInterval=1h\nTimeout=5s\nClockSkew=0\n"
                                   "HostId=0123456789abcdef0123456789abcdef\nTrustedHostsDirectory=/etc/t\n"
                                   "StateDirectory=/var/lib/x\n", &err), 0);
        assert_false(c.sync);
        assert_int_equal(c.sync_peers.n, 3);
        assert_string_equal(c.sync_peers.items[2], "file:///srv/cwatch/");
        assert_string_equal(c.sync_publish, "https://dav.example/cwatch/");
        assert_true(c.sync_quorum == 1.5);
        assert_true(c.sync_local_weight == 0);
        assert_int_equal(c.sync_interval_ns, 3600000000000ULL);
        assert_int_equal(c.sync_timeout_ns, 5000000000ULL);
        assert_int_equal(c.sync_max_skew_ns, 0);
        assert_string_equal(c.sync_host_id, "0123456789abcdef0123456789abcdef");
        assert_string_equal(c.sync_trusted_dir, "/etc/t");
        assert_string_equal(c.sync_state_dir, "/var/lib/x");
        config_done(&c);
        /* empty values go back to none */
        assert_int_equal(parse(&c, "[Sync]\nPeers=file:///a\nPeers=\nPublish=file:///b\nPublish=\nHostId=\n", &err), 0);
        assert_int_equal(c.sync_peers.n, 0);
        assert_null(c.sync_publish);
        assert_null(c.sync_host_id);
        config_done(&c);
}

static void test_bad(void **state)
{
        static const struct {
                const char *text, *error;
        } bad[] = {
                { "[Sync]\nPeers=ftp://a/b\n", "test.conf:2: " },
                { "[Sync]\nPeers=/srv/cwatch\n", "is not a file:///, http:// or https:// URL" },
                { "[Sync]\nPublish=file://relative\n", "is not a file:///, http:// or https:// URL" },
                { "[Sync]\nQuorum=-1\n", "expected a weight of votes from 0 to 1000" },
                { "[Sync]\nQuorum=1001\n", "expected a weight of votes" },
                { "[Sync]\nLocalWeight=x\n", "expected a weight of votes" },
                { "[Sync]\nHostId=0123\n", "expected 32 lower-case hexadecimal digits" },
                { "[Sync]\nHostId=0123456789ABCDEF0123456789ABCDEF\n", "hexadecimal" },
                { "[Sync]\nInterval=0\n", "Interval" },
                { "[Sync]\nTimeout=2h\n", "Timeout" },
                { "[Sync]\nStateDirectory=relative\n", "is not an absolute path" },
                { "[Sync]\nColour=red\n", "unknown key 'Colour' in section [Sync]" },
        };
        struct conf_error err;
        struct config c;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                int r = parse(&c, bad[i].text, &err);

                if (r != -EINVAL || !strstr(err.text, bad[i].error)) {
                        print_error("case %zu: r=%d err=%s\n", i, r, err.text);
                        fail();
                }
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
