/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whole files into memory. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Reads the regular file path (relative to dfd, or AT_FDCWD) into a NUL-terminated buffer (malloc'ed
 * into *ret, its length without the NUL in *ret_len). -EBADFD: not a regular file; -EFBIG: larger than
 * max bytes; -ENOMEM; the errno of open or read. */
int read_file_at(int dfd, const char *path, uint64_t max, char **ret, size_t *ret_len);
