/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tcp tracer's schema and events: TCP connections. */
#include "tcp-schema.h"

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
        [COL_PID_SCOPE] = COLUMN_PID_SCOPE,
        IDENTITY_HIDDEN_COLUMNS,
};

const struct schema tcp_schema = SCHEMA("tcp", tcp_columns, .table_event = true);

static const char *const tcp_events[] = { "tcp", "tcp_failed", "connect", "accept", NULL };

const struct tracer_info tcp_tracer_info = {
        .name = "tcp",
        .description = "TCP connections (v4, v6): addresses, ports, bytes each way, duration; failed connects",
        .schema = &tcp_schema,
        .events = tcp_events,
        .enabled_by_default = true,
};
