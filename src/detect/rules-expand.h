/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Lists and macros: collected from [List] and [Macro] sections, expanded once on first use. */
#pragma once

#include "loader.h"

/* Collects the [List] and [Macro] sections of ld into definitions (errors reported). Returns 0
 * or -ENOMEM. */
int definitions_collect(struct loader *ld);

/* The latest definition of name, or NULL. */
struct list_def *list_find(struct loader *ld, const char *name);
struct macro_def *macro_find(struct loader *ld, const char *name);

/* Expands l's Items= (named lists inlined); use: where it is used, for a cycle's error. Returns 0,
 * -EINVAL after an error (reported once), or -ENOMEM. */
int list_expand(struct loader *ld, struct list_def *l, const struct source_pos *use);
/* Parses m's Condition= into m->ast; depth: of macros using it. */
int macro_parse(struct loader *ld, struct macro_def *m, unsigned depth);
