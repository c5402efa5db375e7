/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cwatchctl rules list (ListRules on the bus) and rules check FILE... (offline, no daemon). */
#pragma once

#include "ctl.h"

/* argv[0] is "rules", argv[1] the subcommand. Returns an exit code. */
int ctl_rules(struct ctl *c, int argc, char **argv);
