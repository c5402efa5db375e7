/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer entry point: any bytes as cwatchd.conf must give 0 or an error with FILE:LINE, and
 * never crash, leak or read out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "daemon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct conf_error err = {};
        struct config c;
        int r;

        if (config_init_default(&c) < 0)
                return 0;
        r = config_load_string(&c, "fuzz.conf", (const char *) data, size, &err);
        if (r < 0 && strncmp(err.text, "fuzz.conf", 9) != 0)
                abort();
        if (r >= 0 && (c.interval_ns < 100000000ULL || (c.ringbuf_size & (c.ringbuf_size - 1))))
                abort();
        config_done(&c);
        return 0;
}
