/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#include "profile-store.h"
#include "shared/fileio.h"
#include "shared/strbuf.h"

/* ---- encoding ---- */

static void put_varint(struct strbuf *b, uint64_t v)
{
        char buf[10];
        size_t n = 0;

        do {
                buf[n] = (char) (v & 0x7f);
                v >>= 7;
                if (v)
                        buf[n] |= (char) 0x80;
                n++;
        } while (v);
        strbuf_put(b, buf, n);
}

static void put_string(struct strbuf *b, const char *s)
{
        size_t l = strlen(s);

        put_varint(b, l);
        strbuf_put(b, s, l);
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

static int cmp_slot_key(const void *a, const void *b)
{
        uint64_t x = feature_slot_key(a), y = feature_slot_key(b);

        return x < y ? -1 : x > y;
}

/* Index of key in the sorted keys. */
static size_t key_index(const uint64_t *keys, size_t n, uint64_t key)
{
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (keys[mid] < key)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

static void put_le32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
        for (int i = 0; i < 8; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
        return (uint64_t) get_le32(p) | (uint64_t) get_le32(p + 4) << 32;
}

static uint32_t float_bits(float f)
{
        uint32_t u;

        memcpy(&u, &f, sizeof(u));
        return u;
}

static float bits_float(uint32_t u)
{
        float f;

        memcpy(&f, &u, sizeof(f));
        return f;
}

/* The profiles' features, sorted by key per profile, in one array (the order of the payload). */
static int encode_payload(const struct profile_set *s, struct strbuf *b)
{
        _cleanup_free_ uint64_t *keys = NULL;
        _cleanup_free_ struct feature_slot *all = NULL;
        size_t n_all = 0, n_keys = 0, pos = 0, k = 0;
        uint64_t key;
        void *v;

        for (const struct profile *p = s->lru_head; p; p = p->lru_next)
                n_all += p->n_features;
        all = malloc((n_all ?: 1) * sizeof(*all));
        keys = malloc((n_all ?: 1) * sizeof(*keys));
        if (!all || !keys)
                return -ENOMEM;
        for (const struct profile *p = s->lru_head; p; p = p->lru_next) {
                size_t start = k;

                for (uint32_t i = 0; i < p->capacity; i++)
                        if (p->slots[i].key_day) {
                                keys[k] = feature_slot_key(&p->slots[i]);
                                all[k++] = p->slots[i];
                        }
                qsort(all + start, k - start, sizeof(*all), cmp_slot_key);
        }
        qsort(keys, n_all, sizeof(*keys), cmp_u64);
        for (size_t i = 0; i < n_all; i++)
                if (n_keys == 0 || keys[n_keys - 1] != keys[i])
                        keys[n_keys++] = keys[i];

        put_varint(b, s->names.n);
        while (u64map_next(&s->names, &pos, &key, &v)) {
                put_varint(b, key);
                put_string(b, v);
        }
        put_varint(b, n_keys);
        for (size_t i = 0; i < n_keys; i++)
                put_varint(b, i == 0 ? keys[0] : keys[i] - keys[i - 1]);
        put_varint(b, s->n_profiles);
        for (const struct profile *p = s->lru_head; p; p = p->lru_next) {
                put_string(b, p->exe);
                put_string(b, p->scope);
                put_varint(b, p->mode);
                put_varint(b, p->created);
                put_varint(b, p->last_seen);
                put_varint(b, p->last_new);
                put_varint(b, p->instances);
                put_varint(b, p->alerts);
                put_varint(b, p->decay_day);
                put_varint(b, float_bits(p->score_mean));
                put_varint(b, float_bits(p->score_var));
                put_varint(b, p->n_features);
        }
        /* column by column: similar small numbers next to each other compress best */
        k = 0;
        for (const struct profile *p = s->lru_head; p; p = p->lru_next) {
                size_t prev = 0;

                for (uint32_t i = 0; i < p->n_features; i++) {
                        size_t idx = key_index(keys, n_keys, feature_slot_key(&all[k + i]));

                        put_varint(b, i == 0 ? idx : idx - prev);
                        prev = idx;
                }
                k += p->n_features;
        }
        k = 0;
        for (const struct profile *p = s->lru_head; p; p = p->lru_next)
                for (uint32_t i = 0; i < p->n_features; i++, k++)
                        put_varint(b, (uint16_t) (feature_slot_first_day(&all[k]) - profile_day(p->created)));
        k = 0;
        for (const struct profile *p = s->lru_head; p; p = p->lru_next)
                for (uint32_t i = 0; i < p->n_features; i++, k++)
                        put_varint(b, all[k].last_seen >= p->last_seen ? 0
                                                                        : (p->last_seen - all[k].last_seen) / 3600);
        k = 0;
        for (const struct profile *p = s->lru_head; p; p = p->lru_next)
                for (uint32_t i = 0; i < p->n_features; i++, k++)
                        put_varint(b, all[k].count);
        k = 0;
        for (const struct profile *p = s->lru_head; p; p = p->lru_next)
                for (uint32_t i = 0; i < p->n_features; i++, k++)
                        put_varint(b, (uint64_t) all[k].days << 2 | all[k].state);
        return b->oom ? -ENOMEM : 0;
}

int profile_store_encode(const struct profile_set *s, void **ret, size_t *ret_size)
{
        struct strbuf raw = {};
        uLongf zlen;
        uint8_t *out;
        int r;

        r = encode_payload(s, &raw);
        if (r < 0 || raw.len > PROFILE_STORE_MAX_RAW) {
                strbuf_free(&raw);
                return r < 0 ? r : -E2BIG;
        }
        zlen = compressBound(raw.len);
        out = malloc(PROFILE_STORE_HEADER_SIZE + zlen);
        if (!out) {
                strbuf_free(&raw);
                return -ENOMEM;
        }
        if (compress2(out + PROFILE_STORE_HEADER_SIZE, &zlen, (const Bytef *) (raw.data ?: ""), raw.len, 6) !=
            Z_OK) {
                strbuf_free(&raw);
                free(out);
                return -EIO;
        }
        memcpy(out, PROFILE_STORE_MAGIC, 8);
        put_le32(out + 8, PROFILE_STORE_VERSION);
        put_le32(out + 12, 0);
        put_le64(out + 16, raw.len);
        put_le32(out + 24, (uint32_t) crc32(0, (const Bytef *) (raw.data ?: ""), raw.len));
        put_le32(out + 28, (uint32_t) crc32(0, out, 28));
        strbuf_free(&raw);
        *ret = out;
        *ret_size = PROFILE_STORE_HEADER_SIZE + zlen;
        return 0;
}

/* ---- decoding: every length is checked against what is left ---- */

struct reader {
        const uint8_t *p, *end;
        bool bad;
};

static uint64_t get_varint(struct reader *r)
{
        uint64_t v = 0;

        for (unsigned shift = 0; shift < 64; shift += 7) {
                uint8_t c;

                if (r->p >= r->end) {
                        r->bad = true;
                        return 0;
                }
                c = *r->p++;
                v |= (uint64_t) (c & 0x7f) << shift;
                if (!(c & 0x80))
                        return v;
        }
        r->bad = true;
        return 0;
}

/* A varint that must not exceed max. */
static uint64_t get_bounded(struct reader *r, uint64_t max)
{
        uint64_t v = get_varint(r);

        if (v > max)
                r->bad = true;
        return r->bad ? 0 : v;
}

static char *get_string(struct reader *r)
{
        uint64_t l = get_bounded(r, 4096);
        char *s;

        if (r->bad || (uint64_t) (r->end - r->p) < l || memchr(r->p, 0, l)) {
                r->bad = true;
                return NULL;
        }
        s = strndup((const char *) r->p, l);
        if (!s)
                r->bad = true;
        r->p += l;
        return s;
}

static int decode_payload(struct reader *r, struct profile_set *s)
{
        _cleanup_free_ uint64_t *keys = NULL;
        _cleanup_free_ struct profile **profiles = NULL;
        _cleanup_free_ uint32_t *wanted = NULL;
        uint64_t n_names, n_keys, n_profiles;
        size_t n_adopted = 0;
        uint64_t sum_wanted = 0;
        int ret = 0;

        n_names = get_bounded(r, PROFILE_MAX_NAMES * 4);
        for (uint64_t i = 0; i < n_names && !r->bad; i++) {
                uint64_t key = get_bounded(r, FEATURE_KEY_MASK);
                _cleanup_free_ char *name = get_string(r);

                if (!r->bad && key != 0)
                        (void) profile_set_add_name(s, key, name);
        }
        n_keys = get_bounded(r, (uint64_t) (r->end - r->p));
        if (r->bad)
                return -EBADMSG;
        keys = malloc((n_keys ?: 1) * sizeof(*keys));
        if (!keys)
                return -ENOMEM;
        for (uint64_t i = 0; i < n_keys && !r->bad; i++) {
                uint64_t d = get_varint(r);

                keys[i] = i == 0 ? d : keys[i - 1] + d;
                if ((i > 0 && d == 0) || keys[i] == 0 || keys[i] > FEATURE_KEY_MASK)
                        r->bad = true;
        }
        n_profiles = get_bounded(r, (uint64_t) (r->end - r->p));
        if (r->bad)
                return -EBADMSG;
        profiles = calloc(n_profiles ?: 1, sizeof(*profiles));
        wanted = calloc(n_profiles ?: 1, sizeof(*wanted));
        if (!profiles || !wanted)
                return -ENOMEM;
        for (uint64_t i = 0; i < n_profiles && !r->bad; i++) {
                struct profile *p = calloc(1, sizeof(*p));

                if (!p) {
                        ret = -ENOMEM;
                        break;
                }
                profiles[i] = p;
                p->exe = get_string(r);
                p->scope = get_string(r);
                p->mode = get_bounded(r, _PROFILE_MODE_MAX - 1);
                p->created = get_bounded(r, UINT32_MAX);
                p->last_seen = get_bounded(r, UINT32_MAX);
                p->last_new = get_bounded(r, UINT32_MAX);
                p->instances = get_bounded(r, UINT32_MAX);
                p->alerts = get_bounded(r, UINT32_MAX);
                p->decay_day = get_bounded(r, UINT16_MAX);
                p->score_mean = bits_float(get_bounded(r, UINT32_MAX));
                p->score_var = bits_float(get_bounded(r, UINT32_MAX));
                wanted[i] = get_bounded(r, 4096);
                sum_wanted += wanted[i];
                /* each feature takes at least 5 bytes of the columns: no allocation beyond the file */
                if (sum_wanted * 5 > (uint64_t) (r->end - r->p))
                        r->bad = true;
                if (r->bad)
                        break;
                if (!(p->score_mean >= 0 && p->score_mean < 1e9) || !(p->score_var >= 0 && p->score_var < 1e18))
                        r->bad = true;
                p->subject = profile_subject_key(p->exe, p->scope);
                p->varied = profile_exe_is_varied(p->exe);
                p->capacity = wanted[i] == 0 ? 0 : MAX(8u, wanted[i] + wanted[i] / 8 + 1);
                if (p->capacity > 0 && !(p->slots = calloc(p->capacity, sizeof(*p->slots))))
                        ret = -ENOMEM;
        }
        /* the columns */
        for (int col = 0; col < 5 && !r->bad && ret == 0; col++)
                for (uint64_t i = 0; i < n_profiles && !r->bad; i++) {
                        struct profile *p = profiles[i];
                        uint64_t idx = 0;

                        for (uint32_t j = 0; j < wanted[i] && !r->bad; j++) {
                                /* the slots are filled in order first, hashed in place at the end */
                                struct feature_slot *a = &p->slots[j];
                                uint64_t v;

                                switch (col) {
                                case 0:
                                        v = get_varint(r);
                                        if (j > 0 && v == 0)
                                                r->bad = true;
                                        idx = j == 0 ? v : idx + v;
                                        if (idx >= n_keys)
                                                r->bad = true;
                                        else
                                                a->key_day = keys[idx];
                                        break;
                                case 1:
                                        v = get_bounded(r, UINT16_MAX);
                                        a->key_day |= (uint64_t) (uint16_t) (profile_day(p->created) + v)
                                                      << FEATURE_KEY_BITS;
                                        break;
                                case 2:
                                        v = get_bounded(r, UINT32_MAX / 3600);
                                        a->last_seen = p->last_seen - MIN((uint64_t) p->last_seen, v * 3600);
                                        break;
                                case 3:
                                        a->count = get_bounded(r, FEATURE_COUNT_MAX);
                                        if (a->count == 0)
                                                r->bad = true;
                                        break;
                                case 4:
                                        v = get_bounded(r, 0x3ff);
                                        a->days = v >> 2;
                                        a->state = v & 3;
                                        if (a->state != FEATURE_LEARNED && a->state != FEATURE_CANDIDATE)
                                                r->bad = true;
                                        break;
                                }
                        }
                }
        if (ret == 0 && !r->bad && r->p != r->end)
                r->bad = true;
        if (ret == 0 && r->bad)
                ret = -EBADMSG;
        /* the profiles: their tables hashed, then adopted into the set (the first max_profiles) */
        for (uint64_t i = 0; i < n_profiles; i++) {
                struct profile *p = profiles[i];
                struct feature_slot *filled;
                uint32_t keep;

                if (!p)
                        continue;
                if (ret < 0 || n_adopted >= s->config.max_profiles) {
                        free(p->exe);
                        free(p->scope);
                        free(p->slots);
                        free(p);
                        continue;
                }
                keep = MIN(wanted[i], s->config.max_features);
                filled = p->slots;
                p->slots = NULL;
                p->capacity = 0;
                p->n_features = 0;
                if (keep > 0) {
                        p->capacity = MAX(8u, keep + keep / 8 + 1);
                        p->slots = calloc(p->capacity, sizeof(*p->slots));
                        if (!p->slots)
                                ret = -ENOMEM;
                }
                for (uint32_t j = 0; j < keep && ret == 0; j++) {
                        const struct feature_slot *slot = profile_lookup(p, feature_slot_key(&filled[j]));
                        uint32_t h;

                        if (slot) {
                                ret = -EBADMSG;         /* a key twice */
                                break;
                        }
                        h = (uint32_t) ((feature_slot_key(&filled[j]) * p->capacity) >> FEATURE_KEY_BITS);
                        while (p->slots[h].key_day)
                                h = h + 1 == p->capacity ? 0 : h + 1;
                        p->slots[h] = filled[j];
                        p->n_features++;
                }
                free(filled);
                if (ret == 0)
                        ret = profile_set_adopt(s, p);
                if (ret < 0) {
                        free(p->exe);
                        free(p->scope);
                        free(p->slots);
                        free(p);
                        if (ret == -E2BIG)
                                ret = 0;
                        continue;
                }
                n_adopted++;
        }
        return ret;
}

int profile_store_decode(const void *buf, size_t size, const struct profile_config *config, struct profile_set **ret)
{
        _cleanup_(profile_set_freep) struct profile_set *s = NULL;
        _cleanup_free_ uint8_t *raw = NULL;
        const uint8_t *h = buf;
        uint64_t raw_len;
        uLongf got;
        struct reader rd;
        int r;

        if (size < PROFILE_STORE_HEADER_SIZE || memcmp(h, PROFILE_STORE_MAGIC, 8) != 0)
                return -EBADMSG;
        if (get_le32(h + 28) != (uint32_t) crc32(0, h, 28))
                return -EBADMSG;
        if (get_le32(h + 8) != PROFILE_STORE_VERSION)
                return -EPROTONOSUPPORT;
        raw_len = get_le64(h + 16);
        if (raw_len > PROFILE_STORE_MAX_RAW || get_le32(h + 12) != 0)
                return -EBADMSG;
        raw = malloc(raw_len ?: 1);
        if (!raw)
                return -ENOMEM;
        got = raw_len;
        if (uncompress(raw, &got, h + PROFILE_STORE_HEADER_SIZE, size - PROFILE_STORE_HEADER_SIZE) != Z_OK ||
            got != raw_len || get_le32(h + 24) != (uint32_t) crc32(0, raw, raw_len))
                return -EBADMSG;
        r = profile_set_new(&s, config);
        if (r < 0)
                return r;
        rd = (struct reader) { .p = raw, .end = raw + raw_len };
        r = decode_payload(&rd, s);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

static char *store_path(const char *dir, const char *suffix)
{
        char *p;

        return asprintf(&p, "%s/%s%s", dir, PROFILE_STORE_FILE, suffix) < 0 ? NULL : p;
}

int64_t profile_store_save(const struct profile_set *s, const char *dir)
{
        _cleanup_free_ char *path = store_path(dir, "");
        _cleanup_free_ void *buf = NULL;
        size_t size;
        int r;

        if (!path)
                return -ENOMEM;
        r = profile_store_encode(s, &buf, &size);
        if (r < 0)
                return r;
        (void) mkdir(dir, 0700);
        r = write_file_atomic(path, buf, size, 0600);
        return r < 0 ? r : (int64_t) size;
}

int profile_store_load(const char *dir, const struct profile_config *config, struct profile_set **ret)
{
        _cleanup_free_ char *path = store_path(dir, "");
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        size_t done = 0;

        if (!path)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || (uint64_t) st.st_size > PROFILE_STORE_MAX_RAW)
                return -EBADMSG;
        buf = malloc(st.st_size ?: 1);
        if (!buf)
                return -ENOMEM;
        while (done < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + done, st.st_size - done);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                done += k;
        }
        return profile_store_decode(buf, done, config, ret);
}

int profile_store_set_aside(const char *dir, uint64_t now, char **ret_name)
{
        _cleanup_free_ char *path = store_path(dir, ""), *bad = NULL;

        if (!path || asprintf(&bad, "%s.bad-%" PRIu64, path, now) < 0)
                return -ENOMEM;
        if (rename(path, bad) < 0)
                return -errno;
        if (ret_name)
                *ret_name = TAKE_PTR(bad);
        return 0;
}

int profile_store_remove_temporaries(const char *dir)
{
        static const char prefix[] = PROFILE_STORE_FILE ".";
        DIR *d = opendir(dir);
        struct dirent *de;
        int n = 0;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                const char *tail = de->d_name + strlen(prefix);

                /* mkostemp's six characters: never "bad-..." files set aside */
                if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 || strlen(tail) != 6 || strchr(tail, '-'))
                        continue;
                if (unlinkat(dirfd(d), de->d_name, 0) >= 0)
                        n++;
        }
        closedir(d);
        return n;
}
