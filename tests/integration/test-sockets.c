/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sockets tracer on the live kernel, and the default rules of rules/50-sockets.rules:
 * - unix_connect: connects to a Unix stream, datagram and seqpacket server bound in the work
 *   directory, a refused and a missing path, abstract names (with an embedded NUL);
 * - listen: TCP on 127.0.0.1 and ::1 ephemeral ports, an unbound socket (the kernel picks the
 *   port), a listen that fails with EADDRINUSE; a Unix or UDP listen is no event;
 * - raw_socket: packet and raw IP sockets, a failed one, and the sockets that must stay out of
 *   the ring buffer (stream, datagram, ICMP datagram, netlink raw);
 * - decoding of events the kernel could send damaged (short, unknown type, overlong lengths,
 *   unterminated strings);
 * - the rules, each firing once with the right fields from a real child (this binary copied
 *   under a program's name where the rule is about names), and a near miss staying quiet.
 *
 * - the in-kernel filter of Unix connects: with the default rules, connects to other addresses
 *   (a path, an abstract name) cost no event and are counted, while listen() and raw sockets are
 *   still reported; a runtime socket reached through a symbolic link or a bind mount from an
 *   unwatched path is caught by the server's address.
 *
 * What is done for real, and how it is kept harmless: the whole test runs in a mount namespace of
 * its own with a tmpfs over /run, where it binds the runtime socket /run/docker.sock (the host's
 * /run is never touched, and nothing is left when the test ends); listeners are on loopback
 * ephemeral ports and closed at once; packet and raw sockets are opened and closed without
 * sending anything. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "rules-test.h"
#include <sockets.h>            /* bpf/sockets.h */
#include "tracers/sockets.h"

#define RUNTIME_SOCKET "/run/docker.sock"

static char self[PATH_MAX];
static int runtime_socket_fd = -1;

static struct tracer *sockets_tracer(void);

/* The tracer's Unix-connect patterns: the rules' and, when not NULL, extra. */
static void watch_unix(const char *extra)
{
        const struct strv *rules = &rt.tt.m->watched_paths.unix_connect;
        char *items[64];
        size_t n = 0;

        assert_true(rules->n + 1 < ELEMENTSOF(items));
        for (size_t i = 0; i < rules->n; i++)
                items[n++] = rules->items[i];
        if (extra)
                items[n++] = (char *) extra;
        items[n] = NULL;
        assert_int_equal(sockets_tracer()->ops->set_watched_paths(sockets_tracer(),
                         &(struct tracer_watched_paths) { .unix_connect = { items, n } }), 0);
}

static struct sockets_tracer_stats sockets_stats(void)
{
        struct sockets_tracer_stats st;

        assert_int_equal(sockets_tracer_get_stats(sockets_tracer(), &st), 0);
        return st;
}

/* ---- records ---- */

struct want {
        const char *event;
        pid_t pid;
        const char *key;        /* a string column that tells the record apart, or NULL */
        const char *value;
        const char *int_key;    /* an integer column that tells it apart, or NULL */
        int64_t int_value;
};

static bool want_matches(struct json_object *o, void *userdata)
{
        const struct want *w = userdata;
        const char *ev = tt_str(o, "event"), *s;

        if (!ev || !streq(ev, w->event) || tt_int(o, "pid") != w->pid)
                return false;
        if (w->key && (!(s = tt_str(o, w->key)) || !streq(s, w->value)))
                return false;
        return !w->int_key || (tt_has(o, w->int_key) && tt_int(o, w->int_key) == w->int_value);
}

static bool have_want(struct tt *t, void *userdata)
{
        return tt_count(t, want_matches, userdata) > 0;
}

/* Waits for the one record w describes and returns it. */
static struct json_object *expect_one(const struct want *w)
{
        if (!tt_wait_for(&rt.tt, have_want, (void *) w, 5000))
                fail_msg("no %s record of pid %d with %s=%s %s=%" PRId64, w->event, w->pid, w->key ?: "-",
                         w->value ?: "-", w->int_key ?: "-", w->int_value);
        assert_int_equal(tt_count(&rt.tt, want_matches, (void *) w), 1);
        for (size_t i = 0; i < rt.tt.n_records; i++)
                if (want_matches(rt.tt.records[i], (void *) w))
                        return rt.tt.records[i];
        return NULL;
}

static struct json_object *expect_path(const char *path)
{
        return expect_one(&(struct want) { "unix_connect", getpid(), "path", path });
}

static size_t count_events(const char *event)
{
        struct want w = { event, getpid() };

        return tt_count(&rt.tt, want_matches, &w);
}

struct count_want {
        const char *event;
        size_t n;
};

static bool have_count(struct tt *t, void *userdata)
{
        const struct count_want *c = userdata;

        return count_events(c->event) >= c->n;
}

/* The header fields every record of this process has. */
static void assert_owner(struct json_object *o)
{
        assert_int_equal(tt_int(o, "pid"), getpid());
        assert_int_equal(tt_int(o, "tid"), getpid());
        assert_int_equal(tt_int(o, "ppid"), getppid());
        assert_int_equal(tt_int(o, "uid"), getuid());
        assert_int_equal(tt_int(o, "gid"), getgid());
        assert_string_equal(tt_str(o, "comm"), "test-sockets");
        assert_true(tt_int(o, "cgroup_id") > 0);
        assert_false(tt_is_quiet(o));
}

/* ---- addresses ---- */

union inet_addr {
        struct sockaddr sa;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
};

static socklen_t loopback(union inet_addr *a, int family)
{
        memset(a, 0, sizeof(*a));
        if (family == AF_INET) {
                a->in.sin_family = AF_INET;
                a->in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                return sizeof(a->in);
        }
        a->in6.sin6_family = AF_INET6;
        a->in6.sin6_addr = in6addr_loopback;
        return sizeof(a->in6);
}

static uint16_t local_port(int fd)
{
        union inet_addr a;
        socklen_t len = sizeof(a);

        assert_int_equal(getsockname(fd, &a.sa, &len), 0);
        return ntohs(a.sa.sa_family == AF_INET ? a.in.sin_port : a.in6.sin6_port);
}

/* ---- Unix sockets ---- */

static socklen_t unix_addr(struct sockaddr_un *a, const char *path, size_t len)
{
        memset(a, 0, sizeof(*a));
        a->sun_family = AF_UNIX;
        memcpy(a->sun_path, path, len);
        return offsetof(struct sockaddr_un, sun_path) + len;
}

static int unix_server(int type, const char *path, size_t len, bool do_listen)
{
        struct sockaddr_un a;
        socklen_t alen = unix_addr(&a, path, len);
        int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *) &a, alen), 0);
        if (do_listen)
                assert_int_equal(listen(fd, 4), 0);
        return fd;
}

/* connect() with exactly len bytes of path; returns 0 or -errno, the client fd in *ret_fd */
static int unix_connect_to(int type, const char *path, size_t len, int *ret_fd)
{
        struct sockaddr_un a;
        socklen_t alen = unix_addr(&a, path, len);
        int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0), r;

        assert_true(fd >= 0);
        r = connect(fd, (struct sockaddr *) &a, alen) < 0 ? -errno : 0;
        if (ret_fd)
                *ret_fd = fd;
        else
                close(fd);
        return r;
}

static void test_unix_connect(void **state)
{
        static const struct { int type; const char *name; } types[] = {
                { SOCK_STREAM, "stream" }, { SOCK_DGRAM, "dgram" }, { SOCK_SEQPACKET, "seqpacket" },
        };
        struct sockaddr_un a;
        union inet_addr in;
        char path[PATH_MAX], link[PATH_MAX];
        struct json_object *o;
        int server, client;
        socklen_t alen;
        size_t before;

        /* the default rules watch the runtimes' sockets only: the work directory too */
        watch_unix(rt.workdir);
        for (size_t i = 0; i < ELEMENTSOF(types); i++) {
                snprintf(path, sizeof(path), "%s/%s.sock", rt.workdir, types[i].name);
                server = unix_server(types[i].type, path, strlen(path), types[i].type != SOCK_DGRAM);
                /* the path's NUL is passed too, as most programs do (sizeof(struct sockaddr_un)) */
                assert_int_equal(unix_connect_to(types[i].type, path, sizeof(a.sun_path), &client), 0);
                o = expect_path(path);
                assert_owner(o);
                assert_string_equal(tt_str(o, "family"), "unix");
                assert_string_equal(tt_str(o, "type"), types[i].name);
                assert_int_equal(tt_int(o, "result"), 0);
                assert_false(tt_has(o, "error_name"));
                assert_int_equal(tt_int(o, "fd"), client);
                /* the server's bound address: the same path here */
                assert_string_equal(tt_str(o, "peer_path"), path);
                assert_false(tt_has(o, "lport"));
                assert_false(tt_has(o, "backlog"));
                close(client);
                close(server);
                assert_int_equal(unlink(path), 0);
        }

        /* bound but not listening: refused */
        snprintf(path, sizeof(path), "%s/refused.sock", rt.workdir);
        server = unix_server(SOCK_STREAM, path, strlen(path), false);
        assert_int_equal(unix_connect_to(SOCK_STREAM, path, strlen(path), NULL), -ECONNREFUSED);
        o = expect_path(path);
        assert_int_equal(tt_int(o, "result"), -ECONNREFUSED);
        assert_string_equal(tt_str(o, "error_name"), "ECONNREFUSED");
        assert_false(tt_has(o, "peer_path"));
        close(server);
        assert_int_equal(unlink(path), 0);

        /* through a symbolic link: the path as passed, and the server's own name for it */
        snprintf(path, sizeof(path), "%s/real.sock", rt.workdir);
        snprintf(link, sizeof(link), "%s/link.sock", rt.workdir);
        server = unix_server(SOCK_STREAM, path, strlen(path), true);
        assert_int_equal(symlink(path, link), 0);
        assert_int_equal(unix_connect_to(SOCK_STREAM, link, strlen(link), NULL), 0);
        o = expect_path(link);
        assert_string_equal(tt_str(o, "peer_path"), path);
        close(server);
        assert_int_equal(unlink(link), 0);
        assert_int_equal(unlink(path), 0);

        /* nothing there */
        snprintf(path, sizeof(path), "%s/missing.sock", rt.workdir);
        assert_int_equal(unix_connect_to(SOCK_STREAM, path, strlen(path), NULL), -ENOENT);
        o = expect_path(path);
        assert_int_equal(tt_int(o, "result"), -ENOENT);
        assert_string_equal(tt_str(o, "error_name"), "ENOENT");
        assert_string_equal(tt_str(o, "type"), "stream");

        /* a Unix listen() is not a TCP listen */
        assert_int_equal(count_events("listen"), 0);

        /* an inet connect() right after a Unix one (no other call of this thread between) is no
         * event: one event per call */
        before = count_events("unix_connect");
        client = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_true(client >= 0);
        alen = loopback(&in, AF_INET);
        assert_int_equal(unix_connect_to(SOCK_STREAM, path, strlen(path), NULL), -ENOENT);
        assert_int_equal(connect(client, &in.sa, alen), 0);
        close(client);
        assert_true(tt_wait_for(&rt.tt, have_count, &(struct count_want) { "unix_connect", before + 1 },
                                5000));
        tt_run_for(&rt.tt, 100);
        assert_int_equal(count_events("unix_connect"), before + 1);
        watch_unix(NULL);
}

static void test_abstract_connect(void **state)
{
        char name[64], shown[64], marker[48];
        struct json_object *o;
        size_t len;
        int server;

        /* "\0NAME": shown as "@NAME", exactly the bytes passed (no NUL terminator in the address);
         * watched as shown */
        tt_marker(marker, sizeof(marker), "cwatch-abstract");
        len = snprintf(name, sizeof(name), "%c%s", '\0', marker);
        snprintf(shown, sizeof(shown), "@%s", marker);
        watch_unix(shown);
        server = unix_server(SOCK_STREAM, name, len, true);
        assert_int_equal(unix_connect_to(SOCK_STREAM, name, len, NULL), 0);
        o = expect_path(shown);
        assert_owner(o);
        assert_int_equal(tt_int(o, "result"), 0);
        assert_string_equal(tt_str(o, "peer_path"), shown);
        close(server);

        /* an embedded NUL shows as "@" too, as ss(8) shows it, and is watched so; nobody listens
         * there */
        name[4] = '\0';
        snprintf(shown, sizeof(shown), "@%.3s@%s", marker, marker + 4);
        watch_unix(shown);
        assert_int_equal(unix_connect_to(SOCK_STREAM, name, len, NULL), -ECONNREFUSED);
        o = expect_path(shown);
        assert_int_equal(tt_int(o, "result"), -ECONNREFUSED);

        /* "/" watches every address, abstract ones too */
        watch_unix("/");
        name[4] = 'x';
        snprintf(shown, sizeof(shown), "@%.3sx%s", marker, marker + 4);
        assert_int_equal(unix_connect_to(SOCK_STREAM, name, len, NULL), -ECONNREFUSED);
        expect_path(shown);
        watch_unix(NULL);
}

/* More patterns than the kernel's trie holds: every address is watched, none is missed. */
static void test_too_many_patterns(void **state)
{
        static char buf[CW_UNIX_WATCH_MAX + 1][32];
        static char *items[CW_UNIX_WATCH_MAX + 2];
        struct tracer *t = sockets_tracer();
        char path[PATH_MAX];

        for (size_t i = 0; i < ELEMENTSOF(buf); i++) {
                snprintf(buf[i], sizeof(buf[i]), "/nowhere/%zu.sock", i);
                items[i] = buf[i];
        }
        assert_int_equal(t->ops->set_watched_paths(t, &(struct tracer_watched_paths) {
                                 .unix_connect = { items, ELEMENTSOF(buf) } }), 0);
        snprintf(path, sizeof(path), "%s/anything.sock", rt.workdir);
        assert_int_equal(unix_connect_to(SOCK_STREAM, path, strlen(path), NULL), -ENOENT);
        expect_path(path);

        /* a bad pattern changes nothing */
        items[0] = (char *) "relative.sock";
        assert_int_equal(t->ops->set_watched_paths(t, &(struct tracer_watched_paths) {
                                 .unix_connect = { items, 1 } }), -EINVAL);
        snprintf(path, sizeof(path), "%s/still.sock", rt.workdir);
        assert_int_equal(unix_connect_to(SOCK_STREAM, path, strlen(path), NULL), -ENOENT);
        expect_path(path);
        watch_unix(NULL);
}

/* Whether a record has address as its path or peer_path. */
static bool have_address(const char *address)
{
        const char *p, *q;

        for (size_t i = 0; i < rt.tt.n_records; i++) {
                p = tt_str(rt.tt.records[i], "path");
                q = tt_str(rt.tt.records[i], "peer_path");
                if ((p && streq(p, address)) || (q && streq(q, address)))
                        return true;
        }
        return false;
}

/* With the default rules' patterns: Unix connects to other addresses stay in the kernel, counted;
 * listen() and raw sockets are reported all the same. */
static void test_unwatched_connects_stay_out(void **state)
{
        struct sockets_tracer_stats before, after;
        char path[PATH_MAX], name[64], shown[64];
        struct json_object *o;
        int server, abstract, fd;
        size_t len;

        watch_unix(NULL);
        snprintf(path, sizeof(path), "%s/unwatched.sock", rt.workdir);
        server = unix_server(SOCK_STREAM, path, strlen(path), true);
        tt_marker(name + 1, sizeof(name) - 1, "cwatch-unwatched");
        name[0] = '\0';
        len = 1 + strlen(name + 1);
        snprintf(shown, sizeof(shown), "@%s", name + 1);
        abstract = unix_server(SOCK_STREAM, name, len, true);

        before = sockets_stats();
        for (int i = 0; i < 100; i++) {
                assert_int_equal(unix_connect_to(SOCK_STREAM, path, strlen(path) + 1, NULL), 0);
                fd = accept4(server, NULL, NULL, SOCK_CLOEXEC);
                assert_true(fd >= 0);
                close(fd);
        }
        assert_int_equal(unix_connect_to(SOCK_STREAM, name, len, NULL), 0);
        after = sockets_stats();
        /* other processes connect too: at least ours */
        assert_true(after.connects_checked - before.connects_checked >= 101);
        assert_true(after.connects_unmatched - before.connects_unmatched >= 101);

        /* still reported: a listen and a raw socket, then a watched connect; all came before it */
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(listen(fd, 3), 0);
        expect_one(&(struct want) { "listen", getpid(), NULL, NULL, "backlog", 3 });
        close(fd);
        fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
        assert_true(fd >= 0);
        expect_one(&(struct want) { "raw_socket", getpid(), "protocol_name", "arp", "fd", fd });
        close(fd);
        assert_int_equal(unix_connect_to(SOCK_STREAM, RUNTIME_SOCKET, strlen(RUNTIME_SOCKET), NULL), 0);
        o = expect_path(RUNTIME_SOCKET);
        assert_string_equal(tt_str(o, "peer_path"), RUNTIME_SOCKET);
        assert_false(have_address(path));
        assert_false(have_address(shown));
        close(abstract);
        close(server);
        assert_int_equal(unlink(path), 0);
}

/* ---- listen ---- */

static void listen_on_loopback(int family, const char *loopback_text, const char *family_text)
{
        union inet_addr a;
        socklen_t alen = loopback(&a, family);
        struct json_object *o;
        int fd, other, one = 1;
        uint16_t port;

        fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
        assert_int_equal(bind(fd, &a.sa, alen), 0);
        port = local_port(fd);

        /* a second socket on the same address and port: binding works with SO_REUSEADDR while
         * neither listens, its listen() then fails */
        other = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(other >= 0);
        assert_int_equal(setsockopt(other, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
        if (family == AF_INET)
                a.in.sin_port = htons(port);
        else
                a.in6.sin6_port = htons(port);
        assert_int_equal(bind(other, &a.sa, alen), 0);

        assert_int_equal(listen(fd, 5), 0);
        o = expect_one(&(struct want) { "listen", getpid(), "family", family_text, "fd", fd });
        assert_owner(o);
        assert_string_equal(tt_str(o, "laddr"), loopback_text);
        assert_int_equal(tt_int(o, "lport"), port);
        assert_int_equal(tt_int(o, "backlog"), 5);
        assert_int_equal(tt_int(o, "result"), 0);
        assert_string_equal(tt_str(o, "type"), "stream");
        assert_int_equal(tt_int(o, "protocol"), IPPROTO_TCP);
        assert_string_equal(tt_str(o, "protocol_name"), "tcp");
        assert_false(tt_has(o, "path"));

        assert_int_equal(listen(other, 9), -1);
        assert_int_equal(errno, EADDRINUSE);
        o = expect_one(&(struct want) { "listen", getpid(), "family", family_text, "fd", other });
        assert_int_equal(tt_int(o, "result"), -EADDRINUSE);
        assert_string_equal(tt_str(o, "error_name"), "EADDRINUSE");
        assert_int_equal(tt_int(o, "backlog"), 9);
        assert_int_equal(tt_int(o, "lport"), port);
        close(other);
        close(fd);
}

static void test_listen_ipv4(void **state)
{
        listen_on_loopback(AF_INET, "127.0.0.1", "ipv4");
}

static void test_listen_ipv6(void **state)
{
        listen_on_loopback(AF_INET6, "::1", "ipv6");
}

static void test_listen_unbound(void **state)
{
        size_t listens_before = count_events("listen");
        struct json_object *o;
        int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), udp;

        /* the kernel picks the port at listen(): the event has the one it picked */
        assert_true(fd >= 0);
        assert_int_equal(listen(fd, 0), 0);
        o = expect_one(&(struct want) { "listen", getpid(), "family", "ipv6", "lport", local_port(fd) });
        assert_string_equal(tt_str(o, "laddr"), "::");
        assert_int_equal(tt_int(o, "fd"), fd);
        assert_true(tt_int(o, "lport") > 0);
        assert_int_equal(tt_int(o, "backlog"), 0);
        close(fd);

        /* listen() on UDP, right after a TCP one, fails and is no TCP listen: no event */
        udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_int_equal(listen(fd, 1), 0);
        assert_int_equal(listen(udp, 1), -1);
        expect_one(&(struct want) { "listen", getpid(), "family", "ipv4", "lport", local_port(fd) });
        /* fd numbers come back: count the listens of this test, 2 */
        assert_int_equal(count_events("listen"), listens_before + 2);
        close(udp);
        close(fd);
}

/* ---- packet and raw sockets ---- */

struct raw_case {
        int family, type, protocol;
        const char *family_text, *type_text, *protocol_name;
        int64_t protocol_number;
};

static void test_raw_sockets(void **state)
{
        static const struct raw_case cases[] = {
                { AF_PACKET, SOCK_RAW, ETH_P_ALL, "packet", "raw", "all", ETH_P_ALL },
                { AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK, ETH_P_IP, "packet", "dgram", "ip", ETH_P_IP },
                { AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMP, "ipv4", "raw", "icmp", IPPROTO_ICMP },
                { AF_INET6, SOCK_RAW, IPPROTO_ICMPV6, "ipv6", "raw", "icmpv6", IPPROTO_ICMPV6 },
                { AF_INET, SOCK_RAW, IPPROTO_RAW, "ipv4", "raw", "raw", IPPROTO_RAW },
        };
        struct json_object *o;
        int fd;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const struct raw_case *c = &cases[i];
                int protocol = c->family == AF_PACKET ? htons(c->protocol) : c->protocol;

                fd = socket(c->family, c->type | SOCK_CLOEXEC, protocol);
                assert_true(fd >= 0);
                /* every case has its own protocol: fd numbers come back */
                o = expect_one(&(struct want) { "raw_socket", getpid(), "protocol_name", c->protocol_name,
                                                "fd", fd });
                assert_string_equal(tt_str(o, "family"), c->family_text);
                assert_owner(o);
                assert_string_equal(tt_str(o, "type"), c->type_text);
                assert_string_equal(tt_str(o, "protocol_name"), c->protocol_name);
                assert_int_equal(tt_int(o, "protocol"), c->protocol_number);
                assert_int_equal(tt_int(o, "result"), fd);
                assert_false(tt_has(o, "error_name"));
                close(fd);
        }

        /* a failed one: no such IP protocol */
        assert_int_equal(socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, 300), -1);
        assert_int_equal(errno, EINVAL);
        o = expect_one(&(struct want) { "raw_socket", getpid(), "family", "ipv4", "result", -EINVAL });
        assert_string_equal(tt_str(o, "error_name"), "EINVAL");
        assert_int_equal(tt_int(o, "protocol"), 300);
        assert_false(tt_has(o, "fd"));
        assert_false(tt_has(o, "protocol_name"));
}

static void test_ordinary_sockets_stay_out(void **state)
{
        static const int ordinary[][3] = {
                { AF_INET, SOCK_STREAM, 0 }, { AF_INET, SOCK_DGRAM, 0 }, { AF_INET6, SOCK_STREAM, 0 },
                { AF_INET6, SOCK_DGRAM, 0 }, { AF_UNIX, SOCK_STREAM, 0 }, { AF_UNIX, SOCK_DGRAM, 0 },
                { AF_INET, SOCK_DGRAM, IPPROTO_ICMP },  /* a ping socket (may fail: ping_group_range) */
                { AF_NETLINK, SOCK_RAW, 0 },            /* NETLINK_ROUTE, as getaddrinfo() opens */
        };
        size_t before = count_events("raw_socket");
        int fd;

        for (size_t i = 0; i < ELEMENTSOF(ordinary); i++) {
                fd = socket(ordinary[i][0], ordinary[i][1] | SOCK_CLOEXEC, ordinary[i][2]);
                if (fd >= 0)
                        close(fd);
        }
        /* then one that is reported: everything before it is in by the time it is */
        fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP));
        assert_true(fd >= 0);
        expect_one(&(struct want) { "raw_socket", getpid(), "protocol_name", "arp", "fd", fd });
        close(fd);
        assert_int_equal(count_events("raw_socket"), before + 1);
}

/* ---- damaged events ---- */

static struct tracer *sockets_tracer(void)
{
        for (size_t i = 0; i < rt.tt.m->n_tracers; i++)
                if (streq(rt.tt.m->tracers[i].ops->info->name, "sockets"))
                        return &rt.tt.m->tracers[i];
        fail_msg("no sockets tracer");
        return NULL;
}

static struct cw_sockets_event damaged_event(uint16_t type, uint32_t pid)
{
        struct cw_sockets_event e;

        /* every byte set: no string has a NUL where the decoder might hope for one */
        memset(&e, 'A', sizeof(e));
        e.hdr.type = type;
        e.hdr.version = CW_EVENT_VERSION;
        e.hdr.size = sizeof(e);
        e.hdr.pid = pid;
        e.hdr.cgroup_id = 0;
        e.result = 0;
        return e;
}

static bool have_pid_record(struct tt *t, void *pid)
{
        for (size_t i = 0; i < t->n_records; i++)
                if (tt_int(t->records[i], "pid") == *(int64_t *) pid)
                        return true;
        return false;
}

static struct json_object *record_of_pid(int64_t pid)
{
        for (size_t i = 0; i < rt.tt.n_records; i++)
                if (tt_int(rt.tt.records[i], "pid") == pid)
                        return rt.tt.records[i];
        return NULL;
}

static void test_damaged_events(void **state)
{
        struct tracer *t = sockets_tracer();
        struct cw_sockets_event e;
        struct json_object *o;
        char path[CW_UNIX_PATH_MAX + 1];
        int64_t pid;

        /* short, unknown type, listen of a family without an address format: rejected */
        e = damaged_event(CW_EV_UNIX_CONNECT, 0x7ffffff0);
        assert_int_equal(t->ops->on_event(t, &e, sizeof(e) - 1), -EBADMSG);
        assert_int_equal(t->ops->on_event(t, &e, sizeof(struct cw_event_header)), -EBADMSG);
        e = damaged_event(15, 0x7ffffff0);
        assert_int_equal(t->ops->on_event(t, &e, sizeof(e)), -EBADMSG);
        e = damaged_event(CW_EV_LISTEN, 0x7ffffff0);
        e.family = 99;
        assert_int_equal(t->ops->on_event(t, &e, sizeof(e)), -EBADMSG);

        /* overlong path length and strings without NUL: cut at their fields' sizes */
        e = damaged_event(CW_EV_UNIX_CONNECT, 0x7ffffff1);
        e.path_len = UINT16_MAX;
        e.peer_path_len = UINT16_MAX;
        e.family = 99;
        e.type = 77;
        assert_int_equal(t->ops->on_event(t, &e, sizeof(e)), 0);
        pid = 0x7ffffff1;
        assert_true(tt_wait_for(&rt.tt, have_pid_record, &pid, 1000));
        o = record_of_pid(pid);
        memset(path, 'A', CW_UNIX_PATH_MAX);
        path[CW_UNIX_PATH_MAX] = '\0';
        assert_string_equal(tt_str(o, "path"), path);
        assert_string_equal(tt_str(o, "peer_path"), path);
        assert_string_equal(tt_str(o, "comm"), "AAAAAAAAAAAAAAAA");
        assert_string_equal(tt_str(o, "family"), "af_99");
        assert_string_equal(tt_str(o, "type"), "77");

        /* an abstract name of only NULs, a packet socket of an unknown protocol, a huge error */
        e = damaged_event(CW_EV_UNIX_CONNECT, 0x7ffffff2);
        e.path_len = 3;
        memset(e.path, 0, 3);
        e.result = INT64_MIN;
        e.peer_path_len = 1;
        e.peer_path[0] = '\0';
        assert_int_equal(t->ops->on_event(t, &e, sizeof(e)), 0);
        e = damaged_event(CW_EV_RAW_SOCKET, 0x7ffffff3);
        e.family = AF_PACKET;
        e.protocol = htons(0x1234);
        e.result = -EPERM;      /* a packet socket that failed: no rule looks at it */
        assert_int_equal(t->ops->on_event(t, &e, sizeof(e)), 0);
        pid = 0x7ffffff3;
        assert_true(tt_wait_for(&rt.tt, have_pid_record, &pid, 1000));
        assert_string_equal(tt_str(record_of_pid(0x7ffffff2), "path"), "@@@");
        assert_string_equal(tt_str(record_of_pid(0x7ffffff2), "peer_path"), "@");
        assert_false(tt_has(record_of_pid(0x7ffffff2), "error_name"));
        assert_string_equal(tt_str(record_of_pid(0x7ffffff3), "protocol_name"), "0x1234");
        assert_string_equal(tt_str(record_of_pid(0x7ffffff3), "error_name"), "EPERM");
}

/* ---- the rules ---- */

/* The helper mode: this binary, copied under a program's name, does one action and exits 0. */
static int act_connect(const char *path)
{
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un a;
        socklen_t alen = unix_addr(&a, path, strlen(path));

        if (fd < 0)
                return 2;
        (void) connect(fd, (struct sockaddr *) &a, alen);
        close(fd);
        return 0;
}

static int act_listen(void)
{
        union inet_addr a;
        socklen_t alen = loopback(&a, AF_INET);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0 || bind(fd, &a.sa, alen) < 0 || listen(fd, 1) < 0)
                return 2;
        close(fd);
        return 0;
}

static int act_socket(int family, int type, int protocol)
{
        int fd = socket(family, type | SOCK_CLOEXEC, protocol);

        if (fd < 0)
                return 2;
        close(fd);
        return 0;
}

static int helper(int argc, char **argv)
{
        if (argc == 4 && streq(argv[2], "connect"))
                return act_connect(argv[3]);
        if (argc == 3 && streq(argv[2], "listen"))
                return act_listen();
        if (argc == 3 && streq(argv[2], "packet"))
                return act_socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
        if (argc == 3 && streq(argv[2], "raw"))
                return act_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
        fprintf(stderr, "bad helper arguments\n");
        return 64;
}

/* This binary as workdir/name, in helper mode. */
static const char *actor(const char *name)
{
        static char path[16][PATH_MAX];
        static size_t n;
        char p[PATH_MAX];

        snprintf(p, sizeof(p), "%s/%s", rt.workdir, name);
        for (size_t i = 0; i < n; i++)
                if (streq(path[i], p))
                        return path[i];
        assert_true(n < ELEMENTSOF(path));
        rt_copy_file(self, p, 0755);
        snprintf(path[n], sizeof(path[n]), "%s", p);
        return path[n++];
}

/* Runs the actor name with the action (and its argument), asserts it exited 0; returns its pid. */
static pid_t act(const char *name, bool in_container, const char *action, const char *arg)
{
        char *argv[] = { (char *) actor(name), (char *) "--act", (char *) action, (char *) arg, NULL };
        pid_t pid = rt_spawn(argv, in_container, -1, -1);
        int status = tt_wait(pid);

        rt_wait_exit_record(pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                fail_msg("%s --act %s exited with status 0x%x", name, action, status);
        return pid;
}

static void test_container_runtime_socket_connect(void **state)
{
        const struct seen *s;
        pid_t pid;

        pid = act("dockerclient", true, "connect", "/var/run/docker.sock");
        s = rt_assert_one("container-runtime-socket-connect", pid, actor("dockerclient"));
        assert_string_equal(s->event, "unix_connect");
        assert_string_equal(s->path, "/var/run/docker.sock");
        assert_string_equal(s->container, RT_CONTAINER_NAME);
        assert_int_equal(s->severity, SEVERITY_CRITICAL);
        assert_string_equal(s->mitre, "T1611");
        assert_non_null(strstr(s->message, "Container " RT_CONTAINER_NAME " connects to runtime socket "
                                           "/var/run/docker.sock (bound as " RUNTIME_SOCKET ") with /"));
        /* near miss: a socket beside it, from the same container */
        pid = act("dockerclient", true, "connect", "/run/containerd/containerd.sock.ttrpc");
        rt_assert_none(pid);
}

static void test_container_runtime_socket_connect_renamed(void **state)
{
        struct sockets_tracer_stats before, after;
        char link[PATH_MAX], mounted[PATH_MAX];
        const struct seen *s;
        pid_t pid;
        int fd;

        /* the socket under another name, an unwatched one: through a symbolic link, and bind
         * mounted (as a container would have it); the kernel sends these on the server's address */
        watch_unix(NULL);
        snprintf(link, sizeof(link), "%s/innocent.sock", rt.workdir);
        assert_int_equal(symlink(RUNTIME_SOCKET, link), 0);
        before = sockets_stats();
        pid = act("dockerclient", true, "connect", link);
        s = rt_assert_one("container-runtime-socket-connect", pid, actor("dockerclient"));
        assert_string_equal(s->path, link);
        assert_non_null(strstr(s->message, "(bound as " RUNTIME_SOCKET ")"));
        after = sockets_stats();
        assert_true(after.connects_checked > before.connects_checked);
        assert_int_equal(unlink(link), 0);

        snprintf(mounted, sizeof(mounted), "%s/app.sock", rt.workdir);
        fd = open(mounted, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(mount(RUNTIME_SOCKET, mounted, NULL, MS_BIND, NULL), 0);
        pid = act("dockerclient", true, "connect", mounted);
        s = rt_assert_one("container-runtime-socket-connect", pid, actor("dockerclient"));
        assert_string_equal(s->path, mounted);
        assert_non_null(strstr(s->message, "(bound as " RUNTIME_SOCKET ")"));
        assert_int_equal(umount(mounted), 0);
        assert_int_equal(unlink(mounted), 0);
}

static void test_host_runtime_socket_connect(void **state)
{
        const struct seen *s;
        pid_t pid;

        pid = act("sockclient", false, "connect", RUNTIME_SOCKET);
        s = rt_assert_one("host-runtime-socket-connect", pid, actor("sockclient"));
        assert_string_equal(s->path, RUNTIME_SOCKET);
        assert_int_equal(s->severity, SEVERITY_NOTICE);
        assert_string_equal(s->container, "");
        /* near miss: a runtime's own CLI (not "docker": the test's docker root has that name) */
        pid = act("podman", false, "connect", RUNTIME_SOCKET);
        rt_assert_none(pid);
}

static void test_bind_shell(void **state)
{
        const struct seen *s;
        pid_t pid;

        /* a program called sh listening */
        pid = act("sh", false, "listen", NULL);
        s = rt_assert_one("bind-shell", pid, actor("sh"));
        assert_string_equal(s->event, "listen");
        assert_int_equal(s->severity, SEVERITY_ERROR);
        assert_non_null(strstr(s->message, "listens on 127.0.0.1 port "));
        /* near miss: a server that is no shell */
        pid = act("webserver", false, "listen", NULL);
        rt_assert_none(pid);
}

static bool have_listen_of(struct tt *t, void *pid)
{
        return tt_find(t, "listen", "pid", *(pid_t *) pid) != NULL;
}

/* A port free a moment ago, as text. */
static const char *free_port(char buf[static 8])
{
        union inet_addr a;
        socklen_t alen = loopback(&a, AF_INET);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        assert_int_equal(bind(fd, &a.sa, alen), 0);
        snprintf(buf, 8, "%u", local_port(fd));
        close(fd);
        return buf;
}

/* Spawns a server (in the container), waits for its listen record, stops it; returns its pid. */
static pid_t run_server(char *const argv[])
{
        pid_t pid = rt_spawn(argv, true, -1, -1);

        if (!tt_wait_for(&rt.tt, have_listen_of, &pid, 5000)) {
                kill(pid, SIGKILL);
                tt_wait(pid);
                fail_msg("no listen record of %s %s (pid %d)", argv[0], argv[1], pid);
        }
        kill(pid, SIGTERM);
        tt_wait(pid);
        rt_wait_exit_record(pid);
        return pid;
}

static void test_bind_shell_busybox_nc(void **state)
{
        char port[8];
        char *nc[] = { (char *) "/bin/busybox", (char *) "nc", (char *) "-l", (char *) "-p",
                       (char *) free_port(port), NULL };
        char *httpd[] = { (char *) "/bin/busybox", (char *) "httpd", (char *) "-f", (char *) "-p", port,
                          (char *) "-h", rt.workdir, NULL };
        const struct seen *s;
        pid_t pid;

        if (access(nc[0], X_OK) < 0)
                skip();
        pid = run_server(nc);
        s = rt_assert_one("bind-shell", pid, rt_realpath("/bin/busybox"));
        assert_string_equal(s->container, RT_CONTAINER_NAME);
        assert_non_null(strstr(s->message, port));
        /* near miss: busybox's web server */
        free_port(port);
        pid = run_server(httpd);
        rt_assert_none(pid);
}

static void test_bind_shell_python(void **state)
{
        static const char code[] = "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()";
        char *argv[] = { (char *) "/usr/bin/python3", (char *) "-c", (char *) code, NULL };
        const struct seen *s;
        pid_t pid;

        if (access(argv[0], X_OK) < 0)
                skip();
        pid = rt_run(argv, false, -1, -1);
        s = rt_assert_one("bind-shell", pid, rt_realpath(argv[0]));
        assert_non_null(strstr(s->message, "-c import socket"));
}

static void test_packet_socket(void **state)
{
        const struct seen *s;
        pid_t pid;

        pid = act("sniffer", true, "packet", NULL);
        s = rt_assert_one("packet-socket", pid, actor("sniffer"));
        assert_string_equal(s->event, "raw_socket");
        assert_string_equal(s->mitre, "T1040");
        assert_non_null(strstr(s->message, "opened a packet socket (type raw, protocol all, container "
                                           RT_CONTAINER_NAME ")"));
        /* near miss: a DHCP client (tcpdump would be container-network-tool's) */
        pid = act("dhclient", true, "packet", NULL);
        rt_assert_none(pid);
}

static void test_raw_ip_socket(void **state)
{
        char *busybox_ping[] = { (char *) "/bin/busybox", (char *) "ping", (char *) "-c", (char *) "1",
                                 (char *) "-W", (char *) "1", (char *) "127.0.0.1", NULL };
        const struct seen *s;
        pid_t pid;

        pid = act("scanner", false, "raw", NULL);
        s = rt_assert_one("raw-ip-socket", pid, actor("scanner"));
        assert_string_equal(s->mitre, "T1046");
        assert_non_null(strstr(s->message, "opened a raw ipv4 socket (protocol icmp"));
        /* near misses: ping, and busybox's ping (it opens a raw ICMP socket as root) */
        pid = act("ping", false, "raw", NULL);
        rt_assert_none(pid);
        if (access("/bin/busybox", X_OK) == 0) {
                pid = rt_run(busybox_ping, false, -1, -1);
                assert_non_null(tt_find(&rt.tt, "raw_socket", "pid", pid));
                rt_assert_none(pid);
        }
}

/* ---- setup ---- */

static int setup(void **state)
{
        static const char *const tracers[] = { "process", "sockets", NULL };
        struct sockaddr_un a;
        socklen_t alen;

        snprintf(self, sizeof(self), "%s", rt_realpath("/proc/self/exe"));
        /* a /run of our own (still single-threaded: unshare(CLONE_NEWNS) needs that), where the
         * runtime socket can be bound whatever the host runs; it goes with this process */
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("cwatch-test", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=256m") < 0) {
                fprintf(stderr, "FAIL: cannot mount a tmpfs over /run in a mount namespace: %m\n");
                return -1;
        }
        if (rt_setup(tracers) < 0)
                return -1;
        /* the runtime socket the rules' children connect to */
        alen = unix_addr(&a, RUNTIME_SOCKET, strlen(RUNTIME_SOCKET));
        runtime_socket_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (runtime_socket_fd < 0 || bind(runtime_socket_fd, (struct sockaddr *) &a, alen) < 0 ||
            listen(runtime_socket_fd, 64) < 0) {
                fprintf(stderr, "FAIL: cannot listen on %s: %m\n", RUNTIME_SOCKET);
                return -1;
        }
        return 0;
}

static int teardown(void **state)
{
        if (runtime_socket_fd >= 0) {
                close(runtime_socket_fd);
                (void) unlink(RUNTIME_SOCKET);
        }
        return rt_teardown();
}

int main(int argc, char **argv)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_unix_connect),
                cmocka_unit_test(test_abstract_connect),
                cmocka_unit_test(test_unwatched_connects_stay_out),
                cmocka_unit_test(test_too_many_patterns),
                cmocka_unit_test(test_listen_ipv4),
                cmocka_unit_test(test_listen_ipv6),
                cmocka_unit_test(test_listen_unbound),
                cmocka_unit_test(test_raw_sockets),
                cmocka_unit_test(test_ordinary_sockets_stay_out),
                cmocka_unit_test(test_damaged_events),
                cmocka_unit_test(test_container_runtime_socket_connect),
                cmocka_unit_test(test_container_runtime_socket_connect_renamed),
                cmocka_unit_test(test_host_runtime_socket_connect),
                cmocka_unit_test(test_bind_shell),
                cmocka_unit_test(test_bind_shell_busybox_nc),
                cmocka_unit_test(test_bind_shell_python),
                cmocka_unit_test(test_packet_socket),
                cmocka_unit_test(test_raw_ip_socket),
        };

        if (argc >= 2 && streq(argv[1], "--act"))
                return helper(argc, argv);
        tt_require_privileges();
        return cmocka_run_group_tests(tests, setup, teardown);
}
