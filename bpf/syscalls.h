/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Events of the syscalls tracer: security-relevant system calls with their arguments. */
#pragma once

#include "event.h"

/* One type for all of them; the call is told by kind (its range is CW_EV_SYSCALL .. + 15). */
enum cw_syscall_event_type {
        CW_EV_SYSCALL_CALL = CW_EV_SYSCALL,
};

/* The calls traced. User space maps syscall numbers to these (rodata), so the BPF side is the
 * same on every architecture. */
enum cw_syscall_kind {
        CW_SC_NONE = 0,
        CW_SC_PTRACE,
        CW_SC_SETNS,
        CW_SC_UNSHARE,
        CW_SC_MOUNT,
        CW_SC_UMOUNT2,
        CW_SC_INIT_MODULE,
        CW_SC_FINIT_MODULE,
        CW_SC_DELETE_MODULE,
        CW_SC_BPF,
        CW_SC_SETUID,
        CW_SC_SETGID,
        CW_SC_SETREUID,
        CW_SC_SETREGID,
        CW_SC_SETRESUID,
        CW_SC_SETRESGID,
        CW_SC_MEMFD_CREATE,
        CW_SC_EXECVEAT,
        CW_SC_CHMOD,
        CW_SC_FCHMOD,
        CW_SC_FCHMODAT,
        CW_SC_FCHMODAT2,
        _CW_SC_MAX,
};

#define CW_SYSCALL_NR_MAX 512           /* syscall numbers above are not traced */
#define CW_SYSCALL_PATH_MAX 512         /* a power of two; a longer path keeps its root-side prefix */
#define CW_SYSCALL_STR_MAX 256
#define CW_SYSCALL_FSTYPE_MAX 64

enum cw_syscall_flags {
        CW_SC_PATH_TRUNCATED = 1 << 0,
        CW_SC_PATH_RESOLVED = 1 << 1,   /* path is the full path of the fd's file */
};

/* Raw arguments as the call got them, strings read from the caller's memory where the kind has
 * them (empty otherwise):
 *   path:   chmod/fchmodat/fchmodat2 path, mount/umount2 target; fchmod and finit_module: the
 *           full path of the fd's file; execveat: the fd's file name (e.g. "memfd:x")
 *   str:    mount source, memfd_create name, delete_module name
 *   fstype: mount file system type */
struct cw_syscall_event {
        struct cw_event_header hdr;
        int64_t ret;
        uint64_t args[6];
        uint32_t nr;            /* syscall number */
        uint16_t kind;          /* enum cw_syscall_kind */
        uint16_t flags;         /* enum cw_syscall_flags */
        uint32_t ppid;
        uint16_t path_len;      /* bytes before the NUL */
        uint16_t str_len;
        uint16_t fstype_len;
        uint16_t pad[3];
        char path[CW_SYSCALL_PATH_MAX];
        char str[CW_SYSCALL_STR_MAX];
        char fstype[CW_SYSCALL_FSTYPE_MAX];
};

_Static_assert(__builtin_offsetof(struct cw_syscall_event, ret) == 56, "cw_syscall_event layout");
_Static_assert(__builtin_offsetof(struct cw_syscall_event, nr) == 112, "cw_syscall_event layout");
_Static_assert(__builtin_offsetof(struct cw_syscall_event, path) == 136, "cw_syscall_event layout");
_Static_assert(sizeof(struct cw_syscall_event) == 136 + 512 + 256 + 64, "cw_syscall_event layout");
