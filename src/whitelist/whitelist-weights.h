/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The trust model's weights (docs/WHITELIST.md has the same table; keep them equal). A program that
 * a verified package installed, owned by root, seen for a month on two weeks of days a thousand times
 * with stable behaviour reaches 0.95; one written in a container and run from /tmp starts below 0. */
#pragma once

#define WL_W_PACKAGE 0.40               /* owned by a Debian package, md5sum matches */
#define WL_W_PACKAGE_UNCHECKED 0.15     /* owned, no md5sum listed */
#define WL_W_PACKAGE_MODIFIED (-0.30)   /* owned, md5sum differs */
#define WL_W_ROOT_OWNED 0.15            /* root-owned file and directory, not writable by others */
#define WL_W_IMAGE 0.25                 /* a container image's lower layer */
#define WL_W_DRIFT (-0.40)              /* the container's upper layer */
#define WL_W_TEMP (-0.30)
#define WL_W_HIDDEN (-0.20)
#define WL_W_DELETED (-0.40)
#define WL_W_MEMFD (-0.50)
#define WL_W_AGE 0.10                   /* ramps up to full at WL_AGE_FULL_DAYS */
#define WL_AGE_FULL_DAYS 30
#define WL_W_EXECUTIONS 0.10            /* log10(executions) ramps up to full at WL_EXECUTIONS_FULL */
#define WL_EXECUTIONS_FULL 1000
#define WL_W_ACTIVE_DAYS 0.10           /* ramps up to full at WL_ACTIVE_DAYS_FULL */
#define WL_ACTIVE_DAYS_FULL 14
#define WL_W_STABLE 0.10                /* its profile detects and raised no anomaly */
#define WL_W_ALERT (-0.05)              /* per alert it took part in ... */
#define WL_W_ALERTS_MAX (-0.30)         /* ... at most this much */
#define WL_W_INCIDENT (-0.15)
#define WL_W_INCIDENTS_MAX (-0.45)
#define WL_W_GLOBAL 0.30                /* times the fleet's global confidence */
