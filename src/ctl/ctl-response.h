/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cwatchctl freeze|thaw [unit] UNIT | container NAME, kill [--signal SIG] ..., actions. */
#pragma once

#include "ctl.h"

/* argv[0] is the verb. Return an exit code. */
int ctl_freeze_thaw(struct ctl *c, int argc, char **argv);
int ctl_kill(struct ctl *c, int argc, char **argv);
int ctl_actions(struct ctl *c, int argc, char **argv);
