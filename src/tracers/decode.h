/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Decoders of raw kernel values into text: errno names, addresses, flag sets, file modes. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "shared/strbuf.h"

struct flag_name {
        uint64_t value;
        const char *name;
};

/* "ECONNREFUSED" for a positive errno; NULL when it has no name. */
const char *errno_name(int err);

#define INET_ADDR_TEXT_MAX 46   /* INET6_ADDRSTRLEN */
/* Formats addr (network byte order; an IPv4 address in its first 4 bytes) of family AF_INET or
 * AF_INET6. Returns 0, or -EAFNOSUPPORT for another family. */
int format_inet_addr(char buf[static INET_ADDR_TEXT_MAX], uint16_t family, const uint8_t addr[static 16]);

/* Appends the names of the bits of flags that names (ended by a NULL name) knows, joined by '|',
 * and the remaining unknown bits as one hex number; "0" when flags is 0. */
void format_flags(struct strbuf *b, uint64_t flags, const struct flag_name *names);

/* The name of value in names (ended by a NULL name), or NULL. */
const char *value_name(uint64_t value, const struct flag_name *names);

#define MODE_TEXT_MAX 8
/* A file mode's permission bits in octal with at least 4 digits: 04755 -> "4755". */
void format_mode(char buf[static MODE_TEXT_MAX], uint64_t mode);
