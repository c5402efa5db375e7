/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The built-in detection: a program executed from a temporary directory (/tmp, /dev/shm, ...),
 * from a memfd (fileless), or from a file deleted after it was started. It runs when the rules
 * cannot be loaded. */
#pragma once

#include <stdbool.h>
#include "alert/alert.h"
#include "sink/record-sink.h"

#define MESSAGE_ID_EXEC_FROM_TMP "82c9f644f9624f1ba8737fa05feb6c96"
#define MESSAGE_ID_EXEC_MEMFD "98eff6741c5b472da23b68c950abe22b"
#define MESSAGE_ID_EXEC_DELETED "ebc502b6f9dd4bf1af2b0c4e70cf23f4"

struct builtin_exec {
        bool exec_from_temporary;       /* off: no alert at all */
        char *const *dirs;              /* the temporary directories; NULL: /tmp, /dev/shm, /var/tmp */
        size_t n_dirs;
        int (*raise)(const struct alert *a, void *userdata);
        void *userdata;
        struct column_index columns;
};

/* Sets up b; dirs (owned by the caller) may be replaced later, on reload. */
void builtin_exec_init(struct builtin_exec *b, int (*raise)(const struct alert *a, void *userdata), void *userdata);
/* The sink to give manager_add_record_sink(). */
struct record_sink builtin_exec_record_sink(struct builtin_exec *b);

/* Whether path lies in one of dirs (n of them), as a path prefix. */
bool path_in_dirs(const char *path, size_t len, char *const *dirs, size_t n);
