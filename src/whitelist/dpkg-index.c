/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "dpkg-index.h"
#include "whitelist.h"
#include "shared/hash.h"
#include "shared/macro.h"
#include "shared/timeutil.h"

#define DPKG_MAX_PACKAGES 200000

static uint64_t path_key(const char *s, size_t len)
{
        return hash_bytes64(0, s, len) ?: 1;
}

int dpkg_index_init(struct dpkg_index *x, const char *info_dir)
{
        *x = (struct dpkg_index) {};
        x->info_dir = strdup(info_dir ?: DPKG_INFO_DIR);
        return x->info_dir ? 0 : -ENOMEM;
}

static void clear_index(struct dpkg_index *x)
{
        free(x->paths);
        x->paths = NULL;
        x->cap_paths = 0;
        for (size_t i = 0; i < x->n_packages; i++)
                free(x->packages[i]);
        free(x->packages);
        x->packages = NULL;
        x->n_packages = x->n_paths = 0;
}

void dpkg_index_done(struct dpkg_index *x)
{
        clear_index(x);
        free(x->info_dir);
        x->info_dir = NULL;
}

/* Documentation, translations, icons and headers: the bulk of dpkg's paths, never executed. */
static bool never_run(const char *path)
{
        static const char *const prefixes[] = { "/usr/share/doc/", "/usr/share/man/", "/usr/share/locale/",
                                                "/usr/share/icons/", "/usr/share/info/", "/usr/include/" };

        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++)
                if (strneq(path, prefixes[i], strlen(prefixes[i])))
                        return true;
        return false;
}

static int cmp_path(const void *a, const void *b)
{
        const struct dpkg_path *x = a, *y = b;

        return x->key < y->key ? -1 : x->key > y->key;
}

/* Adds every path of one PKG.list (read with stdio: the files are small and many). */
static int add_list(struct dpkg_index *x, int dfd, const char *name, size_t pkg)
{
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        ssize_t l;
        int fd;

        fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "re");
        if (!f) {
                close(fd);
                return -errno;
        }
        while ((l = getline(&line, &cap, f)) > 0) {
                if (line[l - 1] == '\n')
                        line[--l] = 0;
                if (l == 0 || line[0] != '/' || never_run(line))
                        continue;
                if (x->n_paths == x->cap_paths) {
                        size_t n = MAX(x->cap_paths * 2, (size_t) 4096);
                        struct dpkg_path *p = realloc(x->paths, n * sizeof(*p));

                        if (!p)
                                return -ENOMEM;
                        x->paths = p;
                        x->cap_paths = n;
                }
                x->paths[x->n_paths++] = (struct dpkg_path) { .key = path_key(line, (size_t) l), .package = pkg };
        }
        return 0;
}

static int build(struct dpkg_index *x, DIR *dp)
{
        size_t cap = 0;
        int r;

        for (struct dirent *de; (de = readdir(dp));) {
                size_t l = strlen(de->d_name);
                char *pkg;

                if (l <= 5 || !streq(de->d_name + l - 5, ".list"))
                        continue;
                if (x->n_packages >= DPKG_MAX_PACKAGES)
                        return -E2BIG;
                if (x->n_packages == cap) {
                        char **p = realloc(x->packages, (cap = MAX(cap * 2, (size_t) 256)) * sizeof(*p));

                        if (!p)
                                return -ENOMEM;
                        x->packages = p;
                }
                pkg = strndup(de->d_name, l - 5);
                if (!pkg)
                        return -ENOMEM;
                x->packages[x->n_packages++] = pkg;
                r = add_list(x, dirfd(dp), de->d_name, x->n_packages - 1);
                if (r == -ENOMEM)
                        return r;
        }
        return 0;
}

int dpkg_index_refresh(struct dpkg_index *x)
{
        uint64_t start = now_monotonic_ns();
        struct stat st;
        DIR *dp;
        int r;

        if (stat(x->info_dir, &st) < 0) {
                clear_index(x);
                return -errno;
        }
        if (x->builds > 0 && st.st_mtim.tv_sec == x->mtime.tv_sec && st.st_mtim.tv_nsec == x->mtime.tv_nsec)
                return 0;
        clear_index(x);
        dp = opendir(x->info_dir);
        if (!dp)
                return -errno;
        r = build(x, dp);
        closedir(dp);
        if (r >= 0 && x->n_paths > 0) {
                struct dpkg_path *fit = realloc(x->paths, x->n_paths * sizeof(*x->paths));

                if (fit) {
                        x->paths = fit;
                        x->cap_paths = x->n_paths;
                }
                qsort(x->paths, x->n_paths, sizeof(*x->paths), cmp_path);
        }
        if (r < 0) {
                clear_index(x);
                return r;
        }
        x->mtime = st.st_mtim;
        x->builds++;
        x->build_usec = (now_monotonic_ns() - start) / 1000;
        return 1;
}

static const char *lookup(const struct dpkg_index *x, const char *path)
{
        struct dpkg_path key = { .key = path_key(path, strlen(path)) };
        const struct dpkg_path *p = x->n_paths ? bsearch(&key, x->paths, x->n_paths, sizeof(*p), cmp_path) : NULL;

        return p && p->package < x->n_packages ? x->packages[p->package] : NULL;
}

const char *dpkg_index_owner(const struct dpkg_index *x, const char *path, const char **ret_dpkg_path,
                             char *buf, size_t buf_size)
{
        const char *pkg, *alias = NULL;

        if (!path || path[0] != '/')
                return NULL;
        pkg = lookup(x, path);
        if (pkg) {
                if (ret_dpkg_path)
                        *ret_dpkg_path = path;
                return pkg;
        }
        /* merged /usr: dpkg knows /bin/ls, the kernel shows /usr/bin/ls (and the other way round) */
        if (strneq(path, "/usr/", 5))
                alias = path + 4;
        else if ((size_t) snprintf(buf, buf_size, "/usr%s", path) < buf_size)
                alias = buf;
        pkg = alias ? lookup(x, alias) : NULL;
        if (pkg && ret_dpkg_path)
                *ret_dpkg_path = alias;
        return pkg;
}

static int hex_nibble(char c)
{
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int dpkg_index_md5(const struct dpkg_index *x, const char *package, const char *dpkg_path,
                   uint8_t md5[DPKG_MD5_SIZE])
{
        _cleanup_free_ char *file = NULL, *line = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        const char *rel = dpkg_path + (dpkg_path[0] == '/');
        size_t cap = 0, rl = strlen(rel);
        ssize_t l;

        if (strchr(package, '/') || asprintf(&file, "%s/%s.md5sums", x->info_dir, package) < 0)
                return -EINVAL;
        f = fopen(file, "re");
        if (!f)
                return -errno;
        /* "0123...  usr/bin/ls" */
        while ((l = getline(&line, &cap, f)) > 0) {
                if (line[l - 1] == '\n')
                        line[--l] = 0;
                if ((size_t) l != 2 * DPKG_MD5_SIZE + 2 + rl || !streq(line + 2 * DPKG_MD5_SIZE + 2, rel))
                        continue;
                for (size_t i = 0; i < DPKG_MD5_SIZE; i++) {
                        int hi = hex_nibble(line[2 * i]), lo = hex_nibble(line[2 * i + 1]);

                        if (hi < 0 || lo < 0)
                                return -EBADMSG;
                        md5[i] = (uint8_t) (hi << 4 | lo);
                }
                return 0;
        }
        return -ENOENT;
}
