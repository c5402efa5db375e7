/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Decoders of raw kernel values into text: errno names, addresses, flag sets, file modes, file
 * capabilities. */
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

/* The capabilities of set by name, joined by ',' ("cap_setuid,cap_sys_admin"), unknown ones as
 * cap_N; nothing for an empty set. */
void format_caps(struct strbuf *b, uint64_t set);

#define VFS_CAP_FLAGS_EFFECTIVE 0x000001

/* A security.capability extended attribute: struct vfs_cap_data or vfs_ns_cap_data. */
struct file_caps {
        uint32_t revision;      /* 1, 2 or 3 (3: namespaced, with rootid) */
        bool effective;         /* the permitted set is raised as effective at exec */
        bool has_rootid;
        uint64_t permitted;
        uint64_t inheritable;
        uint32_t rootid;        /* revision 3: root of the user namespace that set it */
};

/* Parses the value (little endian, as stored). Returns 0, or -EBADMSG when it is of an unknown
 * revision or shorter than its revision needs. */
int parse_file_caps(const uint8_t *value, size_t len, struct file_caps *ret);
