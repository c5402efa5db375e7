/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Features: what a process did, abstracted so that the same behaviour gives the same feature.
 * A feature is a relation (ran a program, read a file, connected to a peer, called setuid...) and
 * a generalised object ("/home/ * /.ssh/id_*", "tcp public :443"); its key is a 48-bit hash of
 * both, and its text explains it to a person ("read /etc/passwd"). Pure: no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum feature_relation {
        REL_EXEC_CHILD = 1,     /* ran a program (the child's executable) */
        REL_EXEC_PARENT,        /* was started by a program */
        REL_READ,
        REL_WRITE,
        REL_CONNECT,            /* tcp or unix peer */
        REL_ACCEPT,
        REL_LISTEN,
        REL_RAW_SOCKET,
        REL_SETUID,             /* setuid family: object "root" or "user" */
        REL_SETNS,              /* setns, unshare */
        REL_MOUNT,              /* mount, umount */
        REL_PTRACE,
        REL_MEMFD_EXEC,         /* memfd_create, execveat, an exec of a memfd */
        REL_BPF,
        REL_MODULE,             /* init_module, finit_module, delete_module */
        REL_CHMOD,
        _REL_MAX,
};

/* Bits of a key: the hash keeps 48, so that a table slot can hold a 16-bit day beside it. */
#define FEATURE_KEY_BITS 48
#define FEATURE_KEY_MASK ((UINT64_C(1) << FEATURE_KEY_BITS) - 1)
#define FEATURE_OBJECT_MAX 160

struct feature {
        uint64_t key;                           /* never 0 */
        enum feature_relation relation;
        char object[FEATURE_OBJECT_MAX];        /* generalised, NUL-terminated */
};

/* "EXEC_CHILD", "READ", ...; NULL out of range. */
const char *feature_relation_name(enum feature_relation rel);
/* "ran", "read", "connected to", ...: the verb of an explanation. */
const char *feature_relation_verb(enum feature_relation rel);

/* Hash of (relation, object), masked to FEATURE_KEY_BITS, never 0. */
uint64_t feature_key(enum feature_relation rel, const char *object, size_t len);
/* Fills f from the relation and an already generalised object (cut at FEATURE_OBJECT_MAX - 1). */
void feature_set(struct feature *f, enum feature_relation rel, const char *object, size_t len);

/* Generalises one path component in place rules: runs of digits, hex strings and random-looking
 * tokens become '*'. Writes at most size bytes (NUL included) to out; returns its length. */
size_t feature_generalise_token(const char *s, size_t len, char *out, size_t size);
/* Generalises a path: per-user prefixes (/home/NAME, /root) become "~", container root prefixes
 * (/var/lib/docker/overlay2/ID/merged, ...) are dropped, /proc/PID becomes /proc/ *, every component
 * is generalised, and a path deeper than FEATURE_PATH_DEPTH keeps its first components, "**" and
 * its last component. Returns the length written to out (NUL-terminated, cut at size). */
#define FEATURE_PATH_DEPTH 4
size_t feature_generalise_path(const char *path, size_t len, char *out, size_t size);
/* A peer: "tcp loopback :80", "tcp public :ephemeral" (see addr-class.h) from a textual address
 * and a port; proto is "tcp", "udp", ... */
size_t feature_generalise_peer(const char *proto, const char *addr, size_t addr_len, uint16_t port, char *out,
                               size_t size);
