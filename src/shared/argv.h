/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* argv as the kernel keeps it: NUL-separated strings, possibly cut short. */
struct argv_view {
        const char *data;       /* without the final NUL */
        size_t len;
        size_t argc;            /* strings in data; a cut last string counts */
        bool truncated;         /* the process's argv is longer than data */
};

/* captured bytes of an argv area whose full size is total. */
void argv_view_init(struct argv_view *v, const char *data, size_t captured, size_t total);
/* The n-th string (not NUL-terminated when it is the cut last one); NULL past the end. */
const char *argv_view_get(const struct argv_view *v, size_t n, size_t *len);
