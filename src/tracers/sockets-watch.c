/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>
#include "sockets-watch.h"
#include "shared/macro.h"

/* Without rules: the container runtimes' API sockets (rules/50-sockets.rules), rootless ones
 * below /run/user/. */
const char *const sockets_default_watched_paths[] = {
        "/run/docker.sock",
        "/var/run/docker.sock",
        "/run/containerd/containerd.sock",
        "/var/run/containerd/containerd.sock",
        "/run/crio/crio.sock",
        "/var/run/crio/crio.sock",
        "/run/podman/podman.sock",
        "/var/run/podman/podman.sock",
        "/run/user/",
        NULL,
};

int sockets_watch_key(const char *pattern, struct cw_unix_watch_key *ret)
{
        size_t len;

        if (!pattern || (pattern[0] != '/' && pattern[0] != '@'))
                return -EINVAL;
        *ret = (struct cw_unix_watch_key) {};
        if (streq(pattern, "/"))
                return 0;
        len = strcspn(pattern, "*?[\\");
        if (pattern[0] == '@')
                len = MIN(len, 1 + strcspn(pattern + 1, "@"));
        len = MIN(len, (size_t) CW_UNIX_PATH_MAX);
        memcpy(ret->data, pattern, len);
        ret->prefixlen = len * 8;
        return 0;
}

void sockets_address_key(const char *addr, size_t len, struct cw_unix_watch_key *ret)
{
        *ret = (struct cw_unix_watch_key) {};
        len = MIN(len, (size_t) CW_UNIX_PATH_MAX);
        if (len > 0 && addr[0] == '\0') {
                memcpy(ret->data, addr, len);
                ret->data[0] = '@';
        } else {
                len = strnlen(addr, len);
                memcpy(ret->data, addr, len);
        }
        ret->prefixlen = len * 8;
}

bool sockets_watch_match(const struct cw_unix_watch_key *keys, size_t n, const char *addr, size_t len)
{
        struct cw_unix_watch_key k;

        sockets_address_key(addr, len, &k);
        for (size_t i = 0; i < n; i++)
                if (keys[i].prefixlen <= k.prefixlen &&
                    memcmp(keys[i].data, k.data, keys[i].prefixlen / 8) == 0)
                        return true;
        return false;
}
