/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cwatchctl incidents [list | show ID]: QueryIncidents, and the member alerts of one. */
#pragma once

#include "ctl.h"

int ctl_incidents(struct ctl *c, int argc, char **argv);
