/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the profiles sink, shared by its two halves: profile-record.c turns records into features
 * of processes, profile-sink.c follows the processes, counts the features and tells the stories. */
#pragma once

#include <stdint.h>
#include "profile-sink.h"
#include "shared/strbuf.h"

#define DEFAULT_WINDOW_NS (UINT64_C(5) * 1000000000)
#define DEFAULT_MAX_PROCESSES 32768
/* an exited process is kept this long: the files tracer reports its I/O an interval later */
#define EXIT_GRACE_S 15
/* a learned feature seen this often or more is not news (novelty 1/(1+count) below 1/4) */
#define RARE_COUNT 3
#define STORY_MAX_ITEMS 16
#define ANCESTOR_DEPTH 8

enum {
        PC_PID, PC_PPID, PC_EXE, PC_COMM, PC_PATH, PC_TYPE, PC_READS, PC_WRITES, PC_WRITE, PC_DADDR, PC_DPORT,
        PC_SPORT, PC_SYSCALL, PC_NEW_UID, PC_NEW_EUID, PC_NSTYPE, PC_FSTYPE, PC_REQUEST, PC_BPF_CMD, PC_NAME,
        PC_LADDR, PC_LPORT, PC_FAMILY, PC_SOCK_TYPE,
        _PC_MAX,
};

enum event_kind {
        EV_OTHER, EV_EXEC, EV_FORK, EV_EXIT, EV_FILE_IO, EV_OPEN, EV_CONNECT, EV_ACCEPT, EV_SYSCALL,
        EV_UNIX_CONNECT, EV_LISTEN, EV_RAW_SOCKET,
};

struct story_item {
        uint64_t subject;
        uint64_t key;
};

struct story {
        uint32_t root_pid;
        uint64_t subject;
        uint64_t cgroup_id;
        uint64_t first_ns, deadline_ns;
        double score;
        struct story_item items[STORY_MAX_ITEMS];
        unsigned n_items;
        char comm[16];
        char object[FEATURE_OBJECT_MAX + 16];
        struct strbuf text;
        struct story *next;
};

struct proc_state {
        uint32_t pid, ppid;
        uint64_t subject;               /* 0: not profiled */
        struct profile *profile;        /* the subject's profile, valid while set->removals == removals */
        uint64_t removals;
        uint64_t cgroup_id;             /* a story never crosses into another cgroup (unit, container) */
        uint32_t exited;                /* seconds; 0: running */
        bool active;                    /* did something this window (learning samples) */
        float window_score;             /* learning: this window's score */
        struct story *story;            /* the story rooted here, while it is open */
        char comm[16];
};

struct profile_sink {
        struct profile_set *set;
        struct profile_sink_config config;
        profile_lookup_fn lookup;
        profile_raise_fn raise;
        void *userdata;
        struct column_index columns;
        struct u64map procs;            /* pid -> struct proc_state */
        /* event name pointers (the tracers' static strings) already classified: a record of an
         * event the profiles do not use costs pointer compares */
        struct {
                const char *event;
                enum event_kind kind;
        } kinds[16];
        unsigned n_kinds;
        /* open stories, oldest first: deadlines are in order, and they close (and raise) in the
         * order they opened, so the first of a repeated behaviour is the alert the pipeline keeps */
        struct story *stories, *stories_tail;
        uint64_t last_sample_ns;
        struct profile_sink_stats stats;
};

static inline uint32_t now_of(const struct record *r)
{
        return (uint32_t) (r->time_ns / 1000000000);
}

/* profile-record.c: the columns the sink reads (resolved once per schema), and the kind of an event. */
extern const char *const profile_record_columns[];
extern const size_t profile_record_n_columns;

/* profile-sink.c */
struct proc_state *profile_sink_proc_new(struct profile_sink *k, uint32_t pid);
void profile_sink_proc_forget(struct profile_sink *k, struct proc_state *ps);
/* The profile of a process: the cached pointer while no profile was removed since, else a lookup. */
struct profile *profile_sink_profile_of(struct profile_sink *k, struct proc_state *ps);
void profile_sink_set_comm(struct proc_state *ps, const char *s, size_t len);
/* The profile of a process that runs exe with the identity of r: found or created, an instance more. */
struct profile *profile_sink_attach(struct profile_sink *k, struct proc_state *ps, const char *exe,
                                    const struct record *r, uint32_t now);
/* The state of the record's process: known, or looked up once (a process older than cwatchd). */
struct proc_state *profile_sink_proc_of(struct profile_sink *k, uint32_t pid, const struct record *r,
                                        uint32_t now);
/* A learning profile takes the process's window score as a sample for its threshold. */
void profile_sink_sample_window(struct profile_sink *k, struct proc_state *ps, uint32_t now);
/* Counts one feature of process ps; in detection what is new or rare joins a story. */
void profile_sink_observe(struct profile_sink *k, struct proc_state *ps, const struct record *r,
                          enum feature_relation rel, const char *object, size_t len, uint32_t now);
