/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdint.h>
#include <stdlib.h>
#include "array.h"

void *array_grow(void *array, size_t n, size_t size)
{
        /* the capacity of n > 0 elements is n rounded up to a power of two: full when n is one; an
         * array emptied for reuse (n == 0) has room for at least one */
        if (array && (n == 0 || (n & (n - 1)) != 0))
                return array;
        if (n > SIZE_MAX / 2)
                return NULL;
        return reallocarray(array, n > 0 ? n * 2 : 1, size);
}
