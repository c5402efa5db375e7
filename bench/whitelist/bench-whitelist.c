/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the whitelist costs per exec, beside the floor of an exec itself (fork + exec + wait of
 * /bin/true, measured in the same run): the sink's work on a hash-cache hit (open /proc/PID/exe,
 * fstat, the path's and its directory's stat, the facts, the cache probe, the table update and
 * rescore) and on a miss (the same plus hashing the file: SHA-256, and MD5 for a package's file),
 * libgcrypt's hashing throughput, and the dpkg index's build time and memory. Real files, a real
 * process (a child sleeping) as the exec's pid; no kernel tracing. */
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "shared/log.h"
#include "tracers/process-schema.h"
#include "whitelist/dpkg-index.h"
#include "whitelist/program-hash.h"
#include "whitelist/whitelist-sink.h"

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;

        return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
        qsort(v, n, sizeof(*v), cmp_double);
        return v[n / 2];
}

static size_t heap_used(void)
{
        struct mallinfo2 mi = mallinfo2();

        return mi.uordblks + mi.hblkhd;
}

/* fork + exec + wait of /bin/true: the floor of one exec here */
static double exec_floor_us(int n)
{
        uint64_t t0 = now_ns();

        for (int i = 0; i < n; i++) {
                pid_t pid = fork();

                if (pid == 0) {
                        execl("/bin/true", "true", NULL);
                        _exit(127);
                }
                waitpid(pid, NULL, 0);
        }
        return (double) (now_ns() - t0) / n / 1000;
}

struct exec_record {
        struct value values[_COL_MAX];
        struct record r;
};

static void make_exec(struct exec_record *x, pid_t pid, const char *path, uint64_t mnt_ns)
{
        memset(x, 0, sizeof(*x));
        value_set_u64(&x->values[COL_PID], (uint64_t) pid);
        value_set_cstr(&x->values[COL_EXE], path);
        value_set_cstr(&x->values[COL_COMM], "bench");
        value_set_u64(&x->values[COL_MNT_NS], mnt_ns);
        x->r = (struct record) { .schema = &process_schema, .event = "exec", .values = x->values };
}

int main(int argc, char **argv)
{
        static const char *const programs[] = { "/usr/bin/true", "/usr/bin/ls", "/usr/bin/bash", "/usr/bin/busybox",
                                                "/usr/bin/python3" };
        static const char *const temp_dirs[] = { "/tmp" };
        int rounds = argc > 1 ? atoi(argv[1]) : 5, hits = 20000;
        double runs[16], floor_us, hit_us[16];
        struct whitelist_sink *k;
        struct whitelist *wl;
        struct record_sink sink;
        struct dpkg_index x;
        struct stat st;
        size_t heap0;
        pid_t child;
        uint64_t mnt_ns = 0;

        log_setup(LOG_TARGET_CONSOLE, LOG_WARNING);
        if (rounds < 1 || rounds > 16)
                rounds = 5;
        if (stat("/proc/self/ns/mnt", &st) == 0)
                mnt_ns = st.st_ino;
        child = fork();
        if (child == 0) {
                execl("/usr/bin/sleep", "sleep", "600", NULL);
                _exit(127);
        }
        usleep(100000);

        printf("# bench/whitelist: %d rounds, medians\n\n", rounds);
        printf("| what | cost |\n|---|---|\n");

        /* the dpkg index */
        heap0 = heap_used();
        dpkg_index_init(&x, NULL);
        for (int i = 0; i < rounds; i++) {
                uint64_t t0 = now_ns();

                x.builds = 0;
                dpkg_index_refresh(&x);
                runs[i] = (double) (now_ns() - t0) / 1e6;
        }
        printf("| dpkg index build (%zu packages, %zu paths) | %.1f ms, %.1f MB |\n", x.n_packages, x.n_paths,
               median(runs, (size_t) rounds), (double) (heap_used() - heap0) / 1e6);
        dpkg_index_done(&x);

        /* hashing throughput and the miss of each program */
        for (size_t p = 0; p < ELEMENTSOF(programs); p++) {
                struct program_hash h;
                int fd = open(programs[p], O_RDONLY | O_CLOEXEC);

                if (fd < 0 || fstat(fd, &st) < 0)
                        continue;
                for (int i = 0; i < rounds; i++) {
                        uint64_t t0 = now_ns();

                        program_hash_fd(fd, (uint64_t) st.st_size, true, &h);
                        runs[i] = (double) (now_ns() - t0) / 1e3;
                }
                printf("| hash (SHA-256 + MD5) of %s, %.0f KB | %.0f us (%.0f MB/s) |\n", programs[p],
                       (double) st.st_size / 1e3, median(runs, (size_t) rounds),
                       (double) st.st_size / median(runs, (size_t) rounds));
                close(fd);
        }

        /* the sink per exec: a miss (an empty cache, hashed unbounded) and hits */
        for (int i = 0; i < rounds; i++) {
                struct exec_record r;
                uint64_t t0;

                whitelist_new(&wl, NULL);
                whitelist_sink_new(&k, wl, &(struct whitelist_sink_config) {
                        .max_hash_bytes = WHITELIST_DEFAULT_MAX_HASH_BYTES, .hash_rate = UINT64_C(1) << 40,
                        .temp_dirs = temp_dirs, .n_temp_dirs = 1 }, NULL, NULL, NULL, NULL, NULL);
                sink = whitelist_sink_record_sink(k);
                make_exec(&r, child, "/usr/bin/sleep", mnt_ns);
                t0 = now_ns();
                sink.on_record(sink.userdata, &r.r);
                whitelist_sink_flush(k);
                runs[i] = (double) (now_ns() - t0) / 1e3;
                t0 = now_ns();
                for (int j = 0; j < hits; j++)
                        sink.on_record(sink.userdata, &r.r);
                hit_us[i] = (double) (now_ns() - t0) / hits / 1e3;
                if (i == rounds - 1 && !whitelist_sink_program_of(k, (uint32_t) child, NULL))
                        fprintf(stderr, "the exec was not recorded\n");
                whitelist_sink_free(k);
        }
        printf("| sink, cache miss (/usr/bin/sleep: hash, dpkg md5sums, facts, record) | %.0f us |\n",
               median(runs, (size_t) rounds));
        printf("| sink, cache hit (open /proc/PID/exe, stats, facts, probe, record, rescore) | %.1f us |\n",
               median(hit_us, (size_t) rounds));
        for (int i = 0; i < rounds; i++)
                runs[i] = exec_floor_us(500);
        floor_us = median(runs, (size_t) rounds);
        printf("| floor: fork + exec + wait of /bin/true | %.0f us |\n", floor_us);
        printf("| cache hit / floor | %.2f%% |\n", 100 * median(hit_us, (size_t) rounds) / floor_us);

        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        return 0;
}
