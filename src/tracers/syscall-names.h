/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the syscalls tracer knows about each call it traces, and the names of their arguments'
 * values. */
#pragma once

#include <stddef.h>
#include "decode.h"
#include "syscalls.h"

struct traced_syscall {
        enum cw_syscall_kind kind;
        const char *name;       /* "umount2" */
        const char *event;      /* its trace events: sys_enter_EVENT, sys_exit_EVENT ("umount") */
        long nr;                /* the syscall number here; -1: this architecture has none */
};

extern const struct traced_syscall traced_syscalls[];
extern const size_t n_traced_syscalls;

/* The entry of kind, or NULL. */
const struct traced_syscall *traced_syscall_by_kind(unsigned kind);

extern const struct flag_name clone_flag_names[];       /* unshare, setns */
extern const struct flag_name mount_flag_names[];
extern const struct flag_name umount_flag_names[];
extern const struct flag_name memfd_flag_names[];
extern const struct flag_name execveat_flag_names[];
extern const struct flag_name finit_module_flag_names[];
extern const struct flag_name delete_module_flag_names[];
extern const struct flag_name ptrace_request_names[];
extern const struct flag_name bpf_cmd_names[];
extern const struct flag_name xattr_flag_names[];
