/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A consumer of a BPF ring buffer that maps its data pages once.
 *
 * libbpf's ring_buffer maps the data area twice, back to back, so that a record wrapping around
 * the end reads as one piece; the kernel maps every page at mmap() time, so a 4 MiB ring costs
 * 8 MiB of resident memory in cwatchd. Here the data is mapped once and the rare record that
 * wraps is copied into a scratch buffer. The map fd itself is what to poll (EPOLLIN). */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct ringbuf;

/* Called for each record; the return value is ignored (a record is never left unconsumed). */
typedef void (*ringbuf_sample_fn)(void *userdata, void *data, size_t size);

/* size: the map's max_entries (a power of two, a multiple of the page size). */
int ringbuf_new(struct ringbuf **ret, int map_fd, uint32_t size, ringbuf_sample_fn fn, void *userdata);
struct ringbuf *ringbuf_free(struct ringbuf *rb);

/* Hands every committed record to fn, in order; returns how many, or a negative errno. */
int ringbuf_consume(struct ringbuf *rb);
/* The same, at most max records (what is left stays for the next call). */
int ringbuf_consume_max(struct ringbuf *rb, int max);
