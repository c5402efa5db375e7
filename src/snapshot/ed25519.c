/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>
#include <gcrypt.h>
#include "ed25519.h"
#include "shared/macro.h"

static void sexp_releasep(gcry_sexp_t *s)
{
        if (*s)
                gcry_sexp_release(*s);
}
#define _cleanup_sexp_ _cleanup_(sexp_releasep)

int crypto_init(void)
{
        if (gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P))
                return 0;
        if (!gcry_check_version("1.8.0"))
                return -EPROTONOSUPPORT;
        gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
        gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
        return 0;
}

/* Copies the value of token (a string of exactly size bytes) out of s. */
static int sexp_get_bytes(gcry_sexp_t s, const char *token, uint8_t *ret, size_t size)
{
        _cleanup_sexp_ gcry_sexp_t t = gcry_sexp_find_token(s, token, 0);
        const char *d;
        size_t n;

        if (!t)
                return -EIO;
        d = gcry_sexp_nth_data(t, 1, &n);
        if (!d || n > size)
                return -EIO;
        /* a big-endian number that lost leading zeros: pad it back */
        memset(ret, 0, size - n);
        memcpy(ret + size - n, d, n);
        return 0;
}

int ed25519_generate(uint8_t secret[ED25519_KEY_SIZE], uint8_t public_key[ED25519_KEY_SIZE])
{
        _cleanup_sexp_ gcry_sexp_t params = NULL, key = NULL;
        int r;

        r = crypto_init();
        if (r < 0)
                return r;
        if (gcry_sexp_build(&params, NULL, "(genkey (ecc (curve Ed25519) (flags eddsa)))") ||
            gcry_pk_genkey(&key, params))
                return -EIO;
        r = sexp_get_bytes(key, "d", secret, ED25519_KEY_SIZE);
        if (r < 0)
                return r;
        return sexp_get_bytes(key, "q", public_key, ED25519_KEY_SIZE);
}

/* What is signed: the SHA-512 digest of the data, since libgcrypt's S-expressions hold values
 * under 64 KiB only. */
static int data_sexp(gcry_sexp_t *ret, const void *data, size_t size)
{
        uint8_t digest[64];

        gcry_md_hash_buffer(GCRY_MD_SHA512, digest, data, size);
        return gcry_sexp_build(ret, NULL, "(data (flags eddsa) (hash-algo sha512) (value %b))",
                               (int) sizeof(digest), digest) ? -ENOMEM : 0;
}

int ed25519_sign(const uint8_t secret[ED25519_KEY_SIZE], const uint8_t public_key[ED25519_KEY_SIZE],
                 const void *data, size_t size, uint8_t ret_sig[ED25519_SIGNATURE_SIZE])
{
        _cleanup_sexp_ gcry_sexp_t key = NULL, msg = NULL, sig = NULL;
        int r;

        r = crypto_init();
        if (r < 0)
                return r;
        if (gcry_sexp_build(&key, NULL, "(private-key (ecc (curve Ed25519) (flags eddsa) (q %b) (d %b)))",
                            ED25519_KEY_SIZE, public_key, ED25519_KEY_SIZE, secret))
                return -ENOMEM;
        r = data_sexp(&msg, data, size);
        if (r < 0)
                return r;
        if (gcry_pk_sign(&sig, msg, key))
                return -EIO;
        r = sexp_get_bytes(sig, "r", ret_sig, 32);
        if (r < 0)
                return r;
        return sexp_get_bytes(sig, "s", ret_sig + 32, 32);
}

int ed25519_verify(const uint8_t public_key[ED25519_KEY_SIZE], const void *data, size_t size,
                   const uint8_t sig[ED25519_SIGNATURE_SIZE])
{
        _cleanup_sexp_ gcry_sexp_t key = NULL, msg = NULL, s = NULL;
        gcry_error_t e;
        int r;

        r = crypto_init();
        if (r < 0)
                return r;
        if (gcry_sexp_build(&key, NULL, "(public-key (ecc (curve Ed25519) (flags eddsa) (q %b)))",
                            ED25519_KEY_SIZE, public_key) ||
            gcry_sexp_build(&s, NULL, "(sig-val (eddsa (r %b) (s %b)))", 32, sig, 32, sig + 32))
                return -ENOMEM;
        r = data_sexp(&msg, data, size);
        if (r < 0)
                return r;
        e = gcry_pk_verify(s, msg, key);
        if (e == 0)
                return 0;
        /* a key that is no point on the curve fails like a bad signature */
        return gcry_err_code(e) == GPG_ERR_ENOMEM ? -ENOMEM : -EBADMSG;
}
