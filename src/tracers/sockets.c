/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sockets tracer: connects to Unix sockets (unix_connect), listen() on TCP sockets (listen) and
 * the creation of packet and raw sockets (raw_socket). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "tracer.h"
#include "decode.h"
#include <sockets.h>            /* bpf/sockets.h: the shared structs (not tracers/sockets.h) */
#include "tracers/sockets.h"
#include "sockets-schema.h"
#include "sockets-watch.h"
#include "sockets.skel.h"
#include "shared/log.h"
#include "shared/macro.h"

struct sockets_state {
        struct sockets_bpf *skel;
        int counters_fd, watched_fd;
};

/* The families as the tcp tracer names them (ipv4, ipv6), the others after their AF_ name. */
static const struct flag_name family_names[] = {
        { AF_UNIX, "unix" }, { AF_INET, "ipv4" }, { AF_INET6, "ipv6" }, { AF_NETLINK, "netlink" },
        { AF_PACKET, "packet" }, { AF_CAN, "can" }, { AF_BLUETOOTH, "bluetooth" }, { AF_VSOCK, "vsock" },
        { AF_XDP, "xdp" }, {},
};

static const struct flag_name type_names[] = {
        { SOCK_STREAM, "stream" }, { SOCK_DGRAM, "dgram" }, { SOCK_RAW, "raw" }, { SOCK_RDM, "rdm" },
        { SOCK_SEQPACKET, "seqpacket" }, { SOCK_DCCP, "dccp" }, { SOCK_PACKET, "packet" }, {},
};

/* IPPROTO_* of AF_INET and AF_INET6 sockets */
static const struct flag_name ip_protocol_names[] = {
        { 0, "ip" }, { 1, "icmp" }, { 2, "igmp" }, { 4, "ipip" }, { 6, "tcp" }, { 17, "udp" }, { 41, "ipv6" },
        { 47, "gre" }, { 50, "esp" }, { 58, "icmpv6" }, { 103, "pim" }, { 112, "vrrp" }, { 132, "sctp" },
        { 255, "raw" }, { 262, "mptcp" }, {},
};

/* ETH_P_* of AF_PACKET sockets (host byte order) */
static const struct flag_name packet_protocol_names[] = {
        { 0x0000, "none" }, { 0x0003, "all" }, { 0x0800, "ip" }, { 0x0806, "arp" }, { 0x8100, "8021q" },
        { 0x86dd, "ipv6" }, { 0x888e, "pae" }, { 0x88cc, "lldp" }, {},
};

static const char *sockets_event_name(uint16_t type)
{
        switch (type) {
        case CW_EV_UNIX_CONNECT:
                return "unix_connect";
        case CW_EV_LISTEN:
                return "listen";
        case CW_EV_RAW_SOCKET:
                return "raw_socket";
        default:
                return NULL;
        }
}

/* A name from names, else the number in buf: "af_99" (prefix and decimal), or hex ("0x1234"). */
static const char *name_or_number(char *buf, size_t size, uint64_t value, const struct flag_name *names,
                                  const char *prefix, bool hex)
{
        const char *name = value_name(value, names);

        if (name)
                return name;
        if (hex)
                snprintf(buf, size, "0x%04" PRIx64, value);
        else
                snprintf(buf, size, "%s%" PRIu64, prefix, value);
        return buf;
}

/* a system call's error return is -1 .. -4095 (MAX_ERRNO) */
#define CW_ERRNO_MAX 4095

#define UNIX_PATH_TEXT_MAX (CW_UNIX_PATH_MAX + 1)

/* The path of sun_path as ss(8) shows it: a file system path up to its NUL; an abstract name
 * (first byte NUL) with "@" for each NUL, the first one included. Returns its length. */
static size_t format_unix_path(char buf[static UNIX_PATH_TEXT_MAX], const char *path, size_t len)
{
        size_t n = 0;

        if (len > CW_UNIX_PATH_MAX)
                len = CW_UNIX_PATH_MAX;
        if (len > 0 && path[0] == '\0') {
                for (; n < len; n++)
                        buf[n] = path[n] ?: '@';
        } else {
                n = strnlen(path, len);
                memcpy(buf, path, n);
        }
        buf[n] = '\0';
        return n;
}

static int sockets_on_event(struct tracer *t, const void *data, size_t size)
{
        const struct cw_sockets_event *e = data;
        struct value v[_COL_MAX] = {};
        struct record r = { .schema = &sockets_schema, .values = v };
        char family[16], type[16], protocol[16], laddr[INET_ADDR_TEXT_MAX];
        char path[UNIX_PATH_TEXT_MAX], peer_path[UNIX_PATH_TEXT_MAX];
        uint32_t protocol_number;
        size_t len;

        if (size < sizeof(*e))
                return -EBADMSG;
        r.event = sockets_event_name(e->hdr.type);
        if (!r.event)
                return -EBADMSG;
        r.time_ns = tracer_realtime(t, e->hdr.time_ns);
        r.cgroup_id = e->hdr.cgroup_id;

        value_set_u64(&v[COL_PID], e->hdr.pid);
        value_set_u64(&v[COL_TID], e->hdr.tid);
        value_set_pid_scope(&v[COL_PID_SCOPE], e->hdr.flags & CW_EVENT_HOST_PIDS);
        value_set_u64(&v[COL_PPID], e->ppid);
        value_set_u64(&v[COL_UID], e->hdr.uid);
        value_set_u64(&v[COL_GID], e->hdr.gid);
        value_set_str(&v[COL_COMM], e->hdr.comm, strnlen(e->hdr.comm, sizeof(e->hdr.comm)));
        value_set_u64(&v[COL_CGROUP_ID], e->hdr.cgroup_id);
        value_set_cstr(&v[COL_FAMILY],
                       name_or_number(family, sizeof(family), e->family, family_names, "af_", false));
        /* the type of a socket connect() did not find is unknown (ENOTSOCK, EBADF) */
        if (e->type != 0)
                value_set_cstr(&v[COL_TYPE],
                               name_or_number(type, sizeof(type), e->type, type_names, "", false));
        value_set_s64(&v[COL_RESULT], e->result);
        if (e->result < 0 && e->result >= -CW_ERRNO_MAX)
                value_set_cstr(&v[COL_ERROR_NAME], errno_name((int) -e->result));

        switch (e->hdr.type) {
        case CW_EV_UNIX_CONNECT:
                value_set_s64(&v[COL_FD], e->fd);
                if (e->path_len > 0) {
                        len = format_unix_path(path, e->path, e->path_len);
                        value_set_str(&v[COL_PATH], path, len);
                }
                if (e->peer_path_len > 0) {
                        len = format_unix_path(peer_path, e->peer_path, e->peer_path_len);
                        value_set_str(&v[COL_PEER_PATH], peer_path, len);
                }
                break;
        case CW_EV_LISTEN:
                value_set_s64(&v[COL_FD], e->fd);
                if (format_inet_addr(laddr, e->family, e->laddr) < 0)
                        return -EBADMSG;
                value_set_cstr(&v[COL_LADDR], laddr);
                value_set_u64(&v[COL_LPORT], e->lport);
                value_set_s64(&v[COL_BACKLOG], e->backlog);
                value_set_u64(&v[COL_PROTOCOL], (uint32_t) e->protocol);
                value_set_cstr(&v[COL_PROTOCOL_NAME], value_name((uint32_t) e->protocol, ip_protocol_names));
                break;
        case CW_EV_RAW_SOCKET:
                if (e->result >= 0)
                        value_set_s64(&v[COL_FD], e->result);
                /* a packet socket's protocol is an ETH_P_* in network byte order */
                if (e->family == AF_PACKET) {
                        protocol_number = ntohs((uint16_t) e->protocol);
                        value_set_cstr(&v[COL_PROTOCOL_NAME],
                                       name_or_number(protocol, sizeof(protocol), protocol_number,
                                                      packet_protocol_names, NULL, true));
                } else {
                        protocol_number = (uint32_t) e->protocol;
                        if (e->family == AF_INET || e->family == AF_INET6)
                                value_set_cstr(&v[COL_PROTOCOL_NAME],
                                               value_name(protocol_number, ip_protocol_names));
                }
                value_set_u64(&v[COL_PROTOCOL], protocol_number);
                break;
        }
        return tracer_emit(t, &r);
}

/* ---- the Unix-connect filter ---- */

static bool unix_watch_key_equal(const struct cw_unix_watch_key *a, const struct cw_unix_watch_key *b)
{
        return a->prefixlen == b->prefixlen && memcmp(a->data, b->data, a->prefixlen / 8) == 0;
}

/* Replaces the watched prefixes with patterns: the new ones first, then the old ones not among
 * them removed, so addresses in both stay watched throughout. More patterns than the trie holds
 * watch every address. */
static int sockets_watch(struct sockets_state *s, char *const *patterns, size_t n)
{
        _cleanup_free_ struct cw_unix_watch_key *keys = NULL, *old = NULL;
        struct cw_unix_watch_key key, next;
        size_t n_old = 0, cap = 0;
        uint32_t one = 1;
        void *prev = NULL;
        int r;

        keys = calloc(n ?: 1, sizeof(*keys));
        if (!keys)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                r = sockets_watch_key(patterns[i], &keys[i]);
                if (r < 0)
                        return log_error_errno(r, "sockets: bad Unix socket pattern '%s': an absolute path "
                                               "or an abstract name starting with \"@\"", patterns[i] ?: "");
        }
        if (n > CW_UNIX_WATCH_MAX) {
                log_warning("sockets: %zu Unix socket patterns, more than %d: every Unix connect is an event",
                            n, CW_UNIX_WATCH_MAX);
                keys[0] = (struct cw_unix_watch_key) {};
                n = 1;
        }
        while (bpf_map_get_next_key(s->watched_fd, prev, &next) == 0) {
                if (n_old == cap) {
                        struct cw_unix_watch_key *o = reallocarray(old, cap ? cap * 2 : 16, sizeof(*old));

                        if (!o)
                                return -ENOMEM;
                        old = o;
                        cap = cap ? cap * 2 : 16;
                }
                old[n_old++] = next;
                key = next;
                prev = &key;
        }
        for (size_t i = 0; i < n; i++)
                if (bpf_map_update_elem(s->watched_fd, &keys[i], &one, BPF_ANY) < 0)
                        return log_debug_errno(errno, "sockets: failed to watch a Unix socket address: %m");
        for (size_t i = 0; i < n_old; i++) {
                bool keep = false;

                for (size_t j = 0; j < n && !keep; j++)
                        keep = unix_watch_key_equal(&old[i], &keys[j]);
                if (!keep && bpf_map_delete_elem(s->watched_fd, &old[i]) < 0 && errno != ENOENT)
                        return log_debug_errno(errno, "sockets: failed to remove a watched Unix socket "
                                               "address: %m");
        }
        return 0;
}

static int sockets_set_watched_paths(struct tracer *t, const struct tracer_watched_paths *paths)
{
        struct sockets_state *s = t->data;

        if (!s)
                return -ESRCH;
        return sockets_watch(s, paths->unix_connect.items, paths->unix_connect.n);
}

int sockets_tracer_get_stats(struct tracer *t, struct sockets_tracer_stats *ret)
{
        struct sockets_state *s = t->data;
        struct sockets_tracer_stats st = {};
        int r;

        if (!t->running || !s)
                return -ESRCH;
        r = bpf_percpu_sum(s->counters_fd, CW_SOCKETS_CNT_CONNECTS_CHECKED, &st.connects_checked);
        if (r >= 0)
                r = bpf_percpu_sum(s->counters_fd, CW_SOCKETS_CNT_CONNECTS_UNMATCHED, &st.connects_unmatched);
        if (r < 0)
                return r;
        *ret = st;
        return 0;
}

static uint64_t sockets_filtered(struct tracer *t)
{
        struct sockets_tracer_stats st;

        return sockets_tracer_get_stats(t, &st) < 0 ? 0 : st.connects_unmatched;
}

/* ---- start, stop ---- */

static struct sockets_state *sockets_state_free(struct sockets_state *s)
{
        if (!s)
                return NULL;
        if (s->skel)
                tracer_detach_skeleton(s->skel->skeleton);
        sockets_bpf__destroy(s->skel);
        free(s);
        return NULL;
}
DEFINE_POINTER_CLEANUP(struct sockets_state, sockets_state_free);

static int sockets_start(struct tracer *t)
{
        _cleanup_(sockets_state_freep) struct sockets_state *s = NULL;
        size_t n_default = 0;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->skel = sockets_bpf__open();
        if (!s->skel)
                return log_error_errno(errno, "sockets: failed to open the BPF object: %m");
        r = tracer_load_skeleton(t, s->skel->skeleton);
        if (r < 0)
                return r;
        s->counters_fd = bpf_map__fd(s->skel->maps.sockets_counters);
        s->watched_fd = bpf_map__fd(s->skel->maps.unix_watched);

        /* the addresses the rules need, else the defaults; before attaching: no gap */
        if (t->env->watched_paths)
                r = sockets_watch(s, t->env->watched_paths->unix_connect.items,
                                  t->env->watched_paths->unix_connect.n);
        else {
                while (sockets_default_watched_paths[n_default])
                        n_default++;
                r = sockets_watch(s, (char *const *) sockets_default_watched_paths, n_default);
        }
        if (r < 0)
                return r;

        r = tracer_attach_skeleton(t, s->skel->skeleton, "sys_{enter,exit}_{connect,listen,socket}");
        if (r < 0)
                return r;
        t->data = TAKE_PTR(s);
        return 0;
}

static void sockets_stop(struct tracer *t)
{
        t->data = sockets_state_free(t->data);
}

const struct tracer_ops sockets_tracer_ops = {
        .info = &sockets_tracer_info,
        .needs_tracefs = true,
        .start = sockets_start,
        .stop = sockets_stop,
        .on_event = sockets_on_event,
        .filtered = sockets_filtered,
        .set_watched_paths = sockets_set_watched_paths,
};
