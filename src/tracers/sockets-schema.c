/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sockets tracer's schema and events: Unix-socket connects, TCP listen(), packet and raw
 * sockets. */
#include "sockets-schema.h"


static const struct column sockets_columns[_COL_MAX] = {
        [COL_PID] = { "pid", VALUE_U64, 7 },
        [COL_CONTAINER_NAME] = COLUMN_CONTAINER_NAME(-14),
        [COL_COMM] = { "comm", VALUE_STR, -16 },
        [COL_FAMILY] = { "family", VALUE_STR, -7 },
        [COL_TYPE] = { "type", VALUE_STR, -9 },
        [COL_PROTOCOL_NAME] = { "protocol_name", VALUE_STR, -13 },
        [COL_RESULT] = { "result", VALUE_S64, 6 },
        [COL_ERROR_NAME] = { "error_name", VALUE_STR, -12 },
        [COL_LADDR] = { "laddr", VALUE_STR, -15 },
        [COL_LPORT] = { "lport", VALUE_U64, 5 },
        [COL_BACKLOG] = { "backlog", VALUE_S64, 7 },
        [COL_PATH] = { "path", VALUE_STR, -1 },
        [COL_PEER_PATH] = { "peer_path", VALUE_STR, 0 },
        [COL_PPID] = { "ppid", VALUE_U64, 0 },
        [COL_TID] = { "tid", VALUE_U64, 0 },
        [COL_UID] = { "uid", VALUE_U64, 0 },
        [COL_GID] = { "gid", VALUE_U64, 0 },
        [COL_PROTOCOL] = { "protocol", VALUE_U64, 0 },
        [COL_FD] = { "fd", VALUE_S64, 0 },
        [COL_CGROUP_ID] = { "cgroup_id", VALUE_U64, 0 },
        [COL_PID_SCOPE] = COLUMN_PID_SCOPE,
        IDENTITY_HIDDEN_COLUMNS,
};

const struct schema sockets_schema = SCHEMA("sockets", sockets_columns, .table_event = true);

static const char *const sockets_events[] = { "unix_connect", "listen", "raw_socket", NULL };

const struct tracer_info sockets_tracer_info = {
        .name = "sockets",
        .description = "connects to Unix sockets (path), TCP listen() (address, port, backlog), packet and raw sockets",
        .schema = &sockets_schema,
        .events = sockets_events,
        .enabled_by_default = true,
};
