/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>
#include "files-watch.h"
#include "shared/log.h"
#include "shared/macro.h"

const char *const files_default_watched_paths[] = {
        "/etc/shadow",
        "/etc/gshadow",
        "/etc/sudoers",                 /* and /etc/sudoers.d/ */
        "/root/.ssh/",
        "/home/*/.ssh/",
        "/proc/*/root",
        "/proc/*/environ",
        "/proc/*/mem",
        "/var/run/docker.sock",
        "/run/docker.sock",
        "/run/containerd/containerd.sock",
        "/var/run/crio/crio.sock",
        "/etc/ld.so.preload",
        "write:/etc/passwd",
        "write:/etc/group",
        "write:/etc/crontab",
        "write:/etc/cron.d/",
        "write:/var/spool/cron/",
        "write:/etc/systemd/system/",
        "write:/root/.bashrc",
        "write:/root/.profile",
        "write:/etc/pam.d/",
        "write:/etc/ssh/sshd_config",
        NULL,
};

void watch_set_free(struct watch_set *s)
{
        free(s->entries);
        *s = (struct watch_set) {};
}

static size_t key_len(const struct cw_watch_key *k)
{
        return k->prefixlen / 8;
}

static struct watch_entry *watch_set_get(struct watch_set *s, const char *prefix, size_t len)
{
        for (size_t i = 0; i < s->n; i++)
                if (key_len(&s->entries[i].key) == len && memcmp(s->entries[i].key.data, prefix, len) == 0)
                        return &s->entries[i];
        return NULL;
}

const struct watch_entry *watch_set_find(const struct watch_set *s, const char *prefix)
{
        return watch_set_get((struct watch_set *) s, prefix, strlen(prefix));
}

static void watch_set_add(struct watch_set *s, const char *prefix, size_t len, uint32_t flags)
{
        struct watch_entry *e = watch_set_get(s, prefix, len);

        if (!e) {
                e = &s->entries[s->n++];
                *e = (struct watch_entry) { .key.prefixlen = len * 8 };
                memcpy(e->key.data, prefix, len);
        }
        e->value.flags |= flags;
        if (flags & CW_WATCH_STAR)
                e->value.star_len = len;
}

/* Checks a pattern (without "write:"); returns its number of "*" components or -EINVAL. */
static int pattern_check(const char *p, size_t len)
{
        int stars = 0;

        if (len == 0 || p[0] != '/' || len > CW_WATCH_KEY_MAX)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (p[i] != '*')
                        continue;
                if (p[i - 1] != '/' || (i + 1 < len && p[i + 1] != '/'))
                        return -EINVAL;
                stars++;
        }
        return stars > WATCH_MAX_STARS ? -EINVAL : stars;
}

int watch_set_build(struct watch_set *ret, char *const *patterns, size_t n)
{
        struct watch_set s = {};

        if (n > WATCH_MAX_PATTERNS)
                return log_error_errno(E2BIG, "files: %zu watched paths, at most %d", n, WATCH_MAX_PATTERNS);
        s.entries = calloc(n * (1 + WATCH_MAX_STARS) + 1, sizeof(*s.entries));
        if (!s.entries)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const char *p = patterns[i];
                uint32_t flags = CW_WATCH_OPEN;
                size_t len;
                int stars;

                if (!p) {
                        watch_set_free(&s);
                        return -EINVAL;
                }
                if (strneq(p, "write:", 6)) {
                        p += 6;
                        flags = CW_WATCH_WRITE;
                }
                len = strlen(p);
                stars = pattern_check(p, len);
                if (stars < 0) {
                        log_error("files: bad watched path '%s': an absolute path of at most %d bytes, "
                                  "optionally after \"write:\", with at most %d \"*\" components",
                                  patterns[i], CW_WATCH_KEY_MAX, WATCH_MAX_STARS);
                        watch_set_free(&s);
                        return -EINVAL;
                }
                for (size_t j = 0; j < len; j++)
                        if (p[j] == '*')
                                watch_set_add(&s, p, j, CW_WATCH_STAR);
                watch_set_add(&s, p, len, flags);
        }

        /* each entry inherits the flags of its prefixes: the longest match must decide alone */
        for (size_t i = 0; i < s.n; i++) {
                struct watch_entry *e = &s.entries[i];

                for (size_t j = 0; j < s.n; j++) {
                        const struct watch_entry *f = &s.entries[j];
                        size_t fl = key_len(&f->key);

                        if (i == j || fl > key_len(&e->key) || memcmp(f->key.data, e->key.data, fl) != 0)
                                continue;
                        e->value.flags |= f->value.flags & (CW_WATCH_OPEN | CW_WATCH_WRITE);
                        if ((f->value.flags & CW_WATCH_STAR) && f->value.star_len > e->value.star_len) {
                                e->value.flags |= CW_WATCH_STAR;
                                e->value.star_len = f->value.star_len;
                        }
                }
        }
        *ret = s;
        return 0;
}

static const struct watch_entry *longest_prefix(const struct watch_set *s, const char *key, size_t n)
{
        const struct watch_entry *best = NULL;

        for (size_t i = 0; i < s->n; i++) {
                size_t l = key_len(&s->entries[i].key);

                if (l <= n && memcmp(s->entries[i].key.data, key, l) == 0 &&
                    (!best || l > key_len(&best->key)))
                        best = &s->entries[i];
        }
        return best;
}

bool watch_set_match(const struct watch_set *s, const char *path, bool write)
{
        char key[CW_WATCH_KEY_MAX + 1];
        size_t n = MIN(strlen(path), (size_t) CW_WATCH_KEY_MAX), shift = 0;

        memcpy(key, path, n);
        for (int round = 0; round < 1 + WATCH_MAX_STARS; round++) {
                const struct watch_entry *e = longest_prefix(s, key, n);
                size_t star, end, rest;

                if (!e)
                        return false;
                if ((e->value.flags & CW_WATCH_OPEN) || ((e->value.flags & CW_WATCH_WRITE) && write))
                        return true;
                star = e->value.star_len;
                if (!(e->value.flags & CW_WATCH_STAR) || star == 0 || star >= n || key[star] == '*')
                        return false;
                for (end = star; end < n && key[end] != '/'; end++)
                        ;
                /* as the kernel: the rest is path[end + shift...] */
                rest = n - end;
                key[star] = '*';
                memcpy(key + star + 1, path + end + shift, rest);
                shift += end - (star + 1);
                n = star + 1 + rest;
        }
        return false;
}
