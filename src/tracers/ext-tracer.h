/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An external tracer (cwatch.tracer(5)) as a tracer like the built-in ones: its own tracer_ops and
 * tracer_info, a schema built from the BTF of its struct, its BPF object opened, checked, loaded
 * and attached with libbpf at start, its own ring buffer drained from the event loop. */
#pragma once

#include "tracer.h"
#include "shared/strbuf.h"

struct ext_tracer;

/* Reads the .tracer file at path and its object, and checks both (trusted files, an ELF BPF object
 * with BTF, the ring buffer, the programs' types, the struct): a tracer ready to start. On failure
 * why names the file and the reason. */
int ext_tracer_new(const char *path, struct ext_tracer **ret, struct strbuf *why);
struct ext_tracer *ext_tracer_free(struct ext_tracer *x);

const struct tracer_ops *ext_tracer_ops(const struct ext_tracer *x);
const char *ext_tracer_path(const struct ext_tracer *x);
