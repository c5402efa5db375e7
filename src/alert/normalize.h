/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include "shared/strbuf.h"

/* Generalises an object (path, command line, address) for alert signatures: numbers, hex and
 * random-looking tokens become "*", so "/proc/4242/environ" and "/proc/17/environ" agree. */
void alert_normalize_object(struct strbuf *out, const char *s, size_t len);
