/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The syscalls tracer's schema and events: security-relevant system calls. */
#include "syscalls-schema.h"

static const struct column syscalls_columns[_COL_MAX] = {
        [COL_PID] = { "pid", VALUE_U64, 7 },
        [COL_CONTAINER_NAME] = COLUMN_CONTAINER_NAME(-14),
        [COL_PPID] = { "ppid", VALUE_U64, 7 },
        [COL_UID] = { "uid", VALUE_U64, 5 },
        [COL_COMM] = { "comm", VALUE_STR, -16 },
        [COL_SYSCALL] = { "syscall", VALUE_STR, -13 },
        [COL_RET] = { "ret", VALUE_S64, 6 },
        [COL_SUMMARY] = { "summary", VALUE_STR, -1 },
        [COL_REQUEST] = { "request", VALUE_STR, 0 },
        [COL_TARGET_PID] = { "target_pid", VALUE_U64, 0 },
        [COL_FD] = { "fd", VALUE_S64, 0 },
        [COL_NSTYPE] = { "nstype", VALUE_STR, 0 },
        [COL_SOURCE] = { "source", VALUE_STR, 0 },
        [COL_TARGET] = { "target", VALUE_STR, 0 },
        [COL_FSTYPE] = { "fstype", VALUE_STR, 0 },
        [COL_PATH] = { "path", VALUE_STR, 0 },
        [COL_NAME] = { "name", VALUE_STR, 0 },
        [COL_XATTR] = { "xattr", VALUE_STR, 0 },
        [COL_VALUE_SIZE] = { "value_size", VALUE_U64, 0 },
        [COL_CAPS] = { "caps", VALUE_STR, 0 },
        [COL_LENGTH] = { "length", VALUE_U64, 0 },
        [COL_PARAMS] = { "params", VALUE_STR, 0 },
        [COL_BPF_CMD] = { "bpf_cmd", VALUE_STR, 0 },
        [COL_NEW_UID] = { "new_uid", VALUE_U64, 0 },
        [COL_NEW_EUID] = { "new_euid", VALUE_U64, 0 },
        [COL_NEW_SUID] = { "new_suid", VALUE_U64, 0 },
        [COL_NEW_GID] = { "new_gid", VALUE_U64, 0 },
        [COL_NEW_EGID] = { "new_egid", VALUE_U64, 0 },
        [COL_NEW_SGID] = { "new_sgid", VALUE_U64, 0 },
        [COL_MODE_TEXT] = { "mode_text", VALUE_STR, 0 },
        [COL_FLAGS_TEXT] = { "flags_text", VALUE_STR, 0 },
        [COL_MODE] = { "mode", VALUE_U64, 0 },
        [COL_FLAGS] = { "flags", VALUE_U64, 0 },
        [COL_ERROR_NAME] = { "error_name", VALUE_STR, 0 },
        [COL_PATH_TRUNCATED] = { "path_truncated", VALUE_BOOL, 0 },
        [COL_TARGET_SELF] = { "target_self", VALUE_BOOL, 0 },
        [COL_CAP_EFFECTIVE] = { "cap_effective", VALUE_BOOL, 0 },
        [COL_CAP_PERMITTED] = { "cap_permitted", VALUE_U64, 0 },
        [COL_CAP_INHERITABLE] = { "cap_inheritable", VALUE_U64, 0 },
        [COL_CAP_ROOTID] = { "cap_rootid", VALUE_U64, 0 },
        [COL_HOOK] = { "hook", VALUE_STR, 0 },
        [COL_TID] = { "tid", VALUE_U64, 0 },
        [COL_GID] = { "gid", VALUE_U64, 0 },
        [COL_CGROUP_ID] = { "cgroup_id", VALUE_U64, 0 },
        [COL_PID_SCOPE] = COLUMN_PID_SCOPE,
        IDENTITY_HIDDEN_COLUMNS,
};

const struct schema syscalls_schema = SCHEMA("syscall", syscalls_columns);

static const char *const syscalls_events[] = { "syscall", NULL };

const struct tracer_info syscalls_tracer_info = {
        .name = "syscalls",
        .description = "security-relevant system calls (ptrace, process_vm_readv/writev, setns, unshare, "
                       "mount, modules, bpf, setuid, memfd, fileless exec, setuid chmod, file capabilities) "
                       "with decoded arguments; calls without trace events on this kernel through "
                       "raw_tp/sys_enter and sys_exit",
        .schema = &syscalls_schema,
        .events = syscalls_events,
        .enabled_by_default = true,
};
