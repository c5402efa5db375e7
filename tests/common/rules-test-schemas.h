/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The real schemas of the tracers (tracers/tracer-info.h: no BPF needed), for tests of rules with
 * synthetic records, and a catalog of their events. */
#pragma once

#include <stdlib.h>
#include "detect/engine.h"
#include "sink/record.h"
#include "tracers/tracer-info.h"

/* The schema of a tracer in the registry (the rules see nothing else on the live kernel: a
 * synthetic copy once let a rule compare ptrace's named request with numbers). */
static inline const struct schema *test_tracer_schema(const char *tracer)
{
        const struct schema *s = tracer_info_schema(tracer);

        if (!s)
                abort();
        return s;
}

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
