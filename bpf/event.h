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
 * says whose they are. */
#define CW_EVENT_VERSION 2
#define CW_COMM_LEN 16

struct cw_event_header {
        uint16_t type;          /* the tracer's own event type, from 1 */
        uint8_t version;        /* CW_EVENT_VERSION */
        uint8_t tracer;         /* registry index, set through rodata before load */
        uint32_t size;          /* bytes of the whole event, header included */
        uint64_t time_ns;       /* CLOCK_BOOTTIME */
        uint64_t cgroup_id;     /* cgroup2 inode of the task */
        uint32_t pid;           /* thread group id */
        uint32_t tid;
        uint32_t uid;
        uint32_t gid;
        char comm[CW_COMM_LEN];
};

_Static_assert(sizeof(struct cw_event_header) == 56, "cw_event_header layout");
_Static_assert(__builtin_offsetof(struct cw_event_header, time_ns) == 8, "cw_event_header layout");
_Static_assert(__builtin_offsetof(struct cw_event_header, comm) == 40, "cw_event_header layout");
