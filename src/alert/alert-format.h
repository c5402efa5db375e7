/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Alerts in the foreground output of cwatchd run: a "[warning]"-style line in the table, an
 * object with "event":"alert" in JSON, a row starting with "alert" in CSV. */
#pragma once

#include "alert/alert.h"
#include "sink/format.h"

void format_alert(struct strbuf *b, enum output_format format, const struct alert *a);
/* An alert sink's send(): writes through the formatter given as userdata. */
int formatter_alert_sink_send(const struct alert *a, void *userdata);
