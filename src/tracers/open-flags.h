/* SPDX-License-Identifier: GPL-2.0-or-later */
/* open(2) flags as text, for the files tracer's open records. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include "shared/strbuf.h"

/* Appends e.g. "O_WRONLY|O_CREAT|O_TRUNC" to b; bits without a name as one hex number. */
void open_flags_to_string(struct strbuf *b, uint64_t flags);

/* Opened for writing: O_WRONLY, O_RDWR or O_TRUNC (as the kernel side decides it). */
bool open_flags_write(uint64_t flags);
