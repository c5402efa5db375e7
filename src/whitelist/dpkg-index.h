/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which Debian package owns a path: an index of /var/lib/dpkg/info/PKG.list built once (a sorted
 * array of a 64-bit hash of each path and its package, 16 bytes a path; paths no program runs from,
 * /usr/share/{doc,man,locale,icons} and /usr/include, are left out), rebuilt when the directory's modification time changes (dpkg
 * replaces a package's files there on every install and removal). A path is looked up as given and
 * across the merged-/usr alias (/usr/bin/ls and /bin/ls). The md5sum a package lists for a path
 * comes from PKG.md5sums, read when asked. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define DPKG_INFO_DIR "/var/lib/dpkg/info"
#define DPKG_MD5_SIZE 16

struct dpkg_index {
        char *info_dir;
        struct dpkg_path {
                uint64_t key;           /* hash of the path */
                uint64_t package;       /* index in packages */
        } *paths;                       /* sorted by key */
        size_t cap_paths;
        char **packages;                /* "coreutils", "libc6:amd64" */
        size_t n_packages;
        size_t n_paths;
        struct timespec mtime;          /* of info_dir when built */
        uint64_t builds;
        uint64_t build_usec;            /* the last build's duration */
};

/* An empty index of dir (NULL: DPKG_INFO_DIR); dpkg_index_refresh() builds it. */
int dpkg_index_init(struct dpkg_index *x, const char *info_dir);
void dpkg_index_done(struct dpkg_index *x);
/* Builds or rebuilds the index when info_dir changed since: 1 rebuilt, 0 unchanged, -errno (a host
 * without dpkg: -ENOENT, and the index stays empty). */
int dpkg_index_refresh(struct dpkg_index *x);

/* The package owning path (its name, valid until the next rebuild), or NULL; *ret_dpkg_path (may be
 * NULL) is how dpkg spells it (the alias that matched). */
const char *dpkg_index_owner(const struct dpkg_index *x, const char *path, const char **ret_dpkg_path,
                             char *buf, size_t buf_size);
/* The md5sum package lists for dpkg_path: 0 and md5 filled, -ENOENT when it lists none, -errno. */
int dpkg_index_md5(const struct dpkg_index *x, const char *package, const char *dpkg_path,
                   uint8_t md5[DPKG_MD5_SIZE]);
