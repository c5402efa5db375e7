/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the response may do to the unit or process an alert or incident names (docs/RESPONSE.md). */
#pragma once

#include <stdbool.h>

enum response_action {
        RESPONSE_ACTION_NONE,
        RESPONSE_ACTION_FREEZE,         /* the unit's cgroup freezer: FreezeUnit */
        RESPONSE_ACTION_KILL,           /* SIGKILL to the one process, through a pidfd */
        RESPONSE_ACTION_KILL_UNIT,      /* SIGKILL to every process of the unit: KillUnit */
        RESPONSE_ACTION_STOP,           /* StopUnit */
        RESPONSE_ACTION_THAW,           /* ThawUnit: only asked for by hand */
        _RESPONSE_ACTION_MAX,
};

const char *response_action_to_string(enum response_action a);
/* "none", "freeze", "kill", "kill-unit", "stop"; "thaw" too when any (by hand), never for a rule or
 * the configuration. -EINVAL otherwise. */
int response_action_from_string(const char *s, bool any);
