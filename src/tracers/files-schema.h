/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The files tracer's schema: its columns, by index for its decoder (files.c), and what the
 * registry of schemas knows of it (tracer-info.h). No BPF here. */
#pragma once

#include "tracer-info.h"
#include "sink/record.h"

enum {
        COL_PID, COL_CONTAINER_NAME, COL_READS, COL_WRITES, COL_READ_BYTES, COL_WRITE_BYTES, COL_TYPE,
        COL_COMM, COL_FILENAME,
        COL_UID, COL_DEV, COL_INO, COL_PATH, COL_CGROUP_ID,
        COL_TID, COL_PPID, COL_FLAGS, COL_FLAGS_TEXT, COL_WRITE, COL_SYSCALL, COL_RESULT, COL_CREATED, COL_MODE,
        COL_PATH_TRUNCATED,
        COL_PID_SCOPE,
        COL_CONTAINER_ID, COL_RUNTIME, COL_IMAGE, COL_POD, COL_NAMESPACE, COL_UNIT,
        _COL_MAX,
};

extern const struct schema files_schema;
extern const struct tracer_info files_tracer_info;
