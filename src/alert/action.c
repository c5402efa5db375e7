/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>
#include "action.h"
#include "shared/macro.h"

static const char *const action_names[_RESPONSE_ACTION_MAX] = {
        [RESPONSE_ACTION_NONE] = "none",
        [RESPONSE_ACTION_FREEZE] = "freeze",
        [RESPONSE_ACTION_KILL] = "kill",
        [RESPONSE_ACTION_KILL_UNIT] = "kill-unit",
        [RESPONSE_ACTION_STOP] = "stop",
        [RESPONSE_ACTION_THAW] = "thaw",
};

const char *response_action_to_string(enum response_action a)
{
        return a < _RESPONSE_ACTION_MAX ? action_names[a] : NULL;
}

int response_action_from_string(const char *s, bool any)
{
        for (int i = 0; i < _RESPONSE_ACTION_MAX; i++)
                if (streq(s, action_names[i]))
                        return i == RESPONSE_ACTION_THAW && !any ? -EINVAL : i;
        return -EINVAL;
}
