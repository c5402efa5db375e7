/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <syslog.h>
#include "macro.h"

enum log_target {
        LOG_TARGET_CONSOLE,     /* "[2024-08-04 16:22:30.123] [info] ..." on stderr */
        LOG_TARGET_JOURNAL,     /* "<6>..." on stderr, which systemd connects to the journal */
};

void log_setup(enum log_target target, int max_level);
int log_get_max_level(void);

/* Logs at level; errno_value (positive or negative) is available to %m. Returns -abs(errno_value),
 * or -EIO when it is 0, so that "return log_error_errno(r, ...)" passes the error up. */
int log_internal(int level, int errno_value, const char *fmt, ...) _printf_(3, 4);

#define log_debug(...) log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_internal(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_internal(LOG_ERR, 0, __VA_ARGS__)
#define log_warning_errno(e, ...) log_internal(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...) log_internal(LOG_ERR, (e), __VA_ARGS__)
#define log_debug_errno(e, ...) log_internal(LOG_DEBUG, (e), __VA_ARGS__)
