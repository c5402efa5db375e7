/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cwatchctl top: a live table of what each container and systemd unit is doing (events, execs, file
 * bytes, TCP connections per second, alerts), from two GetActivity replies at a time. */
#pragma once

#include "ctl.h"

/* argv[0] is "top"; parses its own options. Returns an exit code. */
int ctl_top(struct ctl *c, int argc, char **argv);
