/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The header every event in the ring buffer starts with, shared by BPF and user space. */
#pragma once

#ifdef __bpf__
#include "vmlinux.h"
#else
#include <stdint.h>
#include <stddef.h>
#endif

/* 2: event types are numbered per tracer (from 1, in bpf/NAME.h or NAME.bpf.c); the tracer field
 * says whose they are. 3: flags (enum cw_event_flags) beside the type. */
#define CW_EVENT_VERSION 3
#define CW_COMM_LEN 16

enum cw_event_flags {
        /* pid and tid (and the body's ppid, child pid) are the host's: the task is outside
         * cwatchd's pid namespace. A task inside it whose parent is outside has ppid 0. */
        CW_EVENT_HOST_PIDS = 1 << 0,
};

struct cw_event_header {
        uint8_t type;           /* the tracer's own event type, from 1 */
        uint8_t flags;          /* enum cw_event_flags */
        uint8_t version;        /* CW_EVENT_VERSION */
        uint8_t tracer;         /* registry index, set through rodata before load */
        uint32_t size;          /* bytes of the whole event, header included */
        uint64_t time_ns;       /* CLOCK_BOOTTIME */
        uint64_t cgroup_id;     /* cgroup2 inode of the task */
        uint32_t pid;           /* thread group id, in cwatchd's pid namespace (see CW_EVENT_HOST_PIDS) */
        uint32_t tid;
        uint32_t uid;
        uint32_t gid;
        char comm[CW_COMM_LEN];
};

_Static_assert(sizeof(struct cw_event_header) == 56, "cw_event_header layout");
_Static_assert(__builtin_offsetof(struct cw_event_header, flags) == 1, "cw_event_header layout");
_Static_assert(__builtin_offsetof(struct cw_event_header, time_ns) == 8, "cw_event_header layout");
_Static_assert(__builtin_offsetof(struct cw_event_header, comm) == 40, "cw_event_header layout");
