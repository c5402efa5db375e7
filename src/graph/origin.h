/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How an executed file arrived: its last writer in the graph and what that writer was (a download,
 * a compiler or linker, a package manager), or a container image's file nobody wrote here. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "graph.h"
#include "provenance.h"

/* Program names (proc.name) of compilers and linkers; a "x86_64-linux-gnu-" prefix and a "-12"
 * version suffix are ignored. */
bool origin_is_compiler(const char *name, size_t len);
bool origin_is_package_manager(const char *name, size_t len);

/* The provenance of the file node of key (container: the exec's container id, NULL: the host). */
void origin_of_file(const struct graph *g, uint64_t key, const char *container, struct file_provenance *ret);
