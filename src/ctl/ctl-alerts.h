/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cwatchctl alerts: QueryAlerts and, with --follow, AlertRaised. */
#pragma once

#include "ctl.h"

int ctl_alerts(struct ctl *c);
