/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The events rules may name when there are external tracers: the built-in tracers' and theirs. */
#pragma once

#include <stdio.h>
#include "detect/engine.h"
#include "tracers/ext-set.h"

/* Fills *ret with the registry's events and those of set; *events is its storage, free() it. */
int ext_catalog_build(const struct ext_set *set, struct detect_event_schema **events, struct detect_catalog *ret);

/* cwatchd rules check: the files against the built-in tracers and the external ones of tracers_dir
 * (NULL: the default directories). 0 when all is well, -EINVAL otherwise. */
int ext_rules_check_files(char *const *files, size_t n_files, const char *tracers_dir, FILE *out, FILE *err);
