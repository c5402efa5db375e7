/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cwatchctl keys show | whitelist export FILE | whitelist import FILE: whitelist snapshots by hand,
 * for hosts without a network between them. */
#pragma once

#include "ctl.h"

/* argv[0] is "keys", argv[1] "show". Returns an exit code. */
int ctl_keys(struct ctl *c, int argc, char **argv);
/* argv[0] is "whitelist", argv[1] "export" or "import", argv[2] the file ("-": stdout or stdin). */
int ctl_whitelist_transfer(struct ctl *c, int argc, char **argv);
