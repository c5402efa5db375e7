/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sockets tracer: connects to Unix sockets (unix_connect), listen() on TCP sockets (listen) and
 * the creation of packet and raw sockets (raw_socket). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <bpf/libbpf.h>
#include "tracer.h"
#include "decode.h"
#include "sockets.h"
#include "sockets-schema.h"
#include "sockets.skel.h"
#include "shared/log.h"

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

static int sockets_start(struct tracer *t)
{
        struct sockets_bpf *skel;
        int r;

        skel = sockets_bpf__open();
        if (!skel)
                return log_error_errno(errno, "sockets: failed to open the BPF object: %m");
        r = tracer_load_skeleton(t, skel->skeleton);
        if (r >= 0)
                r = tracer_attach_skeleton(t, skel->skeleton, "sys_{enter,exit}_{connect,listen,socket}");
        if (r < 0) {
                sockets_bpf__destroy(skel);
                return r;
        }
        t->data = skel;
        return 0;
}

static void sockets_stop(struct tracer *t)
{
        sockets_bpf__destroy(t->data);
        t->data = NULL;
}

const struct tracer_ops sockets_tracer_ops = {
        .info = &sockets_tracer_info,
        .needs_tracefs = true,
        .start = sockets_start,
        .stop = sockets_stop,
        .on_event = sockets_on_event,
};
