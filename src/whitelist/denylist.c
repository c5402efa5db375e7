/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "denylist.h"
#include "shared/fileio.h"
#include "shared/macro.h"

static int add_hash(struct denylist *d, const uint8_t sha256[WHITELIST_SHA256_SIZE])
{
        if (d->n >= DENYLIST_MAX_ENTRIES)
                return -E2BIG;
        if (d->n == d->cap) {
                size_t cap = MAX(d->cap * 2, (size_t) 64);
                void *p = realloc(d->hashes, cap * sizeof(*d->hashes));

                if (!p)
                        return -ENOMEM;
                d->hashes = p;
                d->cap = cap;
        }
        memcpy(d->hashes[d->n++], sha256, WHITELIST_SHA256_SIZE);
        return 0;
}

static bool is_blank(char c)
{
        return c == ' ' || c == '\t' || c == '\r';
}

int denylist_parse(struct denylist *d, const char *name, const char *text, size_t len, struct strbuf *errors)
{
        size_t line = 0;
        int bad = 0;

        for (size_t pos = 0; pos < len;) {
                const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
                size_t l = nl ? (size_t) (nl - s) : len - pos, i = 0;
                uint8_t sha[WHITELIST_SHA256_SIZE];
                int r;

                pos += l + (nl ? 1 : 0);
                line++;
                while (i < l && is_blank(s[i]))
                        i++;
                if (i == l || s[i] == '#')
                        continue;
                if (l - i < 2 * WHITELIST_SHA256_SIZE ||
                    whitelist_sha256_from_hex(s + i, 2 * WHITELIST_SHA256_SIZE, sha) < 0 ||
                    (l - i > 2 * WHITELIST_SHA256_SIZE && !is_blank(s[i + 2 * WHITELIST_SHA256_SIZE]))) {
                        size_t shown = MIN(l - i, (size_t) 40);

                        strbuf_printf(errors, "%s:%zu: expected a SHA-256 (64 hex digits), got '%.*s%s', "
                                      "ignoring the line\n", name, line, (int) shown, s + i, l - i > shown ? "..." : "");
                        bad++;
                        continue;
                }
                r = add_hash(d, sha);
                if (r < 0) {
                        if (r == -E2BIG)
                                strbuf_printf(errors, "%s:%zu: more than %d hashes, ignoring the rest\n", name, line,
                                              DENYLIST_MAX_ENTRIES);
                        return r;
                }
        }
        return bad;
}

static int cmp_hash(const void *a, const void *b)
{
        return memcmp(a, b, WHITELIST_SHA256_SIZE);
}

void denylist_finish(struct denylist *d)
{
        size_t out = 0;

        if (d->n == 0)
                return;
        qsort(d->hashes, d->n, sizeof(*d->hashes), cmp_hash);
        for (size_t i = 1; i < d->n; i++)
                if (memcmp(d->hashes[i], d->hashes[out], WHITELIST_SHA256_SIZE) != 0)
                        memcpy(d->hashes[++out], d->hashes[i], WHITELIST_SHA256_SIZE);
        d->n = out + 1;
}

bool denylist_contains(const struct denylist *d, const uint8_t sha256[WHITELIST_SHA256_SIZE])
{
        return d->n > 0 && bsearch(sha256, d->hashes, d->n, sizeof(*d->hashes), cmp_hash);
}

void denylist_done(struct denylist *d)
{
        free(d->hashes);
        *d = (struct denylist) {};
}

static int cmp_name(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int denylist_load_dir(struct denylist *d, const char *dir, struct strbuf *errors)
{
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char **names = NULL;
        size_t n = 0, cap = 0;
        int bad = 0, r = 0;
        DIR *dp;

        if (dfd < 0) {
                if (errno == ENOENT)
                        return 0;
                r = -errno;
                strbuf_printf(errors, "%s: cannot open the directory: %s\n", dir, strerror(-r));
                return r;
        }
        dp = fdopendir(dfd);
        if (!dp)
                return -errno;
        dfd = -1;
        for (struct dirent *de; (de = readdir(dp));) {
                size_t l = strlen(de->d_name);

                if (l <= 5 || !streq(de->d_name + l - 5, ".list") || de->d_name[0] == '.')
                        continue;
                if (n == cap) {
                        char **p = realloc(names, (cap = MAX(cap * 2, (size_t) 8)) * sizeof(*names));

                        if (!p) {
                                r = -ENOMEM;
                                break;
                        }
                        names = p;
                }
                names[n] = strdup(de->d_name);
                if (!names[n]) {
                        r = -ENOMEM;
                        break;
                }
                n++;
        }
        if (r >= 0 && n > 0)
                qsort(names, n, sizeof(*names), cmp_name);
        for (size_t i = 0; i < n && r >= 0; i++) {
                _cleanup_free_ char *text = NULL, *path = NULL;
                size_t len = 0;
                int k;

                if (asprintf(&path, "%s/%s", dir, names[i]) < 0) {
                        r = -ENOMEM;
                        break;
                }
                k = read_file_at(dirfd(dp), names[i], DENYLIST_MAX_FILE_BYTES, &text, &len);
                if (k < 0) {
                        strbuf_printf(errors, "%s: cannot read: %s, ignoring the file\n", path, strerror(-k));
                        bad++;
                        continue;
                }
                k = denylist_parse(d, path, text, len, errors);
                if (k < 0)
                        r = k;
                else
                        bad += k;
        }
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
        closedir(dp);
        denylist_finish(d);
        return r < 0 ? r : bad;
}
