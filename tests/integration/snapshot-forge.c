/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Makes snapshot files for the system tests, signed with a given host key, including ones a
 * correct cwatchd never writes:
 *   snapshot-forge KEYFILE HOSTID SERIAL CREATED empty OUT      no entries
 *   snapshot-forge KEYFILE HOSTID SERIAL CREATED bomb OUT       10 entries claimed, 64 MiB of zeros inside
 *   snapshot-forge KEYFILE HOSTID pub                           the trusted-hosts.d file of the key
 * KEYFILE is a host.key (made when missing, as cwatchd's first start does). CREATED is seconds
 * since the epoch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "shared/fileio.h"
#include "snapshot/snapshot-export.h"
#include "snapshot/trusted-hosts.h"

int main(int argc, char *argv[])
{
        struct snapshot_header h = { .version = SNAPSHOT_VERSION };
        struct host_key key;
        void *buf = NULL, *zeros = NULL;
        size_t size = 0, big = 64u << 20;
        int r;

        if (argc != 7 && !(argc == 4 && strcmp(argv[3], "pub") == 0)) {
                fprintf(stderr, "usage: snapshot-forge KEYFILE HOSTID SERIAL CREATED empty|bomb OUT\n"
                                "       snapshot-forge KEYFILE HOSTID pub\n");
                return 2;
        }
        if (host_key_load_or_create(argv[1], &key, NULL) < 0 || host_id_from_string(argv[2], h.host_id) < 0) {
                fprintf(stderr, "snapshot-forge: bad key file or host id\n");
                return 1;
        }
        if (argc == 4) {
                char *pub = public_key_to_string(key.public_key);

                printf("[Host]\nHostId=%s\nPublicKey=%s\nWeight=1\n", argv[2], pub);
                free(pub);
                return 0;
        }
        h.serial = strtoull(argv[3], NULL, 10);
        h.created = strtoull(argv[4], NULL, 10);
        memcpy(h.key, key.public_key, SNAPSHOT_KEY_SIZE);
        if (strcmp(argv[5], "bomb") == 0) {
                zeros = calloc(1, big);
                h.count = 10;
                r = zeros ? snapshot_encode_raw(&h, zeros, big, &buf, &size) : -1;
        } else
                r = snapshot_encode(&h, NULL, &buf, &size);
        if (r >= 0)
                r = snapshot_sign(&key, buf, size);
        if (r >= 0)
                r = write_file_atomic(argv[6], buf, size, 0644);
        free(zeros);
        free(buf);
        if (r < 0) {
                fprintf(stderr, "snapshot-forge: failed\n");
                return 1;
        }
        return 0;
}
