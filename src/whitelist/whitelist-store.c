/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "whitelist-store.h"
#include "shared/fileio.h"
#include "shared/hex.h"
#include "shared/strbuf.h"

#define N_FIELDS 18

static void put_escaped(struct strbuf *b, const char *s)
{
        if (!s || !*s) {
                strbuf_putc(b, '-');
                return;
        }
        if (streq(s, "-")) {
                strbuf_puts(b, "%2D");
                return;
        }
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;

                if (c <= ' ' || c == '%' || c == 0x7f)
                        strbuf_printf(b, "%%%02X", c);
                else
                        strbuf_putc(b, (char) c);
        }
}

static int put_entry(const struct whitelist_entry *e, void *userdata)
{
        struct strbuf *b = userdata;
        char hex[WHITELIST_SHA256_HEX];
        const struct whitelist_facts *f = &e->facts;

        /* known only from the fleet or the deny list: both are read again, nothing of ours to keep */
        if (e->executions == 0)
                return 0;
        whitelist_sha256_to_hex(e->sha256, hex);
        strbuf_printf(b, "%s\t%.4f\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu32 "\t%" PRIu32 "\t%" PRIu64 "\t%" PRIu32 "\t%" PRIu32
                      "\t%d\t%u\t%u\t%u\t%u\t%d\t%d\t", hex, e->confidence, e->first_seen_usec, e->last_seen_usec,
                      e->last_day, e->active_days, e->executions, e->alerts, e->incidents, e->malicious, f->package,
                      f->layer, f->kind, f->location, f->root_owned, f->stable);
        put_escaped(b, f->package_name);
        strbuf_putc(b, '\t');
        put_escaped(b, e->path);
        strbuf_putc(b, '\n');
        return b->oom ? -ENOMEM : 0;
}

int whitelist_store_encode(const struct whitelist *wl, char **ret, size_t *ret_size)
{
        struct strbuf b = {};
        int r;

        strbuf_puts(&b, WHITELIST_STORE_HEADER);
        r = whitelist_foreach(wl, put_entry, &b);
        if (r < 0 || b.oom) {
                strbuf_free(&b);
                return -ENOMEM;
        }
        *ret = b.data;
        *ret_size = b.len;
        return 0;
}

static int unescape(const char *s, size_t len, char *out, size_t size)
{
        size_t o = 0;

        if (len == 1 && s[0] == '-') {
                out[0] = 0;
                return 0;
        }
        for (size_t i = 0; i < len; i++) {
                char c = s[i];

                if (c == '%') {
                        unsigned v;

                        if (i + 2 >= len || unhex_char(s[i + 1]) < 0 || unhex_char(s[i + 2]) < 0)
                                return -EBADMSG;
                        v = (unsigned) (unhex_char(s[i + 1]) << 4 | unhex_char(s[i + 2]));
                        if (v == 0)
                                return -EBADMSG;
                        c = (char) v;
                        i += 2;
                } else if ((unsigned char) c <= ' ' || c == 0x7f)
                        return -EBADMSG;
                if (o + 1 >= size)
                        return -EBADMSG;
                out[o++] = c;
        }
        out[o] = 0;
        return 0;
}

static int parse_u64(const char *s, size_t len, uint64_t max, uint64_t *ret)
{
        uint64_t v = 0;

        if (len == 0 || len > 20)
                return -EBADMSG;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
                        return -EBADMSG;
                v = v * 10 + (uint64_t) (s[i] - '0');
        }
        if (v > max)
                return -EBADMSG;
        *ret = v;
        return 0;
}

static int parse_line(struct whitelist *wl, const char *s, size_t len)
{
        const char *f[N_FIELDS];
        size_t fl[N_FIELDS], n = 0, start = 0;
        uint64_t v[N_FIELDS] = {};
        static const uint64_t max[N_FIELDS] = {
                [2] = UINT64_MAX, [3] = UINT64_MAX, [4] = UINT32_MAX, [5] = UINT32_MAX, [6] = UINT64_MAX,
                [7] = UINT32_MAX, [8] = UINT32_MAX, [9] = 1, [10] = _WHITELIST_PACKAGE_MAX - 1,
                [11] = _WHITELIST_LAYER_MAX - 1, [12] = _WHITELIST_KIND_MAX - 1, [13] = 15, [14] = 1, [15] = 1,
        };
        uint8_t sha[WHITELIST_SHA256_SIZE];
        struct whitelist_entry *e;
        char conf[16], *end, path[4096], pkg[64] = {};
        double c;

        for (size_t i = 0; i <= len; i++)
                if (i == len || s[i] == '\t') {
                        if (n == N_FIELDS)
                                return -EBADMSG;
                        f[n] = s + start;
                        fl[n++] = i - start;
                        start = i + 1;
                }
        if (n != N_FIELDS || whitelist_sha256_from_hex(f[0], fl[0], sha) < 0 || fl[1] == 0 || fl[1] >= sizeof(conf))
                return -EBADMSG;
        memcpy(conf, f[1], fl[1]);
        conf[fl[1]] = 0;
        errno = 0;
        c = strtod(conf, &end);
        if (errno || *end || conf[0] == '-' || conf[0] == '+' || !(c >= 0 && c <= 1))
                return -EBADMSG;
        for (size_t i = 2; i < 16; i++)
                if (parse_u64(f[i], fl[i], max[i], &v[i]) < 0)
                        return -EBADMSG;
        if (v[2] > v[3] || v[5] == 0 || v[6] == 0 || v[5] > v[6] ||
            unescape(f[16], fl[16], pkg, sizeof(pkg)) < 0 || unescape(f[17], fl[17], path, sizeof(path)) < 0)
                return -EBADMSG;
        if (whitelist_get(wl, sha))
                return -EBADMSG;        /* twice */
        if (whitelist_size(wl) >= whitelist_max_entries(wl))
                return -E2BIG;
        e = whitelist_ensure(wl, sha);
        if (!e || (path[0] && !(e->path = strdup(path))))
                return -ENOMEM;
        e->confidence = c;
        e->first_seen_usec = v[2];
        e->last_seen_usec = v[3];
        e->last_day = (uint32_t) v[4];
        e->active_days = (uint32_t) v[5];
        e->executions = v[6];
        e->alerts = (uint32_t) v[7];
        e->incidents = (uint32_t) v[8];
        e->malicious = v[9];
        e->facts = (struct whitelist_facts) {
                .package = (uint8_t) v[10], .layer = (uint8_t) v[11], .kind = (uint8_t) v[12],
                .location = (uint8_t) v[13], .root_owned = v[14], .stable = v[15],
        };
        memcpy(e->facts.package_name, pkg, sizeof(pkg));
        return 0;
}

int whitelist_store_decode(struct whitelist *wl, const char *text, size_t size, size_t *ret_line)
{
        size_t hl = strlen(WHITELIST_STORE_HEADER), line = 1;

        *ret_line = 1;
        if (size > WHITELIST_STORE_MAX_BYTES || size < hl || memcmp(text, WHITELIST_STORE_HEADER, hl) != 0)
                return -EBADMSG;
        for (size_t pos = hl; pos < size;) {
                const char *s = text + pos, *nl = memchr(s, '\n', size - pos);
                int r;

                line++;
                if (!nl) {
                        *ret_line = line;
                        return -EBADMSG;        /* truncated */
                }
                r = parse_line(wl, s, (size_t) (nl - s));
                if (r < 0) {
                        *ret_line = line;
                        return r;
                }
                pos += (size_t) (nl - s) + 1;
        }
        return 0;
}

int64_t whitelist_store_save(const struct whitelist *wl, const char *dir)
{
        _cleanup_free_ char *text = NULL, *path = NULL;
        size_t size;
        int r;

        r = whitelist_store_encode(wl, &text, &size);
        if (r < 0)
                return r;
        if (asprintf(&path, "%s/%s", dir, WHITELIST_STORE_FILE) < 0)
                return -ENOMEM;
        (void) mkdir(dir, 0700);
        r = write_file_atomic(path, text, size, 0600);
        return r < 0 ? r : (int64_t) size;
}

int whitelist_store_load(struct whitelist *wl, const char *dir, size_t *ret_line)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        size_t len;
        int r;

        *ret_line = 0;
        if (asprintf(&path, "%s/%s", dir, WHITELIST_STORE_FILE) < 0)
                return -ENOMEM;
        r = read_file_at(AT_FDCWD, path, WHITELIST_STORE_MAX_BYTES, &text, &len);
        if (r < 0)
                return r == -EBADFD || r == -EFBIG ? -EBADMSG : r;
        return whitelist_store_decode(wl, text, len, ret_line);
}
