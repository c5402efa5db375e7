/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parser of conditions: tokens to an AST, macros and named lists inlined. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct loader;
struct assignment;
struct node;

/* Parses a's value as a whole condition. macro_depth: how deep in macros this is; budget: the
 * nodes left, decremented. Errors are reported; returns -EINVAL after one, or -ENOMEM. */
int condition_parse(struct loader *ld, const struct assignment *a, unsigned macro_depth, size_t *budget,
                    struct node **ret);
/* A word of the language ("and", "in", ...): it cannot name a list or a macro. */
bool condition_is_keyword(const char *w);
