/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The process tracer's schema and events: exec, fork and exit. */
#include "process-schema.h"

static const struct column process_columns[_COL_MAX] = {
        [COL_PID] = { "pid", VALUE_U64, 7 },
        [COL_CONTAINER_NAME] = COLUMN_CONTAINER_NAME(-14),
        [COL_PPID] = { "ppid", VALUE_U64, 7 },
        [COL_UID] = { "uid", VALUE_U64, 5 },
        [COL_COMM] = { "comm", VALUE_STR, -16 },
        [COL_EXIT_CODE] = { "exit_code", VALUE_S64, 9 },
        [COL_EXE] = { "exe", VALUE_STR, -24 },
        [COL_ARGS] = { "args", VALUE_STRV, -1 },
        [COL_TID] = { "tid", VALUE_U64, 0 },
        [COL_GID] = { "gid", VALUE_U64, 0 },
        [COL_EUID] = { "euid", VALUE_U64, 0 },
        [COL_ARGC] = { "argc", VALUE_U64, 0 },
        [COL_ARGS_TRUNCATED] = { "args_truncated", VALUE_BOOL, 0 },
        [COL_EXE_DELETED] = { "exe_deleted", VALUE_BOOL, 0 },
        [COL_EXE_MEMFD] = { "exe_memfd", VALUE_BOOL, 0 },
        [COL_EXE_SETUID] = { "exe_setuid", VALUE_BOOL, 0 },
        [COL_STDIN] = { "stdin", VALUE_STR, 0 },
        [COL_STDOUT] = { "stdout", VALUE_STR, 0 },
        [COL_STDERR] = { "stderr", VALUE_STR, 0 },
        [COL_SIGNAL] = { "signal", VALUE_U64, 0 },
        [COL_CORE_DUMPED] = { "core_dumped", VALUE_BOOL, 0 },
        [COL_LIFETIME_NS] = { "lifetime_ns", VALUE_U64, 0 },
        [COL_CGROUP_ID] = { "cgroup_id", VALUE_U64, 0 },
        [COL_MNT_NS] = { "mnt_ns", VALUE_U64, 0 },
        [COL_PID_NS] = { "pid_ns", VALUE_U64, 0 },
        [COL_NET_NS] = { "net_ns", VALUE_U64, 0 },
        [COL_EXE_TRUNCATED] = { "exe_truncated", VALUE_BOOL, 0 },
        [COL_SCRIPT] = { "script", VALUE_STR, 0 },
        [COL_CWD] = { "cwd", VALUE_STR, 0 },
        [COL_ENV] = { "env", VALUE_STRV, 0 },
        [COL_ENV_TRUNCATED] = { "env_truncated", VALUE_BOOL, 0 },
        [COL_STDIN_PIPE] = { "stdin_pipe", VALUE_U64, 0 },
        [COL_STDOUT_PIPE] = { "stdout_pipe", VALUE_U64, 0 },
        [COL_STDIN_CODE] = { "stdin_code", VALUE_BOOL, 0 },
        [COL_PID_SCOPE] = COLUMN_PID_SCOPE,
        IDENTITY_HIDDEN_COLUMNS,
};

const struct schema process_schema = SCHEMA("process", process_columns, .table_event = true);

static const char *const process_events[] = { "exec", "fork", "exit", NULL };

const struct tracer_info process_tracer_info = {
        .name = "process",
        .description = "process exec (path, argv, ids, namespaces), fork and exit (code, lifetime)",
        .schema = &process_schema,
        .events = process_events,
        .enabled_by_default = true,
};
