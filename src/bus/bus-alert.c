/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bus-alert.h"
#include "shared/escape.h"
#include "shared/macro.h"

int bus_append_alert_field(sd_bus_message *m, const struct alert_field *f, const char *value, size_t len)
{
        _cleanup_free_ char *str = NULL;
        char buf[32], *end = buf;
        char type[2] = { f->type, 0 };
        unsigned long long u = 0;
        double d = 0;
        uint32_t u32;
        uint64_t u64;
        const void *p;
        int r;

        if (f->type == 's') {
                /* escaped when written (alert-fields.c); an older or foreign entry is made safe */
                str = escape_dup(value, len, ESCAPE_ESCAPED);
                if (!str)
                        return -ENOMEM;
                p = str;
        } else {
                if (len == 0 || len >= sizeof(buf))
                        return 0;
                memcpy(buf, value, len);
                buf[len] = 0;
                errno = 0;
                if (f->type == 'd')
                        d = strtod(buf, &end);
                else
                        u = buf[0] == '-' ? (errno = ERANGE, 0) : strtoull(buf, &end, 10);
                if (errno != 0 || *end || (f->type == 'u' && u > UINT32_MAX))
                        return 0;
                u32 = (uint32_t) u;
                u64 = u;
                p = f->type == 'd' ? (const void *) &d : f->type == 'u' ? (const void *) &u32 : (const void *) &u64;
        }
        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", f->key);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', type);
        if (r >= 0)
                r = sd_bus_message_append_basic(m, f->type, p);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

int bus_append_alert(sd_bus_message *m, const struct alert *a)
{
        struct alert_journal_fields f;
        int r;

        r = alert_to_journal_fields(a, &f);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'a', "{sv}");
        for (size_t i = 0; i < f.n && r >= 0; i++) {
                const char *eq = strchr(f.items[i], '=');
                const struct alert_field *af = alert_field_by_journal(f.items[i], eq - f.items[i]);

                if (af)
                        r = bus_append_alert_field(m, af, eq + 1, strlen(eq + 1));
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        alert_journal_fields_done(&f);
        return r;
}
