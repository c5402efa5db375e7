/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How an alert is written to the journal ("CWATCH_PID=123") and how those journal fields are
 * named in D-Bus dictionaries and JSON ("pid": 123). One table serves the journal sink, the
 * AlertRaised signal and QueryAlerts. */
#pragma once

#include <stddef.h>
#include "alert.h"

struct alert_field {
        const char *journal;    /* journal field name */
        const char *key;        /* D-Bus dictionary / JSON key */
        char type;              /* D-Bus type of the value: 's', 'u', 't' or 'd' */
};

extern const struct alert_field alert_fields[];
extern const size_t alert_fields_size;

/* The entry for a journal field name (not NUL-terminated), or NULL. */
const struct alert_field *alert_field_by_journal(const char *name, size_t len);
/* The entry for a D-Bus/JSON key, or NULL. */
const struct alert_field *alert_field_by_key(const char *key);

#define ALERT_JOURNAL_FIELDS_MAX 32

/* "FIELD=value" strings of one journal entry. */
struct alert_journal_fields {
        char *items[ALERT_JOURNAL_FIELDS_MAX];
        size_t n;
};

/* Builds the journal entry of a: MESSAGE, MESSAGE_ID, PRIORITY, SYSLOG_IDENTIFIER=cwatch,
 * OBJECT_PID and the CWATCH_* fields; absent values are left out. */
int alert_to_journal_fields(const struct alert *a, struct alert_journal_fields *f);
void alert_journal_fields_done(struct alert_journal_fields *f);
/* The value of a field in f, or NULL. */
const char *alert_journal_fields_get(const struct alert_journal_fields *f, const char *name);
