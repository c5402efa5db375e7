/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "addr-class.h"
#include "shared/macro.h"

int net_address_parse(const char *s, struct net_address *ret)
{
        struct net_address a = {};

        if (!s)
                return -EINVAL;
        if (inet_pton(AF_INET, s, a.bytes) == 1)
                a.family = AF_INET;
        else if (inet_pton(AF_INET6, s, a.bytes) == 1)
                a.family = AF_INET6;
        else
                return -EINVAL;
        /* a dual-stack server's side of an IPv4 connection is v4-mapped (::ffff:127.0.0.1) while the
         * client's side is plain IPv4: one form, so that the two halves match */
        if (a.family == AF_INET6 && memcmp(a.bytes, (const uint8_t[12]) { [10] = 0xff, [11] = 0xff }, 12) == 0) {
                memmove(a.bytes, a.bytes + 12, 4);
                memset(a.bytes + 4, 0, 12);
                a.family = AF_INET;
        }
        *ret = a;
        return 0;
}

static const char *v4_class(const uint8_t *b)
{
        if (b[0] == 127)
                return "loopback";
        if (b[0] == 0)
                return "unspecified";
        if (b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
            (b[0] == 100 && (b[1] & 0xc0) == 64) || (b[0] == 169 && b[1] == 254))
                return "private";
        if ((b[0] & 0xf0) == 224)
                return "multicast";
        return "public";
}

const char *net_address_class(const struct net_address *a)
{
        static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };
        static const uint8_t zero[16] = {};
        const uint8_t *b = a->bytes;

        if (a->family == AF_INET)
                return v4_class(b);
        if (memcmp(b, v4_mapped, sizeof(v4_mapped)) == 0)
                return v4_class(b + 12);
        if (memcmp(b, zero, 15) == 0 && b[15] == 1)
                return "loopback";
        if (memcmp(b, zero, 16) == 0)
                return "unspecified";
        if ((b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80))
                return "private";
        if (b[0] == 0xff)
                return "multicast";
        return "public";
}

bool port_is_known_service(uint16_t port)
{
        static const uint16_t known[] = {
                1433, 1521, 1883, 2049, 2375, 2376, 2379, 2380, 3000, 3306, 3389, 4222, 5000, 5044,
                5432, 5601, 5672, 6379, 6443, 7000, 8000, 8080, 8081, 8443, 8500, 8883, 8888, 9000,
                9090, 9092, 9093, 9100, 9200, 9300, 9418, 9469, 10250, 11211, 15672, 27017,
        };

        for (size_t i = 0; i < ELEMENTSOF(known); i++)
                if (known[i] == port)
                        return true;
        return false;
}

const char *port_class(uint16_t port, char buf[static 8])
{
        if (port == 0 || (port >= 1024 && !port_is_known_service(port)))
                return "ephemeral";
        snprintf(buf, 8, "%u", port);
        return buf;
}
