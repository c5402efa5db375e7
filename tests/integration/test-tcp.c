/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tcp tracer on the live kernel: loopback connections over IPv4 and IPv6, both sides, exact
 * byte counts, a refused connect, and the quiet records at establishment. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "tracer-test.h"

static struct tt tt;
static struct formatter printed;
static struct output printed_output;
static char *printed_data;
static size_t printed_size;
static FILE *printed_file;

static int setup(void **state)
{
        static const char *const tracers[] = { "tcp", NULL };
        struct record_sink sink;

        tt_setup(&tt, tracers);
        /* what `cwatchd run tcp --format json` would print */
        printed_file = open_memstream(&printed_data, &printed_size);
        assert_non_null(printed_file);
        formatter_init(&printed, OUTPUT_JSON, printed_file);
        output_init(&printed_output, &printed, NULL, 0);
        sink = output_record_sink(&printed_output);
        assert_int_equal(manager_add_record_sink(tt.m, &sink), 0);
        return 0;
}

static int teardown(void **state)
{
        tt_done(&tt);
        output_done(&printed_output);
        formatter_done(&printed);
        fclose(printed_file);
        free(printed_data);
        return 0;
}

union addr {
        struct sockaddr sa;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
};

static socklen_t loopback(union addr *a, int family, uint16_t port)
{
        memset(a, 0, sizeof(*a));
        if (family == AF_INET) {
                a->in.sin_family = AF_INET;
                a->in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                a->in.sin_port = htons(port);
                return sizeof(a->in);
        }
        a->in6.sin6_family = AF_INET6;
        a->in6.sin6_addr = in6addr_loopback;
        a->in6.sin6_port = htons(port);
        return sizeof(a->in6);
}

static uint16_t local_port(int fd)
{
        union addr a;
        socklen_t len = sizeof(a);

        assert_int_equal(getsockname(fd, &a.sa, &len), 0);
        return ntohs(a.sa.sa_family == AF_INET ? a.in.sin_port : a.in6.sin6_port);
}

static void send_all(int fd, size_t n, char c)
{
        char buf[4096];

        memset(buf, c, sizeof(buf));
        while (n > 0) {
                ssize_t k = write(fd, buf, n < sizeof(buf) ? n : sizeof(buf));

                assert_true(k > 0);
                n -= k;
        }
}

static void recv_exactly(int fd, size_t n)
{
        char buf[4096];

        while (n > 0) {
                ssize_t k = read(fd, buf, n < sizeof(buf) ? n : sizeof(buf));

                assert_true(k > 0);
                n -= k;
        }
}

struct conn_match {
        const char *event;
        const char *direction;
        const char *port_key;
        uint16_t port;
};

static bool conn_matches(struct json_object *o, void *userdata)
{
        const struct conn_match *c = userdata;
        const char *ev = tt_str(o, "event"), *dir = tt_str(o, "direction");

        return ev && streq(ev, c->event) && (!c->direction || (dir && streq(dir, c->direction))) &&
               tt_int(o, c->port_key) == c->port;
}

static struct json_object *find_conn(const struct conn_match *c)
{
        for (size_t i = 0; i < tt.n_records; i++)
                if (conn_matches(tt.records[i], (void *) c))
                        return tt.records[i];
        return NULL;
}

static bool have_conns(struct tt *t, void *userdata)
{
        const struct conn_match *c = userdata;

        for (; c->event; c++)
                if (!find_conn(c))
                        return false;
        return true;
}

static void exchange(int family, const char *loopback_text, const char *family_text)
{
        int listener, client, server, one = 1;
        uint16_t port, client_port;
        union addr a;
        socklen_t len;
        struct json_object *o;
        char needle[128];

        listener = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(listener >= 0);
        assert_int_equal(setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
        len = loopback(&a, family, 0);
        assert_int_equal(bind(listener, &a.sa, len), 0);
        assert_int_equal(listen(listener, 4), 0);
        port = local_port(listener);

        client = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(client >= 0);
        len = loopback(&a, family, port);
        assert_int_equal(connect(client, &a.sa, len), 0);
        client_port = local_port(client);
        server = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        assert_true(server >= 0);

        /* the establishment records come while the connection is open */
        struct conn_match established[] = {
                { "connect", "connect", "dport", port },
                { "accept", "accept", "sport", port },
                {},
        };
        assert_true(tt_wait_for(&tt, have_conns, established, 5000));
        struct conn_match closed_yet = { "tcp", NULL, "dport", port };
        assert_int_equal(tt_count(&tt, conn_matches, &closed_yet), 0);

        send_all(client, 1000, 'c');
        recv_exactly(server, 1000);
        send_all(server, 2000, 's');
        recv_exactly(client, 2000);
        close(client);
        close(server);
        close(listener);

        struct conn_match want[] = {
                { "tcp", "connect", "dport", port },
                { "tcp", "accept", "sport", port },
                { "connect", "connect", "dport", port },
                { "accept", "accept", "sport", port },
                {},
        };
        assert_true(tt_wait_for(&tt, have_conns, want, 5000));

        o = find_conn(&want[0]);
        assert_int_equal(tt_int(o, "pid"), getpid());
        assert_string_equal(tt_str(o, "comm"), "test-tcp");
        assert_int_equal(tt_int(o, "uid"), 0);
        assert_true(tt_int(o, "cgroup_id") > 0);
        assert_string_equal(tt_str(o, "family"), family_text);
        assert_string_equal(tt_str(o, "saddr"), loopback_text);
        assert_string_equal(tt_str(o, "daddr"), loopback_text);
        assert_int_equal(tt_int(o, "sport"), client_port);
        assert_int_equal(tt_int(o, "bytes_sent"), 1000);
        assert_int_equal(tt_int(o, "bytes_received"), 2000);
        assert_true(tt_int(o, "duration_ns") > 0);
        assert_true(tt_int(o, "duration_ns") < INT64_C(5000000000));
        assert_false(tt_has(o, "error"));

        o = find_conn(&want[1]);
        assert_int_equal(tt_int(o, "pid"), getpid());
        assert_string_equal(tt_str(o, "family"), family_text);
        assert_string_equal(tt_str(o, "saddr"), loopback_text);
        assert_int_equal(tt_int(o, "dport"), client_port);
        assert_int_equal(tt_int(o, "bytes_sent"), 2000);
        assert_int_equal(tt_int(o, "bytes_received"), 1000);

        /* exactly one closed-connection record per side */
        assert_int_equal(tt_count(&tt, conn_matches, &want[0]), 1);
        assert_int_equal(tt_count(&tt, conn_matches, &want[1]), 1);

        /* the establishment records: owner and ports, no byte counts, not printed */
        o = find_conn(&want[2]);
        assert_int_equal(tt_int(o, "pid"), getpid());
        assert_int_equal(tt_int(o, "sport"), client_port);
        assert_false(tt_has(o, "bytes_sent"));
        o = find_conn(&want[3]);
        assert_int_equal(tt_int(o, "pid"), getpid());
        assert_int_equal(tt_int(o, "dport"), client_port);

        fflush(printed_file);
        snprintf(needle, sizeof(needle), "\"event\":\"tcp\"");
        assert_non_null(strstr(printed_data, needle));
        snprintf(needle, sizeof(needle), "\"dport\":%u", port);
        assert_non_null(strstr(printed_data, needle));
        assert_null(strstr(printed_data, "\"event\":\"connect\""));
        assert_null(strstr(printed_data, "\"event\":\"accept\""));
}

static void test_ipv4_connection(void **state)
{
        exchange(AF_INET, "127.0.0.1", "ipv4");
}

static void test_ipv6_connection(void **state)
{
        exchange(AF_INET6, "::1", "ipv6");
}

static void refused(int family, const char *loopback_text)
{
        union addr a;
        socklen_t len;
        uint16_t port;
        int fd;
        struct json_object *o;

        /* a port nobody listens on: bound, never listened, closed */
        fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        len = loopback(&a, family, 0);
        assert_int_equal(bind(fd, &a.sa, len), 0);
        port = local_port(fd);
        close(fd);

        fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        len = loopback(&a, family, port);
        assert_int_equal(connect(fd, &a.sa, len), -1);
        assert_int_equal(errno, ECONNREFUSED);
        close(fd);

        struct conn_match want[] = { { "tcp_failed", "connect", "dport", port }, {} };
        assert_true(tt_wait_for(&tt, have_conns, want, 5000));
        o = find_conn(&want[0]);
        assert_int_equal(tt_int(o, "pid"), getpid());
        assert_int_equal(tt_int(o, "error"), ECONNREFUSED);
        assert_string_equal(tt_str(o, "error_name"), "ECONNREFUSED");
        assert_string_equal(tt_str(o, "daddr"), loopback_text);
        assert_false(tt_has(o, "bytes_sent"));

        struct conn_match closed = { "tcp", NULL, "dport", port };
        struct conn_match established = { "connect", NULL, "dport", port };
        assert_int_equal(tt_count(&tt, conn_matches, &closed), 0);
        assert_int_equal(tt_count(&tt, conn_matches, &established), 0);
}

static void test_refused_ipv4(void **state)
{
        refused(AF_INET, "127.0.0.1");
}

static void test_refused_ipv6(void **state)
{
        refused(AF_INET6, "::1");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ipv4_connection),
                cmocka_unit_test(test_ipv6_connection),
                cmocka_unit_test(test_refused_ipv4),
                cmocka_unit_test(test_refused_ipv6),
        };

        tt_require_privileges();
        return cmocka_run_group_tests(tests, setup, teardown);
}
