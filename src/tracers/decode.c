/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "decode.h"

const char *errno_name(int err)
{
        if (err <= 0)
                return NULL;
        return strerrorname_np(err);
}

int format_inet_addr(char buf[static INET_ADDR_TEXT_MAX], uint16_t family, const uint8_t addr[static 16])
{
        if (family != AF_INET && family != AF_INET6)
                return -EAFNOSUPPORT;
        if (!inet_ntop(family, addr, buf, INET_ADDR_TEXT_MAX))
                return -errno;
        return 0;
}

void format_flags(struct strbuf *b, uint64_t flags, const struct flag_name *names)
{
        uint64_t rest = flags;
        bool first = true;

        if (flags == 0) {
                strbuf_putc(b, '0');
                return;
        }
        for (const struct flag_name *f = names; f->name; f++) {
                if (f->value == 0 || (rest & f->value) != f->value)
                        continue;
                strbuf_printf(b, "%s%s", first ? "" : "|", f->name);
                rest &= ~f->value;
                first = false;
        }
        if (rest)
                strbuf_printf(b, "%s0x%" PRIx64, first ? "" : "|", rest);
}

const char *value_name(uint64_t value, const struct flag_name *names)
{
        for (const struct flag_name *f = names; f->name; f++)
                if (f->value == value)
                        return f->name;
        return NULL;
}

void format_mode(char buf[static MODE_TEXT_MAX], uint64_t mode)
{
        snprintf(buf, MODE_TEXT_MAX, "%04o", (unsigned) (mode & 07777));
}

static bool ends_with_component(const char *s, size_t len, const char *name, size_t name_len)
{
        return name_len > 0 && name_len < len && s[len - name_len - 1] == '/' &&
               memcmp(s + len - name_len, name, name_len) == 0;
}

size_t format_cut_path(char *buf, const char *prefix, size_t prefix_len, const char *name, size_t name_len)
{
        const char *slash;
        size_t n;

        /* unrooted: "..." and a tail, which the name ends unless the tail was cut too */
        if (prefix_len > 0 && prefix[0] != '/' &&
            (name_len == 0 || ends_with_component(prefix, prefix_len, name, name_len))) {
                memcpy(buf, prefix, prefix_len);
                buf[prefix_len] = '\0';
                return prefix_len;
        }
        /* the last component may be cut anywhere: only whole ones are kept */
        slash = memrchr(prefix, '/', prefix_len);
        n = slash ? (size_t) (slash - prefix) : 0;
        memcpy(buf, prefix, n);
        if (n == 0 && (prefix_len == 0 || prefix[0] != '/')) {
                /* nothing rooted left: never make it look absolute */
                memcpy(buf, "...", 3);
                n = 3;
        } else {
                memcpy(buf + n, "/...", 4);
                n += 4;
        }
        if (name_len > 0) {
                buf[n++] = '/';
                memcpy(buf + n, name, name_len);
                n += name_len;
        }
        buf[n] = '\0';
        return n;
}
