/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The schemas of the process, files, tcp and syscalls tracers as the registry has them, for tests
 * of rules with synthetic records, and a catalog of their events. */
#pragma once

#include <stdlib.h>
#include <string.h>
#include "detect/engine.h"
#include "sink/record.h"
#include "tracers/tracer.h"

/* The real schema of a tracer in the registry (the rules see nothing else on the live kernel: a
 * synthetic copy once let a rule compare ptrace's named request with numbers). */
static inline const struct schema *test_tracer_schema(const char *tracer)
{
        for (size_t i = 0; i < tracer_registry_size; i++)
                if (strcmp(tracer_registry[i]->name, tracer) == 0)
                        return tracer_registry[i]->schema;
        abort();
}

/* Copies of a subset of the files, tcp and syscalls schemas for programs built without the
 * tracers (the fuzzer, bench/rules); unit-rules-eval checks they match the real ones. */
enum { FC_PID, FC_UID, FC_COMM, FC_PATH, FC_FLAGS, FC_FLAGS_TEXT, FC_WRITE, FC_SYSCALL, FC_RESULT,
       FC_FILENAME, FC_CONTAINER_NAME, FC_CONTAINER_ID, FC_RUNTIME, FC_IMAGE, FC_POD, FC_NAMESPACE, FC_UNIT,
       _FC_MAX };
static const struct column test_files_columns[_FC_MAX] = {
        [FC_PID] = { "pid", VALUE_U64, 7 }, [FC_UID] = { "uid", VALUE_U64, 5 },
        [FC_COMM] = { "comm", VALUE_STR, -16 }, [FC_PATH] = { "path", VALUE_STR, -1 },
        [FC_FLAGS] = { "flags", VALUE_U64, 0 }, [FC_FLAGS_TEXT] = { "flags_text", VALUE_STR, 0 },
        [FC_WRITE] = { "write", VALUE_BOOL, 0 }, [FC_SYSCALL] = { "syscall", VALUE_STR, 0 },
        [FC_RESULT] = { "result", VALUE_S64, 0 }, [FC_FILENAME] = { "filename", VALUE_STR, 0 },
        [FC_CONTAINER_NAME] = COLUMN_CONTAINER_NAME(0), [FC_CONTAINER_ID] = COLUMN_CONTAINER_ID,
        [FC_RUNTIME] = COLUMN_RUNTIME, [FC_IMAGE] = COLUMN_IMAGE, [FC_POD] = COLUMN_POD,
        [FC_NAMESPACE] = COLUMN_NAMESPACE, [FC_UNIT] = COLUMN_UNIT,
};
static const struct schema test_files_schema = SCHEMA("files", test_files_columns);

enum { TC_PID, TC_UID, TC_COMM, TC_DIRECTION, TC_FAMILY, TC_SADDR, TC_SPORT, TC_DADDR, TC_DPORT,
       TC_CONTAINER_NAME, TC_CONTAINER_ID, _TC_MAX };
static const struct column test_tcp_columns[_TC_MAX] = {
        [TC_PID] = { "pid", VALUE_U64, 7 }, [TC_UID] = { "uid", VALUE_U64, 5 },
        [TC_COMM] = { "comm", VALUE_STR, -16 }, [TC_DIRECTION] = { "direction", VALUE_STR, 0 },
        [TC_FAMILY] = { "family", VALUE_STR, 0 }, [TC_SADDR] = { "saddr", VALUE_STR, 0 },
        [TC_SPORT] = { "sport", VALUE_U64, 0 }, [TC_DADDR] = { "daddr", VALUE_STR, 0 },
        [TC_DPORT] = { "dport", VALUE_U64, 0 },
        [TC_CONTAINER_NAME] = COLUMN_CONTAINER_NAME(0), [TC_CONTAINER_ID] = COLUMN_CONTAINER_ID,
};
static const struct schema test_tcp_schema = SCHEMA("tcp", test_tcp_columns);

enum { SC_PID, SC_UID, SC_COMM, SC_SYSCALL, SC_RET, SC_REQUEST, SC_TARGET_PID, SC_FLAGS, SC_FLAGS_TEXT,
       SC_NSTYPE, SC_PATH, SC_SOURCE, SC_TARGET, SC_FSTYPE, SC_MODE, SC_MODE_TEXT, SC_BPF_CMD, SC_NAME,
       SC_NEW_UID, SC_FD, SC_CONTAINER_NAME, SC_CONTAINER_ID, _SC_MAX };
static const struct column test_syscall_columns[_SC_MAX] = {
        [SC_PID] = { "pid", VALUE_U64, 7 }, [SC_UID] = { "uid", VALUE_U64, 5 },
        [SC_COMM] = { "comm", VALUE_STR, -16 }, [SC_SYSCALL] = { "syscall", VALUE_STR, 0 },
        [SC_RET] = { "ret", VALUE_S64, 0 }, [SC_REQUEST] = { "request", VALUE_STR, 0 },
        [SC_TARGET_PID] = { "target_pid", VALUE_U64, 0 }, [SC_FLAGS] = { "flags", VALUE_U64, 0 },
        [SC_FLAGS_TEXT] = { "flags_text", VALUE_STR, 0 }, [SC_NSTYPE] = { "nstype", VALUE_STR, 0 },
        [SC_PATH] = { "path", VALUE_STR, 0 }, [SC_SOURCE] = { "source", VALUE_STR, 0 },
        [SC_TARGET] = { "target", VALUE_STR, 0 }, [SC_FSTYPE] = { "fstype", VALUE_STR, 0 },
        [SC_MODE] = { "mode", VALUE_U64, 0 }, [SC_MODE_TEXT] = { "mode_text", VALUE_STR, 0 },
        [SC_BPF_CMD] = { "bpf_cmd", VALUE_STR, 0 }, [SC_NAME] = { "name", VALUE_STR, 0 },
        [SC_NEW_UID] = { "new_uid", VALUE_U64, 0 }, [SC_FD] = { "fd", VALUE_S64, 0 },
        [SC_CONTAINER_NAME] = COLUMN_CONTAINER_NAME(0), [SC_CONTAINER_ID] = COLUMN_CONTAINER_ID,
};
static const struct schema test_syscall_schema = SCHEMA("syscalls", test_syscall_columns);

/* The real schemas of the tracers in the registry, by event. */
static inline const struct detect_catalog *test_catalog(void)
{
        static struct detect_event_schema events[12];
        static struct detect_catalog cat;
        const struct schema *process = test_tracer_schema("process"), *files = test_tracer_schema("files");
        const struct schema *tcp = test_tracer_schema("tcp"), *syscalls = test_tracer_schema("syscalls");
        size_t n = 0;

        if (cat.events)
                return &cat;
        events[n++] = (struct detect_event_schema) { "exec", process };
        events[n++] = (struct detect_event_schema) { "fork", process };
        events[n++] = (struct detect_event_schema) { "exit", process };
        events[n++] = (struct detect_event_schema) { "open", files };
        events[n++] = (struct detect_event_schema) { "file_io", files };
        events[n++] = (struct detect_event_schema) { "connect", tcp };
        events[n++] = (struct detect_event_schema) { "accept", tcp };
        events[n++] = (struct detect_event_schema) { "syscall", syscalls };
        cat = (struct detect_catalog) { events, n };
        return &cat;
}
