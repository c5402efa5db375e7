/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sockets tracer's schema: its columns, by index for its decoder (sockets.c), and what the
 * registry of schemas knows of it (tracer-info.h). No BPF here. */
#pragma once

#include "tracer-info.h"
#include "sink/record.h"

enum {
        COL_PID, COL_CONTAINER_NAME, COL_COMM, COL_FAMILY, COL_TYPE, COL_PROTOCOL_NAME, COL_RESULT,
        COL_ERROR_NAME, COL_LADDR, COL_LPORT, COL_BACKLOG, COL_PATH,
        /* not in the table */
        COL_PEER_PATH, COL_PPID, COL_TID, COL_UID, COL_GID, COL_PROTOCOL, COL_FD, COL_CGROUP_ID,
        COL_PID_SCOPE,
        COL_CONTAINER_ID, COL_RUNTIME, COL_IMAGE, COL_POD, COL_NAMESPACE, COL_UNIT,
        _COL_MAX,
};

extern const struct schema sockets_schema;
extern const struct tracer_info sockets_tracer_info;
