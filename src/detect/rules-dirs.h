/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rule directories cwatchd searches by default, and the fallback of an uninstalled build. */
#pragma once

#include <stddef.h>

#define RULES_DIRS_DEFAULT_N 3

/* Fills dirs with the default search path, highest priority first: /etc/cwatch/rules.d,
 * /run/cwatch/rules.d, /usr/lib/cwatch/rules.d. A binary run from its build tree (built with
 * -Dsource_rules_fallback=true, the default) while /usr/lib/cwatch/rules.d does not exist searches
 * the source tree's rules/ in its place, and says so. Returns the number of directories. */
size_t rules_dirs_default(const char *dirs[static RULES_DIRS_DEFAULT_N]);
