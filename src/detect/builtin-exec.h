/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The built-in detection: a program executed from a temporary directory (/tmp, /dev/shm, ...),
 * from a memfd (fileless), or from a file deleted after it was started. */
#pragma once

#include <stdbool.h>
#include "daemon/manager.h"

#define MESSAGE_ID_EXEC_FROM_TMP "82c9f644f9624f1ba8737fa05feb6c96"
#define MESSAGE_ID_EXEC_MEMFD "98eff6741c5b472da23b68c950abe22b"
#define MESSAGE_ID_EXEC_DELETED "ebc502b6f9dd4bf1af2b0c4e70cf23f4"

/* The detector to give manager_add_detector(). It reads the directories and its on/off switch
 * from m->config when set, else uses /tmp, /dev/shm and /var/tmp. */
extern const struct detector builtin_exec_detector;

/* Whether path lies in one of dirs (n of them), as a path prefix. */
bool path_in_dirs(const char *path, size_t len, char *const *dirs, size_t n);
