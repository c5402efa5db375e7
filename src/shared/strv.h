/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one string vector: owned strings, counted and NULL-terminated, so that items can be passed
 * where a "const char *const *" is expected. A zeroed struct is an empty vector. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct strv {
        char **items;           /* NULL while empty, else items[n] == NULL */
        size_t n;
};

/* Frees the strings and the array; leaves v empty. */
void strv_done(struct strv *v);

/* Appends a copy of s (or of its first len bytes). Return 0 or -ENOMEM (v unchanged). */
int strv_add(struct strv *v, const char *s);
int strv_addn(struct strv *v, const char *s, size_t len);
/* Appends s, which v then owns; frees s when out of memory. */
int strv_consume(struct strv *v, char *s);
/* Appends each word of s, words being separated by any run of the bytes in separators. */
int strv_split(struct strv *v, const char *s, const char *separators);

bool strv_contains(const struct strv *v, const char *s);
/* Replaces dst (which must be empty) by a copy of src. */
int strv_copy(struct strv *dst, const struct strv *src);
/* Sorts in strcmp() order. */
void strv_sort(struct strv *v);

/* Hands the array over, leaving v empty: returns the items and stores the count in *ret_n. */
char **strv_steal(struct strv *v, size_t *ret_n);

/* Frees an array of n strings kept outside a struct strv (and the array). */
void strv_free_n(char **v, size_t n);
