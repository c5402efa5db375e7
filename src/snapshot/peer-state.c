/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "peer-state.h"
#include "trusted-hosts.h"
#include "shared/fileio.h"
#include "shared/strbuf.h"

void peer_state_done(struct peer_state *s)
{
        free(s->peers);
        *s = (struct peer_state) {};
}

uint64_t peer_state_serial(const struct peer_state *s, const uint8_t host_id[SNAPSHOT_HOST_ID_SIZE])
{
        for (size_t i = 0; i < s->n; i++)
                if (memcmp(s->peers[i].host_id, host_id, SNAPSHOT_HOST_ID_SIZE) == 0)
                        return s->peers[i].serial;
        return 0;
}

int peer_state_set(struct peer_state *s, const uint8_t host_id[SNAPSHOT_HOST_ID_SIZE], uint64_t serial)
{
        struct peer_serial *n;

        for (size_t i = 0; i < s->n; i++)
                if (memcmp(s->peers[i].host_id, host_id, SNAPSHOT_HOST_ID_SIZE) == 0) {
                        s->peers[i].serial = serial;
                        return 0;
                }
        if (s->n >= PEER_STATE_MAX)
                return -E2BIG;
        n = realloc(s->peers, (s->n + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        s->peers = n;
        memcpy(s->peers[s->n].host_id, host_id, SNAPSHOT_HOST_ID_SIZE);
        s->peers[s->n++].serial = serial;
        return 0;
}

int peer_state_load(const char *path, struct peer_state *ret)
{
        _cleanup_free_ char *text = NULL;
        struct peer_state s = {};
        size_t size;
        char *line, *save = NULL;
        int r;

        *ret = s;
        r = read_file_at(AT_FDCWD, path, PEER_STATE_MAX * 64, &text, &size);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r == -EFBIG ? -EBADMSG : r;
        if (memchr(text, 0, size))
                return -EBADMSG;
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char id[33], extra;
                uint8_t host_id[SNAPSHOT_HOST_ID_SIZE];
                uint64_t serial;

                if (line[0] == '#')
                        continue;
                if (sscanf(line, "%32s %" SCNu64 " %c", id, &serial, &extra) != 2 ||
                    host_id_from_string(id, host_id) < 0 || (r = peer_state_set(&s, host_id, serial)) < 0) {
                        peer_state_done(&s);
                        return r == -ENOMEM ? r : -EBADMSG;
                }
        }
        *ret = s;
        return 0;
}

int peer_state_save(const struct peer_state *s, const char *path)
{
        struct strbuf b = {};
        int r;

        strbuf_puts(&b, "# cwatch: the last whitelist snapshot serial accepted from each host\n");
        for (size_t i = 0; i < s->n; i++) {
                char id[33];

                host_id_to_string(s->peers[i].host_id, id);
                strbuf_printf(&b, "%s %" PRIu64 "\n", id, s->peers[i].serial);
        }
        r = b.oom ? -ENOMEM : write_file_atomic(path, b.data, b.len, 0644);
        strbuf_free(&b);
        return r;
}
