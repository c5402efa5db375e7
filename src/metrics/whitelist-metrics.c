/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "whitelist-metrics.h"
#include "exposition.h"
#include "shared/macro.h"

static void counter(struct strbuf *b, const char *name, const char *type, const char *help, uint64_t v)
{
        expo_family(b, name, type, help);
        expo_sample_u64(b, name, NULL, 0, v);
}

struct by_state {
        uint64_t local, global, denied, revoked;
};

static int count_state(const struct whitelist_entry *e, void *userdata)
{
        struct by_state *s = userdata;

        if (e->malicious)
                s->denied++;
        else if (e->revoked)
                s->revoked++;
        else if (e->global)
                s->global++;
        else
                s->local++;
        return 0;
}

void whitelist_metrics_render(struct strbuf *b, struct whitelist_sink *k, uint64_t saves, uint64_t save_failures)
{
        const struct whitelist_sink_stats *st = whitelist_sink_stats(k);
        struct by_state s = {};

        (void) whitelist_foreach(whitelist_sink_get(k), count_state, &s);
        expo_family(b, "cwatch_whitelist_programs", "gauge",
                    "Programs in the whitelist, by state (local, global, denied, revoked).");
        expo_sample_u64(b, "cwatch_whitelist_programs", &(struct label) { "state", "local" }, 1, s.local);
        expo_sample_u64(b, "cwatch_whitelist_programs", &(struct label) { "state", "global" }, 1, s.global);
        expo_sample_u64(b, "cwatch_whitelist_programs", &(struct label) { "state", "denied" }, 1, s.denied);
        expo_sample_u64(b, "cwatch_whitelist_programs", &(struct label) { "state", "revoked" }, 1, s.revoked);
        counter(b, "cwatch_whitelist_execs_total", "counter", "Execs the whitelist looked at.", st->execs);
        counter(b, "cwatch_whitelist_cache_hits_total", "counter", "Execs whose file version was already hashed.",
                st->cache_hits);
        counter(b, "cwatch_whitelist_hashed_files_total", "counter", "File versions hashed.", st->hashed_files);
        counter(b, "cwatch_whitelist_hashed_bytes_total", "counter", "Bytes hashed.", st->hashed_bytes);
        counter(b, "cwatch_whitelist_hash_pending", "gauge", "Files waiting to be hashed.", whitelist_sink_pending(k));
        expo_family(b, "cwatch_whitelist_unidentified_total", "counter",
                    "Execs left without an identity: the file was gone, larger than MaxHashBytes=, more than "
                    "256 files were waiting, or it could not be read.");
        expo_sample_u64(b, "cwatch_whitelist_unidentified_total", &(struct label) { "why", "vanished" }, 1,
                        st->vanished);
        expo_sample_u64(b, "cwatch_whitelist_unidentified_total", &(struct label) { "why", "too_large" }, 1,
                        st->too_large);
        expo_sample_u64(b, "cwatch_whitelist_unidentified_total", &(struct label) { "why", "queue_full" }, 1,
                        st->pending_dropped);
        expo_sample_u64(b, "cwatch_whitelist_unidentified_total", &(struct label) { "why", "read_error" }, 1,
                        st->hash_errors);
        counter(b, "cwatch_whitelist_deny_hits_total", "counter", "Executions of deny-listed or revoked programs.",
                st->deny_hits);
        counter(b, "cwatch_whitelist_saves_total", "counter", "Times the whitelist was saved.", saves);
        counter(b, "cwatch_whitelist_save_failures_total", "counter", "Failed saves of the whitelist.", save_failures);
}
