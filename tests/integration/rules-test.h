/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers for tests of the default rules on the live kernel: real tracers plus the rules loaded
 * from rules/, a real cgroup named like a Docker container (identity from a config.v2.json in a
 * temporary docker root), and every alert the pipeline sends captured for assertions. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "tracer-test.h"
#include "alert/alert.h"

#define RT_CONTAINER_ID "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"
#define RT_CONTAINER_NAME "cwatch-test-web"

/* One alert as a sink saw it, with the triggering event's object. */
struct seen {
        char rule[64];
        char exe[PATH_MAX + 512];      /* a cut path is up to PATH_MAX - 1 bytes and the name */
        bool exe_truncated;
        char journal_exe_truncated[4];  /* CWATCH_EXE_TRUNCATED of its journal entry, if any */
        char container[64];
        char container_id[256];         /* the identity's, full */
        char event_container_id[256];   /* the triggering record's container_id column, as shown */
        char runtime[16];
        char message[512];
        char mitre[16];
        char event[16];                 /* the triggering record's event: open, connect, syscall... */
        char path[PATH_MAX];            /* its "path" column, if any */
        char syscall[32];
        char daddr[64];
        char caps[128];                 /* syscall: file capabilities set */
        uint64_t dport, target_pid;
        int64_t ret;                    /* syscall: the result */
        uint32_t pid, ppid, uid;
        uint64_t count;
        bool summary;
        enum alert_severity severity;
        size_t n_ancestors;
        char incident_id[33];           /* from the provenance graph, when on */
        char story[8192];
};

struct rt {
        struct tt tt;
        struct seen *alerts;
        size_t n_alerts;
        char mount[256], slice[512], cgroup[1024], workdir[256], docker_root[512];
        bool made_slice;
        bool provenance;                /* set before rt_setup(): the provenance graph before the rules */
};

/* The one context of a test program (cmocka group setup/teardown have no other way in). */
extern struct rt rt;

/* Group setup: cgroup, docker root, work directory /run/cwatch-test-rules-PID, identity, the
 * tracers (NULL-terminated) and the default rules. 0, or -1 with a message. */
int rt_setup(const char *const *tracers);
int rt_teardown(void);

/* In a child: moves the calling process into the container's cgroup (_exit(126) on failure). */
void rt_join_container(void);
/* The same into another cgroup (a directory below the cgroup2 mount). */
void rt_join_cgroup(const char *cgroup);

/* fork; the child optionally joins the container cgroup, sets stdin/stdout to stdio_fd (-1:
 * /dev/null), and execs argv[0] (or exec_fd with fexecve when >= 0). */
pid_t rt_spawn(char *const argv[], bool in_container, int stdio_fd, int exec_fd);
/* rt_spawn, wait for it, and run the loop until its exit record is in (so are its events). */
pid_t rt_run(char *const argv[], bool in_container, int stdio_fd, int exec_fd);
/* rt_run with stdin/stdout on /dev/null in cgroup (a directory below the cgroup2 mount) instead. */
pid_t rt_run_in(const char *cgroup, char *const argv[]);
/* fork; the child joins the container if asked and returns fn's value as exit status; waits
 * for its exit record and asserts the status is 0. Returns the child's pid. */
pid_t rt_run_fn(int (*fn)(void *userdata), void *userdata, bool in_container);
/* Runs the loop until the exit record of pid is in (reaped or not), up to 5 s or timeout_ms. */
void rt_wait_exit_record(pid_t pid);
void rt_wait_exit_record_for(pid_t pid, int timeout_ms);

size_t rt_count(const char *rule, pid_t pid);
const struct seen *rt_find(const char *rule, pid_t pid);
/* Asserts exactly one alert of rule for pid, not a summary, count 1, parent = this test,
 * ancestry, MITRE id, and exe if not NULL. */
const struct seen *rt_assert_one(const char *rule, pid_t pid, const char *exe);
/* Asserts that pid raised no alert at all (a near miss trips no other rule either). */
void rt_assert_none(pid_t pid);

void rt_copy_file(const char *from, const char *to, mode_t mode);
/* realpath into a static buffer */
char *rt_realpath(const char *p);
