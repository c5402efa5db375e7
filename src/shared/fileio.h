/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whole files in and out: reads bounded by a size, writes atomic (temporary file in the same
 * directory, fsync, rename, fsync of the directory), memfds. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads the regular file path (relative to dfd, or AT_FDCWD) into a NUL-terminated buffer (malloc'ed
 * into *ret, its length without the NUL in *ret_len). -EBADFD: not a regular file; -EFBIG: larger than
 * max bytes; -ENOMEM; the errno of open or read. */
int read_file_at(int dfd, const char *path, uint64_t max, char **ret, size_t *ret_len);
/* Reads all of fd (a regular file or a pipe) into a malloc'ed buffer, followed by a NUL byte that
 * size does not count. -EFBIG when it holds more than max bytes: nothing more than max + 1 bytes is
 * ever read. */
int read_fd_full(int fd, size_t max, void **ret, size_t *ret_size);
/* Writes path atomically with mode. */
int write_file_atomic(const char *path, const void *data, size_t size, mode_t mode);
/* A memfd holding data, positioned at its start; sealed against any change when seal is true. */
int memfd_with(const void *data, size_t size, bool seal);
