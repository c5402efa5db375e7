/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include "response-journal.h"

static int result_priority(enum response_result res)
{
        switch (res) {
        case RESPONSE_DONE:
                return LOG_WARNING;
        case RESPONSE_FAILED:
                return LOG_ERR;
        default:
                return LOG_NOTICE;
        }
}

static const char *verb(const struct response_entry *e)
{
        switch (e->result) {
        case RESPONSE_DONE:
                return "done";
        case RESPONSE_DRY_RUN:
                return "would be done (dry run)";
        case RESPONSE_REFUSED:
                return "refused";
        case RESPONSE_HELD_BACK:
                return "held back";
        default:
                return "failed";
        }
}

int response_journal_send(const struct response_entry *e)
{
        bool taken = e->result == RESPONSE_DONE || e->result == RESPONSE_DRY_RUN;
        const char *action = response_action_to_string(e->action);
        char process[32] = "";

        if (e->pid)
                snprintf(process, sizeof(process), " (process %" PRIu32 ")", e->pid);
        return sd_journal_send("MESSAGE=Response %s %s%s: %s%s%s", action, e->unit ?: "(no unit)", process, verb(e),
                               e->reason ? ": " : "", e->reason ?: "",
                               "MESSAGE_ID=%s", taken ? CWATCH_MESSAGE_ACTION_TAKEN : CWATCH_MESSAGE_ACTION_NOT_TAKEN,
                               "PRIORITY=%d", result_priority(e->result),
                               "SYSLOG_IDENTIFIER=cwatch",
                               "CWATCH_ACTION_ID=%s", e->id,
                               "CWATCH_ACTION=%s", action,
                               "CWATCH_ACTION_RESULT=%s", response_result_to_string(e->result),
                               "CWATCH_ACTION_ORIGIN=%s", response_origin_to_string(e->origin),
                               "CWATCH_ACTION_REASON=%s", e->reason ?: "",
                               "CWATCH_ACTION_SIGNAL=%d", e->signal,
                               "CWATCH_UNIT=%s", e->unit ?: "",
                               "CWATCH_PID=%" PRIu32, e->pid,
                               "CWATCH_ALERT_ID=%s", e->alert_id ?: "",
                               "CWATCH_INCIDENT_ID=%s", e->incident_id ?: "",
                               "CWATCH_RULE=%s", e->rule ?: "",
                               "CWATCH_ACTION_CALLER=%s", e->caller ?: "",
                               NULL);
}
