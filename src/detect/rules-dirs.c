/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include "rules-dirs.h"
#include "detect.h"
#include "shared/log.h"

#if defined(CWATCH_BUILD_ROOT) && defined(CWATCH_SOURCE_RULESDIR)
/* Whether this binary is the one in the build tree (not an installed copy of it). */
static bool running_from_build_tree(void)
{
        char exe[PATH_MAX];
        size_t len = strlen(CWATCH_BUILD_ROOT);
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

        if (n < 0)
                return false;
        exe[n] = 0;
        return strneq(exe, CWATCH_BUILD_ROOT, len) && exe[len] == '/';
}

static const char *vendor_dir(void)
{
        if (!running_from_build_tree() || access(RULES_DIR_VENDOR, F_OK) == 0 || errno != ENOENT)
                return RULES_DIR_VENDOR;
        log_notice("Running from the build tree and %s does not exist: using the source tree's rules in %s",
                   RULES_DIR_VENDOR, CWATCH_SOURCE_RULESDIR);
        return CWATCH_SOURCE_RULESDIR;
}
#else
static const char *vendor_dir(void)
{
        return RULES_DIR_VENDOR;
}
#endif

size_t rules_dirs_default(const char *dirs[static RULES_DIRS_DEFAULT_N])
{
        dirs[0] = RULES_DIR_ADMIN;
        dirs[1] = RULES_DIR_RUNTIME;
        dirs[2] = vendor_dir();
        return RULES_DIRS_DEFAULT_N;
}
