/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Watched Unix-socket addresses of the sockets tracer, as the keys of the kernel's LPM trie.
 *
 * A pattern is a prefix of an address as cwatch shows it: a path ("/run/docker.sock", "/run/user/")
 * or an abstract name with "@" for its NUL ("@/containerd-shim/"). It is cut before a glob character
 * (* ? [ \) and at the address size; "/" watches every address, abstract ones too. The kernel keys an
 * address by its bytes up to the NUL of a path, or with "@" for the first byte of an abstract name
 * and its other NULs kept: an abstract pattern is cut before any further "@", which stands for a NUL
 * or for itself there. Cutting only widens what the kernel sends; the rules decide. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sockets.h>            /* bpf/sockets.h: the shared structs (not tracers/sockets.h) */

/* The built-in patterns (without rules), NULL-terminated. */
extern const char *const sockets_default_watched_paths[];

/* The key of pattern. -EINVAL unless it starts with "/" or "@". */
int sockets_watch_key(const char *pattern, struct cw_unix_watch_key *ret);

/* The kernel's key of len bytes of a sun_path (bpf/sockets.bpf.c unix_address_watched()). */
void sockets_address_key(const char *addr, size_t len, struct cw_unix_watch_key *ret);

/* The kernel's matching in user space (tests, and to explain it): whether one of the n keys is a
 * prefix of the key of the address. */
bool sockets_watch_match(const struct cw_unix_watch_key *keys, size_t n, const char *addr, size_t len);
