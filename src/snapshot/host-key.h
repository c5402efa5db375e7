/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host's Ed25519 key, /var/lib/cwatch/host.key (0600), made at the first start:
 *
 *   # cwatch host key: secret. 'cwatchctl keys show' prints the public half for peers.
 *   PrivateKey=ed25519:BASE64
 *   PublicKey=ed25519:BASE64
 *
 * Keys in text are "ed25519:" and the 32 bytes in base64. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include "ed25519.h"

#define HOST_KEY_FILE "host.key"
#define PUBLIC_KEY_PREFIX "ed25519:"

struct host_key {
        uint8_t secret[ED25519_KEY_SIZE];
        uint8_t public_key[ED25519_KEY_SIZE];
};

/* Reads path; -ENOENT when there is none, -EBADMSG when it is not a key file or its halves do not
 * belong together. */
int host_key_load(const char *path, struct host_key *ret);
/* Reads path, or makes a new key and writes it there (atomic, 0600) when there is none. */
int host_key_load_or_create(const char *path, struct host_key *ret, bool *ret_created);

/* "ed25519:BASE64" (malloc'ed) and back (-EINVAL for anything else). */
char *public_key_to_string(const uint8_t key[ED25519_KEY_SIZE]);
int public_key_from_string(const char *s, uint8_t ret[ED25519_KEY_SIZE]);
