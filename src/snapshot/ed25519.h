/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Ed25519 (RFC 8032) with libgcrypt: keys, signatures, and the one initialisation of libgcrypt.
 * What is signed is the SHA-512 digest of the data (64 bytes), so data of any size can be signed:
 * libgcrypt holds S-expression values under 64 KiB only. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define ED25519_KEY_SIZE 32
#define ED25519_SIGNATURE_SIZE 64

/* Initialises libgcrypt unless someone did already (no secure memory: the key lives in a 0600
 * file anyway). Returns 0 or -EPROTONOSUPPORT when the library is too old. */
int crypto_init(void);

/* A new key pair from libgcrypt's strong random. */
int ed25519_generate(uint8_t secret[ED25519_KEY_SIZE], uint8_t public_key[ED25519_KEY_SIZE]);
int ed25519_sign(const uint8_t secret[ED25519_KEY_SIZE], const uint8_t public_key[ED25519_KEY_SIZE],
                 const void *data, size_t size, uint8_t ret_sig[ED25519_SIGNATURE_SIZE]);
/* 0 when sig is public_key's signature of data; -EBADMSG when not; -ENOMEM, -EIO. */
int ed25519_verify(const uint8_t public_key[ED25519_KEY_SIZE], const void *data, size_t size,
                   const uint8_t sig[ED25519_SIGNATURE_SIZE]);
