/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The behaviour profiles' series for /metrics: profiles by mode, features, anomalies, evictions,
 * memory and saves. */
#pragma once

#include <stdint.h>
#include "profile/profile-sink.h"
#include "shared/strbuf.h"

struct profile_store_stats {
        uint64_t saves, save_failures;
        int64_t last_save_bytes;
};

void profile_metrics_render(struct strbuf *b, struct profile_sink *k, const struct profile_store_stats *store);
