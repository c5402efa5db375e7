/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Identity per event: the cost of identity_lookup() (and of filling a record's identity columns
 * from it) on a warm map of N cgroups, and the memory each tracked cgroup costs. No kernel, no
 * root: the cgroups are synthetic, the runtimes' files are real files in a temporary root. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "identity/identity.h"
#include "sink/record.h"
#include "shared/log.h"

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void hex_id(char *out, uint64_t seed)
{
        for (int i = 0; i < 64; i++) {
                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                out[i] = "0123456789abcdef"[seed >> 60];
        }
        out[64] = 0;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;

        return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
        size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
        size_t lookups = getenv("BENCH_LOOKUPS") ? strtoul(getenv("BENCH_LOOKUPS"), NULL, 10) : 10 * 1000 * 1000;
        char root[] = "/tmp/cwatch-bench-XXXXXX", docker[64], path[512], id[65], cmd[128];
        struct identity_context *c;
        struct identity_stats st;
        uint64_t *ids, *order, sink = 0;
        size_t heap_before, heap_after;
        double runs[5], runs_fill[5];
        int r;

        log_setup(LOG_TARGET_CONSOLE, LOG_WARNING);
        if (n == 0 || !mkdtemp(root))
                return 1;
        snprintf(docker, sizeof(docker), "%s/docker", root);

        ids = calloc(n, sizeof(*ids));
        order = calloc(lookups, sizeof(*order));
        if (!ids || !order)
                return 1;

        heap_before = mallinfo2().uordblks;
        r = identity_context_new(&c, &(struct identity_config) {
                .roots = { .docker = docker, .podman = root, .pods = root },
                .cgroup_mount = root, .no_walk = true, .max_cgroups = n + 1 });
        if (r < 0)
                return 1;
        /* a realistic mix: docker containers with their config.v2.json, Kubernetes pods, services */
        for (size_t i = 0; i < n; i++) {
                hex_id(id, i + 1);
                ids[i] = 1000 + i * 7919;
                switch (i % 4) {
                case 0:
                case 1: {
                        FILE *f;

                        snprintf(path, sizeof(path), "%s/containers/%s", docker, id);
                        snprintf(cmd, sizeof(cmd), "%s/containers", docker);
                        mkdir(docker, 0755);
                        mkdir(cmd, 0755);
                        mkdir(path, 0755);
                        strcat(path, "/config.v2.json");
                        f = fopen(path, "w");
                        if (!f)
                                return 1;
                        fprintf(f, "{\"ID\":\"%s\",\"Name\":\"/app-%zu\",\"Config\":{\"Image\":"
                                "\"registry.example.com/team/app:1.%zu\"}}", id, i, i % 50);
                        fclose(f);
                        snprintf(path, sizeof(path), "/system.slice/docker-%s.scope", id);
                        break;
                }
                case 2:
                        snprintf(path, sizeof(path), "/kubepods.slice/kubepods-burstable.slice/"
                                 "kubepods-burstable-pod%.8s_%.4s_%.4s_%.4s_%.12s.slice/cri-containerd-%s.scope",
                                 id, id + 8, id + 12, id + 16, id + 20, id);
                        break;
                default:
                        snprintf(path, sizeof(path), "/system.slice/service-%zu.service", i);
                }
                if (identity_cgroup_added(c, ids[i], path) < 0)
                        return 1;
        }
        /* resolve each once (the first event of each cgroup) */
        for (size_t i = 0; i < n; i++)
                if (!identity_lookup(c, ids[i]))
                        return 1;
        heap_after = mallinfo2().uordblks;

        /* events come from cgroups in no particular order */
        uint64_t seed = 7;
        for (size_t i = 0; i < lookups; i++) {
                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                order[i] = ids[(seed >> 33) % n];
        }

        static const struct column columns[] = {
                { "pid", VALUE_U64, 7 },
                COLUMN_CONTAINER_NAME(-14), COLUMN_CONTAINER_ID, COLUMN_RUNTIME, COLUMN_IMAGE, COLUMN_POD,
                COLUMN_NAMESPACE, COLUMN_UNIT,
        };
        static const struct schema schema = SCHEMA("bench", columns);
        struct value values[8];
        struct record rec = { .schema = &schema, .values = values };

        for (int run = 0; run < 5; run++) {
                uint64_t t0 = now_ns(), t1, t2;

                for (size_t i = 0; i < lookups; i++) {
                        const struct identity *id_ = identity_lookup(c, order[i]);

                        sink += (uintptr_t) id_->container_name;
                }
                t1 = now_ns();
                for (size_t i = 0; i < lookups; i++) {
                        memset(values, 0, sizeof(values));
                        rec.cgroup_id = order[i];
                        record_fill_identity(&rec, identity_lookup(c, order[i]));
                        sink += values[1].len;
                }
                t2 = now_ns();
                runs[run] = (double) (t1 - t0) / lookups;
                runs_fill[run] = (double) (t2 - t1) / lookups;
        }
        qsort(runs, 5, sizeof(double), cmp_double);
        qsort(runs_fill, 5, sizeof(double), cmp_double);

        identity_get_stats(c, &st);
        printf("cgroups tracked:                     %zu (%" PRIu64 " resolved)\n", n, st.resolved);
        printf("identity_lookup per event:           %.1f ns (median of 5 x %zu lookups; min %.1f, max %.1f)\n",
               runs[2], lookups, runs[0], runs[4]);
        printf("lookup + fill 7 identity columns:    %.1f ns (median; min %.1f, max %.1f)\n",
               runs_fill[2], runs_fill[0], runs_fill[4]);
        printf("memory per tracked cgroup:           %.0f bytes (heap in use, map table included)\n",
               (double) (heap_after - heap_before) / n);
        printf("budget (identity lookup under 100 ns per event): %s\n", runs[2] < 100 ? "met" : "MISSED");

        identity_context_free(c);
        free(ids);
        free(order);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        if (system(cmd) != 0 || sink == 42)
                return 1;
        return runs[2] < 100 ? 0 : 1;
}
