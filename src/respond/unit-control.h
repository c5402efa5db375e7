/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The response's executor: asks systemd (org.freedesktop.systemd1, asynchronously, never blocking the
 * event loop) to freeze, thaw, kill or stop a unit, and kills a single process through a pidfd. Where
 * systemd cannot freeze (cgroup v1 and v2 side by side: "hybrid"), the unit's cgroup2 directory is
 * frozen through its cgroup.freeze. */
#pragma once

#include <stdint.h>
#include <systemd/sd-bus.h>
#include "response.h"

struct unit_control;

typedef void (*unit_control_done_fn)(uint64_t seq, int error, const char *detail, void *userdata);

/* bus: where systemd is (the system bus); cgroup_mount: the cgroup2 mount ("/sys/fs/cgroup" or
 * "/sys/fs/cgroup/unified"). */
int unit_control_new(struct unit_control **ret, sd_bus *bus, const char *cgroup_mount, unit_control_done_fn done,
                     void *userdata);
/* Cancels what is pending (no answers come any more). */
struct unit_control *unit_control_free(struct unit_control *u);
void unit_control_set_bus(struct unit_control *u, sd_bus *bus);
DEFINE_POINTER_CLEANUP(struct unit_control, unit_control_free);

/* Starts e's action on t; the answer comes through done (at once for a process kill). */
int unit_control_run(struct unit_control *u, const struct response_entry *e, const struct response_target *t);

/* The process t->pid names, as a pidfd, checked to be in t's unit (and, when cwatchd runs in a nested
 * PID namespace where the kernel's pids are not its own, found there by its cgroup, name and command
 * line, which must be unique). Exposed for tests. */
int unit_control_open_process(const char *cgroup_mount, const struct response_target *t, char *why, size_t why_size);
