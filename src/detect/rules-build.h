/* SPDX-License-Identifier: GPL-2.0-or-later */
/* [Rule] sections to rules. */
#pragma once

#include "loader.h"

/* Builds the rule of s into e: a new rule, or one of an earlier file replaced or amended. Errors
 * are reported; returns -EINVAL after one, or -ENOMEM. */
int rule_build(struct loader *ld, struct detect_engine *e, const struct section *s);
