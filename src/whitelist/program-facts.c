/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "program-facts.h"
#include "shared/macro.h"

static bool in_dir(const char *path, const char *dir)
{
        size_t l = strlen(dir);

        while (l > 1 && dir[l - 1] == '/')
                l--;
        return strneq(path, dir, l) && path[l] == '/';
}

unsigned program_location(const char *path, bool deleted, bool memfd, const char *const *temp_dirs, size_t n)
{
        unsigned loc = 0;

        if (memfd || (path && strneq(path, "/memfd:", 7)))
                return WHITELIST_LOC_MEMFD | (deleted ? WHITELIST_LOC_DELETED : 0);
        if (deleted)
                loc |= WHITELIST_LOC_DELETED;
        if (!path)
                return loc;
        for (size_t i = 0; i < n; i++)
                if (temp_dirs[i] && in_dir(path, temp_dirs[i]))
                        loc |= WHITELIST_LOC_TEMP;
        if (in_dir(path, "/run/user") || in_dir(path, "/var/tmp") || in_dir(path, "/dev/shm"))
                loc |= WHITELIST_LOC_TEMP;
        for (const char *p = strstr(path, "/."); p; p = strstr(p + 1, "/."))
                if (p[2] && p[2] != '/' && !(p[2] == '.' && (p[3] == '/' || !p[3])))
                        loc |= WHITELIST_LOC_HIDDEN;
        return loc;
}

/* Trusting these trusts whatever they run or fetch. */
static const char *const shells[] = { "sh", "bash", "dash", "ash", "ksh", "mksh", "zsh", "fish", "csh", "tcsh",
                                      "busybox", "toybox", NULL };
static const char *const interpreters[] = { "python", "perl", "php", "ruby", "node", "nodejs", "lua", "luajit",
                                            "java", "tclsh", "wish", "Rscript", "awk", "gawk", "mawk", "nawk",
                                            "expect", "guile", "gdb", "env", "xargs", "find", NULL };
static const char *const downloaders[] = { "curl", "wget", "nc", "ncat", "netcat", "nc.openbsd",
                                           "nc.traditional", "socat", "ftp", "tftp", "scp", "sftp", "rsync",
                                           "aria2c", "lftp", NULL };

/* name equals an entry, or an entry followed by a version ("python3.11", "perl5.36") */
static bool name_in(const char *name, const char *const *list)
{
        for (size_t i = 0; list[i]; i++) {
                size_t l = strlen(list[i]);

                if (strneq(name, list[i], l) &&
                    (!name[l] || (strspn(name + l, "0123456789.") == strlen(name + l))))
                        return true;
        }
        return false;
}

enum whitelist_kind program_kind(const char *path)
{
        const char *name = path ? strrchr(path, '/') : NULL;

        name = name ? name + 1 : path;
        if (!name || !*name)
                return WHITELIST_KIND_PROGRAM;
        if (name_in(name, shells))
                return WHITELIST_KIND_SHELL;
        if (name_in(name, interpreters))
                return WHITELIST_KIND_INTERPRETER;
        if (name_in(name, downloaders))
                return WHITELIST_KIND_DOWNLOADER;
        return WHITELIST_KIND_PROGRAM;
}

bool program_root_owned(const struct stat *file, const struct stat *dir)
{
        if (file->st_uid != 0 || (file->st_mode & (S_IWGRP | S_IWOTH)))
                return false;
        return !dir || (dir->st_uid == 0 && !(dir->st_mode & S_IWOTH));
}

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
        char *o = s;

        for (; *s; s++) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
                    s[3] <= '7') {
                        *o++ = (char) ((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
                        s += 3;
                } else
                        *o++ = *s;
        }
        *o = 0;
}

int overlay_upperdir_from_mountinfo(const char *text, size_t len, char **ret)
{
        _cleanup_free_ char *upper = NULL;
        bool overlay = false;

        /* "36 35 98:0 / / rw,noatime master:1 - overlay overlay rw,lowerdir=...,upperdir=...,workdir=..."
         * The last mount on "/" is the one in effect. */
        for (size_t pos = 0; pos < len;) {
                const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
                size_t l = nl ? (size_t) (nl - s) : len - pos;
                _cleanup_free_ char *line = strndup(s, l);
                char *f[5] = {}, *save = NULL, *sep, *fs, *source, *opts, *opt;

                pos += l + 1;
                if (!line)
                        return -ENOMEM;
                sep = strstr(line, " - ");
                if (!sep)
                        continue;
                *sep = 0;
                f[0] = strtok_r(line, " ", &save);
                for (int i = 1; i < 5 && f[i - 1]; i++)
                        f[i] = strtok_r(NULL, " ", &save);
                if (!f[4] || !streq(f[4], "/"))
                        continue;
                free(upper);
                upper = NULL;
                fs = strtok_r(sep + 3, " ", &save);
                source = fs ? strtok_r(NULL, " ", &save) : NULL;
                opts = source ? strtok_r(NULL, " ", &save) : NULL;
                overlay = opts && streq(fs, "overlay");
                if (!overlay)
                        continue;
                for (opt = strtok_r(opts, ",", &save); opt; opt = strtok_r(NULL, ",", &save))
                        if (strneq(opt, "upperdir=", 9)) {
                                free(upper);
                                upper = strdup(opt + 9);
                                if (!upper)
                                        return -ENOMEM;
                                unescape(upper);
                        }
        }
        if (!overlay || !upper || upper[0] != '/')
                return -ENOENT;
        *ret = TAKE_PTR(upper);
        return 0;
}

static int read_proc_file(const char *path, char **ret, size_t *ret_len)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;

        if (!f)
                return -errno;
        for (;;) {
                size_t n;

                if (cap - len < 4096) {
                        char *p;

                        if (cap >= (1u << 22))
                                return -EFBIG;
                        p = realloc(buf, cap = cap ? cap * 2 : 16384);
                        if (!p)
                                return -ENOMEM;
                        buf = p;
                }
                n = fread(buf + len, 1, cap - len - 1, f);
                len += n;
                if (n == 0)
                        break;
        }
        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

enum whitelist_layer program_layer(pid_t pid, const char *path)
{
        _cleanup_free_ char *text = NULL, *upper = NULL, *in_upper = NULL;
        char file[64];
        struct stat st;
        size_t len = 0;

        if (!path || path[0] != '/')
                return WHITELIST_LAYER_HOST;
        snprintf(file, sizeof(file), "/proc/%d/mountinfo", (int) pid);
        if (read_proc_file(file, &text, &len) < 0 || overlay_upperdir_from_mountinfo(text, len, &upper) < 0)
                return WHITELIST_LAYER_HOST;
        if (asprintf(&in_upper, "%s%s", upper, path) < 0)
                return WHITELIST_LAYER_IMAGE;
        /* the upper directory is the host's path of it: seen from the process's root, in case the
         * runtime mounted it in its own namespace */
        if (lstat(in_upper, &st) == 0 && S_ISREG(st.st_mode))
                return WHITELIST_LAYER_DRIFT;
        free(in_upper);
        in_upper = NULL;
        if (asprintf(&in_upper, "/proc/%d/root%s%s", (int) pid, upper, path) >= 0 && lstat(in_upper, &st) == 0 &&
            S_ISREG(st.st_mode))
                return WHITELIST_LAYER_DRIFT;
        return WHITELIST_LAYER_IMAGE;
}
