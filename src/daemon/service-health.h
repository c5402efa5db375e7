/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include "service.h"
#include "shared/strbuf.h"

/* Logs headline with the count, then each line of errors (the rule loader's, already in file and line
 * order) as its own journal entry; summary gets as many as fit, "; "-separated. Returns the count. */
unsigned service_log_rule_errors(const char *headline, const char *errors, char *summary, size_t size);

/* The rules did not load at start: logs every error, and s->degraded says so from now on. */
void service_note_rules_failed(struct service *s, const char *errors);

/* "Degraded: ...; " for STATUS= when the service runs degraded, else nothing. */
void service_status_prefix(const struct service *s, struct strbuf *b);
