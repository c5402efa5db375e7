/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The script an exec runs: the script argument of known interpreters, and paths made absolute. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "tracers/script-path.h"

/* The script of exe run with argv (NUL-separated, len bytes; total: the process's whole argv), or "". */
static const char *script_of(const char *exe, const char *argv, size_t len, size_t total)
{
        static char out[SCRIPT_PATH_MAX];
        struct argv_view args;
        const char *name, *a;
        size_t name_len, first, a_len;
        bool cut;
        int i;

        argv_view_init(&args, argv, len, total);
        name = script_program_name(exe, strlen(exe), &args, &name_len, &first);
        i = script_argv_index(name, name_len, &args, first);
        if (i < 0 || !(a = argv_view_get(&args, i, &a_len)))
                return "";
        script_path_absolute(out, "/home/ann", 9, a, a_len, &cut);
        return out;
}

#define SCRIPT(exe, argv) script_of((exe), (argv), sizeof(argv), sizeof(argv))

static void test_interpreters(void **state)
{
        assert_string_equal(SCRIPT("/usr/bin/dash", "sh\0x.sh"), "/home/ann/x.sh");
        assert_string_equal(SCRIPT("/usr/bin/dash", "sh\0-e\0./x.sh\0a"), "/home/ann/x.sh");
        assert_string_equal(SCRIPT("/usr/bin/bash", "bash\0-o\0pipefail\0+O\0extglob\0/tmp/x"), "/tmp/x");
        assert_string_equal(SCRIPT("/usr/bin/bash", "bash\0--rcfile\0/r\0--norc\0--\0-x.sh"), "/home/ann/-x.sh");
        assert_string_equal(SCRIPT("/usr/bin/bash", "bash\0-c\0id\0x.sh"), "");
        assert_string_equal(SCRIPT("/usr/bin/bash", "bash\0-xc\0id"), "");
        assert_string_equal(SCRIPT("/usr/bin/dash", "sh\0-s\0x.sh"), "");
        assert_string_equal(SCRIPT("/usr/bin/dash", "sh"), "");
        assert_string_equal(SCRIPT("/usr/bin/dash", "sh\0-"), "");
        assert_string_equal(SCRIPT("/bin/busybox", "sh\0/tmp/x"), "/tmp/x");
        assert_string_equal(SCRIPT("/bin/busybox", "busybox\0ash\0/tmp/x"), "/tmp/x");
        assert_string_equal(SCRIPT("/bin/busybox", "ls\0/tmp/x"), "");
        assert_string_equal(SCRIPT("/usr/bin/python3.11", "python3\0-W\0ignore\0-u\0/tmp/p.py"), "/tmp/p.py");
        assert_string_equal(SCRIPT("/usr/bin/python3.11", "python3\0-m\0http.server"), "");
        assert_string_equal(SCRIPT("/usr/bin/python3.11", "python3\0-Ic\0pass"), "");
        assert_string_equal(SCRIPT("/usr/bin/perl", "perl\0-Ilib\0-w\0../x.pl"), "/home/x.pl");
        assert_string_equal(SCRIPT("/usr/bin/perl", "perl\0-I\0lib\0x.pl"), "/home/ann/x.pl");
        assert_string_equal(SCRIPT("/usr/bin/perl", "perl\0-e\0print 1"), "");
        assert_string_equal(SCRIPT("/usr/bin/node", "node\0--require\0m\0app.js"), "/home/ann/app.js");
        assert_string_equal(SCRIPT("/usr/bin/node", "node\0--eval\0x"), "");
        assert_string_equal(SCRIPT("/usr/bin/php8.2", "php\0-f\0/tmp/w.php"), "/tmp/w.php");
        assert_string_equal(SCRIPT("/usr/bin/php8.2", "php\0-r\0echo 1;"), "");
        assert_string_equal(SCRIPT("/usr/bin/ruby3.1", "ruby\0-e\0p 1"), "");
        assert_string_equal(SCRIPT("/usr/bin/lua5.4", "lua\0/tmp/x.lua"), "/tmp/x.lua");
        /* not interpreters; names that only start like one */
        assert_string_equal(SCRIPT("/usr/bin/cat", "cat\0/tmp/x"), "");
        assert_string_equal(SCRIPT("/usr/bin/shred", "shred\0/tmp/x"), "");
        assert_string_equal(SCRIPT("/usr/bin/pythonista", "python\0/tmp/x"), "");
        /* a cut argument is no path */
        assert_string_equal(script_of("/usr/bin/dash", "sh\0/tmp/lo", 10, 100), "");
}

/* What script_argv_index() says of argv when it names no file. */
static int kind_of(const char *exe, const char *argv, size_t len)
{
        struct argv_view args;
        const char *name;
        size_t name_len, first;

        argv_view_init(&args, argv, len, len);
        name = script_program_name(exe, strlen(exe), &args, &name_len, &first);
        return script_argv_index(name, name_len, &args, first);
}

#define KIND(exe, argv) kind_of((exe), (argv), sizeof(argv))

static void test_code_from_stdin(void **state)
{
        assert_int_equal(KIND("/usr/bin/dash", "sh"), SCRIPT_FROM_STDIN);
        assert_int_equal(KIND("/usr/bin/bash", "bash\0-s\0--\0arg"), SCRIPT_FROM_STDIN);
        assert_int_equal(KIND("/usr/bin/bash", "bash\0-x"), SCRIPT_FROM_STDIN);
        assert_int_equal(KIND("/usr/bin/bash", "bash\0-sc\0id"), SCRIPT_FROM_ARGS);
        assert_int_equal(KIND("/usr/bin/dash", "sh\0-c\0id"), SCRIPT_FROM_ARGS);
        assert_int_equal(KIND("/usr/bin/python3.11", "python3\0-"), SCRIPT_FROM_STDIN);
        assert_int_equal(KIND("/usr/bin/python3.11", "python3\0-c\0import sys"), SCRIPT_FROM_ARGS);
        assert_int_equal(KIND("/usr/bin/python3.11", "python3\0-m\0json.tool"), SCRIPT_FROM_ARGS);
        assert_int_equal(KIND("/usr/bin/perl", "perl"), SCRIPT_FROM_STDIN);
        assert_int_equal(KIND("/usr/bin/dash", "sh\0x.sh"), 1);
        assert_int_equal(KIND("/usr/bin/cat", "cat"), SCRIPT_NONE);
}

static void test_absolute(void **state)
{
        char out[SCRIPT_PATH_MAX];
        bool cut;

        script_path_absolute(out, "/a/b", 4, "../../../c/./d//e", 17, &cut);
        assert_string_equal(out, "/c/d/e");
        assert_false(cut);
        script_path_absolute(out, "/a", 2, "/x/../y", 7, &cut);
        assert_string_equal(out, "/y");
        script_path_absolute(out, NULL, 0, "x/y", 3, &cut);
        assert_string_equal(out, "x/y");
        script_path_absolute(out, "...d/e", 6, "x", 1, &cut);
        assert_string_equal(out, "x");
        script_path_absolute(out, "/", 1, "..", 2, &cut);
        assert_string_equal(out, "/");
        {
                static char cwd[SCRIPT_PATH_MAX];

                memset(cwd, 'a', sizeof(cwd) - 1);
                cwd[0] = '/';
                script_path_absolute(out, cwd, sizeof(cwd) - 1, "x", 1, &cut);
                assert_true(cut);
                assert_true(strlen(out) < SCRIPT_PATH_MAX);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_interpreters),
                cmocka_unit_test(test_code_from_stdin),
                cmocka_unit_test(test_absolute),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
