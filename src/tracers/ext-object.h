/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An external tracer's BPF object, opened by libbpf and checked before anything is loaded. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include "ext-conf.h"
#include "ext-plan.h"
#include "shared/strbuf.h"

#define EXT_MAX_PROGRAMS 64

struct bpf_object;
struct bpf_map;

/* Opens the object's bytes with libbpf after a look at its ELF (ext_elf_check()); log (log_size
 * bytes, may be NULL) gets the verifier's log of a failed load. */
int ext_object_open(const void *data, size_t size, const struct ext_conf *c, char *log, size_t log_size,
                    struct bpf_object **ret, struct strbuf *why);
/* Everything that can be checked without the kernel: BTF, the ring buffer (RingBuffer=), DropsMap=,
 * the programs' sections (*needs_tracefs for tp/), and the plan of the struct (Event=) into *ret. */
int ext_object_check(struct bpf_object *obj, const struct ext_conf *c, bool *needs_tracefs, struct ext_plan **ret,
                     struct strbuf *why);
/* The per-CPU drop counter (DropsMap=, else a fitting map "drops"), or NULL; *r < 0 when DropsMap=
 * names no fitting map. */
struct bpf_map *ext_object_drops_map(struct bpf_object *obj, const struct ext_conf *c, struct strbuf *why, int *r);
/* ext_object_open() + ext_object_check() of bytes (the fuzzer). */
int ext_object_check_mem(const void *data, size_t size, const struct ext_conf *conf, struct strbuf *why);
/* The same in a child process: libbpf's ELF reader (1.1) trusts parts of the file a broken object
 * lies about and can crash on them; a crash here is an error for the object, not the end of
 * cwatchd. Opening the same bytes in-process afterwards takes the same, proven, path. */
int ext_object_check_isolated(const void *data, size_t size, const struct ext_conf *conf, struct strbuf *why);
