/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What an executed file's path and place say: temporary, hidden, deleted or memfd location; a shell,
 * interpreter or downloader by name; owned by root; and, for a process in a container whose root is
 * an overlay, whether the file is in the image (a lower layer) or was written in the container (the
 * upper layer: drift). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "whitelist.h"

/* WHITELIST_LOC_* of path; temp_dirs: the temporary directories (NULL-terminated count n). */
unsigned program_location(const char *path, bool deleted, bool memfd, const char *const *temp_dirs, size_t n);
/* The kind of a program by its file name (the documented list in docs/WHITELIST.md). */
enum whitelist_kind program_kind(const char *path);
/* Owned by root and not writable by group or others; dir: its directory's stat (NULL: unknown,
 * which does not count against it) must be root-owned and not writable by others. */
bool program_root_owned(const struct stat *file, const struct stat *dir);

/* The upper directory of the overlay mounted as "/" in mountinfo's text, malloc'ed into *ret;
 * -ENOENT when "/" is not an overlay or has no upper layer. */
int overlay_upperdir_from_mountinfo(const char *text, size_t len, char **ret);
/* The layer of path (as the process sees it) under process pid's root: HOST when its root is no
 * overlay, DRIFT when the upper directory holds the file, IMAGE otherwise. */
enum whitelist_layer program_layer(pid_t pid, const char *path);
