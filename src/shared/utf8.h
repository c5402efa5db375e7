/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UTF-8 validation, for the formats that must emit valid text (JSON, Prometheus labels). */
#pragma once

#include <stddef.h>

/* Length (1 to 4) of the valid UTF-8 sequence at the start of s (n > 0 bytes), or 0 when there is
 * none: a stray continuation byte, a truncated sequence, an overlong encoding, a surrogate
 * (U+D800..U+DFFF) or a code point above U+10FFFF. */
size_t utf8_sequence_length(const unsigned char *s, size_t n);
