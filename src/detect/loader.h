/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading rule files: INI sections, lists, macros, conditions, rules. Internal to the engine. */
#pragma once

#include "rules.h"
#include "engine.h"

struct loader;

int loader_new(struct loader **ret, struct strbuf *errors);
struct loader *loader_free(struct loader *ld);
/* Reads one file's text (name is what errors show). Errors are collected; returns -EINVAL when the
 * file had any. */
int loader_add_text(struct loader *ld, const char *name, const char *text, size_t len);
/* Builds the rules of everything added (macros expanded, lists resolved), moves them and the
 * file names into e. Returns -EINVAL when any error was reported. */
int loader_build(struct loader *ld, struct detect_engine *e);
/* Reports an error at a position (also used by the compiler). */
void loader_error(struct strbuf *errors, unsigned *n_errors, const struct source_pos *pos,
                  const char *fmt, ...) _printf_(4, 5);
