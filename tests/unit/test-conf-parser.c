/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The generic INI parser and cwatchd's keys on top of it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "daemon/config.h"
#include "shared/conf-parser.h"

static int parse(struct config *c, const char *text, struct conf_error *err)
{
        int r;

        assert_int_equal(config_init_default(c), 0);
        memset(err, 0, sizeof(*err));
        r = config_load_string(c, "test.conf", text, strlen(text), err);
        return r;
}

static void test_defaults(void **state)
{
        struct config c;

        assert_int_equal(config_init_default(&c), 0);
        /* every tracer enabled by default, in registry order */
        assert_int_equal(c.tracers.n, 5);
        assert_string_equal(c.tracers.items[0], "process");
        assert_string_equal(c.tracers.items[1], "files");
        assert_string_equal(c.tracers.items[2], "tcp");
        assert_string_equal(c.tracers.items[3], "syscalls");
        assert_string_equal(c.tracers.items[4], "sockets");
        assert_int_equal(c.interval_ns, 3000000000ULL);
        assert_int_equal(c.ringbuf_size, 4 << 20);
        assert_true(c.journal);
        assert_true(c.exec_from_temporary);
        assert_int_equal(c.temporary_dirs.n, 3);
        assert_int_equal(c.min_severity, SEVERITY_INFO);
        assert_int_equal(c.scan_threshold, 100);
        assert_int_equal(c.scan_window_ns, 10000000000ULL);
        assert_int_equal(c.discovery_threshold, 5);
        assert_int_equal(c.discovery_window_ns, 60000000000ULL);
        config_done(&c);
}

static void test_good(void **state)
{
        struct conf_error err;
        struct config c;

        assert_int_equal(parse(&c,
                               "# comment\n"
                               "; another\n"
                               "\n"
                               "[Tracers]\n"
                               "  Enable = process   tcp \n"
                               "Interval=500ms\r\n"
                               "RingBufferSize=8M\n"
                               "[Files]\n"
                               "WatchPaths=/etc/shadow \\\n"
                               "           /etc/sudoers\n"
                               "WatchPaths=/root/.ssh\n"
                               "[Detection]\n"
                               "DiscoveryThreshold=8\n"
                               "DiscoveryWindow=30s\n"
                               "[Alerts]\n"
                               "Journal=no\n"
                               "ExecFromTemporary=off\n"
                               "MinSeverity=warning\n"
                               "[Detection]\n"
                               "ScanThreshold=250\n"
                               "ScanWindow=1min\n", &err), 0);
        assert_int_equal(c.tracers.n, 2);
        assert_string_equal(c.tracers.items[0], "process");
        assert_string_equal(c.tracers.items[1], "tcp");
        assert_int_equal(c.interval_ns, 500000000ULL);
        assert_int_equal(c.ringbuf_size, 8 << 20);
        assert_int_equal(c.watch_paths.n, 3);
        assert_string_equal(c.watch_paths.items[0], "/etc/shadow");
        assert_string_equal(c.watch_paths.items[1], "/etc/sudoers");
        assert_string_equal(c.watch_paths.items[2], "/root/.ssh");
        assert_false(c.journal);
        assert_false(c.exec_from_temporary);
        assert_int_equal(c.min_severity, SEVERITY_WARNING);
        assert_int_equal(c.discovery_threshold, 8);
        assert_int_equal(c.discovery_window_ns, 30000000000ULL);
        assert_int_equal(c.scan_threshold, 250);
        assert_int_equal(c.scan_window_ns, 60000000000ULL);
        config_done(&c);
        assert_int_equal(parse(&c, "[Detection]\nScanThreshold=0\n", &err), 0);
        assert_int_equal(c.scan_threshold, 0);
        config_done(&c);
}

static void test_time_units(void **state)
{
        static const struct { const char *text; uint64_t ns; } cases[] = {
                { "Interval=3", 3000000000ULL }, { "Interval=3s", 3000000000ULL },
                { "Interval=2min", 120000000000ULL }, { "Interval=1h", 3600000000000ULL },
                { "Interval=100ms", 100000000ULL }, { "Interval=250000us", 250000000ULL },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char text[128];
                struct conf_error err;
                struct config c;

                snprintf(text, sizeof(text), "[Tracers]\n%s\n", cases[i].text);
                assert_int_equal(parse(&c, text, &err), 0);
                assert_int_equal(c.interval_ns, cases[i].ns);
                config_done(&c);
        }
}

static void test_metrics_listen(void **state)
{
        static const char *const good[] = { "127.0.0.1:9469", "[::1]:9469", "9469", "0.0.0.0:1" };
        static const char *const bad[] = { "localhost:9469", "99999", "1.2.3.4:", ":80", "[::1]", "1.2.3.4:0",
                                           "[zz]:80", "9469x" };
        struct conf_error err;
        struct config c;
        char text[128];

        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                snprintf(text, sizeof(text), "[Metrics]\nListen=%s\n", good[i]);
                assert_int_equal(parse(&c, text, &err), 0);
                assert_string_equal(c.metrics_listen, good[i]);
                config_done(&c);
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                snprintf(text, sizeof(text), "[Metrics]\nListen=%s\n", bad[i]);
                assert_int_equal(parse(&c, text, &err), -EINVAL);
                assert_non_null(strstr(err.text, "test.conf:2: Listen="));
                assert_non_null(strstr(err.text, "expected an address and port"));
                config_done(&c);
        }
        assert_int_equal(parse(&c, "[Metrics]\nListen=9469\nListen=no\n", &err), 0);
        assert_null(c.metrics_listen);
        config_done(&c);
}

static void test_identity_roots(void **state)
{
        struct conf_error err;
        struct config c;

        assert_int_equal(parse(&c, "[Identity]\nDockerRoot=/srv/docker\nPodsRoot=/x\nPodsRoot=\n", &err), 0);
        assert_string_equal(c.docker_root, "/srv/docker");
        assert_null(c.podman_root);
        assert_null(c.pods_root);
        config_done(&c);
        assert_int_equal(parse(&c, "[Identity]\nDockerRoot=var/lib/docker\n", &err), -EINVAL);
        assert_non_null(strstr(err.text, "test.conf:2: DockerRoot="));
        assert_non_null(strstr(err.text, "not an absolute path"));
        config_done(&c);
}

static void test_empty_resets_list(void **state)
{
        struct conf_error err;
        struct config c;

        assert_int_equal(parse(&c, "[Alerts]\nTemporaryDirectories=\nTemporaryDirectories=/scratch\n", &err), 0);
        assert_int_equal(c.temporary_dirs.n, 1);
        assert_string_equal(c.temporary_dirs.items[0], "/scratch");
        config_done(&c);
        assert_int_equal(parse(&c, "[Tracers]\nEnable=\n", &err), 0);
        assert_int_equal(c.tracers.n, 0);
        config_done(&c);
}

/* Each bad input names the line and what was wrong. */
static void test_bad(void **state)
{
        static const struct { const char *text; const char *error; } cases[] = {
                { "[Tracers]\nInterval=fast\n", "test.conf:2: Interval=fast: expected a time span" },
                { "[Tracers]\n\nInterval=0.01s\n", "test.conf:3: Interval=0.01s: expected a time span" },
                { "[Tracers]\nInterval=1ms\n", "test.conf:2: Interval=1ms: out of range" },
                { "[Tracers]\nInterval=99999999999999999999999\n", "test.conf:2: Interval=" },
                { "[Tracers]\nEnable=process FILES\n", "test.conf:2: Enable=process FILES: 'FILES' is not a tracer name" },
                { "[Tracer]\n", "test.conf:1: unknown section [Tracer]" },
                { "[Tracers]\nEnabled=process\n", "test.conf:2: unknown key 'Enabled' in section [Tracers]" },
                { "Enable=process\n", "test.conf:1: key 'Enable' outside of any section" },
                { "[Tracers\n", "test.conf:1: section header '[Tracers' lacks the closing ']'" },
                { "[Tracers]\njust words\n", "test.conf:2: expected 'Key=Value' or '[Section]', got 'just words'" },
                { "[Tracers]\n=x\n", "test.conf:2: invalid key ''" },
                { "[Alerts]\nJournal=maybe\n", "test.conf:2: Journal=maybe: expected a boolean" },
                { "[Alerts]\nMinSeverity=loud\n", "test.conf:2: MinSeverity=loud: expected a severity" },
                { "[Files]\nWatchPaths=/etc relative/path\n", "test.conf:2: WatchPaths=/etc relative/path: 'relative/path' is not an absolute path" },
                { "[Detection]\nScanThreshold=1\n", "test.conf:2: ScanThreshold=1: expected 0 (off) or a number" },
                { "[Detection]\nScanThreshold=5000\n", "test.conf:2: ScanThreshold=5000: expected 0 (off)" },
                { "[Detection]\nScanThreshold=-5\n", "test.conf:2: ScanThreshold=-5: expected 0 (off)" },
                { "[Detection]\nScanThreshold=\n", "test.conf:2: ScanThreshold=: expected 0 (off)" },
                { "[Detection]\nScanWindow=10ms\n", "test.conf:2: ScanWindow=10ms: out of range" },
                { "[Detection]\nDiscoveryThreshold=1\n", "test.conf:2: DiscoveryThreshold=1: expected 0 (off) or a "
                  "number of distinct commands from 2 to 16" },
                { "[Detection]\nDiscoveryThreshold=many\n", "DiscoveryThreshold=many: expected 0 (off)" },
                { "[Detection]\nDiscoveryWindow=2h\n", "test.conf:2: DiscoveryWindow=2h: out of range" },
                { "[Tracers]\nRingBufferSize=5000\n", "RingBufferSize=5000 is not a power of two" },
                { "[Tracers]\nRingBufferSize=2G\n", "test.conf:2: RingBufferSize=2G: out of range" },
                { "[Tracers]\nInterval=3s\\\n\\\nfoo\n", "test.conf:2: Interval=3s  foo: expected a time span" },
                { "[Tracers]\nInterval=3\001s\n", "test.conf:2: Interval=3?s" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct conf_error err;
                struct config c;

                assert_int_equal(parse(&c, cases[i].text, &err), -EINVAL);
                if (!strstr(err.text, cases[i].error))
                        fail_msg("case %zu: '%s' does not contain '%s'", i, err.text, cases[i].error);
                config_done(&c);
        }
}

static void test_nul_byte(void **state)
{
        static const char text[] = "[Tracers]\nInterval=3\0s\n";
        struct conf_error err = {};
        struct config c;

        assert_int_equal(config_init_default(&c), 0);
        assert_int_equal(config_load_string(&c, "nul.conf", text, sizeof(text) - 1, &err), -EINVAL);
        assert_string_equal(err.text, "nul.conf:2: line contains a NUL byte");
        config_done(&c);
}

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static void test_dropins(void **state)
{
        char dir[] = "/tmp/test-conf-XXXXXX", path[512], dropins[64];
        struct conf_error err = {};
        struct config c;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/cwatchd.conf", dir);
        snprintf(dropins, sizeof(dropins), "%s/cwatchd.conf.d", dir);

        /* neither exists: the defaults */
        assert_int_equal(config_load(&c, path, dropins, &err), 0);
        assert_int_equal(c.tracers.n, 5);
        assert_string_equal(c.tracers.items[4], "sockets");
        config_done(&c);

        write_file(path, "[Tracers]\nEnable=process files\nInterval=5s\n[Files]\nWatchPaths=/etc/shadow\n");
        assert_int_equal(mkdir(dropins, 0755), 0);
        /* lexical order: 20 overrides 10, whatever readdir says */
        snprintf(path, sizeof(path), "%s/20-late.conf", dropins);
        write_file(path, "[Tracers]\nInterval=7s\n");
        snprintf(path, sizeof(path), "%s/10-early.conf", dropins);
        write_file(path, "[Tracers]\nInterval=6s\nEnable=tcp\n[Files]\nWatchPaths=/etc/passwd\n");
        snprintf(path, sizeof(path), "%s/30-ignored.txt", dropins);
        write_file(path, "garbage\n");
        snprintf(path, sizeof(path), "%s/cwatchd.conf", dir);
        assert_int_equal(config_load(&c, path, dropins, &err), 0);
        assert_int_equal(c.interval_ns, 7000000000ULL);
        assert_int_equal(c.tracers.n, 1);
        assert_string_equal(c.tracers.items[0], "tcp");
        assert_int_equal(c.watch_paths.n, 2);
        assert_string_equal(c.watch_paths.items[1], "/etc/passwd");
        config_done(&c);

        /* a bad drop-in is named with its line */
        snprintf(path, sizeof(path), "%s/25-bad.conf", dropins);
        write_file(path, "[Tracers]\n# fine\nInterval=soon\n");
        snprintf(path, sizeof(path), "%s/cwatchd.conf", dir);
        assert_int_equal(config_load(&c, path, dropins, &err), -EINVAL);
        snprintf(path, sizeof(path), "%s/25-bad.conf:3: Interval=soon: expected a time span", dropins);
        assert_non_null(strstr(err.text, path));
        assert_null(c.tracers.items);

        snprintf(path, sizeof(path), "rm -rf %s", dir);
        assert_int_equal(system(path), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_good),
                cmocka_unit_test(test_time_units),
                cmocka_unit_test(test_metrics_listen),
                cmocka_unit_test(test_identity_roots),
                cmocka_unit_test(test_empty_resets_list),
                cmocka_unit_test(test_bad),
                cmocka_unit_test(test_nul_byte),
                cmocka_unit_test(test_dropins),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
