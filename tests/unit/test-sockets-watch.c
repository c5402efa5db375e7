/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sockets tracer's watched Unix addresses: the kernel's keys, and that matching them never
 * misses an address a pattern (a prefix of the address as shown) covers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include "tracers/sockets-watch.h"
#include "shared/macro.h"

static struct cw_unix_watch_key key_of(const char *pattern)
{
        struct cw_unix_watch_key k;

        assert_int_equal(sockets_watch_key(pattern, &k), 0);
        return k;
}

static void assert_key(const char *pattern, const char *prefix)
{
        struct cw_unix_watch_key k = key_of(pattern);

        assert_int_equal(k.prefixlen, strlen(prefix) * 8);
        assert_memory_equal(k.data, prefix, strlen(prefix));
}

static void test_keys(void **state)
{
        struct cw_unix_watch_key k;
        char longer[200];

        assert_key("/run/docker.sock", "/run/docker.sock");
        assert_key("/run/user/", "/run/user/");
        /* glob: the part before the first wildcard */
        assert_key("/run/user/*/docker.sock", "/run/user/");
        assert_key("/a?b", "/a");
        assert_key("/a[bc]", "/a");
        /* abstract: before a further "@" */
        assert_key("@/containerd-shim/", "@/containerd-shim/");
        assert_key("@abc@def", "@abc");
        assert_key("@", "@");
        /* "/": every address */
        assert_key("/", "");
        /* longer than an address: its first bytes */
        memset(longer, 'x', sizeof(longer));
        longer[0] = '/';
        longer[sizeof(longer) - 1] = '\0';
        k = key_of(longer);
        assert_int_equal(k.prefixlen, CW_UNIX_PATH_MAX * 8);

        assert_int_equal(sockets_watch_key("relative.sock", &k), -EINVAL);
        assert_int_equal(sockets_watch_key("", &k), -EINVAL);
        assert_int_equal(sockets_watch_key(NULL, &k), -EINVAL);
}

static bool match(const char *const *patterns, const char *addr, size_t len)
{
        struct cw_unix_watch_key keys[16];
        size_t n = 0;

        for (; patterns[n]; n++)
                keys[n] = key_of(patterns[n]);
        return sockets_watch_match(keys, n, addr, len);
}

static void test_match(void **state)
{
        static const char *const rules[] = { "/run/docker.sock", "/var/run/docker.sock", "/run/user/", NULL };
        static const char *const abstract[] = { "@/containerd-shim/", "@a@b", NULL };
        static const char *const all[] = { "/", NULL };
        char sun[108];

        /* paths: up to their NUL, whatever follows it (sizeof(struct sockaddr_un) passed) */
        memset(sun, 'Z', sizeof(sun));
        strcpy(sun, "/run/docker.sock");
        assert_true(match(rules, sun, sizeof(sun)));
        assert_true(match(rules, "/run/docker.sock", 16));
        assert_true(match(rules, "/run/user/1000/docker.sock", 26));
        /* a prefix: more than the rules' "=" (they decide), never less */
        assert_true(match(rules, "/run/docker.sock.bak", 20));
        assert_false(match(rules, "/run/docker.soc", 15));
        assert_false(match(rules, "/var/run/nscd/socket", 20));
        strcpy(sun, "/tmp/app.sock");
        assert_false(match(rules, sun, sizeof(sun)));
        assert_false(match(rules, "", 0));
        /* an abstract name is no path */
        assert_false(match(rules, "\0run/docker.sock", 16));

        /* abstract names: the first NUL is "@", the others stay NUL (the pattern is cut) */
        assert_true(match(abstract, "\0/containerd-shim/x/y.sock", 26));
        assert_false(match(abstract, "\0/containerd/x", 14));
        assert_true(match(abstract, "\0a\0b", 4));         /* shown @a@b */
        assert_true(match(abstract, "\0a@b", 4));          /* shown @a@b too */
        assert_true(match(abstract, "\0a\0c", 4));         /* @a@c: more than the rule, not less */
        assert_false(match(abstract, "/a@b", 4));

        /* "/": everything, abstract names and empty addresses included */
        assert_true(match(all, "/tmp/app.sock", 13));
        assert_true(match(all, "\0x", 2));
        assert_true(match(all, "", 0));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_keys),
                cmocka_unit_test(test_match),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
