/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Maps and events of the files tracer, shared by BPF and user space. */
#pragma once

#include "event.h"

/* Longer paths keep their root-side prefix and are marked truncated. */
#define CW_FILE_PATH_MAX 256            /* bytes of a file's path kept per aggregate, with NUL */
#define CW_FILE_LEAF_OFF 192            /* CW_FILE_LEAF: where the file's own name starts in path */
#define CW_OPEN_PATH_MAX 4096           /* bytes of an opened path kept, with NUL: PATH_MAX */
#define CW_OPEN_NAME_MAX 256            /* bytes of the file's own name sent with a cut path, with NUL */
#define CW_WATCH_KEY_MAX 255            /* bytes of a path the prefix matcher looks at */
#define CW_FILE_STATS_DEFAULT_MAX 8192  /* aggregate entries per interval, unless set before load */

/* The files tracer's event types (aggregates are read from a map, not sent). */
enum cw_files_event_type {
        CW_EV_FILE_OPEN = 1,
};

/* Aggregates per (process, file), read and cleared by user space every interval. */
struct cw_file_key {
        uint32_t tgid;          /* in cwatchd's pid namespace, else the host's (CW_FILE_HOST_PID) */
        uint32_t dev;           /* the superblock's s_dev */
        uint64_t ino;
};

enum cw_file_stat_flags {
        CW_FILE_PATH_TRUNCATED = 1 << 0,        /* path holds the root-side prefix of a longer path */
        CW_FILE_PSEUDO = 1 << 1,                /* no path: a socket, pipe or anon inode; path is its name */
        CW_FILE_LEAF = 1 << 2,                  /* with CW_FILE_PATH_TRUNCATED: path holds a shorter prefix
                                                 * (below CW_FILE_LEAF_OFF) and, NUL-terminated from
                                                 * CW_FILE_LEAF_OFF, the file's own name */
        CW_FILE_HOST_PID = 1 << 3,              /* the key's tgid is the host's: the process is outside
                                                 * cwatchd's pid namespace */
};

struct cw_file_stats {
        uint64_t reads;
        uint64_t writes;
        uint64_t read_bytes;
        uint64_t write_bytes;
        uint64_t cgroup_id;
        uint32_t uid;
        uint32_t mode;          /* i_mode of the inode */
        uint32_t flags;         /* enum cw_file_stat_flags */
        uint32_t path_len;
        char comm[CW_COMM_LEN];
        char path[CW_FILE_PATH_MAX];    /* NUL-terminated; see CW_FILE_LEAF */
};

/* Counters of the files tracer, per CPU, indexes of the "file_counters" array. */
enum cw_file_counter {
        CW_FILE_CNT_INSERTS = 0,        /* aggregate entries created */
        CW_FILE_CNT_OPENS_CHECKED,      /* open calls matched against the watched paths */
        CW_FILE_CNT_OPENS_UNMATCHED,    /* ... that did not match and stayed in the kernel */
        CW_FILE_CNT_OPENS_NO_PATH,      /* ... whose path could not be read */
        _CW_FILE_CNT_MAX,
};

/* Watched paths: an LPM trie of path prefixes (bytes, not bits, are what user space sets). A
 * pattern with a "*" component is stored twice: the part before the "*" with CW_WATCH_STAR (the
 * matcher then replaces the next component with "*" and looks again), and in full. */
struct cw_watch_key {
        uint32_t prefixlen;     /* bits */
        char data[CW_WATCH_KEY_MAX];
};

struct cw_watch_value {
        uint32_t flags;         /* enum cw_watch_flags, including those of shorter prefixes */
        uint32_t star_len;      /* bytes before the "*" to put in place of the next component */
};

enum cw_watch_flags {
        CW_WATCH_OPEN = 1 << 0,         /* every open */
        CW_WATCH_WRITE = 1 << 1,        /* opens for writing only */
        CW_WATCH_STAR = 1 << 2,         /* a "*" component follows this prefix */
};

enum cw_open_syscall {
        CW_SYS_OPEN = 1,
        CW_SYS_OPENAT = 2,
        CW_SYS_OPENAT2 = 3,
        CW_SYS_CREAT = 4,
};

enum cw_open_flags {
        CW_OPEN_PATH_TRUNCATED = 1 << 0,        /* path holds the root-side prefix of a longer path */
        CW_OPEN_PATH_FROM_FILE = 1 << 1,        /* path of the opened file (symlinks resolved); without it
                                                 * the path as passed (failed opens, /proc magic links) */
        CW_OPEN_PATH_RELATIVE = 1 << 2,         /* relative and not resolved: as passed */
        CW_OPEN_CREATED = 1 << 3,               /* this open created the file (O_CREAT) */
};

/* One open of a watched path; followed by path_len bytes of path (no NUL), then name_len bytes of
 * the file's own name: sent with a cut path of an opened file (CW_OPEN_PATH_TRUNCATED), whose
 * tail is lost. */
struct cw_open_event {
        struct cw_event_header hdr;
        uint64_t open_flags;    /* O_* as passed */
        int64_t result;         /* fd or -errno */
        uint32_t ppid;
        uint32_t mode;          /* the mode argument (O_CREAT) */
        uint16_t path_len;
        uint8_t syscall;        /* enum cw_open_syscall */
        uint8_t flags;          /* enum cw_open_flags */
        uint16_t name_len;
        uint16_t pad;
        char path[CW_OPEN_PATH_MAX];
};

_Static_assert(sizeof(struct cw_file_key) == 16, "cw_file_key layout");
_Static_assert(CW_FILE_LEAF_OFF < CW_FILE_PATH_MAX - 1, "cw_file_stats path layout");
_Static_assert(sizeof(struct cw_file_stats) == 72 + CW_FILE_PATH_MAX, "cw_file_stats layout");
_Static_assert(__builtin_offsetof(struct cw_file_stats, comm) == 56, "cw_file_stats layout");
_Static_assert(sizeof(struct cw_watch_key) == 260, "cw_watch_key layout");
_Static_assert(sizeof(struct cw_watch_value) == 8, "cw_watch_value layout");
_Static_assert(__builtin_offsetof(struct cw_open_event, open_flags) == 56, "cw_open_event layout");
_Static_assert(__builtin_offsetof(struct cw_open_event, name_len) == 84, "cw_open_event layout");
_Static_assert(__builtin_offsetof(struct cw_open_event, path) == 88, "cw_open_event layout");
