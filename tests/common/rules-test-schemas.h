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

/* The real schemas of the tracers in the registry, by event: every event a tracer declares. */
static inline const struct detect_catalog *test_catalog(void)
{
        static struct detect_event_schema events[64];
        static struct detect_catalog cat;
        size_t n = 0;

        if (cat.events)
                return &cat;
        for (size_t i = 0; i < tracer_infos_size; i++)
                for (size_t j = 0; tracer_infos[i]->events[j] && n < sizeof(events) / sizeof(events[0]); j++)
                        events[n++] = (struct detect_event_schema) { tracer_infos[i]->events[j],
                                                                     tracer_infos[i]->schema };
        cat = (struct detect_catalog) { events, n };
        return &cat;
}
