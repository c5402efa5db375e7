/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>
#include "feature.h"
#include "metrics/addr-class.h"
#include "shared/macro.h"

static const char *const relation_names[_REL_MAX] = {
        [REL_EXEC_CHILD] = "EXEC_CHILD", [REL_EXEC_PARENT] = "EXEC_PARENT", [REL_READ] = "READ",
        [REL_WRITE] = "WRITE", [REL_CONNECT] = "CONNECT", [REL_ACCEPT] = "ACCEPT", [REL_LISTEN] = "LISTEN",
        [REL_RAW_SOCKET] = "RAW_SOCKET", [REL_SETUID] = "SETUID", [REL_SETNS] = "SETNS", [REL_MOUNT] = "MOUNT",
        [REL_PTRACE] = "PTRACE", [REL_MEMFD_EXEC] = "MEMFD_EXEC", [REL_BPF] = "BPF", [REL_MODULE] = "MODULE",
        [REL_CHMOD] = "CHMOD",
};

static const char *const relation_verbs[_REL_MAX] = {
        [REL_EXEC_CHILD] = "ran", [REL_EXEC_PARENT] = "was started by", [REL_READ] = "read",
        [REL_WRITE] = "wrote", [REL_CONNECT] = "connected to", [REL_ACCEPT] = "accepted from",
        [REL_LISTEN] = "listened on", [REL_RAW_SOCKET] = "opened a raw socket", [REL_SETUID] = "changed its uid to",
        [REL_SETNS] = "entered namespaces with", [REL_MOUNT] = "mounted with", [REL_PTRACE] = "traced with",
        [REL_MEMFD_EXEC] = "ran code from memory with", [REL_BPF] = "loaded BPF with",
        [REL_MODULE] = "loaded a kernel module with", [REL_CHMOD] = "changed file modes with",
};

const char *feature_relation_name(enum feature_relation rel)
{
        return rel > 0 && rel < _REL_MAX ? relation_names[rel] : NULL;
}

const char *feature_relation_verb(enum feature_relation rel)
{
        return rel > 0 && rel < _REL_MAX ? relation_verbs[rel] : "did";
}

/* FNV-1a, then a 64-bit finaliser so that the low bits mix (the table probes on them). */
uint64_t feature_key(enum feature_relation rel, const char *object, size_t len)
{
        uint64_t h = UINT64_C(0xcbf29ce484222325);

        h = (h ^ (uint8_t) rel) * UINT64_C(0x100000001b3);
        for (size_t i = 0; i < len; i++)
                h = (h ^ (uint8_t) object[i]) * UINT64_C(0x100000001b3);
        h ^= h >> 33;
        h *= UINT64_C(0xff51afd7ed558ccd);
        h ^= h >> 33;
        h &= FEATURE_KEY_MASK;
        return h ?: 1;
}

void feature_set(struct feature *f, enum feature_relation rel, const char *object, size_t len)
{
        len = MIN(len, sizeof(f->object) - 1);
        f->relation = rel;
        memcpy(f->object, object, len);
        f->object[len] = 0;
        f->key = feature_key(rel, f->object, len);
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
        return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_alnum(char c)
{
        return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A word of a component (between '.', '-', '_' and the like) that looks generated: 8 or more hex
 * digits with a digit among them, or 8 or more letters and digits mixing both, or changing case
 * three times or more. */
static bool word_is_random(const char *s, size_t len)
{
        size_t digits = 0, letters = 0, hex = 0, case_changes = 0;
        int last_case = 0;

        if (len < 8)
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                int kase = c >= 'a' && c <= 'z' ? 1 : c >= 'A' && c <= 'Z' ? 2 : 0;

                digits += is_digit(c);
                letters += kase != 0;
                hex += is_hex(c);
                if (kase && last_case && kase != last_case)
                        case_changes++;
                if (kase)
                        last_case = kase;
        }
        if (hex == len && digits > 0)
                return true;
        return (digits > 0 && letters > 0 && digits + letters == len && digits >= 2) || case_changes >= 3;
}

static void put(char *out, size_t size, size_t *n, char c)
{
        if (*n + 1 < size)
                out[(*n)++] = c;
}

/* Appends '*' unless the output already ends with one. */
static void put_star(char *out, size_t size, size_t *n)
{
        if (*n == 0 || out[*n - 1] != '*')
                put(out, size, n, '*');
}

size_t feature_generalise_token(const char *s, size_t len, char *out, size_t size)
{
        size_t n = 0, i = 0;

        if (size == 0)
                return 0;
        while (i < len) {
                size_t j = i;

                if (!is_alnum(s[i])) {
                        put(out, size, &n, s[i++]);
                        continue;
                }
                while (j < len && is_alnum(s[j]))
                        j++;
                if (word_is_random(s + i, j - i))
                        put_star(out, size, &n);
                else
                        for (size_t k = i; k < j; k++) {
                                if (is_digit(s[k])) {
                                        while (k + 1 < j && is_digit(s[k + 1]))
                                                k++;
                                        put_star(out, size, &n);
                                } else
                                        put(out, size, &n, s[k]);
                        }
                i = j;
        }
        out[n] = 0;
        return n;
}

struct prefix_fold {
        const char *prefix;     /* components, '*' matches one */
        const char *replace;    /* what stands for it */
};

/* Container roots seen from the host: the path inside the container is what the program touched. */
static const struct prefix_fold folds[] = {
        { "/var/lib/docker/overlay2/*/merged", "" },
        { "/var/lib/containers/storage/overlay/*/merged", "" },
        { "/run/containerd/io.containerd.runtime.v2.task/*/*/rootfs", "" },
        { "/var/lib/machines/*", "" },
        { "/var/lib/lxc/*/rootfs", "" },
        { "/home/*", "~" },
        { "/root", "~" },
};

/* Length of the part of path that prefix (with '*' components) matches, or 0. */
static size_t match_prefix(const char *path, size_t len, const char *prefix)
{
        size_t i = 0;

        while (*prefix) {
                if (prefix[0] == '*' && (prefix[1] == '/' || !prefix[1])) {
                        size_t start = i;

                        while (i < len && path[i] != '/')
                                i++;
                        if (i == start)
                                return 0;
                        prefix++;
                        continue;
                }
                if (i >= len || path[i] != *prefix)
                        return 0;
                i++;
                prefix++;
        }
        return i == len || path[i] == '/' ? i : 0;
}

size_t feature_generalise_path(const char *path, size_t len, char *out, size_t size)
{
        const char *comp[64];
        size_t comp_len[64], n_comp = 0, n = 0, start = 0;
        const char *lead = "";
        bool absolute;

        if (size == 0)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(folds); i++) {
                size_t m = match_prefix(path, len, folds[i].prefix);

                if (m > 0) {
                        lead = folds[i].replace;
                        start = m;
                        break;
                }
        }
        for (size_t i = start; i < len && n_comp < ELEMENTSOF(comp);) {
                size_t j;

                while (i < len && path[i] == '/')
                        i++;
                for (j = i; j < len && path[j] != '/'; j++)
                        ;
                if (j > i) {
                        comp[n_comp] = path + i;
                        comp_len[n_comp++] = j - i;
                }
                i = j;
        }
        absolute = start > 0 || (len > 0 && path[0] == '/');
        for (const char *p = lead; *p; p++)
                put(out, size, &n, *p);
        for (size_t c = 0; c < n_comp; c++) {
                bool last = c + 1 == n_comp;

                if (n_comp > FEATURE_PATH_DEPTH && c == FEATURE_PATH_DEPTH - 1 && !last) {
                        put(out, size, &n, '/');
                        put(out, size, &n, '*');
                        put(out, size, &n, '*');
                        c = n_comp - 2;
                        continue;
                }
                if (c > 0 || absolute)
                        put(out, size, &n, '/');
                n += feature_generalise_token(comp[c], comp_len[c], out + n, size - n);
        }
        if (n == 0)
                put(out, size, &n, len > 0 && path[0] == '/' ? '/' : '?');
        out[n] = 0;
        return n;
}

size_t feature_generalise_peer(const char *proto, const char *addr, size_t addr_len, uint16_t port, char *out,
                               size_t size)
{
        struct net_address a;
        char buf[64], portbuf[8];
        const char *class = "unknown";
        int k;

        if (addr && addr_len > 0 && addr_len < sizeof(buf)) {
                memcpy(buf, addr, addr_len);
                buf[addr_len] = 0;
                if (net_address_parse(buf, &a) >= 0)
                        class = net_address_class(&a);
        }
        k = snprintf(out, size, "%s %s :%s", proto, class, port_class(port, portbuf));
        return k < 0 ? 0 : MIN((size_t) k, size ? size - 1 : 0);
}
