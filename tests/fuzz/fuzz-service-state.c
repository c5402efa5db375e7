/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer entry point: any bytes as /var/lib/cwatch/service-state give a state whose strings are
 * terminated within their arrays; never a crash or a read out of bounds. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "daemon/service-state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct service_state st;

        service_state_parse(&st, (const char *) data, size);
        assert(memchr(st.boot_id, '\0', sizeof(st.boot_id)));
        assert(memchr(st.previous_end, '\0', sizeof(st.previous_end)));
        return 0;
}
