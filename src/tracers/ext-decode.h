/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An external tracer's records as cwatch records: the schema built from its decoder plan, and the
 * values of one record. */
#pragma once

#include <stddef.h>
#include "ext-plan.h"
#include "sink/record.h"

/* Text of one record's formatted values (addresses, enums, lists) goes into a buffer of this size;
 * what does not fit is cut (value.truncated). */
#define EXT_DECODE_TEXT_SIZE 16384

/* The columns of a plan's records: one per field, then the identity columns. Indexes of the fields
 * are the plan's. *ret is one allocation with the names; free() it. -EINVAL (why says) when a field
 * is named like an identity column. */
int ext_schema_columns(const struct ext_plan *p, struct column **ret, size_t *ret_n, struct strbuf *why);

/* The value of each of p's fields in the record data (size bytes) into values (p->n_fields of them);
 * text points into data and buf (EXT_DECODE_TEXT_SIZE bytes). -EBADMSG when the record is shorter
 * than the struct. */
int ext_plan_decode(const struct ext_plan *p, const void *data, size_t size, struct value *values, char *buf);

/* The unsigned value of an integer field (0 when it is not one), for the cgroup and pid columns. */
uint64_t ext_field_u64(const struct ext_field *f, const void *data);
