/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the service says when it runs degraded: the rules that did not load (each error in the
 * journal, in file and line order), and the STATUS= and GetStats lines that say so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "service-health.h"
#include "shared/log.h"

unsigned service_log_rule_errors(const char *headline, const char *errors, char *summary, size_t size)
{
        unsigned n = 0;
        size_t at = 0;

        for (const char *p = errors ?: ""; *p;) {
                size_t len = strcspn(p, "\n");

                if (len > 0)
                        n++;
                p += len + (p[len] == '\n');
        }
        log_error("%s: %u rule error%s", headline, n, n == 1 ? "" : "s");
        if (size > 0)
                summary[0] = '\0';
        for (const char *p = errors ?: ""; *p;) {
                size_t len = strcspn(p, "\n");

                if (len > 0) {
                        log_error("%.*s", (int) len, p);
                        if (size > 0 && at + 3 < size) {
                                int k = snprintf(summary + at, size - at, "%s%.*s", at ? "; " : "", (int) len, p);

                                at = k < 0 ? at : MIN(at + (size_t) k, size - 1);
                        }
                }
                p += len + (p[len] == '\n');
        }
        if (size > 0 && n == 0)
                snprintf(summary, size, "the rules did not load");
        return n;
}

void service_note_rules_failed(struct service *s, const char *errors)
{
        char first[256];

        s->rule_errors_at_start = service_log_rule_errors(
                "Failed to load the rules, falling back to the built-in exec detection", errors, first, sizeof(first));
        /* the first error is enough for the status line; the journal has them all */
        first[strcspn(first, ";")] = '\0';
        snprintf(s->degraded, sizeof(s->degraded), "rules not loaded (%u error%s, first: %s), built-in exec "
                 "detection only", s->rule_errors_at_start, s->rule_errors_at_start == 1 ? "" : "s", first);
}

void service_status_prefix(const struct service *s, struct strbuf *b)
{
        if (s->degraded[0])
                strbuf_printf(b, "Degraded: %s; ", s->degraded);
}
