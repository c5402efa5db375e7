/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cwatchctl whitelist list | show PATH|SHA256. */
#pragma once

#include "ctl.h"

/* argv[0] is "whitelist", argv[1] the subcommand. Returns an exit code. */
int ctl_whitelist(struct ctl *c, int argc, char **argv);
