/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "profile-metrics.h"
#include "exposition.h"
#include "shared/macro.h"

static void counter(struct strbuf *b, const char *name, const char *type, const char *help, uint64_t v)
{
        expo_family(b, name, type, help);
        expo_sample_u64(b, name, NULL, 0, v);
}

void profile_metrics_render(struct strbuf *b, struct profile_sink *k, const struct profile_store_stats *store)
{
        const struct profile_set *set = profile_sink_get_set(k);
        struct profile_sink_stats st;
        uint64_t by_mode[_PROFILE_MODE_MAX] = {}, features = 0;

        profile_sink_get_stats(k, &st);
        for (const struct profile *p = set->lru_head; p; p = p->lru_next) {
                by_mode[p->mode < _PROFILE_MODE_MAX ? p->mode : 0]++;
                features += p->n_features;
        }
        expo_family(b, "cwatch_profiles", "gauge", "Behaviour profiles, by mode (learning or detecting).");
        for (int m = 0; m < _PROFILE_MODE_MAX; m++)
                expo_sample_u64(b, "cwatch_profiles", &(struct label) { "mode", profile_mode_to_string(m) }, 1,
                                by_mode[m]);
        counter(b, "cwatch_profile_features", "gauge", "Features held by all behaviour profiles.", features);
        counter(b, "cwatch_profile_memory_bytes", "gauge", "Memory the behaviour profiles hold (tables, names).",
                profile_set_memory(set));
        counter(b, "cwatch_profile_anomalies_total", "counter", "Anomalies the behaviour profiles raised.",
                st.anomalies);
        counter(b, "cwatch_profile_stories_below_threshold_total", "counter",
                "Stories of new behaviour that closed below their profile's threshold.", st.below_threshold);
        counter(b, "cwatch_profile_features_observed_total", "counter", "Features derived from records.",
                st.features);
        counter(b, "cwatch_profile_learning_completed_total", "counter",
                "Profiles that finished learning and started detecting.", st.to_detecting);
        expo_family(b, "cwatch_profile_evictions_total", "counter",
                    "Evictions: least recently used profiles (MaxProfiles=), least recently seen features of a "
                    "full profile (MaxFeatures=), features decayed to nothing.");
        expo_sample_u64(b, "cwatch_profile_evictions_total", &(struct label) { "what", "profile" }, 1,
                        set->stats.profiles_evicted);
        expo_sample_u64(b, "cwatch_profile_evictions_total", &(struct label) { "what", "feature" }, 1,
                        set->stats.features_evicted);
        expo_sample_u64(b, "cwatch_profile_evictions_total", &(struct label) { "what", "decayed" }, 1,
                        set->stats.features_forgotten);
        counter(b, "cwatch_profile_untracked_processes_total", "counter",
                "Processes not followed because the profiles' process table was full.", st.untracked);
        if (store) {
                counter(b, "cwatch_profile_saves_total", "counter", "Times the profiles were saved.", store->saves);
                counter(b, "cwatch_profile_save_failures_total", "counter", "Failed saves of the profiles.",
                        store->save_failures);
                counter(b, "cwatch_profile_file_bytes", "gauge", "Size of the profile file at the last save.",
                        store->last_save_bytes > 0 ? (uint64_t) store->last_save_bytes : 0);
        }
}
