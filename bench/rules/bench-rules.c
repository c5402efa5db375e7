/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rule evaluation per event with the default rule set. The events are recorded from this host:
 * an exec, fork and exit per process in /proc (its real exe and command line), opens of the files
 * those processes hold open (/proc/PID/fd), plus connects and syscalls in the same mix. Prints the
 * mean time per event over many passes. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "../../tests/common/rules-test-schemas.h"
#include "../../tests/common/rules-test-records.h"
#include "detect/engine.h"
#include "detect/proctable.h"
#include "shared/log.h"

#define MAX_EVENTS 20000

static struct trec recs[MAX_EVENTS];
static char *strings[MAX_EVENTS * 2];
static size_t n_recs, n_strings;

static char *keep(char *s)
{
        strings[n_strings++] = s;
        return s;
}

static int on_match(const struct detect_match *m, const struct record *r, void *userdata)
{
        (*(size_t *) userdata)++;
        return 0;
}

static void record_process(unsigned pid)
{
        char path[64], buf[4096], link[4096];
        struct trec *t;
        ssize_t n;
        FILE *f;
        DIR *d;
        struct dirent *de;

        snprintf(path, sizeof(path), "/proc/%u/exe", pid);
        n = readlink(path, link, sizeof(link) - 1);
        if (n <= 0 || n_recs + 3 >= MAX_EVENTS)
                return;
        link[n] = '\0';
        snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
        f = fopen(path, "re");
        n = f ? (ssize_t) fread(buf, 1, sizeof(buf), f) : 0;
        if (f)
                fclose(f);
        for (int kind = 0; kind < 3; kind++) {
                t = &recs[n_recs++];
                trec_init(t, test_tracer_schema("process"), kind == 0 ? "fork" : kind == 1 ? "exec" : "exit");
                trec_u64(t, "pid", pid);
                trec_u64(t, "ppid", 1);
                trec_u64(t, "uid", 0);
                if (kind == 1) {
                        trec_str(t, "exe", keep(strdup(link)));
                        trec_strv(t, "args", keep(memcpy(malloc(n + 1), buf, n + 1)), n);
                        trec_bool(t, "exe_memfd", false);
                        trec_bool(t, "exe_deleted", false);
                        trec_bool(t, "exe_setuid", false);
                        trec_str(t, "stdin", "pipe");
                        trec_str(t, "stdout", "pipe");
                        trec_str(t, "stderr", "file");
                }
        }
        /* its open files, as opens (writes for every other one) */
        snprintf(path, sizeof(path), "/proc/%u/fd", pid);
        d = opendir(path);
        while (d && (de = readdir(d)) && n_recs + 1 < MAX_EVENTS) {
                char fd[300];

                snprintf(fd, sizeof(fd), "/proc/%u/fd/%s", pid, de->d_name);
                n = readlink(fd, link, sizeof(link) - 1);
                if (n <= 0 || link[0] != '/')
                        continue;
                link[n] = '\0';
                t = &recs[n_recs++];
                trec_init(t, test_tracer_schema("files"), "open");
                trec_u64(t, "pid", pid);
                trec_u64(t, "uid", 0);
                trec_str(t, "path", keep(strdup(link)));
                trec_bool(t, "write", n_recs % 2);
                trec_u64(t, "flags", n_recs % 2 ? 0x241 : 0);
        }
        if (d)
                closedir(d);
        if (n_recs + 2 < MAX_EVENTS) {
                t = &recs[n_recs++];
                trec_init(t, test_tracer_schema("tcp"), "connect");
                trec_u64(t, "pid", pid);
                trec_str(t, "daddr", "192.0.2.10");
                trec_u64(t, "dport", 443);
                t = &recs[n_recs++];
                trec_init(t, test_tracer_schema("syscalls"), "syscall");
                trec_u64(t, "pid", pid);
                trec_str(t, "syscall", pid % 2 ? "setns" : "chmod");
                trec_s64(t, "ret", 0);
                trec_u64(t, "mode", 0644);
        }
}

int main(int argc, char *argv[])
{
        const char *dir = argc > 1 ? argv[1] : "rules";
        struct rules_paths paths = { &dir, 1 };
        struct detect_engine *e = NULL;
        struct proctable *pt;
        struct strbuf err = {};
        struct timespec a, b;
        size_t matches = 0, passes = 0, evaluated = 0;
        double ns;
        DIR *d;
        struct dirent *de;

        log_setup(LOG_TARGET_CONSOLE, LOG_ERR);
        if (detect_engine_load(&e, &paths, test_catalog(), &err) < 0) {
                fprintf(stderr, "%s", err.data);
                return 1;
        }
        if (proctable_new(&pt, 0) < 0 || proctable_scan(pt, "/proc") < 0)
                return 1;
        d = opendir("/proc");
        while ((de = readdir(d)))
                if (atoi(de->d_name) > 0)
                        record_process(atoi(de->d_name));
        closedir(d);

        clock_gettime(CLOCK_MONOTONIC, &a);
        do {
                for (size_t i = 0; i < n_recs; i++)
                        detect_engine_eval(e, &recs[i].r, pt, on_match, &matches);
                passes++;
                evaluated += n_recs;
                clock_gettime(CLOCK_MONOTONIC, &b);
        } while ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec) < 2e9);
        ns = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / evaluated;
        printf("%zu rules, %zu recorded events (exec/fork/exit/open/connect/syscall), %zu passes\n",
               detect_engine_n_rules(e), n_recs, passes);
        printf("matches per pass: %zu\n", matches / passes);
        printf("mean evaluation time per event: %.1f ns\n", ns);
        detect_engine_free(e);
        proctable_free(pt);
        for (size_t i = 0; i < n_strings; i++)
                free(strings[i]);
        strbuf_free(&err);
        return ns < 1000 ? 0 : 1;
}
