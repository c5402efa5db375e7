/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "tracer.h"
#include "shared/macro.h"

#define TRACER(name) extern const struct tracer_ops name##_tracer_ops;
#include "registry.def"
#undef TRACER

/* The index is stamped on a tracer's events (rodata cw_tracer_id) when it loads. */
const struct tracer_ops *const tracer_registry[] = {
#define TRACER(name) &name##_tracer_ops,
#include "registry.def"
#undef TRACER
};

const size_t tracer_registry_size = ELEMENTSOF(tracer_registry);

int tracer_registry_find(const char *name)
{
        for (size_t i = 0; i < tracer_registry_size; i++)
                if (streq(tracer_registry[i]->info->name, name))
                        return (int) i;
        return -ENOENT;
}
