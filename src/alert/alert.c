/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>
#include <syslog.h>
#include "alert.h"
#include "shared/macro.h"

static const char *const severity_names[_SEVERITY_MAX] = {
        [SEVERITY_CRITICAL] = "critical",
        [SEVERITY_ERROR] = "error",
        [SEVERITY_WARNING] = "warning",
        [SEVERITY_NOTICE] = "notice",
        [SEVERITY_INFO] = "info",
};

const char *alert_severity_to_string(enum alert_severity s)
{
        return s < _SEVERITY_MAX ? severity_names[s] : NULL;
}

int alert_severity_from_string(const char *s)
{
        for (int i = 0; i < _SEVERITY_MAX; i++)
                if (streq(s, severity_names[i]))
                        return i;
        return -EINVAL;
}

int alert_severity_to_priority(enum alert_severity s)
{
        static const int priorities[_SEVERITY_MAX] = {
                [SEVERITY_CRITICAL] = LOG_CRIT,
                [SEVERITY_ERROR] = LOG_ERR,
                [SEVERITY_WARNING] = LOG_WARNING,
                [SEVERITY_NOTICE] = LOG_NOTICE,
                [SEVERITY_INFO] = LOG_INFO,
        };

        return s < _SEVERITY_MAX ? priorities[s] : LOG_INFO;
}
