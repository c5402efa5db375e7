/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The BPF ring buffer and links kept in systemd's file descriptor store (FileDescriptorStoreMax=),
 * so that a cwatchd killed or crashed leaves its programs attached and their events in the ring for
 * the next one (manager-handover.c): no blind window, and no slow detach on the way down. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct service;
struct manager;

struct service_handover {
        int ring_fd;            /* the earlier cwatchd's ring buffer, or -1 */
        int *link_fds;          /* its links, closed once ours are attached */
        size_t n_links;
        uint8_t generation;     /* of its programs */
        bool adopted;           /* the manager took the ring */
        pthread_t closer;       /* closing link_fds */
        bool closer_started;
        bool closing;           /* atomic: link_fds are not all closed yet */
};

/* Takes what systemd passed (LISTEN_FDS, named), and gives the manager the ring buffer; call before
 * any tracer starts. Nothing passed: nothing happens. */
void service_handover_begin(struct service_handover *h, struct manager *m);
/* Once our tracers are attached: ours go into the store, and the earlier links go (in a thread:
 * detaching a tracepoint waits for an RCU grace period, ~25 ms each). */
void service_handover_finish(struct service_handover *h, struct manager *m);
/* Waits for the earlier links to be closed, frees what is left. */
void service_handover_done(struct service_handover *h);

/* Puts the ring buffer and every BPF link of this process into the store (the ones already there
 * are not added twice), but for the earlier cwatchd's of h still being closed. No-op without
 * systemd's notify socket. */
int service_fdstore_keep(const struct manager *m, struct service_handover *h);
/* Takes our links out of the store (before tracers stop: their teardown is then ours, not PID 1's);
 * with_ring: the ring too (a clean exit). */
void service_fdstore_forget(const struct manager *m, bool with_ring);
