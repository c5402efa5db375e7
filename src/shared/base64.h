/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Base64 (RFC 4648, with padding) for keys in text files. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A malloc'ed, NUL-terminated encoding of data; NULL when out of memory. */
char *base64_encode(const void *data, size_t size);
/* Decodes s (len bytes, padded, no blanks) into ret, which holds max bytes. Returns the bytes
 * written, -EINVAL for bad text, -ENOBUFS when it does not fit. */
int base64_decode(const char *s, size_t len, uint8_t *ret, size_t max);
