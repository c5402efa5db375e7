/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Prometheus text exposition format 0.0.4: HELP and TYPE lines, samples with escaped labels. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "shared/strbuf.h"

#define EXPOSITION_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct label {
        const char *name;
        const char *value;
};

/* "# HELP name help" and "# TYPE name type" (type: counter, gauge, untyped). */
void expo_family(struct strbuf *b, const char *name, const char *type, const char *help);
void expo_sample_u64(struct strbuf *b, const char *name, const struct label *labels, size_t n_labels,
                     uint64_t value);
void expo_sample_double(struct strbuf *b, const char *name, const struct label *labels, size_t n_labels,
                        double value);

/* A label value: backslash, double quote and line feed escaped; bytes that are not valid UTF-8
 * become U+FFFD, as the format requires UTF-8. */
void expo_escape_label_value(struct strbuf *b, const char *s);
/* HELP text: backslash and line feed escaped. */
void expo_escape_help(struct strbuf *b, const char *s);
