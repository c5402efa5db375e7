/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cwatchctl profiles list | show SUBJECT | reset SUBJECT | learn SUBJECT | detect SUBJECT. */
#pragma once

#include "ctl.h"

/* argv[0] is "profiles", argv[1] the subcommand. Returns an exit code. */
int ctl_profiles(struct ctl *c, int argc, char **argv);
