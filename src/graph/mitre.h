/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ATT&CK techniques to tactics: a small table of the techniques cwatch's rules name. */
#pragma once

#include <stdint.h>

enum mitre_tactic {
        TACTIC_INITIAL_ACCESS,
        TACTIC_EXECUTION,
        TACTIC_PERSISTENCE,
        TACTIC_PRIVILEGE_ESCALATION,
        TACTIC_DEFENSE_EVASION,
        TACTIC_CREDENTIAL_ACCESS,
        TACTIC_DISCOVERY,
        TACTIC_LATERAL_MOVEMENT,
        TACTIC_COLLECTION,
        TACTIC_COMMAND_AND_CONTROL,
        TACTIC_EXFILTRATION,
        TACTIC_IMPACT,
        _TACTIC_MAX,
};

/* Tactics (bit per enum mitre_tactic) of a technique id ("T1059.004", sub-technique falls back
 * to its technique); 0 when unknown or NULL. */
uint32_t mitre_tactics(const char *technique);
const char *mitre_tactic_to_string(enum mitre_tactic t);
unsigned mitre_tactic_count(uint32_t tactics);
