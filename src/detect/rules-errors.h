/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The loader's error lines, put in the order of the files and lines they point at. */
#pragma once

#include <stddef.h>
#include "shared/strbuf.h"

/* Sorts the lines of errors from byte offset from on: by file (the order of files, the load order),
 * then line and column ("FILE:LINE:COLUMN: message"); a line naming no file of files (a directory
 * that could not be read, "too many errors") goes after them. Equal keys keep their order. The
 * stages of the loader report in passes (sections, lists, macros, rules, compilation), so their
 * errors come out of file and line order without this. */
void rules_errors_sort(struct strbuf *errors, size_t from, char *const *files, size_t n_files);
