/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pid namespace a process sees pids in: what the BPF programs translate the kernel's pids to,
 * so that the pids of events are the ones of cwatchd's /proc. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* The inode of the initial pid namespace, fixed by the kernel (PROC_PID_INIT_INO). */
#define PIDNS_INITIAL_INO UINT64_C(0xeffffffc)

struct pidns {
        uint64_t dev;           /* of /proc/PID/ns/pid (nsfs) */
        uint64_t ino;           /* the namespace's inode number */
};

/* The pid namespace of the process whose /proc directory is proc_pid_dir ("/proc/self"). */
int pidns_of(const char *proc_pid_dir, struct pidns *ret);

static inline bool pidns_is_initial(const struct pidns *ns)
{
        return ns->ino == PIDNS_INITIAL_INO;
}
