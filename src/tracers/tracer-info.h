/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What is known of a tracer without loading it: its name, the schema of its records and the
 * events they carry. The registry of these links without libbpf, so rule checking (cwatchctl,
 * the fuzzer, bench/rules) and the configuration's defaults use the real schemas. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct schema;

struct tracer_info {
        const char *name;
        const char *description;
        /* The one schema of this tracer's records, and the event names they carry (NULL-ended):
         * detection resolves rule fields against them. */
        const struct schema *schema;
        const char *const *events;
        bool enabled_by_default;        /* in [Tracers] Enable= when the configuration says nothing */
};

/* Every tracer of registry.def, in its order: tracer_infos[i] is tracer_registry[i]->info. */
extern const struct tracer_info *const tracer_infos[];
extern const size_t tracer_infos_size;

/* Index of the tracer called name, or -ENOENT. */
int tracer_info_find(const char *name);
/* The schema of the tracer called name, or NULL. */
const struct schema *tracer_info_schema(const char *name);
