/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tcp tracer: one record per closed or failed connection, and quiet records at connect and
 * accept time for detection. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/libbpf.h>
#include "tracer.h"
#include "tcp-schema.h"
#include "decode.h"
#include "tcp.h"
#include "tcp.skel.h"
#include "shared/log.h"

static const char *tcp_event_name(uint16_t type)
{
        switch (type) {
        case CW_EV_TCP_CLOSE:
                return "tcp";
        case CW_EV_TCP_FAILED:
                return "tcp_failed";
        case CW_EV_TCP_CONNECT:
                return "connect";
        case CW_EV_TCP_ACCEPT:
                return "accept";
        default:
                return NULL;
        }
}

static int tcp_on_event(struct tracer *t, const void *data, size_t size)
{
        const struct cw_tcp_event *e = data;
        struct value v[_COL_MAX] = {};
        struct record r = { .schema = &tcp_schema, .values = v };
        char saddr[INET_ADDR_TEXT_MAX], daddr[INET_ADDR_TEXT_MAX];

        if (size < sizeof(*e))
                return -EBADMSG;
        r.event = tcp_event_name(e->hdr.type);
        if (!r.event)
                return -EBADMSG;
        if (format_inet_addr(saddr, e->family, e->saddr) < 0 ||
            format_inet_addr(daddr, e->family, e->daddr) < 0)
                return -EBADMSG;
        r.quiet = e->hdr.type == CW_EV_TCP_CONNECT || e->hdr.type == CW_EV_TCP_ACCEPT;
        r.time_ns = tracer_realtime(t, e->hdr.time_ns);

        /* an incoming connection closed before any process accepted it has no owner */
        if (e->flags & CW_TCP_OWNER_KNOWN) {
                r.cgroup_id = e->hdr.cgroup_id;
                value_set_u64(&v[COL_PID], e->hdr.pid);
                value_set_u64(&v[COL_TID], e->hdr.tid);
                value_set_pid_scope(&v[COL_PID_SCOPE], e->hdr.flags & CW_EVENT_HOST_PIDS);
                value_set_u64(&v[COL_UID], e->hdr.uid);
                value_set_u64(&v[COL_GID], e->hdr.gid);
                value_set_str(&v[COL_COMM], e->hdr.comm, strnlen(e->hdr.comm, sizeof(e->hdr.comm)));
                value_set_u64(&v[COL_CGROUP_ID], e->hdr.cgroup_id);
        }
        value_set_cstr(&v[COL_DIRECTION], e->direction == CW_TCP_ACCEPT ? "accept" : "connect");
        value_set_cstr(&v[COL_FAMILY], e->family == AF_INET ? "ipv4" : "ipv6");
        value_set_cstr(&v[COL_SADDR], saddr);
        value_set_u64(&v[COL_SPORT], e->sport);
        value_set_cstr(&v[COL_DADDR], daddr);
        value_set_u64(&v[COL_DPORT], e->dport);
        value_set_u64(&v[COL_DURATION_NS], e->duration_ns);
        if (e->hdr.type == CW_EV_TCP_CLOSE) {
                value_set_u64(&v[COL_BYTES_SENT], e->bytes_sent);
                value_set_u64(&v[COL_BYTES_RECEIVED], e->bytes_received);
        }
        if (e->hdr.type == CW_EV_TCP_FAILED) {
                value_set_s64(&v[COL_ERROR], e->error);
                value_set_cstr(&v[COL_ERROR_NAME], errno_name(e->error));
        }
        return tracer_emit(t, &r);
}

static int tcp_start(struct tracer *t)
{
        struct tcp_bpf *skel;
        int r;

        skel = tcp_bpf__open();
        if (!skel)
                return log_debug_errno(errno, "tcp: failed to open the BPF object: %m");
        r = tracer_load_skeleton(t, skel->skeleton);
        if (r >= 0)
                r = tracer_attach_skeleton(t, skel->skeleton, "inet_sock_set_state and sys_exit_accept{,4}");
        if (r < 0) {
                tcp_bpf__destroy(skel);
                return r;
        }
        t->data = skel;
        return 0;
}

static void tcp_stop(struct tracer *t)
{
        struct tcp_bpf *skel = t->data;

        if (skel)
                tracer_detach_skeleton(skel->skeleton);
        tcp_bpf__destroy(t->data);
        t->data = NULL;
}

const struct tracer_ops tcp_tracer_ops = {
        .info = &tcp_tracer_info,
        .needs_tracefs = true,
        .start = tcp_start,
        .stop = tcp_stop,
        .on_event = tcp_on_event,
};
