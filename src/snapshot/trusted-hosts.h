/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The peers this host believes: /etc/cwatch/trusted-hosts.d/NAME.pub, one file per host, what
 * 'cwatchctl keys show' prints on that host:
 *
 *   [Host]
 *   HostId=0123456789abcdef0123456789abcdef     (its /etc/machine-id)
 *   PublicKey=ed25519:BASE64
 *   Weight=1                                    (its vote: 0 < Weight <= 1000, default 1)
 *
 * NAME names the host in messages. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "snapshot.h"

#define TRUSTED_HOSTS_MAX 1024
#define TRUSTED_HOST_MAX_WEIGHT 1000.0

struct trusted_host {
        char *name;
        uint8_t host_id[SNAPSHOT_HOST_ID_SIZE];
        uint8_t key[SNAPSHOT_KEY_SIZE];
        double weight;
};

struct trusted_hosts {
        struct trusted_host *hosts;
        size_t n;
};

/* Parses one file's text. On -EINVAL *ret_error says what is wrong and where (malloc'ed). */
int trusted_host_parse(const char *name, const char *text, size_t len, struct trusted_host *ret, char **ret_error);
/* Reads dir/\*.pub in name order; a file that does not parse is logged and skipped, as is a second
 * file with a key or host id already seen. A missing directory is no host. */
int trusted_hosts_load(const char *dir, struct trusted_hosts *ret);
void trusted_hosts_done(struct trusted_hosts *t);
const struct trusted_host *trusted_hosts_find_key(const struct trusted_hosts *t, const uint8_t key[SNAPSHOT_KEY_SIZE]);

/* 32 hexadecimal digits and back (ret holds 33 bytes). */
int host_id_from_string(const char *s, uint8_t ret[SNAPSHOT_HOST_ID_SIZE]);
void host_id_to_string(const uint8_t id[SNAPSHOT_HOST_ID_SIZE], char ret[33]);
