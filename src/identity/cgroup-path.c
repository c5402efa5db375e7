/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Cgroup path layouts of the container runtimes and systemd:
 *   docker       /system.slice/docker-<id>.scope, /docker/<id> (cgroupfs driver)
 *   podman       /machine.slice/libpod-<id>.scope (also under user@UID.service), /libpod_parent/libpod-<id>;
 *                libpod-conmon-<id>.scope is conmon, not the container
 *   containerd   cri-containerd-<id>.scope
 *   CRI-O        crio-<id>.scope; crio-conmon-<id>.scope is conmon
 *   Kubernetes   kubepods[-besteffort|-burstable]-pod<uid>.slice ("_" in the uid stands for "-"),
 *                /kubepods/burstable/pod<uid>/<id> (cgroupfs driver)
 *   nspawn       /machine.slice/machine-<name>.scope[/payload], name escaped as a unit name;
 *                /machine.slice/systemd-nspawn@<name>.service/payload (machinectl start, --keep-unit)
 *   LXC          /lxc.payload.<name>, /lxc.payload/<name>, /lxc/<name>
 *   systemd      foo.service, session-3.scope, ... in bar.slice
 * nspawn and LXC name their containers and have no ids: the parser reports the name, and identity.c
 * makes it the container id as well (runtime_id_is_name). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup-path.h"
#include "shared/macro.h"

static bool is_hex_id(const char *s, size_t len, size_t min)
{
        if (len < min || len >= CGROUP_ID_MAX)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
        size_t n = strlen(prefix);

        return len >= n && memcmp(s, prefix, n) == 0;
}

static bool has_suffix(const char *s, size_t len, const char *suffix)
{
        size_t n = strlen(suffix);

        return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

static void copy(char *out, size_t size, const char *s, size_t len)
{
        len = MIN(len, size - 1);
        memcpy(out, s, len);
        out[len] = 0;
}

static int hex_value(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

void unit_name_unescape(const char *s, size_t len, char *out, size_t size)
{
        size_t o = 0;

        for (size_t i = 0; i < len && o + 1 < size; i++) {
                int hi, lo;

                if (s[i] == '\\' && i + 3 < len && s[i + 1] == 'x' &&
                    (hi = hex_value(s[i + 2])) >= 0 && (lo = hex_value(s[i + 3])) >= 0 && (hi || lo)) {
                        out[o++] = (char) (hi << 4 | lo);
                        i += 3;
                        continue;
                }
                out[o++] = s[i];
        }
        out[o] = 0;
}

/* A container scope "<prefix><id><suffix>": sets the runtime and id. */
static bool match_scope(struct cgroup_path_identity *ret, const char *c, size_t len, const char *prefix,
                        const char *suffix, const char *runtime)
{
        size_t p = strlen(prefix), s = strlen(suffix);

        if (!has_prefix(c, len, prefix) || !has_suffix(c, len, suffix) || !is_hex_id(c + p, len - p - s, 12))
                return false;
        ret->runtime = runtime;
        copy(ret->container_id, sizeof(ret->container_id), c + p, len - p - s);
        ret->container_name[0] = 0;
        return true;
}

static void set_named(struct cgroup_path_identity *ret, const char *runtime, const char *name, size_t len,
                      bool unescape)
{
        ret->runtime = runtime;
        ret->container_id[0] = 0;
        if (unescape)
                unit_name_unescape(name, len, ret->container_name, sizeof(ret->container_name));
        else
                copy(ret->container_name, sizeof(ret->container_name), name, len);
}

/* kubepods-burstable-pod<uid>.slice, kubepods-pod<uid>.slice (systemd driver), pod<uid> (cgroupfs) */
static bool match_pod(struct cgroup_path_identity *ret, const char *c, size_t len, bool under_kubepods)
{
        const char *uid;
        size_t n;

        if (has_prefix(c, len, "kubepods") && has_suffix(c, len, ".slice")) {
                const char *p = memmem(c, len, "-pod", 4);

                if (!p)
                        return false;
                uid = p + 4;
                n = c + len - strlen(".slice") - uid;
        } else if (under_kubepods && has_prefix(c, len, "pod")) {
                uid = c + 3;
                n = len - 3;
        } else
                return false;
        if (n == 0 || n >= sizeof(ret->pod_uid))
                return false;
        for (size_t i = 0; i < n; i++) {
                char ch = uid[i] == '_' ? '-' : uid[i];

                if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || ch == '-'))
                        return false;
                ret->pod_uid[i] = ch;
        }
        ret->pod_uid[n] = 0;
        return true;
}

static bool is_unit(const char *c, size_t len)
{
        static const char *const suffixes[] = { ".service", ".scope", ".socket", ".mount", ".swap" };

        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
                if (has_suffix(c, len, suffixes[i]) && len > strlen(suffixes[i]))
                        return true;
        return false;
}

void cgroup_path_parse(const char *path, struct cgroup_path_identity *ret)
{
        const char *prev = NULL;
        size_t prev_len = 0;
        bool under_kubepods = false;

        *ret = (struct cgroup_path_identity) {};
        for (const char *c = path; *c;) {
                size_t len;

                if (*c == '/') {
                        c++;
                        continue;
                }
                len = strcspn(c, "/");

                if (has_prefix(c, len, "kubepods"))
                        under_kubepods = true;
                if (has_suffix(c, len, ".slice") && len > strlen(".slice"))
                        copy(ret->slice, sizeof(ret->slice), c, len);
                else if (is_unit(c, len))
                        copy(ret->unit, sizeof(ret->unit), c, len);

                if (match_scope(ret, c, len, "docker-", ".scope", RUNTIME_DOCKER) ||
                    match_scope(ret, c, len, "cri-containerd-", ".scope", RUNTIME_CONTAINERD) ||
                    match_scope(ret, c, len, "crio-", ".scope", RUNTIME_CRIO) ||
                    match_scope(ret, c, len, "crio-", "", RUNTIME_CRIO) ||
                    match_scope(ret, c, len, "libpod-", ".scope", RUNTIME_PODMAN) ||
                    match_scope(ret, c, len, "libpod-", "", RUNTIME_PODMAN) ||
                    match_pod(ret, c, len, under_kubepods))
                        ;
                else if (has_prefix(c, len, "machine-") && has_suffix(c, len, ".scope") &&
                         len > strlen("machine-.scope"))
                        set_named(ret, RUNTIME_NSPAWN, c + 8, len - 8 - 6, true);
                else if (has_prefix(c, len, "systemd-nspawn@") && has_suffix(c, len, ".service") &&
                         len > strlen("systemd-nspawn@.service"))
                        set_named(ret, RUNTIME_NSPAWN, c + 15, len - 15 - 8, true);
                else if (has_prefix(c, len, "lxc.payload.") && len > strlen("lxc.payload."))
                        set_named(ret, RUNTIME_LXC, c + 12, len - 12, false);
                else if (prev && ((prev_len == 11 && memcmp(prev, "lxc.payload", 11) == 0) ||
                                  (prev_len == 3 && memcmp(prev, "lxc", 3) == 0)))
                        set_named(ret, RUNTIME_LXC, c, len, false);
                else if (prev && prev_len == 6 && memcmp(prev, "docker", 6) == 0 && is_hex_id(c, len, 64)) {
                        ret->runtime = RUNTIME_DOCKER;
                        copy(ret->container_id, sizeof(ret->container_id), c, len);
                        ret->container_name[0] = 0;
                } else if (under_kubepods && prev && prev_len > 3 && memcmp(prev, "pod", 3) == 0 &&
                           is_hex_id(c, len, 64)) {
                        ret->runtime = RUNTIME_CRI;
                        copy(ret->container_id, sizeof(ret->container_id), c, len);
                        ret->container_name[0] = 0;
                }
                prev = c;
                prev_len = len;
                c += len;
        }
}

char *cgroup_path_unit_dir(const char *path, const char *unit)
{
        size_t n = unit ? strlen(unit) : 0;

        for (const char *p = path ? strchr(path, '/') : NULL; p && n; p = strchr(p + 1, '/'))
                if (strncmp(p + 1, unit, n) == 0 && (p[1 + n] == '/' || p[1 + n] == 0))
                        return strndup(path, p + 1 + n - path);
        errno = ENOENT;
        return NULL;
}
