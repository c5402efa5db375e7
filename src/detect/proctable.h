/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The processes of the host as the process tracer reports them (plus a /proc scan at start):
 * parent and ancestors of any pid for the rules and the alerts. Bounded; an exited process
 * stays for a short grace so that its late events still resolve. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sink/record.h"
#include "shared/strbuf.h"

#define PROCTABLE_DEFAULT_MAX 32768
#define PROCTABLE_EXIT_GRACE_NS (UINT64_C(5) * 1000000000)
#define PROCTABLE_CMDLINE_MAX 1024

enum proc_flags {
        PROC_EXE_MEMFD = 1 << 0,
        PROC_EXE_DELETED = 1 << 1,
        PROC_EXE_SETUID = 1 << 2,
        PROC_EXITED = 1 << 3,
        PROC_EXE_TRUNCATED = 1 << 4,    /* exe is cut (see the exe_truncated column) */
        PROC_ENV_KNOWN = 1 << 5,        /* env is what its exec captured (not a /proc scan's unknown) */
        PROC_STDIN_CODE = 1 << 6,       /* an interpreter reading its code from stdin (stdin_code) */
        PROC_CMDLINE_TRUNCATED = 1 << 7, /* cmdline is only the start of argv */
};

struct proc_entry {
        uint32_t pid;           /* 0: free slot */
        uint32_t ppid;
        uint32_t uid;
        uint32_t flags;         /* enum proc_flags */
        char comm[16];
        char *exe;              /* NULL: unknown */
        char *applet;           /* a multi-call binary's applet (argv[0]), else NULL: see proc_entry_name */
        char *cmdline;          /* argv joined by spaces, NULL: unknown */
        const char *stdio[3];   /* static strings: "socket", "pipe", "tty", "file", ...; NULL unknown */
        char *script;           /* the script it runs (proc.script), NULL: none or unknown */
        char *env;              /* the environment entries captured at exec, NUL-separated, env_len bytes */
        size_t env_len;
        uint64_t stdin_pipe;    /* inode of the pipe on its stdin at exec, 0: none */
        uint64_t stdout_pipe;   /* the same for stdout */
        uint64_t exit_ns;       /* monotonic time of exit (PROC_EXITED) */
};

struct proctable_stats {
        size_t entries;
        uint64_t inserts;
        uint64_t full;          /* processes not tracked because the table was full */
};

struct proctable;

int proctable_new(struct proctable **ret, size_t max_entries);
struct proctable *proctable_free(struct proctable *t);

/* Adds every process in /proc (dir: "/proc", or another root for tests). */
int proctable_scan(struct proctable *t, const char *proc_dir);
/* Updates the table from a record of the process tracer (exec, fork, exit); other records are
 * ignored. now_ns: monotonic time, for the exit grace. */
void proctable_update(struct proctable *t, const struct record *r, uint64_t now_ns);
/* Forgets processes that exited more than the grace ago. */
void proctable_expire(struct proctable *t, uint64_t now_ns);

const struct proc_entry *proctable_get(const struct proctable *t, uint32_t pid);
/* The process other than pid that exec'd last with the pipe ino on its stdout (writer) or stdin
 * (reader), exited ones within the grace included; NULL when there is none. The pipe's other end
 * is found whichever of the two exec'd first: the one that comes second sees the first. */
const struct proc_entry *proctable_pipe_writer(const struct proctable *t, uint64_t ino, uint32_t pid);
const struct proc_entry *proctable_pipe_reader(const struct proctable *t, uint64_t ino, uint32_t pid);
void proctable_get_stats(const struct proctable *t, struct proctable_stats *ret);

/* Basename of a path (the whole string when it has no '/'); for "/memfd:x (deleted)" the name too. */
const char *path_basename(const char *s, size_t len, size_t *ret_len);
/* The name of the program the user asked for (proc.name), from the executable's path exe and argv
 * (NUL-separated, NULL: unknown). It is the executable's basename, except for a known multi-call
 * binary (busybox, toybox, by the executable's basename: busybox, busybox.static, toybox-x86_64...),
 * reached by its path, a symlink or /proc/self/exe: there argv[0] says which applet runs, so the name
 * is argv[0]'s basename without a login shell's leading '-', or, when argv[0] names the multiplexer
 * itself ("busybox nc ..."), the next argument's; the executable's basename when none is left, it
 * is an option ("busybox --list") or empty. argv[0] is the caller's to choose, so no other
 * executable gets its name from it. Points into exe or argv; never NULL. */
const char *proc_name(const char *exe, size_t exe_len, const char *argv, size_t argv_len, size_t *ret_len);
/* proc_name of a process in the table: its applet, else its executable's basename; NULL when the
 * executable is unknown. */
const char *proc_entry_name(const struct proc_entry *e, size_t *ret_len);
/* argv (NUL-separated) joined by spaces into b, at most max bytes. Returns the offset where
 * argv[1] starts in the joined text, or the length when there is none. */
size_t argv_join(struct strbuf *b, const char *argv, size_t len, size_t max);
