/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tcp tracer's schema: its columns, by index for its decoder (tcp.c), and what the
 * registry of schemas knows of it (tracer-info.h). No BPF here. */
#pragma once

#include "tracer-info.h"
#include "sink/record.h"

enum {
        COL_PID, COL_CONTAINER_NAME, COL_COMM, COL_DIRECTION, COL_SADDR, COL_SPORT, COL_DADDR, COL_DPORT,
        COL_DURATION_NS, COL_BYTES_SENT, COL_BYTES_RECEIVED, COL_ERROR_NAME,
        COL_UID, COL_TID, COL_GID, COL_FAMILY, COL_ERROR, COL_CGROUP_ID,
        COL_PID_SCOPE,
        COL_CONTAINER_ID, COL_RUNTIME, COL_IMAGE, COL_POD, COL_NAMESPACE, COL_UNIT,
        _COL_MAX,
};

extern const struct schema tcp_schema;
extern const struct tracer_info tcp_tracer_info;
