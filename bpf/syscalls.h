/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Events of the syscalls tracer: security-relevant system calls with their arguments. */
#pragma once

#include "event.h"

/* One type for all of them; the call is told by kind. */
enum cw_syscall_event_type {
        CW_EV_SYSCALL_CALL = 1,
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
        CW_SC_PROCESS_VM_READV,
        CW_SC_PROCESS_VM_WRITEV,
        CW_SC_SETXATTR,
        CW_SC_LSETXATTR,
        CW_SC_FSETXATTR,
        CW_SC_SETXATTRAT,
        _CW_SC_MAX,
};

#define CW_SYSCALL_NR_MAX 512           /* syscall numbers above are not traced */
#define CW_SYSCALL_PATH_MAX 512         /* a power of two, CW_PATH_BUF of common.bpf.h */
#define CW_SYSCALL_STR_MAX 256
#define CW_SYSCALL_FSTYPE_MAX 64
#define CW_SYSCALL_VALUE_MAX 24         /* the xattr value bytes kept: a whole vfs_cap_data (rev. 3) */

enum cw_syscall_flags {
        CW_SC_PATH_TRUNCATED = 1 << 0,
        CW_SC_PATH_RESOLVED = 1 << 1,   /* path is the full path of the fd's file */
        CW_SC_RAW_TP = 1 << 2,          /* seen through raw_tp/sys_{enter,exit}: the call has no
                                         * trace event on this kernel */
        CW_SC_TARGET_SELF = 1 << 3,     /* process_vm_*: the target pid is the caller's own
                                         * process or thread (in the caller's pid namespace) */
};

/* Raw arguments as the call got them, strings read from the caller's memory where the kind has
 * them (empty otherwise):
 *   path:   chmod/fchmodat/fchmodat2 path, mount/umount2 target, setxattr/lsetxattr/setxattrat
 *           path;
 *           fchmod, finit_module and fsetxattr: the full path of the fd's file; execveat: the fd's
 *           file name (e.g. "memfd:x")
 *   str:    mount source, memfd_create name, delete_module name, init_module/finit_module
 *           parameters, *setxattr attribute name
 *   fstype: mount file system type
 *   value:  *setxattr*: the first value_len (at most CW_SYSCALL_VALUE_MAX) bytes of the value,
 *           value_size its size and xattr_flags the XATTR_* flags, as the call gave them (setxattrat
 *           in its struct xattr_args) */
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
        uint8_t value_len;
        uint8_t xattr_flags;
        uint32_t value_size;
        char path[CW_SYSCALL_PATH_MAX];
        char str[CW_SYSCALL_STR_MAX];
        char fstype[CW_SYSCALL_FSTYPE_MAX];
        uint8_t value[CW_SYSCALL_VALUE_MAX];
};

_Static_assert(__builtin_offsetof(struct cw_syscall_event, ret) == 56, "cw_syscall_event layout");
_Static_assert(__builtin_offsetof(struct cw_syscall_event, nr) == 112, "cw_syscall_event layout");
_Static_assert(__builtin_offsetof(struct cw_syscall_event, path) == 136, "cw_syscall_event layout");
_Static_assert(__builtin_offsetof(struct cw_syscall_event, value_len) == 130, "cw_syscall_event layout");
_Static_assert(__builtin_offsetof(struct cw_syscall_event, value_size) == 132, "cw_syscall_event layout");
_Static_assert(__builtin_offsetof(struct cw_syscall_event, value) == 136 + 512 + 256 + 64,
               "cw_syscall_event layout");
_Static_assert(sizeof(struct cw_syscall_event) == 136 + 512 + 256 + 64 + 24, "cw_syscall_event layout");
