/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The whitelist's series for /metrics: programs known (by state), execs identified, hashing, the
 * cache, deny-list hits, the state file's saves. */
#pragma once

#include <stdint.h>
#include "shared/strbuf.h"
#include "whitelist/whitelist-sink.h"

void whitelist_metrics_render(struct strbuf *b, struct whitelist_sink *k, uint64_t saves, uint64_t save_failures);
