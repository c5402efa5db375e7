/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cgroup-tree.h"
#include "shared/macro.h"
#include "shared/strbuf.h"

int cgroup2_find_mount(FILE *mountinfo, char **ret)
{
        _cleanup_free_ char *line = NULL, *best = NULL;
        size_t n = 0;

        /* 41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw */
        while (getline(&line, &n, mountinfo) > 0) {
                char root[PATH_MAX], where[PATH_MAX], fstype[64];
                const char *sep = strstr(line, " - ");

                if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", root, where) != 2 ||
                    sscanf(sep + 3, "%63s", fstype) != 1)
                        continue;
                if (!streq(fstype, "cgroup2") || !streq(root, "/") || strchr(where, '\\'))
                        continue;
                /* several mounts of the hierarchy: prefer the usual places */
                if (!best || streq(where, "/sys/fs/cgroup") ||
                    (streq(where, "/sys/fs/cgroup/unified") && !streq(best, "/sys/fs/cgroup"))) {
                        free(best);
                        best = strdup(where);
                        if (!best)
                                return -ENOMEM;
                }
        }
        if (!best)
                return -ENOENT;
        *ret = TAKE_PTR(best);
        return 0;
}

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

static int walk_dir(int dfd, struct strbuf *path, int depth,
                    int (*cb)(uint64_t id, const char *path, void *userdata), void *userdata)
{
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        struct stat st;
        int r;

        if (fstat(dfd, &st) < 0) {
                close(dfd);
                return -errno;
        }
        r = cb(st.st_ino, path->len ? path->data : "/", userdata);
        if (r < 0) {
                close(dfd);
                return r;
        }
        if (depth >= 64) {
                close(dfd);
                return 0;
        }
        d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return -errno;
        }
        while ((de = readdir(d))) {
                size_t len = path->len;
                int fd;

                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (fd < 0)
                        continue;       /* removed meanwhile */
                strbuf_printf(path, "/%s", de->d_name);
                if (path->oom) {
                        close(fd);
                        return -ENOMEM;
                }
                r = walk_dir(fd, path, depth + 1, cb, userdata);
                path->len = len;
                path->data[len] = 0;
                if (r < 0)
                        return r;
        }
        return 0;
}

int cgroup_tree_walk(const char *mount, int (*cb)(uint64_t id, const char *path, void *userdata),
                     void *userdata)
{
        struct strbuf path = {};
        int fd, r;

        fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = walk_dir(fd, &path, 0, cb, userdata);
        strbuf_free(&path);
        return r;
}

#define FILEID_KERNFS 0xfe

int cgroup_path_from_id(int mount_fd, const char *mount, uint64_t id, char **ret)
{
        union {
                struct file_handle fh;
                char buf[sizeof(struct file_handle) + sizeof(uint64_t)];
        } h = { .fh = { .handle_bytes = sizeof(uint64_t), .handle_type = FILEID_KERNFS } };
        _cleanup_close_ int fd = -1;
        char proc[64], target[PATH_MAX];
        size_t mlen = strlen(mount);
        ssize_t n;
        char *p;

        memcpy(h.fh.f_handle, &id, sizeof(id));
        fd = open_by_handle_at(mount_fd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        n = readlink(proc, target, sizeof(target) - 1);
        if (n < 0)
                return -errno;
        target[n] = 0;
        if (strncmp(target, mount, mlen) != 0 || (target[mlen] != '/' && target[mlen] != 0))
                return -EXDEV;
        p = strdup(target[mlen] ? target + mlen : "/");
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}
