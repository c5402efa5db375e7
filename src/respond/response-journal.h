/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A response entry in the journal: MESSAGE_ID, CWATCH_ACTION=, CWATCH_UNIT=, the alert or incident. */
#pragma once

#include "response.h"

int response_journal_send(const struct response_entry *e);
