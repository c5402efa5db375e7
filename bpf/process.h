/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Events of the process tracer. */
#pragma once

#include "event.h"

#define CW_ARGS_MAX 2048        /* bytes of NUL-separated argv kept */
#define CW_PATH_MAX 4096        /* bytes of a resolved path kept: its root-side prefix */
#define CW_EXE_NAME_MAX 256     /* bytes of the file's own name sent with a cut path, with NUL */
#define CW_ENV_VARS 5           /* environment variables captured at exec (enum cw_env_var) */
#define CW_ENV_ENTRY_MAX 272    /* bytes of one "NAME=value" kept, with NUL: 256 of value and more */
#define CW_ENV_SCAN_MAX 65536   /* bytes of the environment scanned for them */
#define CW_ENV_SCAN_STEPS 1024  /* entries (or 4 KiB pieces of longer ones) scanned */
#define CW_EXEC_DATA_SIZE 32624 /* the data area: room for every part at its masked offset; the event
                                 * is 32 KiB, the most a per-CPU map value may be */

/* The process tracer's event types. */
enum cw_process_event_type {
        CW_EV_EXEC = 1,
        CW_EV_FORK = 2,
        CW_EV_EXIT = 3,
};

enum cw_exe_flags {
        CW_EXE_ARGS_TRUNCATED = 1 << 0,
        CW_EXE_PATH_TRUNCATED = 1 << 1, /* the path is longer: its root-side prefix is kept */
        CW_EXE_DELETED = 1 << 2,        /* the executable has no links left */
        CW_EXE_MEMFD = 1 << 3,          /* the executable is a memfd */
        CW_EXE_SETUID = 1 << 4,         /* the file has S_ISUID */
        CW_EXE_SETGID = 1 << 5,
        CW_EXE_CWD_TRUNCATED = 1 << 6, /* the working directory's path is cut (or unrooted) */
};

/* The environment variables captured at exec, in this order in the event. */
enum cw_env_var {
        CW_ENV_LD_PRELOAD,
        CW_ENV_LD_LIBRARY_PATH,
        CW_ENV_HISTFILE,
        CW_ENV_HISTSIZE,
        CW_ENV_HISTFILESIZE,
};

enum cw_env_flags {
        CW_ENV_SCAN_CUT = 1 << 0,       /* the environment is longer than the scan's bounds */
        CW_ENV_VALUE_CUT = 1 << 1,      /* a captured entry is longer than CW_ENV_ENTRY_MAX - 1 */
        CW_ENV_FAULT = 1 << 2,          /* the environment could not be read */
};

/* Kinds of the standard file descriptors at exec. */
enum cw_fd_kind {
        CW_FD_NONE = 0,
        CW_FD_FILE = 1,
        CW_FD_PIPE = 2,
        CW_FD_SOCKET = 3,
        CW_FD_TTY = 4,
        CW_FD_OTHER = 5,
};

/* Followed by path_len bytes of executable path (not NUL-terminated), then args_len bytes of
 * NUL-separated argv, then name_len bytes of the file's own name, script_len bytes of the name the
 * kernel was asked to run, cwd_len bytes of the working directory's path and env_len bytes of
 * NUL-terminated "NAME=value" entries (at most one per enum cw_env_var). A path longer than
 * CW_PATH_MAX - 1 holds its root-side prefix, with CW_EXE_PATH_TRUNCATED and the name (the name is
 * lost with the tail); one deeper than the kernel walks (no root found) is "..." and its leaf-side
 * tail. */
struct cw_exec_event {
        struct cw_event_header hdr;
        uint32_t ppid;
        uint32_t old_pid;       /* differs from pid when a non-leader thread exec'd */
        uint32_t euid;
        uint32_t flags;         /* enum cw_exe_flags */
        uint32_t mnt_ns;
        uint32_t pid_ns;
        uint32_t net_ns;
        uint32_t argc;          /* arguments kept in args */
        uint32_t args_total;    /* bytes of the whole argv area in the process */
        uint16_t path_len;
        uint16_t args_len;
        uint8_t stdio[3];       /* enum cw_fd_kind of fds 0, 1, 2 */
        uint8_t pad;
        uint16_t name_len;      /* with CW_EXE_PATH_TRUNCATED: bytes of the name after args, or 0 */
        uint16_t pad2;
        uint64_t exe_ino;
        uint32_t exe_dev;
        uint32_t exe_mode;
        uint64_t stdin_pipe;    /* inode of the pipe on fd 0, 0 when it is not a pipe */
        uint64_t stdout_pipe;   /* the same for fd 1 */
        uint16_t script_len;    /* an interpreter runs a file (#!, binfmt_misc): the name exec was given */
        uint16_t cwd_len;       /* the working directory (interpreters, relative scripts), or 0 */
        uint16_t env_len;
        uint16_t env_flags;     /* enum cw_env_flags */
        char data[CW_EXEC_DATA_SIZE];
};

struct cw_fork_event {
        struct cw_event_header hdr;
        uint32_t child_pid;
        uint32_t pad;
};

struct cw_exit_event {
        struct cw_event_header hdr;
        uint32_t ppid;
        int32_t exit_code;      /* exit status when signal == 0 */
        uint32_t signal;        /* terminating signal, 0 for a normal exit */
        uint32_t core_dumped;
        uint64_t lifetime_ns;
};

_Static_assert(__builtin_offsetof(struct cw_exec_event, ppid) == 56, "cw_exec_event layout");
_Static_assert(__builtin_offsetof(struct cw_exec_event, name_len) == 100, "cw_exec_event layout");
_Static_assert(__builtin_offsetof(struct cw_exec_event, exe_ino) == 104, "cw_exec_event layout");
_Static_assert(__builtin_offsetof(struct cw_exec_event, stdin_pipe) == 120, "cw_exec_event layout");
_Static_assert(__builtin_offsetof(struct cw_exec_event, script_len) == 136, "cw_exec_event layout");
_Static_assert(__builtin_offsetof(struct cw_exec_event, env_flags) == 142, "cw_exec_event layout");
_Static_assert(CW_PATH_MAX * 3 + CW_ARGS_MAX + CW_EXE_NAME_MAX + CW_ENV_VARS * CW_ENV_ENTRY_MAX < 16384,
               "cw_exec_event data: every part below the masked offset");
_Static_assert(__builtin_offsetof(struct cw_exec_event, data) == 144, "cw_exec_event layout");
_Static_assert(sizeof(struct cw_exec_event) == 32768, "cw_exec_event layout");
_Static_assert(sizeof(struct cw_fork_event) == 64, "cw_fork_event layout");
_Static_assert(sizeof(struct cw_exit_event) == 80, "cw_exit_event layout");
