/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "tracer-info.h"
#include "shared/macro.h"

#define TRACER(name) extern const struct tracer_info name##_tracer_info;
#include "registry.def"
#undef TRACER

const struct tracer_info *const tracer_infos[] = {
#define TRACER(name) &name##_tracer_info,
#include "registry.def"
#undef TRACER
};

const size_t tracer_infos_size = ELEMENTSOF(tracer_infos);

int tracer_info_find(const char *name)
{
        for (size_t i = 0; i < tracer_infos_size; i++)
                if (streq(tracer_infos[i]->name, name))
                        return (int) i;
        return -ENOENT;
}

const struct schema *tracer_info_schema(const char *name)
{
        int i = tracer_info_find(name);

        return i < 0 ? NULL : tracer_infos[i]->schema;
}
