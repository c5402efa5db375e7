/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cwatchctl's story views: a story the graph wrote, as a tree, DOT and JSON; junk is printed as it is. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ctl/ctl-story.h"

static const char story[] =
        "{\"v\":1,\"nodes\":["
        "{\"i\":0,\"k\":\"process\",\"l\":\"/tmp/prog\",\"pid\":52,\"uid\":0,\"t\":7000000,\"alert\":true},"
        "{\"i\":1,\"k\":\"process\",\"l\":\"/bin/sh\",\"c\":\"sh -c run\",\"pid\":50,\"uid\":0},"
        "{\"i\":2,\"k\":\"file\",\"l\":\"/tmp/prog\"},"
        "{\"i\":3,\"k\":\"process\",\"l\":\"/usr/bin/wget\",\"pid\":51,\"uid\":0},"
        "{\"i\":4,\"k\":\"peer\",\"l\":\"127.0.0.1:8080\"},"
        "{\"i\":5,\"k\":\"peer\",\"l\":\"127.0.0.1:4444\"}],"
        "\"edges\":[{\"s\":1,\"d\":0,\"r\":\"fork\",\"n\":1},{\"s\":1,\"d\":3,\"r\":\"fork\",\"n\":1},"
        "{\"s\":0,\"d\":2,\"r\":\"run\",\"n\":1},{\"s\":3,\"d\":2,\"r\":\"write\",\"n\":3},"
        "{\"s\":3,\"d\":4,\"r\":\"connect\",\"n\":1},{\"s\":0,\"d\":5,\"r\":\"connect\",\"n\":1},"
        "{\"s\":9,\"d\":0,\"r\":\"bogus\"}]}";

static char *render(const char *s, enum story_format format, int *ret)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        assert_non_null(f);
        *ret = ctl_story_print(f, s, format);
        fclose(f);
        return buf;
}

static void test_tree(void **state)
{
        int r;
        char *out = render(story, STORY_TREE, &r);

        assert_int_equal(r, 0);
        /* the top is the alert's oldest ancestor; the download hangs below the file it wrote */
        assert_true(strncmp(out, "/bin/sh (pid 50, uid 0): sh -c run\n", 35) == 0);
        assert_non_null(strstr(out, "fork: /tmp/prog (pid 52, uid 0)"));
        assert_non_null(strstr(out, "<== ALERT"));
        assert_non_null(strstr(out, "run: file /tmp/prog"));
        assert_non_null(strstr(out, "connect: peer 127.0.0.1:4444"));
        assert_non_null(strstr(out, "│  │  └─ written by x3: /usr/bin/wget (pid 51, uid 0)\n"
                                    "│  │     └─ connect: peer 127.0.0.1:8080\n"));
        assert_non_null(strstr(out, "└─ fork: process /usr/bin/wget (shown above)"));
        free(out);
}

static void test_dot_json(void **state)
{
        int r;
        char *out = render(story, STORY_DOT, &r);

        assert_int_equal(r, 0);
        assert_true(strncmp(out, "digraph story {", 15) == 0);
        assert_non_null(strstr(out, "n3 -> n4 [label=\"connect\"];"));
        free(out);
        out = render(story, STORY_JSON, &r);
        assert_int_equal(r, 0);
        assert_non_null(strstr(out, "\"127.0.0.1:8080\""));
        free(out);
        assert_int_equal(story_format_from_string("dot"), STORY_DOT);
        assert_int_equal(story_format_from_string("svg"), -EINVAL);
}

static void test_junk(void **state)
{
        static const char *const junk[] = { "", "not json", "[1,2]", "{\"nodes\":3}", "{\"nodes\":[],\"edges\":[]}",
                                            "{\"nodes\":[{\"k\":1}],\"edges\":[{\"s\":0,\"d\":0}]}" };
        int r;

        for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
                char *out = render(junk[i], STORY_TREE, &r);

                assert_non_null(out);
                free(out);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tree),
                cmocka_unit_test(test_dot_json),
                cmocka_unit_test(test_junk),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
