/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "tracer.h"
#include "shared/macro.h"

extern const struct tracer_ops process_tracer_ops;
extern const struct tracer_ops tcp_tracer_ops;
extern const struct tracer_ops syscalls_tracer_ops;
extern const struct tracer_ops files_tracer_ops;

/* One line per tracer; the index is stamped on its events, so append only. */
const struct tracer_ops *const tracer_registry[] = {
        &process_tracer_ops,
        &tcp_tracer_ops,
        &syscalls_tracer_ops,
        &files_tracer_ops,
};

const size_t tracer_registry_size = ELEMENTSOF(tracer_registry);

int tracer_registry_find(const char *name)
{
        for (size_t i = 0; i < tracer_registry_size; i++)
                if (streq(tracer_registry[i]->name, name))
                        return (int) i;
        return -ENOENT;
}
