/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer entry point for the cgroup path parser (src/identity/cgroup-path.c): any path, such as
 * one a delegated subtree's owner names freely, gives an identity whose strings are NUL-terminated
 * in their buffers, a known runtime or none, and never a crash or an out-of-bounds read. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "identity/cgroup-path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const runtimes[] = {
                RUNTIME_DOCKER, RUNTIME_PODMAN, RUNTIME_CONTAINERD, RUNTIME_CRIO, RUNTIME_CRI, RUNTIME_NSPAWN,
                RUNTIME_LXC,
        };
        struct cgroup_path_identity id;
        char *path = malloc(size + 1);
        bool known = false;

        if (!path)
                return 0;
        memcpy(path, data, size);
        path[size] = 0;
        cgroup_path_parse(path, &id);
        if (!memchr(id.container_id, 0, sizeof(id.container_id)) ||
            !memchr(id.container_name, 0, sizeof(id.container_name)) || !memchr(id.pod_uid, 0, sizeof(id.pod_uid)) ||
            !memchr(id.unit, 0, sizeof(id.unit)) || !memchr(id.slice, 0, sizeof(id.slice)))
                abort();
        for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++)
                known = known || (id.runtime && strcmp(id.runtime, runtimes[i]) == 0);
        if (id.runtime && !known)
                abort();
        free(path);
        return 0;
}
