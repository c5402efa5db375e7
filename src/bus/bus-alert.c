/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bus-alert.h"
#include "shared/macro.h"
#include "shared/strbuf.h"

static size_t utf8_valid_length(const unsigned char *s, size_t len)
{
        size_t n;
        uint32_t cp;

        if (s[0] < 0x80)
                return s[0] ? 1 : 0;
        if ((s[0] & 0xe0) == 0xc0)
                n = 2, cp = s[0] & 0x1f;
        else if ((s[0] & 0xf0) == 0xe0)
                n = 3, cp = s[0] & 0x0f;
        else if ((s[0] & 0xf8) == 0xf0)
                n = 4, cp = s[0] & 0x07;
        else
                return 0;
        if (n > len)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

char *utf8_sanitize(const char *s, size_t len)
{
        struct strbuf b = {};

        for (size_t i = 0; i < len;) {
                size_t n = utf8_valid_length((const unsigned char *) s + i, len - i);

                if (n == 0) {
                        strbuf_puts(&b, "\xef\xbf\xbd");
                        i++;
                } else {
                        strbuf_put(&b, s + i, n);
                        i += n;
                }
        }
        if (b.oom) {
                strbuf_free(&b);
                return NULL;
        }
        return b.data ?: strdup("");
}

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
                str = utf8_sanitize(value, len);
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
