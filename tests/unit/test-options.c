/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "daemon/options.h"

struct parsed {
        struct options o;
        int r;
        char out[8192];
        char err[8192];
};

static void parse(struct parsed *p, char **argv)
{
        FILE *out = fmemopen(p->out, sizeof(p->out), "w");
        FILE *err = fmemopen(p->err, sizeof(p->err), "w");
        int argc = 0;

        while (argv[argc])
                argc++;
        p->r = options_parse(&p->o, argc, argv, out, err);
        fclose(out);
        fclose(err);
}

#define PARSE(p, ...) parse((p), (char *[]) { "cwatchd", __VA_ARGS__, NULL })

static void test_run_defaults(void **state)
{
        struct parsed p = {};

        PARSE(&p, "run", "process");
        assert_int_equal(p.r, 0);
        assert_int_equal(p.o.mode, MODE_RUN);
        assert_int_equal(p.o.n_tracers, 1);
        assert_string_equal(p.o.tracers[0], "process");
        assert_int_equal(p.o.format, OUTPUT_TABLE);
        assert_int_equal(p.o.interval_ns, DEFAULT_INTERVAL_NS);
        assert_int_equal(p.o.duration_ns, 0);
        assert_int_equal(p.o.top, DEFAULT_TOP);
}

static void test_run_options_anywhere(void **state)
{
        struct parsed p = {};

        PARSE(&p, "--format", "json", "run", "process", "--duration", "5", "-i", "0.5", "--pid", "42",
              "process");
        assert_int_equal(p.r, 0);
        assert_int_equal(p.o.format, OUTPUT_JSON);
        assert_int_equal(p.o.duration_ns, UINT64_C(5000000000));
        assert_int_equal(p.o.interval_ns, UINT64_C(500000000));
        assert_int_equal(p.o.pid, 42);
        assert_int_equal(p.o.n_tracers, 1);     /* duplicates collapse */
}

static void test_no_verb_is_service(void **state)
{
        struct parsed p = {};

        parse(&p, (char *[]) { "cwatchd", NULL });
        assert_int_equal(p.r, 0);
        assert_int_equal(p.o.mode, MODE_SERVICE);
}

static void test_help_and_version(void **state)
{
        struct parsed p = {};

        PARSE(&p, "--help");
        assert_int_equal(p.r, 1);
        assert_non_null(strstr(p.out, "cwatchd run TRACER"));
        assert_non_null(strstr(p.out, "process"));
        PARSE(&p, "--version");
        assert_int_equal(p.r, 1);
        assert_non_null(strstr(p.out, CWATCH_VERSION));
}

static void test_identity_options(void **state)
{
        struct parsed p = {};

        PARSE(&p, "run", "process", "--container", "web1", "--docker-root", "/srv/docker",
              "--podman-root", "/srv/containers", "--pods-root", "/srv/pods");
        assert_int_equal(p.r, 0);
        assert_string_equal(p.o.container, "web1");
        assert_string_equal(p.o.docker_root, "/srv/docker");
        assert_string_equal(p.o.podman_root, "/srv/containers");
        assert_string_equal(p.o.pods_root, "/srv/pods");
        assert_false(p.o.no_identity);

        PARSE(&p, "run", "process", "-c", "3f2c1e9a");
        assert_int_equal(p.r, 0);
        assert_string_equal(p.o.container, "3f2c1e9a");

        PARSE(&p, "run", "process", "--container", "");
        assert_int_equal(p.r, -EINVAL);
        assert_non_null(strstr(p.err, "--container takes a container name or id"));
        PARSE(&p, "run", "process", "--docker-root", "relative/dir");
        assert_int_equal(p.r, -EINVAL);
        assert_non_null(strstr(p.err, "--docker-root takes an absolute directory, not 'relative/dir'"));
        PARSE(&p, "run", "process", "--container", "web1", "--no-identity");
        assert_int_equal(p.r, -EINVAL);
        assert_non_null(strstr(p.err, "--container needs identity"));
}

static void test_errors(void **state)
{
        struct parsed p = {};

        PARSE(&p, "--bogus");
        assert_int_equal(p.r, -EINVAL);
        assert_non_null(strstr(p.err, "--bogus"));

        PARSE(&p, "run", "nosuch");
        assert_int_equal(p.r, -EINVAL);
        assert_non_null(strstr(p.err, "unknown tracer 'nosuch'"));
        assert_non_null(strstr(p.err, "valid tracers: process"));

        PARSE(&p, "run");
        assert_int_equal(p.r, -EINVAL);
        assert_non_null(strstr(p.err, "valid tracers"));

        PARSE(&p, "walk", "process");
        assert_int_equal(p.r, -EINVAL);

        PARSE(&p, "run", "process", "--format", "xml");
        assert_int_equal(p.r, -EINVAL);
        assert_non_null(strstr(p.err, "table json csv"));

        PARSE(&p, "run", "process", "--interval", "0");
        assert_int_equal(p.r, -EINVAL);
        PARSE(&p, "run", "process", "--duration", "-1");
        assert_int_equal(p.r, -EINVAL);
        PARSE(&p, "run", "process", "--duration", "nan");
        assert_int_equal(p.r, -EINVAL);
        PARSE(&p, "run", "process", "--top", "0");
        assert_int_equal(p.r, -EINVAL);
        PARSE(&p, "run", "process", "--pid", "12x");
        assert_int_equal(p.r, -EINVAL);
        PARSE(&p, "run", "process", "--ringbuf-size", "5000");
        assert_int_equal(p.r, -EINVAL);
        PARSE(&p, "run", "process", "--format");
        assert_int_equal(p.r, -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_run_defaults),
                cmocka_unit_test(test_run_options_anywhere),
                cmocka_unit_test(test_no_verb_is_service),
                cmocka_unit_test(test_help_and_version),
                cmocka_unit_test(test_identity_options),
                cmocka_unit_test(test_errors),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
