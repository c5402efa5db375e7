/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The process tracer's schema: its columns, by index for its decoder (process.c), and what the
 * registry of schemas knows of it (tracer-info.h). No BPF here. */
#pragma once

#include "tracer-info.h"
#include "sink/record.h"

enum {
        COL_PID, COL_CONTAINER_NAME, COL_PPID, COL_UID, COL_COMM, COL_EXIT_CODE, COL_EXE, COL_ARGS,
        COL_TID, COL_GID, COL_EUID, COL_ARGC, COL_ARGS_TRUNCATED, COL_EXE_DELETED, COL_EXE_MEMFD,
        COL_EXE_SETUID, COL_STDIN, COL_STDOUT, COL_STDERR, COL_SIGNAL, COL_CORE_DUMPED,
        COL_LIFETIME_NS, COL_CGROUP_ID, COL_MNT_NS, COL_PID_NS, COL_NET_NS,
        COL_EXE_TRUNCATED, COL_SCRIPT, COL_CWD, COL_ENV, COL_ENV_TRUNCATED, COL_STDIN_PIPE, COL_STDOUT_PIPE,
        COL_STDIN_CODE,
        COL_PID_SCOPE,
        COL_CONTAINER_ID, COL_RUNTIME, COL_IMAGE, COL_POD, COL_NAMESPACE, COL_UNIT,
        _COL_MAX,
};

extern const struct schema process_schema;
extern const struct tracer_info process_tracer_info;
