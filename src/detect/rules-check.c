/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>
#include "rules-check.h"
#include "shared/macro.h"
#include "shared/strbuf.h"
#include "tracers/tracer-info.h"

const struct detect_catalog *detect_registry_catalog(void)
{
        static struct detect_event_schema events[64];
        static struct detect_catalog catalog;
        size_t n = 0;

        if (catalog.events)
                return &catalog;
        for (size_t i = 0; i < tracer_infos_size; i++) {
                const struct tracer_info *info = tracer_infos[i];

                for (size_t j = 0; info->schema && info->events && info->events[j] && n < ELEMENTSOF(events); j++)
                        events[n++] = (struct detect_event_schema) { info->events[j], info->schema };
        }
        catalog = (struct detect_catalog) { events, n };
        return &catalog;
}

/* The rules that ask the response for an action: what [Response] Enable=yes would do. */
static void print_actions(const struct detect_engine *e, FILE *out)
{
        size_t n = detect_engine_n_rules(e);
        _cleanup_free_ struct detect_rule_info *rules = calloc(n ?: 1, sizeof(*rules));

        if (!rules)
                return;
        detect_engine_rules(e, rules, n);
        for (size_t i = 0; i < n; i++)
                if (rules[i].action != RESPONSE_ACTION_NONE)
                        fprintf(out, "rule %s: Action=%s (with [Response] Enable=yes in cwatchd.conf)\n", rules[i].name,
                                response_action_to_string(rules[i].action));
}

int rules_check_files(char *const *files, size_t n_files, FILE *out, FILE *err)
{
        return rules_check_files_catalog(files, n_files, detect_registry_catalog(), out, err);
}

int rules_check_files_catalog(char *const *files, size_t n_files, const struct detect_catalog *catalog, FILE *out,
                              FILE *err)
{
        _cleanup_(detect_engine_freep) struct detect_engine *e = NULL;
        struct strbuf errors = {};
        const char *const *ev;
        size_t n;
        int r;

        r = detect_engine_load_files(&e, files, n_files, catalog, &errors);
        if (errors.len > 0)
                fputs(errors.data, err);
        strbuf_free(&errors);
        if (r < 0) {
                if (r != -EINVAL)
                        fprintf(err, "rules check failed: %s\n", strerror(-r));
                return -EINVAL;
        }
        n = detect_engine_inactive_events(e, &ev);
        for (size_t i = 0; i < n; i++)
                fprintf(err, "warning: no tracer in this build provides event '%s'; rules on it are not checked "
                        "against a schema and stay inactive\n", ev[i]);
        fprintf(out, "%zu rules in %zu files: OK\n", detect_engine_n_rules(e), n_files);
        print_actions(e, out);
        return 0;
}
