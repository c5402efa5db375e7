/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "options.h"

/* cwatchd run: trace in the foreground until interrupted or --duration passes. Returns an exit
 * status. */
int run_foreground(const struct options *o);
