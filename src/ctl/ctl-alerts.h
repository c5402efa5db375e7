/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cwatchctl alerts: QueryAlerts and, with --follow, AlertRaised. */
#pragma once

#include "ctl.h"

int ctl_alerts(struct ctl *c);
/* cwatchctl alerts show ID [--graph tree|dot|json]: the alert and its story. */
int ctl_alert_show(struct ctl *c, const char *id, const char *graph_format);
/* The member alerts of an incident, as the alerts table. */
int ctl_incident_alerts(struct ctl *c, const char *incident_id);
