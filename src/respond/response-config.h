/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cwatchd.conf [Response]: what the automatic response may do, and its guard rails. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "alert/action.h"
#include "alert/alert.h"
#include "shared/strv.h"

#define RESPONSE_MAX_PER_MINUTE_LIMIT 1000
#define RESPONSE_DEFAULT_MAX_PER_MINUTE 5

/* Protected= by default: cwatchd itself, what a host needs to be managed and reached, and the roots
 * of systemd's slice tree (a slice, and init.scope, are refused whatever the list says). */
#define RESPONSE_DEFAULT_PROTECTED                                                                      \
        "cwatchd.service", "systemd-journald.service", "dbus.service", "dbus-broker.service",            \
        "systemd-logind.service", "sshd.service", "ssh.service", "init.scope", "-.slice", "system.slice", \
        "user.slice", "machine.slice"

struct response_config {
        bool enable;                    /* Enable=: automatic actions on alerts and incidents */
        bool dry_run;                   /* DryRun=: log what would be done, do nothing */
        struct strv protected_units;    /* Protected=: glob patterns of unit names */
        uint64_t max_per_minute;        /* MaxActionsPerMinute= */
        enum response_action on_severity[_SEVERITY_MAX];       /* SeverityAction=SEVERITY:ACTION ... */
        struct strv rule_actions;       /* RuleAction=RULE:ACTION ..., checked */
        double incident_score;          /* IncidentScore=: 0 off */
        enum response_action incident_action;   /* IncidentAction= */
};

int response_config_init_default(struct response_config *c);
void response_config_done(struct response_config *c);
/* Replaces dst (emptied first) by a copy of src. */
int response_config_copy(struct response_config *dst, const struct response_config *src);

/* The action the configuration gives an alert of rule and severity (RuleAction= before
 * SeverityAction=); NONE when none. */
enum response_action response_config_alert_action(const struct response_config *c, const char *rule,
                                                  enum alert_severity severity);

/* Value parsers of the [Response] keys (conf_parse_func). */
int response_parse_protected(const char *value, void *ptr, const void *arg, char *err, size_t err_size);
int response_parse_severity_actions(const char *value, void *ptr, const void *arg, char *err, size_t err_size);
int response_parse_rule_actions(const char *value, void *ptr, const void *arg, char *err, size_t err_size);
int response_parse_action(const char *value, void *ptr, const void *arg, char *err, size_t err_size);
int response_parse_max_per_minute(const char *value, void *ptr, const void *arg, char *err, size_t err_size);
int response_parse_incident_score(const char *value, void *ptr, const void *arg, char *err, size_t err_size);
