/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The files tracer's schema and events: file I/O per interval and opens of watched paths. */
#include "files-schema.h"

static const struct column files_columns[_COL_MAX] = {
        [COL_PID] = { "pid", VALUE_U64, 7 },
        [COL_CONTAINER_NAME] = COLUMN_CONTAINER_NAME(-14),
        [COL_READS] = { "reads", VALUE_U64, 7 },
        [COL_WRITES] = { "writes", VALUE_U64, 7 },
        [COL_READ_BYTES] = { "read_bytes", VALUE_U64, 11 },
        [COL_WRITE_BYTES] = { "write_bytes", VALUE_U64, 11 },
        [COL_TYPE] = { "type", VALUE_STR, -4 },
        [COL_COMM] = { "comm", VALUE_STR, -16 },
        [COL_FILENAME] = { "filename", VALUE_STR, -1 },
        [COL_UID] = { "uid", VALUE_U64, 0 },
        [COL_DEV] = { "dev", VALUE_U64, 0 },
        [COL_INO] = { "ino", VALUE_U64, 0 },
        [COL_PATH] = { "path", VALUE_STR, 0 },
        [COL_CGROUP_ID] = { "cgroup_id", VALUE_U64, 0 },
        /* set by opens only: not sort keys for the interval rows */
        [COL_TID] = { "tid", VALUE_U64, 0, SOURCE_TRACER, .event_only = true },
        [COL_PPID] = { "ppid", VALUE_U64, 0, SOURCE_TRACER, .event_only = true },
        [COL_FLAGS] = { "flags", VALUE_U64, 0, SOURCE_TRACER, .event_only = true },
        [COL_FLAGS_TEXT] = { "flags_text", VALUE_STR, 0, SOURCE_TRACER, .event_only = true },
        [COL_WRITE] = { "write", VALUE_BOOL, 0, SOURCE_TRACER, .event_only = true },
        [COL_SYSCALL] = { "syscall", VALUE_STR, 0, SOURCE_TRACER, .event_only = true },
        [COL_RESULT] = { "result", VALUE_S64, 0, SOURCE_TRACER, .event_only = true },
        [COL_CREATED] = { "created", VALUE_BOOL, 0, SOURCE_TRACER, .event_only = true },
        [COL_MODE] = { "mode", VALUE_U64, 0, SOURCE_TRACER, .event_only = true },
        [COL_PATH_TRUNCATED] = { "path_truncated", VALUE_BOOL, 0 },
        [COL_PID_SCOPE] = COLUMN_PID_SCOPE,
        IDENTITY_HIDDEN_COLUMNS,
};

const struct schema files_schema = SCHEMA("file_io", files_columns);

static const char *const files_events[] = { "file_io", "open", NULL };

const struct tracer_info files_tracer_info = {
        .name = "files",
        .description = "reads, writes and bytes per process and file every interval; opens of watched paths",
        .schema = &files_schema,
        .events = files_events,
        .enabled_by_default = true,
};
