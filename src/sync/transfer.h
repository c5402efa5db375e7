/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Moving snapshot files: GET from http(s):// (libcurl) or read from file:// (a file, or every
 * *.snapshot of a directory); PUT to http(s):// or write into a file:// directory. Every failure
 * comes back as a negative errno with a sentence that says what happened ("HTTP 500", "Could not
 * resolve host: ...", "timed out after 30 s"). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define TRANSFER_ERROR_MAX 256

struct transfer_options {
        uint64_t timeout_ms;            /* the whole transfer */
        size_t max_size;                /* a body larger than this is cut off and refused */
};

/* One fetched file. */
struct transfer_file {
        char *origin;                   /* the URL, or file:// + the path of a directory's file */
        void *data;
        size_t size;
};

/* Fetches url: one file, or for a file:// directory one per *.snapshot in it. On failure error
 * says why. */
int transfer_fetch(const char *url, const struct transfer_options *o, struct transfer_file **ret, size_t *ret_n,
                   char error[TRANSFER_ERROR_MAX]);
void transfer_files_free(struct transfer_file *f, size_t n);

/* Publishes data as name: into a file:// directory (written atomically), or by HTTP PUT to url
 * (+ name when url ends in '/'). */
int transfer_publish(const char *url, const char *name, const void *data, size_t size, const struct transfer_options *o,
                     char error[TRANSFER_ERROR_MAX]);
