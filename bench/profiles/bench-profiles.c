/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The behaviour profiles' microbenchmark: 5,000 profiles of 256 features (MaxProfiles= and
 * MaxFeatures= at their defaults), filled through the record sink as the tracers' records would,
 * then the per-record cost in steady state (known features, detecting), the cost of a record of an
 * event the profiles do not use, the memory held (counted and as resident set growth), and the size
 * and save/load time of the state file. Not a test: timings are printed, never asserted.
 *   bench-profiles [VOCABULARY]    distinct features to draw from (default 50000) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "profile/profile-sink.h"
#include "profile/profile-store.h"

#define PROFILES 5000
#define FEATURES 256
#define STEADY_RECORDS 4000000

static const struct column proc_columns[] = {
        { "pid", VALUE_U64 }, { "ppid", VALUE_U64 }, { "comm", VALUE_STR }, { "exe", VALUE_STR },
};
static const struct schema proc_schema = SCHEMA("exec", proc_columns);
static const struct column file_columns[] = {
        { "pid", VALUE_U64 }, { "reads", VALUE_U64 }, { "writes", VALUE_U64 }, { "type", VALUE_STR },
        { "comm", VALUE_STR }, { "path", VALUE_STR },
};
static const struct schema file_schema = SCHEMA("file_io", file_columns);
static const struct column other_columns[] = { { "pid", VALUE_U64 }, { "x", VALUE_U64 } };
static const struct schema other_schema = SCHEMA("metrics_only", other_columns);

static uint64_t now_ns(void)
{
        struct timespec ts;

        /* CPU time of this thread: what the profiles cost, not the time other work took the CPU */
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (uint64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long rss_kb(void)
{
        long pages = 0, rss = 0;
        FILE *f = fopen("/proc/self/statm", "r");

        if (f) {
                if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
                        rss = 0;
                fclose(f);
        }
        return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_random(void)
{
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return rng;
}

/* A path that stays distinct once generalised: words from the feature's number, plus a number
 * and a hex token for the generalisation to fold. */
static int feature_path(char *buf, size_t size, uint32_t pick)
{
        char a[8], b[8];
        uint32_t x = pick, y = pick * 2654435761u;

        for (int i = 0; i < 7; i++, x /= 26, y /= 26) {
                a[i] = 'a' + x % 26;
                b[i] = 'a' + y % 26;
        }
        a[7] = b[7] = 0;
        return snprintf(buf, size, "/srv/%s/data-%u/%s-%08x.conf", a, pick % 97, b, pick * 2654435761u);
}

static int count_raised(const struct profile_anomaly *a, void *userdata)
{
        (*(uint64_t *) userdata)++;
        return 0;
}

int main(int argc, char **argv)
{
        uint64_t vocabulary = argc > 1 ? strtoull(argv[1], NULL, 10) : 50000, raised = 0;
        static struct identity ids[PROFILES];
        static char units[PROFILES][32];
        static uint32_t picks[PROFILES][FEATURES];
        struct profile_config config;
        struct profile_set *set, *loaded;
        struct profile_sink *k;
        struct value v[6] = {};
        struct record r = { .values = v };
        char path[64], exe[64];
        long rss_before, rss_after;
        uint64_t t, t0, steady_ns, other_ns, tick_ns, save_ns, load_ns;
        size_t file_size;
        void *file;

        if (vocabulary < FEATURES)
                vocabulary = FEATURES;
        profile_config_init_default(&config);
        config.learning_period_s = 1;
        config.min_instances = 1;
        config.quiet_period_s = 0;
        memset(picks, 0xff, sizeof(picks));    /* resident before the measurement starts */
        rss_before = rss_kb();
        if (profile_set_new(&set, &config) < 0 || profile_sink_new(&k, set, NULL, NULL, count_raised, &raised) < 0)
                return 1;

        /* learning: each profile's process reads its 256 files (drawn from the vocabulary, distinct) */
        t = UINT64_C(1800000000) * 1000000000;
        for (int p = 0; p < PROFILES; p++) {
                snprintf(units[p], sizeof(units[p]), "svc%d.service", p);
                ids[p] = (struct identity) { .unit = units[p] };
                snprintf(exe, sizeof(exe), "/usr/bin/prog%d", p);
                r = (struct record) { .schema = &proc_schema, .time_ns = t, .identity = &ids[p], .values = v };
                memset(v, 0, sizeof(v));
                value_set_u64(&v[0], 1000 + p);
                value_set_u64(&v[1], 1);
                value_set_cstr(&v[2], "prog");
                value_set_cstr(&v[3], exe);
                profile_sink_on_record(k, &r);
                for (int f = 0; f < FEATURES; f++) {
                        uint32_t pick;
                        bool dup;

                        do {
                                pick = next_random() % vocabulary;
                                dup = false;
                                for (int g = 0; g < f && !dup; g++)
                                        dup = picks[p][g] == pick;
                        } while (dup);
                        picks[p][f] = pick;
                }
        }
        r = (struct record) { .schema = &file_schema, .time_ns = t, .values = v };
        memset(v, 0, sizeof(v));
        value_set_u64(&v[1], 1);
        value_set_u64(&v[2], 0);
        value_set_cstr(&v[3], "R");
        for (int f = 0; f < FEATURES; f++)
                for (int p = 0; p < PROFILES; p++) {
                        /* a hex token and a number in the name: generalisation has work to do */
                        int n = feature_path(path, sizeof(path), picks[p][f]);

                        r.identity = &ids[p];
                        value_set_u64(&v[0], 1000 + p);
                        value_set_str(&v[5], path, n);
                        profile_sink_on_record(k, &r);
                }
        profile_sink_tick(k, t + UINT64_C(10) * 1000000000);
        rss_after = rss_kb();
        printf("profiles: %zu, features: %d each (vocabulary %" PRIu64 " distinct), detecting: %s\n",
               set->n_profiles, FEATURES, vocabulary, set->lru_head->mode == PROFILE_DETECTING ? "yes" : "no");

        /* steady state: known features of random processes */
        t += UINT64_C(20) * 1000000000;
        r.time_ns = t;
        t0 = now_ns();
        for (int i = 0; i < STEADY_RECORDS; i++) {
                uint64_t x = next_random();
                int p = x % PROFILES, f = (x >> 32) % FEATURES;
                int n = feature_path(path, sizeof(path), picks[p][f]);

                r.identity = &ids[p];
                value_set_u64(&v[0], 1000 + p);
                value_set_str(&v[5], path, n);
                profile_sink_on_record(k, &r);
        }
        steady_ns = now_ns() - t0;

        /* the same loop without the sink: what building the records costs, subtracted */
        t0 = now_ns();
        for (int i = 0; i < STEADY_RECORDS; i++) {
                uint64_t x = next_random();
                int p = x % PROFILES, f = (x >> 32) % FEATURES;
                int n = feature_path(path, sizeof(path), picks[p][f]);

                r.identity = &ids[p];
                value_set_u64(&v[0], 1000 + p);
                value_set_str(&v[5], path, n);
                __asm__ volatile("" : : "r"(&r) : "memory");
        }
        steady_ns -= MIN(steady_ns, now_ns() - t0);

        /* an event the profiles do not use */
        r = (struct record) { .schema = &other_schema, .time_ns = t, .values = v };
        value_set_u64(&v[0], 1000);
        value_set_u64(&v[1], 1);
        t0 = now_ns();
        for (int i = 0; i < STEADY_RECORDS; i++)
                profile_sink_on_record(k, &r);
        other_ns = now_ns() - t0;

        t0 = now_ns();
        profile_sink_tick(k, t + UINT64_C(30) * 1000000000);
        tick_ns = now_ns() - t0;

        t0 = now_ns();
        if (profile_store_encode(set, &file, &file_size) < 0)
                return 1;
        save_ns = now_ns() - t0;
        t0 = now_ns();
        if (profile_store_decode(file, file_size, &config, &loaded) < 0)
                return 1;
        load_ns = now_ns() - t0;

        printf("per record, known feature (generalise + hash + probe + count): %.0f ns\n",
               (double) steady_ns / STEADY_RECORDS);
        printf("per record of an event profiles do not use: %.1f ns\n", (double) other_ns / STEADY_RECORDS);
        printf("CPU at 10,000 records/s: %.3f%% of a core for the records + %.3f%% for the passes over every "
               "process and profile (%.2f ms once per 5 s window)\n",
               (double) steady_ns / STEADY_RECORDS * 10000 / 1e9 * 100, tick_ns / 5e9 * 100, tick_ns / 1e6);
        printf("memory held (counted): %.1f MB; resident set growth: %.1f MB\n",
               profile_set_memory(set) / 1048576.0, (rss_after - rss_before) / 1024.0);
        printf("state file: %.2f MB (%zu profiles, %" PRIu64 " features); encode %.0f ms, decode %.0f ms\n",
               file_size / 1048576.0, loaded->n_profiles, (uint64_t) PROFILES * FEATURES, save_ns / 1e6,
               load_ns / 1e6);
        printf("anomalies raised in steady state: %" PRIu64 "\n", raised);
        free(file);
        profile_set_free(loaded);
        profile_sink_free(k);
        return 0;
}
