/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Growable arrays kept as a pointer and a count, without a capacity field: the capacity is the
 * count rounded up to a power of two, so growth happens when the count reaches one. Only ever
 * grow such an array through these helpers (removing elements from the end is fine). */
#pragma once

#include <errno.h>
#include <stddef.h>

/* Returns array (holding n elements of size bytes) with room for element n, possibly moved, or
 * NULL when out of memory (array is then unchanged and still owned by the caller). */
void *array_grow(void *array, size_t n, size_t size);

/* Makes room for element n of array and updates array; evaluates to 0 or -ENOMEM. */
#define ARRAY_GROW(array, n) ({                                                 \
        __typeof__(array) _grown = array_grow((array), (n), sizeof(*(array)));  \
        if (_grown)                                                             \
                (array) = _grown;                                               \
        _grown ? 0 : -ENOMEM;                                                   \
})

/* Appends item to array (n elements, incremented); evaluates to 0 or -ENOMEM (nothing added). */
#define ARRAY_APPEND(array, n, item) ({                                         \
        __typeof__(*(array)) _item = (item);                                    \
        int _r = ARRAY_GROW(array, n);                                          \
        if (_r >= 0)                                                            \
                (array)[(n)++] = _item;                                         \
        _r;                                                                     \
})
