/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>
#include "ext-set.h"
#include "ext-conf.h"
#include "ext-tracer.h"
#include "shared/array.h"
#include "shared/log.h"

void ext_set_done(struct ext_set *set)
{
        for (size_t i = 0; i < set->n_tracers; i++)
                ext_tracer_free(set->tracers[i]);
        free(set->tracers);
        strv_done(&set->rejected);
        strv_done(&set->reasons);
        *set = (struct ext_set) {};
}

static char *name_of_path(const char *path)
{
        const char *base = strrchr(path, '/');
        size_t n;

        base = base ? base + 1 : path;
        n = strlen(base);
        if (n > strlen(EXT_TRACER_SUFFIX))
                n -= strlen(EXT_TRACER_SUFFIX);
        return strndup(base, n);
}

static int add(struct ext_set *set, const char *path)
{
        struct ext_tracer *x = NULL;
        struct strbuf why = {};
        int r;

        r = ext_tracer_new(path, &x, &why);
        if (r >= 0) {
                strbuf_free(&why);
                r = ARRAY_APPEND(set->tracers, set->n_tracers, x);
                if (r < 0)
                        ext_tracer_free(x);
                return r;
        }
        if (r != -ENOMEM) {
                log_error("External tracer refused: %s", why.data ?: strerror(-r));
                r = strv_consume(&set->rejected, name_of_path(path));
                if (r >= 0)
                        r = strv_add(&set->reasons, why.data ?: strerror(EINVAL));
        }
        strbuf_free(&why);
        return r;
}

int ext_set_load(struct ext_set *set, const char *const *dirs, size_t n_dirs)
{
        static const char *const default_dirs[] = { EXT_TRACER_DIR_ETC, EXT_TRACER_DIR_LIB };
        struct strv paths = {};
        int r;

        if (!dirs || n_dirs == 0) {
                dirs = default_dirs;
                n_dirs = sizeof(default_dirs) / sizeof(default_dirs[0]);
        }
        r = ext_conf_find(dirs, n_dirs, &paths);
        if (r < 0 && r != -ENOMEM) {
                log_warning_errno(r, "Failed to list the external tracers' directories, ignoring: %m");
                r = 0;
        }
        for (size_t i = 0; r >= 0 && i < paths.n; i++)
                r = add(set, paths.items[i]);
        strv_done(&paths);
        return r;
}

const char *ext_set_rejected(const struct ext_set *set, const char *name)
{
        for (size_t i = 0; i < set->rejected.n; i++)
                if (streq(set->rejected.items[i], name))
                        return set->reasons.items[i];
        return NULL;
}
