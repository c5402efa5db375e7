/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host-key.h"
#include "shared/base64.h"
#include "shared/fileio.h"
#include "shared/ini-reader.h"

char *public_key_to_string(const uint8_t key[ED25519_KEY_SIZE])
{
        _cleanup_free_ char *b = base64_encode(key, ED25519_KEY_SIZE);
        char *s;

        if (!b || asprintf(&s, PUBLIC_KEY_PREFIX "%s", b) < 0)
                return NULL;
        return s;
}

int public_key_from_string(const char *s, uint8_t ret[ED25519_KEY_SIZE])
{
        size_t l = strlen(PUBLIC_KEY_PREFIX);

        if (strncmp(s, PUBLIC_KEY_PREFIX, l) != 0)
                return -EINVAL;
        s += l;
        return base64_decode(s, strlen(s), ret, ED25519_KEY_SIZE) == ED25519_KEY_SIZE ? 0 : -EINVAL;
}

int host_key_load(const char *path, struct host_key *ret)
{
        static const char probe[] = "cwatch host key check";
        _cleanup_free_ char *text = NULL;
        struct ini_reader rd;
        struct ini_item it;
        struct host_key k;
        uint8_t sig[ED25519_SIGNATURE_SIZE];
        bool have_secret = false, have_public = false;
        size_t size;
        int r;

        r = read_file_at(AT_FDCWD, path, 4096, &text, &size);
        if (r < 0)
                return r == -EFBIG ? -EBADMSG : r;
        ini_reader_init(&rd, text, size, 1024, 1024);
        while ((r = ini_reader_next(&rd, &it)) == 0 && it.kind != INI_END) {
                if (it.kind != INI_ASSIGNMENT) {
                        r = -EBADMSG;
                        break;
                }
                bool secret = it.text_len == 10 && strneq(it.text, "PrivateKey", 10);
                bool public = it.text_len == 9 && strneq(it.text, "PublicKey", 9);
                if (!secret && !public)
                        continue;
                r = ini_reader_read_value(&rd, &it);
                if (r < 0 || it.kind != INI_ASSIGNMENT ||
                    public_key_from_string(it.value, secret ? k.secret : k.public_key) < 0) {
                        r = -EBADMSG;
                        break;
                }
                if (secret)
                        have_secret = true;
                else
                        have_public = true;
        }
        ini_reader_done(&rd);
        if (r < 0)
                return r;
        if (!have_secret || !have_public)
                return -EBADMSG;
        /* the halves belong together: what one signs the other verifies */
        r = ed25519_sign(k.secret, k.public_key, probe, sizeof(probe), sig);
        if (r < 0)
                return r;
        r = ed25519_verify(k.public_key, probe, sizeof(probe), sig);
        if (r < 0)
                return r == -EBADMSG ? -EBADMSG : r;
        *ret = k;
        return 0;
}

int host_key_load_or_create(const char *path, struct host_key *ret, bool *ret_created)
{
        _cleanup_free_ char *secret = NULL, *public = NULL, *text = NULL;
        struct host_key k;
        int r;

        r = host_key_load(path, ret);
        if (r != -ENOENT) {
                if (ret_created)
                        *ret_created = false;
                return r;
        }
        r = ed25519_generate(k.secret, k.public_key);
        if (r < 0)
                return r;
        secret = public_key_to_string(k.secret);
        public = public_key_to_string(k.public_key);
        if (!secret || !public ||
            asprintf(&text, "# cwatch host key: secret. 'cwatchctl keys show' prints the public half for peers.\n"
                            "PrivateKey=%s\nPublicKey=%s\n", secret, public) < 0)
                return -ENOMEM;
        r = write_file_atomic(path, text, strlen(text), 0600);
        explicit_bzero(text, strlen(text));
        explicit_bzero(secret, strlen(secret));
        if (r < 0)
                return r;
        *ret = k;
        if (ret_created)
                *ret_created = true;
        return 0;
}
