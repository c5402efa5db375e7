/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A first look at an external tracer's object before libbpf opens it, for a clear reason when it
 * is not one: not ELF, cut short, not BPF, no BTF. */
#pragma once

#include <stddef.h>
#include "shared/strbuf.h"

/* 0 when data (size bytes) is a BPF ELF object with a .BTF section; else -EINVAL and why says. */
int ext_elf_check(const void *data, size_t size, struct strbuf *why);
