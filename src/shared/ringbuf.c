/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/bpf.h>
#include "ringbuf.h"

#define RINGBUF_BUSY_RETRIES 1000

struct ringbuf {
        unsigned long *consumer_pos;    /* one page, read-write */
        unsigned long *producer_pos;    /* one page, then the data, read-only */
        const uint8_t *data;
        size_t page_size;
        uint32_t size;
        uint32_t mask;
        ringbuf_sample_fn fn;
        void *userdata;
        uint8_t *scratch;               /* a wrapped record, joined */
        size_t scratch_size;
};

int ringbuf_new(struct ringbuf **ret, int map_fd, uint32_t size, ringbuf_sample_fn fn, void *userdata)
{
        struct ringbuf *rb;
        void *p;

        if (size == 0 || (size & (size - 1)))
                return -EINVAL;
        rb = calloc(1, sizeof(*rb));
        if (!rb)
                return -ENOMEM;
        rb->page_size = sysconf(_SC_PAGESIZE);
        rb->size = size;
        rb->mask = size - 1;
        rb->fn = fn;
        rb->userdata = userdata;

        p = mmap(NULL, rb->page_size, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
        if (p == MAP_FAILED) {
                int r = -errno;

                free(rb);
                return r;
        }
        rb->consumer_pos = p;
        /* the producer page and the data, once */
        p = mmap(NULL, rb->page_size + size, PROT_READ, MAP_SHARED, map_fd, rb->page_size);
        if (p == MAP_FAILED) {
                int r = -errno;

                munmap(rb->consumer_pos, rb->page_size);
                free(rb);
                return r;
        }
        rb->producer_pos = p;
        rb->data = (const uint8_t *) p + rb->page_size;
        *ret = rb;
        return 0;
}

struct ringbuf *ringbuf_free(struct ringbuf *rb)
{
        if (!rb)
                return NULL;
        munmap(rb->consumer_pos, rb->page_size);
        munmap(rb->producer_pos, rb->page_size + rb->size);
        free(rb->scratch);
        free(rb);
        return NULL;
}

/* The record of len bytes at offset off, in one piece. */
static void *ringbuf_record(struct ringbuf *rb, uint32_t off, uint32_t len)
{
        uint32_t first;

        if (off + (uint64_t) len <= rb->size)
                return (void *) (rb->data + off);
        if (rb->scratch_size < len) {
                uint8_t *s = realloc(rb->scratch, len);

                if (!s)
                        return NULL;
                rb->scratch = s;
                rb->scratch_size = len;
        }
        first = rb->size - off;
        memcpy(rb->scratch, rb->data + off, first);
        memcpy(rb->scratch + first, rb->data, len - first);
        return rb->scratch;
}

int ringbuf_consume(struct ringbuf *rb)
{
        return ringbuf_consume_max(rb, INT_MAX);
}

int ringbuf_consume_max(struct ringbuf *rb, int max)
{
        unsigned long cons = __atomic_load_n(rb->consumer_pos, __ATOMIC_ACQUIRE);
        unsigned busy = 0;
        int n = 0;
        bool more;

        do {
                unsigned long prod = __atomic_load_n(rb->producer_pos, __ATOMIC_ACQUIRE);

                more = false;
                while (cons < prod && n < max) {
                        const uint32_t *hdr = (const uint32_t *) (rb->data + (cons & rb->mask));
                        uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

                        if (len & BPF_RINGBUF_BUSY_BIT) {
                                /* reserved, not yet committed: later records wait for it. A
                                 * producer commits within microseconds unless its CPU was taken
                                 * away; wait a little rather than leave the rest for the next
                                 * drain, which at exit never comes */
                                if (++busy > RINGBUF_BUSY_RETRIES)
                                        return n;
                                sched_yield();
                                continue;
                        }
                        if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
                                void *sample;

                                len &= ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
                                sample = ringbuf_record(rb, (cons + BPF_RINGBUF_HDR_SZ) & rb->mask, len);
                                if (sample)
                                        rb->fn(rb->userdata, sample, len);
                                n++;
                        } else
                                len &= ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
                        /* records are 8-byte aligned, their header included */
                        cons += (len + BPF_RINGBUF_HDR_SZ + 7) & ~7UL;
                        __atomic_store_n(rb->consumer_pos, cons, __ATOMIC_RELEASE);
                        more = true;
                }
        } while (more);
        return n;
}
