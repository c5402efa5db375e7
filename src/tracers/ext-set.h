/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The external tracers of the tracers.d directories: the ones that passed the checks, and why the
 * others did not. */
#pragma once

#include <stddef.h>
#include "shared/strv.h"

struct ext_tracer;

struct ext_set {
        struct ext_tracer **tracers;
        size_t n_tracers;
        struct strv rejected;           /* NAME of each file refused ... */
        struct strv reasons;            /* ... and why ("FILE: OBJECT: reason"), same order */
};

/* Reads every NAME.tracer of dirs (NULL: /etc/cwatch/tracers.d, then /usr/lib/cwatch/tracers.d);
 * each refused file is logged as an error with its reason and left out. -ENOMEM only. */
int ext_set_load(struct ext_set *set, const char *const *dirs, size_t n_dirs);
void ext_set_done(struct ext_set *set);

/* Why the tracer called name was refused, or NULL. */
const char *ext_set_rejected(const struct ext_set *set, const char *name);
