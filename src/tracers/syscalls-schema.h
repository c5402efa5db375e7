/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The syscalls tracer's schema: its columns, by index for its decoder (syscalls.c), and what the
 * registry of schemas knows of it (tracer-info.h). No BPF here. */
#pragma once

#include "tracer-info.h"
#include "sink/record.h"

enum {
        COL_PID, COL_CONTAINER_NAME, COL_PPID, COL_UID, COL_COMM, COL_SYSCALL, COL_RET, COL_SUMMARY,
        /* decoded arguments, in the order the summary shows them */
        COL_REQUEST, COL_TARGET_PID, COL_FD, COL_NSTYPE, COL_SOURCE, COL_TARGET, COL_FSTYPE, COL_PATH,
        COL_NAME, COL_XATTR, COL_VALUE_SIZE, COL_CAPS, COL_LENGTH, COL_PARAMS, COL_BPF_CMD, COL_NEW_UID,
        COL_NEW_EUID, COL_NEW_SUID, COL_NEW_GID, COL_NEW_EGID, COL_NEW_SGID, COL_MODE_TEXT, COL_FLAGS_TEXT,
        /* not in the summary */
        COL_MODE, COL_FLAGS, COL_ERROR_NAME, COL_PATH_TRUNCATED, COL_TARGET_SELF, COL_CAP_EFFECTIVE,
        COL_CAP_PERMITTED, COL_CAP_INHERITABLE, COL_CAP_ROOTID, COL_HOOK, COL_TID, COL_GID, COL_CGROUP_ID,
        COL_PID_SCOPE,
        COL_CONTAINER_ID, COL_RUNTIME, COL_IMAGE, COL_POD, COL_NAMESPACE, COL_UNIT,
        _COL_MAX,
};

extern const struct schema syscalls_schema;
extern const struct tracer_info syscalls_tracer_info;
