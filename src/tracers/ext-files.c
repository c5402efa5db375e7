/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The files of external tracers: where they are, whether they may be trusted, reading them. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ext-conf.h"
#include "shared/array.h"
#include "shared/macro.h"

int ext_file_open_trusted(const char *path, size_t max_size, struct strbuf *why)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        struct stat st;

        /* the checks are on what was opened: a file swapped in afterwards is not what is read */
        if (fd < 0 || fstat(fd, &st) < 0) {
                int e = errno;

                strbuf_printf(why, "cannot open: %s", strerror(e));
                return -e;
        }
        if (!S_ISREG(st.st_mode)) {
                strbuf_puts(why, "not a regular file");
                return -EPERM;
        }
        if (st.st_uid != 0) {
                strbuf_printf(why, "owned by uid %u, not root: refusing to load it", (unsigned) st.st_uid);
                return -EPERM;
        }
        if (st.st_mode & (S_IWGRP | S_IWOTH)) {
                strbuf_printf(why, "writable by %s (mode %04o): refusing to load it",
                              st.st_mode & S_IWOTH ? "everyone" : "its group", (unsigned) (st.st_mode & 07777));
                return -EPERM;
        }
        if ((size_t) st.st_size > max_size) {
                strbuf_printf(why, "larger than %zu bytes", max_size);
                return -EFBIG;
        }
        return TAKE_FD(fd);
}

int ext_file_read_trusted(const char *path, size_t max_size, char **ret, size_t *ret_len, struct strbuf *why)
{
        _cleanup_close_ int fd = ext_file_open_trusted(path, max_size, why);
        struct strbuf b = {};
        char chunk[65536];

        if (fd < 0)
                return fd;
        for (;;) {
                ssize_t k = read(fd, chunk, sizeof(chunk));

                if (k < 0) {
                        int e = errno;

                        strbuf_printf(why, "cannot read: %s", strerror(e));
                        strbuf_free(&b);
                        return -e;
                }
                if (k == 0)
                        break;
                strbuf_put(&b, chunk, k);
                if (b.len > max_size) {
                        strbuf_printf(why, "larger than %zu bytes", max_size);
                        strbuf_free(&b);
                        return -EFBIG;
                }
        }
        if (b.oom) {
                strbuf_free(&b);
                return -ENOMEM;
        }
        *ret = b.data ?: strdup("");
        *ret_len = b.len;
        return *ret ? 0 : -ENOMEM;
}

int ext_conf_load(const char *path, struct ext_conf *ret, struct strbuf *why)
{
        _cleanup_free_ char *text = NULL, *name = NULL;
        struct strbuf reason = {};
        const char *base = strrchr(path, '/');
        size_t len = 0, n;
        int r;

        base = base ? base + 1 : path;
        n = strlen(base);
        if (n <= strlen(EXT_TRACER_SUFFIX) || !streq(base + n - strlen(EXT_TRACER_SUFFIX), EXT_TRACER_SUFFIX)) {
                strbuf_printf(why, "%s: not a NAME" EXT_TRACER_SUFFIX " file", path);
                return -EINVAL;
        }
        name = strndup(base, n - strlen(EXT_TRACER_SUFFIX));
        if (!name)
                return -ENOMEM;
        r = ext_file_read_trusted(path, EXT_CONF_MAX_SIZE, &text, &len, &reason);
        if (r < 0 && r != -ENOMEM)
                strbuf_printf(why, "%s: %s", path, reason.data);
        strbuf_free(&reason);
        if (r < 0)
                return r;
        return ext_conf_parse(name, path, text, len, ret, why);
}

static bool masked(const char *path)
{
        struct stat st;

        if (stat(path, &st) < 0)
                return true;
        return S_ISCHR(st.st_mode) || (S_ISREG(st.st_mode) && st.st_size == 0);
}

struct found {
        char *name, *path;      /* path NULL: masked */
};

static int found_cmp(const void *a, const void *b)
{
        return strcmp(((const struct found *) a)->name, ((const struct found *) b)->name);
}

static int add_dir(const char *dir, struct found **found, size_t *n_found)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        int r = 0;

        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while (r >= 0 && (de = readdir(d))) {
                size_t n = strlen(de->d_name), sn = strlen(EXT_TRACER_SUFFIX);
                struct found f = {};
                bool seen = false;
                struct strbuf path = {};

                if (de->d_name[0] == '.' || n <= sn || !streq(de->d_name + n - sn, EXT_TRACER_SUFFIX))
                        continue;
                /* an earlier directory's file of this name hides (or masks) this one */
                for (size_t i = 0; i < *n_found && !seen; i++)
                        seen = strlen((*found)[i].name) == n - sn && strneq((*found)[i].name, de->d_name, n - sn);
                if (seen)
                        continue;
                strbuf_printf(&path, "%s/%s", dir, de->d_name);
                f.name = strndup(de->d_name, n - sn);
                if (path.oom || !f.name) {
                        strbuf_free(&path);
                        free(f.name);
                        r = -ENOMEM;
                        break;
                }
                if (masked(path.data))
                        strbuf_free(&path);
                f.path = path.data;
                r = ARRAY_APPEND(*found, *n_found, f);
                if (r < 0) {
                        free(f.name);
                        free(f.path);
                }
        }
        closedir(d);
        return r;
}

int ext_conf_find(const char *const *dirs, size_t n_dirs, struct strv *ret)
{
        struct found *found = NULL;
        size_t n = 0;
        int r = 0;

        for (size_t i = 0; i < n_dirs && r >= 0; i++)
                r = add_dir(dirs[i], &found, &n);
        if (n > 0)
                qsort(found, n, sizeof(*found), found_cmp);
        for (size_t i = 0; i < n; i++) {
                if (r >= 0 && found[i].path)
                        r = strv_add(ret, found[i].path);
                free(found[i].name);
                free(found[i].path);
        }
        free(found);
        return r;
}
