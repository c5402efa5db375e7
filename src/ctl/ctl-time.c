/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ctl.h"
#include "shared/macro.h"

static int parse_relative(const char *s, uint64_t *ret_usec)
{
        static const struct { const char *suffix; uint64_t usec; } units[] = {
                { "s", 1000000ULL }, { "sec", 1000000ULL }, { "min", 60000000ULL }, { "m", 60000000ULL },
                { "h", 3600000000ULL }, { "d", 86400000000ULL }, { "w", 604800000000ULL },
        };
        unsigned long long v;
        char *end;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || v > 100000000ULL)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (streq(end, units[i].suffix)) {
                        *ret_usec = v * units[i].usec;
                        return 0;
                }
        return -EINVAL;
}

static uint64_t local_midnight_usec(uint64_t now_usec, int days_back)
{
        time_t t = (time_t) (now_usec / 1000000);
        struct tm tm;

        localtime_r(&t, &tm);
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        tm.tm_mday -= days_back;
        tm.tm_isdst = -1;
        return (uint64_t) mktime(&tm) * 1000000ULL;
}

int parse_time_spec(const char *s, uint64_t now_usec, uint64_t *ret_usec)
{
        static const char *const formats[] = { "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d" };
        uint64_t rel;
        size_t l = strlen(s);

        if (streq(s, "now")) {
                *ret_usec = now_usec;
                return 0;
        }
        if (streq(s, "today") || streq(s, "yesterday")) {
                *ret_usec = local_midnight_usec(now_usec, streq(s, "yesterday"));
                return 0;
        }
        if (s[0] == '@') {
                char *end;
                unsigned long long v;

                errno = 0;
                v = strtoull(s + 1, &end, 10);
                if (errno != 0 || end == s + 1 || *end || v > 253402300799ULL)
                        return -EINVAL;
                *ret_usec = v * 1000000ULL;
                return 0;
        }
        if (s[0] == '-' && parse_relative(s + 1, &rel) >= 0) {
                *ret_usec = rel > now_usec ? 0 : now_usec - rel;
                return 0;
        }
        if (l > 4 && streq(s + l - 4, " ago")) {
                char buf[64];

                if (l - 4 >= sizeof(buf))
                        return -EINVAL;
                memcpy(buf, s, l - 4);
                buf[l - 4] = 0;
                if (parse_relative(buf, &rel) < 0)
                        return -EINVAL;
                *ret_usec = rel > now_usec ? 0 : now_usec - rel;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(formats); i++) {
                struct tm tm = {};
                const char *end = strptime(s, formats[i], &tm);
                time_t t;

                if (!end || *end)
                        continue;
                tm.tm_isdst = -1;
                t = mktime(&tm);
                if (t < 0)
                        return -EINVAL;
                *ret_usec = (uint64_t) t * 1000000ULL;
                return 0;
        }
        return -EINVAL;
}
