/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Alerts in the foreground output of cwatchd run: a "[warning] ALERT ..." line in the table, an
 * object with "event":"alert" in JSON; with CSV (whose columns belong to the records) a log line
 * on stderr. */
#pragma once

#include "alert/alert.h"
#include "format.h"

void format_alert(struct strbuf *b, enum output_format format, const struct alert *a);
/* An alert_sink send function; userdata is the struct formatter. */
int alert_print_send(const struct alert *a, void *userdata);
