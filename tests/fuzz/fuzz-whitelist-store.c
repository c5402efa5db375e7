/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer entry point: any bytes as /var/lib/cwatch/whitelist are rejected or give a table within
 * its bound that encodes and decodes again to the same text; the same bytes as a deny list keep only
 * well-formed hashes. Never a crash, a leak or a read out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "whitelist/denylist.h"
#include "whitelist/whitelist-store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct whitelist_config c = { .cap = 0.3, .max_entries = 64 };
        struct whitelist *wl = NULL, *again = NULL;
        struct denylist d = {};
        struct strbuf errors = {};
        char *text = NULL, *text2 = NULL;
        size_t n = 0, n2 = 0, line;
        int r;

        if (whitelist_new(&wl, &c) < 0)
                abort();
        r = whitelist_store_decode(wl, (const char *) data, size, &line);
        if (r >= 0) {
                if (whitelist_size(wl) > c.max_entries)
                        abort();
                if (whitelist_store_encode(wl, &text, &n) < 0 || whitelist_new(&again, &c) < 0 ||
                    whitelist_store_decode(again, text, n, &line) < 0 || whitelist_size(again) != whitelist_size(wl) ||
                    whitelist_store_encode(again, &text2, &n2) < 0 || n2 != n)
                        abort();
        } else if (r != -EBADMSG && r != -E2BIG && r != -ENOMEM)
                abort();
        free(text);
        free(text2);
        whitelist_free(again);
        whitelist_free(wl);

        r = denylist_parse(&d, "fuzz.list", (const char *) data, size, &errors);
        denylist_finish(&d);
        if (r < 0 && r != -ENOMEM && r != -E2BIG)
                abort();
        for (size_t i = 1; i < d.n; i++)
                if (memcmp(d.hashes[i - 1], d.hashes[i], WHITELIST_SHA256_SIZE) >= 0)
                        abort();
        denylist_done(&d);
        strbuf_free(&errors);
        return 0;
}
