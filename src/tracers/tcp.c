/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tcp tracer: one record per closed or failed connection, and quiet records at connect and
 * accept time for detection. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/libbpf.h>
#include "tracer.h"
#include "decode.h"
#include "tcp.h"
#include "tcp.skel.h"
#include "shared/log.h"

enum {
        COL_PID, COL_CONTAINER_NAME, COL_COMM, COL_DIRECTION, COL_SADDR, COL_SPORT, COL_DADDR, COL_DPORT,
        COL_DURATION_NS, COL_BYTES_SENT, COL_BYTES_RECEIVED, COL_ERROR_NAME,
        COL_UID, COL_TID, COL_GID, COL_FAMILY, COL_ERROR, COL_CGROUP_ID,
        COL_CONTAINER_ID, COL_RUNTIME, COL_IMAGE, COL_POD, COL_NAMESPACE, COL_UNIT,
        _COL_MAX,
};

static const struct column tcp_columns[_COL_MAX] = {
        [COL_PID] = { "pid", VALUE_U64, 7 },
        [COL_CONTAINER_NAME] = COLUMN_CONTAINER_NAME(-14),
        [COL_COMM] = { "comm", VALUE_STR, -16 },
        [COL_DIRECTION] = { "direction", VALUE_STR, -7 },
        [COL_SADDR] = { "saddr", VALUE_STR, -15 },
        [COL_SPORT] = { "sport", VALUE_U64, 5 },
        [COL_DADDR] = { "daddr", VALUE_STR, -15 },
        [COL_DPORT] = { "dport", VALUE_U64, 5 },
        [COL_DURATION_NS] = { "duration_ns", VALUE_U64, 12 },
        [COL_BYTES_SENT] = { "bytes_sent", VALUE_U64, 10 },
        [COL_BYTES_RECEIVED] = { "bytes_received", VALUE_U64, 14 },
        [COL_ERROR_NAME] = { "error_name", VALUE_STR, -12 },
        [COL_UID] = { "uid", VALUE_U64, 0 },
        [COL_TID] = { "tid", VALUE_U64, 0 },
        [COL_GID] = { "gid", VALUE_U64, 0 },
        [COL_FAMILY] = { "family", VALUE_STR, 0 },
        [COL_ERROR] = { "error", VALUE_S64, 0 },
        [COL_CGROUP_ID] = { "cgroup_id", VALUE_U64, 0 },
        IDENTITY_HIDDEN_COLUMNS,
};

static const struct schema tcp_schema = SCHEMA("tcp", tcp_columns, .table_event = true);

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
                return log_error_errno(errno, "tcp: failed to open the BPF object: %m");
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
        tcp_bpf__destroy(t->data);
        t->data = NULL;
}

static const char *const tcp_events[] = { "tcp", "tcp_failed", "connect", "accept", NULL };

const struct tracer_ops tcp_tracer_ops = {
        .name = "tcp",
        .description = "TCP connections (v4, v6): addresses, ports, bytes each way, duration; failed connects",
        .needs_tracefs = true,
        .schema = &tcp_schema,
        .events = tcp_events,
        .start = tcp_start,
        .stop = tcp_stop,
        .on_event = tcp_on_event,
};
