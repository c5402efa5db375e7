/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The provenance graph's budgets: memory of a full 100,000-edge graph (the default bounds) and the
 * average cost of an insertion, for raw edges and for records through the sink (exec, fork, file
 * rows, watched opens, connects), on a warm graph that keeps evicting. Not part of the test run:
 * bench/graph/run.sh. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include "common/rules-test-records.h"
#include "graph/provenance.h"
#include "tracers/tracer-info.h"

static uint64_t now_ns(void)
{
        struct timespec ts;

        /* CPU time of this thread: the shared machine preempting us is not our cost */
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (uint64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long rss_kb(void)
{
        FILE *f = fopen("/proc/self/statm", "re");
        long pages = 0, res = 0;

        if (f) {
                if (fscanf(f, "%ld %ld", &pages, &res) != 2)
                        res = 0;
                fclose(f);
        }
        return res * 4;
}

/* A stream of records like a busy host's: mostly file rows, some execs, forks, opens, connects.
 * churn: every file row names a new file (the worst case: an eviction per record); else nine rows
 * in ten touch a working set of 20,000 files and one a new file. */
static bool churn;

static void make_record(struct trec *t, uint64_t i)
{
        static const char *const exes[] = { "/usr/bin/python3", "/usr/sbin/nginx", "/bin/sh", "/usr/bin/curl",
                                            "/usr/lib/postgresql/15/bin/postgres" };
        char path[64], addr[32];
        uint32_t pid = 1000 + (uint32_t) (i % 20000);

        switch (i % 10) {
        case 0:
                trec_init(t, tracer_info_schema("process"), "exec");
                trec_u64(t, "pid", pid);
                trec_u64(t, "ppid", 1);
                trec_u64(t, "uid", 1000);
                trec_str(t, "exe", exes[i % 5]);
                break;
        case 1:
                trec_init(t, tracer_info_schema("process"), "fork");
                trec_u64(t, "pid", pid + 20000);
                trec_u64(t, "ppid", pid);
                break;
        case 2:
                snprintf(addr, sizeof(addr), "10.0.%u.%u", (unsigned) (i >> 8) & 255, (unsigned) i & 255);
                trec_init(t, tracer_info_schema("tcp"), "connect");
                trec_u64(t, "pid", pid);
                trec_str(t, "daddr", addr);
                trec_u64(t, "dport", 443);
                break;
        case 3:
                snprintf(path, sizeof(path), "/tmp/build/obj%" PRIu64 ".o", i % 50000);
                trec_init(t, tracer_info_schema("files"), "open");
                trec_u64(t, "pid", pid);
                trec_str(t, "path", path);
                trec_bool(t, "write", true);
                trec_s64(t, "result", 3);
                break;
        default:
                snprintf(path, sizeof(path), "/var/lib/app/data/%" PRIu64,
                         churn || i % 10 == 9 ? i : i % 20000);
                trec_init(t, tracer_info_schema("files"), "file_io");
                trec_u64(t, "pid", pid);
                trec_str(t, "path", path);
                trec_u64(t, "reads", 3);
                trec_u64(t, "writes", i & 1);
                trec_u64(t, "dev", 8);
                trec_u64(t, "ino", i);
                break;
        }
        /* copy the strings the record points to: path and addr are on this stack */
        t->r.time_ns = 1000000000 + i * 1000;
}

int main(int argc, char **argv)
{
        struct provenance_config c = PROVENANCE_DEFAULT_CONFIG;
        struct provenance *p = NULL;
        struct provenance_stats st;
        uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000000, t0, t1, fill_records = 0;

        churn = argc > 2 && strcmp(argv[2], "churn") == 0;
        long rss0, rss1;
        struct trec *recs;
        enum { BATCH = 4096 };
        static char paths[BATCH][64];

        recs = calloc(BATCH, sizeof(*recs));
        if (!recs)
                return 1;
        rss0 = rss_kb();
        if (provenance_new(&p, &c) < 0)
                return 1;

        /* records are built ahead in batches, so the timing is the graph's alone */
        t1 = 0;
        for (uint64_t done = 0; done < n; done += BATCH) {
                for (size_t k = 0; k < BATCH; k++) {
                        make_record(&recs[k], done + k);
                        /* keep the record's strings alive for the batch */
                        for (size_t col = 0; col < recs[k].r.schema->n_columns; col++) {
                                struct value *v = &recs[k].v[col];

                                if (v->present && recs[k].r.schema->columns[col].type == VALUE_STR &&
                                    v->str && v->len < sizeof(paths[k]) && (v->str[0] == '/' || v->str[0] == '1')) {
                                        memcpy(paths[k], v->str, v->len);
                                        paths[k][v->len] = 0;
                                        v->str = paths[k];
                                }
                        }
                }
                t0 = now_ns();
                for (size_t k = 0; k < BATCH; k++)
                        (void) provenance_on_record(p, &recs[k].r);
                t1 += now_ns() - t0;
                provenance_get_stats(p, &st);
                if (!fill_records && st.graph.edges >= c.graph.max_edges)
                        fill_records = done + BATCH;
        }
        rss1 = rss_kb();
        provenance_get_stats(p, &st);
        printf("workload           %s\n", churn ? "churn: a new file in every file row (worst case)" :
               "steady: 9 file rows in 10 in a working set of 20,000 files");
        if (fill_records)
                printf("records            %" PRIu64 " (edge pool full after %" PRIu64 ")\n", n, fill_records);
        else
                printf("records            %" PRIu64 " (the node pool fills first)\n", n);
        printf("per record         %.0f ns on average (exec, fork, connect, open, file rows)\n", (double) t1 / n);
        printf("nodes / edges      %zu / %zu (bounds %zu / %zu)\n", st.graph.nodes, st.graph.edges,
               st.graph.max_nodes, st.graph.max_edges);
        printf("evictions          %" PRIu64 " nodes, %" PRIu64 " edges, %" PRIu64 " expired, %" PRIu64 " epochs\n",
               st.graph.node_evictions, st.graph.edge_evictions, st.graph.expired, st.graph.epochs);
        printf("graph memory       %.1f MB counted (pools, buckets, labels); RSS grew %.1f MB "
               "(with this benchmark's 12.6 MB of prepared records)\n",
               st.graph.bytes / 1048576.0, (rss1 - rss0) / 1024.0);
        provenance_free(p);

        /* raw edge insertion: 100,000 distinct edges between existing nodes, then repeats */
        {
                struct graph *g = NULL;
                uint32_t nodes[1000];
                uint64_t k = 0;

                if (graph_new(&g, &c.graph) < 0)
                        return 1;
                for (uint32_t i = 0; i < 1000; i++)
                        nodes[i] = graph_add_node(g, GRAPH_PROCESS, graph_key_process(i + 1, 1), "/bin/x", 6, 1);
                t0 = now_ns();
                for (uint32_t i = 0; i < 1000 && k < 100000; i++)
                        for (uint32_t j = 0; j < 100 && k < 100000; j++, k++)
                                (void) graph_add_edge(g, nodes[i], nodes[(i + j + 1) % 1000], REL_WRITE, 2, 1);
                t1 = now_ns() - t0;
                printf("new edge           %.0f ns on average (100,000 distinct)\n", (double) t1 / k);
                t0 = now_ns();
                for (uint32_t i = 0; i < 1000; i++)
                        for (uint32_t j = 0; j < 100; j++)
                                (void) graph_add_edge(g, nodes[i], nodes[(i + j + 1) % 1000], REL_WRITE, 3, 1);
                t1 = now_ns() - t0;
                printf("repeated edge      %.0f ns on average (dedup: count and time)\n", (double) t1 / 100000);
                {
                        struct graph_stats gs;

                        graph_get_stats(g, &gs);
                        printf("100,000 edges      %.1f MB counted (%zu nodes, %zu edges, pools at the default "
                               "bounds %zu / %zu)\n", gs.bytes / 1048576.0, gs.nodes, gs.edges, gs.max_nodes,
                               gs.max_edges);
                }
                graph_free(g);
        }
        free(recs);
        return 0;
}
