/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The journal alert sink: one structured entry per alert, SYSLOG_IDENTIFIER=cwatch. */
#pragma once

#include "alert/alert.h"

/* An alert_sink send function (userdata unused). */
int journal_sink_send(const struct alert *a, void *userdata);
