/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "timeutil.h"

/* The log settings are process-wide by nature (like stderr itself). */
static enum log_target log_target = LOG_TARGET_CONSOLE;
static int log_max_level = LOG_INFO;

static const char *const level_names[] = {
        [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit", [LOG_ERR] = "error",
        [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

void log_setup(enum log_target target, int max_level)
{
        log_target = target;
        log_max_level = max_level;
}

int log_get_max_level(void)
{
        return log_max_level;
}

int log_internal(int level, int errno_value, const char *fmt, ...)
{
        int e = abs(errno_value);
        char ts[32];
        va_list ap;

        if (level <= log_max_level) {
                errno = e;
                if (log_target == LOG_TARGET_JOURNAL)
                        fprintf(stderr, "<%d>", level);
                else {
                        format_timestamp(ts, sizeof(ts), now_realtime_ns());
                        fprintf(stderr, "[%s] [%s] ", ts, level_names[level & 7]);
                }
                va_start(ap, fmt);
                errno = e;
                vfprintf(stderr, fmt, ap);
                va_end(ap);
                fputc('\n', stderr);
        }
        return e ? -e : -EIO;
}
