/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "mitre.h"
#include "shared/macro.h"

#define T(x) (UINT32_C(1) << TACTIC_##x)

static const struct {
        const char *technique;
        uint32_t tactics;
} techniques[] = {
        { "T1003", T(CREDENTIAL_ACCESS) },
        { "T1040", T(CREDENTIAL_ACCESS) | T(DISCOVERY) },
        { "T1046", T(DISCOVERY) },
        { "T1053", T(EXECUTION) | T(PERSISTENCE) | T(PRIVILEGE_ESCALATION) },
        { "T1055", T(DEFENSE_EVASION) | T(PRIVILEGE_ESCALATION) },
        { "T1059", T(EXECUTION) },
        { "T1068", T(PRIVILEGE_ESCALATION) },
        { "T1070", T(DEFENSE_EVASION) },
        { "T1071", T(COMMAND_AND_CONTROL) },
        { "T1082", T(DISCOVERY) },
        { "T1098", T(PERSISTENCE) | T(PRIVILEGE_ESCALATION) },
        { "T1105", T(COMMAND_AND_CONTROL) },
        { "T1190", T(INITIAL_ACCESS) },
        { "T1204", T(EXECUTION) },
        { "T1496", T(IMPACT) },
        { "T1505", T(PERSISTENCE) },
        { "T1543", T(PERSISTENCE) | T(PRIVILEGE_ESCALATION) },
        { "T1547", T(PERSISTENCE) | T(PRIVILEGE_ESCALATION) },
        { "T1548", T(PRIVILEGE_ESCALATION) | T(DEFENSE_EVASION) },
        { "T1552", T(CREDENTIAL_ACCESS) },
        { "T1554", T(PERSISTENCE) },
        { "T1565", T(IMPACT) },
        { "T1571", T(COMMAND_AND_CONTROL) },
        { "T1610", T(DEFENSE_EVASION) | T(EXECUTION) },
        { "T1611", T(PRIVILEGE_ESCALATION) },
        { "T1620", T(DEFENSE_EVASION) },
};

uint32_t mitre_tactics(const char *technique)
{
        size_t n;

        if (!technique)
                return 0;
        n = strcspn(technique, ".");
        for (size_t i = 0; i < ELEMENTSOF(techniques); i++)
                if (strlen(techniques[i].technique) == n && strneq(techniques[i].technique, technique, n))
                        return techniques[i].tactics;
        return 0;
}

const char *mitre_tactic_to_string(enum mitre_tactic t)
{
        static const char *const names[_TACTIC_MAX] = {
                [TACTIC_INITIAL_ACCESS] = "initial-access", [TACTIC_EXECUTION] = "execution",
                [TACTIC_PERSISTENCE] = "persistence", [TACTIC_PRIVILEGE_ESCALATION] = "privilege-escalation",
                [TACTIC_DEFENSE_EVASION] = "defense-evasion", [TACTIC_CREDENTIAL_ACCESS] = "credential-access",
                [TACTIC_DISCOVERY] = "discovery", [TACTIC_LATERAL_MOVEMENT] = "lateral-movement",
                [TACTIC_COLLECTION] = "collection", [TACTIC_COMMAND_AND_CONTROL] = "command-and-control",
                [TACTIC_EXFILTRATION] = "exfiltration", [TACTIC_IMPACT] = "impact",
        };

        return (unsigned) t < _TACTIC_MAX ? names[t] : "?";
}

unsigned mitre_tactic_count(uint32_t tactics)
{
        return (unsigned) __builtin_popcount(tactics);
}
