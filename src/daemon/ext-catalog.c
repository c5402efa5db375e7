/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>
#include "ext-catalog.h"
#include "detect/rules-check.h"
#include "tracers/ext-tracer.h"

int ext_catalog_build(const struct ext_set *set, struct detect_event_schema **events, struct detect_catalog *ret)
{
        const struct detect_catalog *builtin = detect_registry_catalog();
        size_t n = builtin->n_events + set->n_tracers;
        struct detect_event_schema *e;

        e = calloc(n, sizeof(*e));
        if (!e)
                return -ENOMEM;
        memcpy(e, builtin->events, builtin->n_events * sizeof(*e));
        for (size_t i = 0; i < set->n_tracers; i++) {
                const struct tracer_info *info = ext_tracer_ops(set->tracers[i])->info;

                e[builtin->n_events + i] = (struct detect_event_schema) { info->events[0], info->schema };
        }
        *events = e;
        *ret = (struct detect_catalog) { e, n };
        return 0;
}

int ext_rules_check_files(char *const *files, size_t n_files, const char *tracers_dir, FILE *out, FILE *err)
{
        struct ext_set set = {};
        struct detect_event_schema *events = NULL;
        struct detect_catalog catalog;
        int r;

        r = ext_set_load(&set, tracers_dir ? &tracers_dir : NULL, tracers_dir ? 1 : 0);
        if (r >= 0)
                r = ext_catalog_build(&set, &events, &catalog);
        if (r < 0) {
                fprintf(err, "rules check failed: %s\n", strerror(-r));
                ext_set_done(&set);
                return -EINVAL;
        }
        r = rules_check_files_catalog(files, n_files, &catalog, out, err);
        free(events);
        ext_set_done(&set);
        return r;
}
