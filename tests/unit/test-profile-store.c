/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The profile file with real files in a temporary directory: a round trip keeps everything; a
 * corrupted, truncated, empty, random or foreign-version file is rejected whole and can be set aside. */
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>
#include "profile/profile-store.h"

#define T0 UINT32_C(1800000000)

static char dir[] = "/tmp/test-profile-store.XXXXXX";

static struct profile_config config(void)
{
        struct profile_config c;

        profile_config_init_default(&c);
        c.max_profiles = 50;
        c.max_features = 64;
        return c;
}

static struct profile_set *sample_set(void)
{
        struct profile_config c = config();
        struct profile_set *s;
        char exe[64], obj[64];

        assert_int_equal(profile_set_new(&s, &c), 0);
        for (int i = 0; i < 20; i++) {
                struct profile *p;

                snprintf(exe, sizeof(exe), "/usr/bin/prog%d", i);
                p = profile_set_get(s, exe, i % 2 ? "unit:a.service" : "image:nginx:1.25", T0 + i, true);
                assert_non_null(p);
                p->instances = i;
                p->alerts = i / 3;
                if (i % 3 == 0)
                        profile_set_mode(p, PROFILE_DETECTING, T0 + i);
                profile_add_learning_score(p, i);
                for (int j = 0; j < i * 3; j++) {
                        struct feature f;
                        struct observation o;

                        snprintf(obj, sizeof(obj), "/data/file%c%d", 'a' + j % 26, j % 7);
                        feature_set(&f, j % 2 ? REL_READ : REL_WRITE, obj, strlen(obj));
                        assert_int_equal(profile_observe(s, p, &f, T0 + i + j * 7200, &o), 0);
                }
        }
        return s;
}

static void assert_sets_equal(const struct profile_set *a, const struct profile_set *b)
{
        const struct profile *p, *q;

        assert_int_equal(a->n_profiles, b->n_profiles);
        for (p = a->lru_head, q = b->lru_head; p && q; p = p->lru_next, q = q->lru_next) {
                assert_string_equal(p->exe, q->exe);
                assert_string_equal(p->scope, q->scope);
                assert_int_equal(p->subject, q->subject);
                assert_int_equal(p->mode, q->mode);
                assert_int_equal(p->instances, q->instances);
                assert_int_equal(p->alerts, q->alerts);
                assert_int_equal(p->created, q->created);
                assert_true(p->score_mean == q->score_mean);
                assert_int_equal(p->n_features, q->n_features);
                for (uint32_t i = 0; i < p->capacity; i++) {
                        const struct feature_slot *x = &p->slots[i], *y;

                        if (!x->key_day)
                                continue;
                        y = profile_lookup(q, feature_slot_key(x));
                        assert_non_null(y);
                        assert_int_equal(x->key_day, y->key_day);
                        assert_int_equal(x->count, y->count);
                        assert_int_equal(x->days, y->days);
                        assert_int_equal(x->state, y->state);
                        /* ages are kept in hours */
                        assert_true(x->last_seen - y->last_seen < 3600 + 1);
                        assert_string_equal(profile_set_feature_name(a, feature_slot_key(x)),
                                            profile_set_feature_name(b, feature_slot_key(x)));
                }
        }
}

static void write_file(const char *name, const void *data, size_t size)
{
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "w");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, size, f), size);
        fclose(f);
}

static void *read_file(size_t *size)
{
        char path[256];
        struct stat st;
        void *buf;
        FILE *f;

        snprintf(path, sizeof(path), "%s/" PROFILE_STORE_FILE, dir);
        assert_int_equal(stat(path, &st), 0);
        buf = malloc(st.st_size);
        f = fopen(path, "r");
        assert_int_equal(fread(buf, 1, st.st_size, f), st.st_size);
        fclose(f);
        *size = st.st_size;
        return buf;
}

static void test_round_trip(void **state)
{
        struct profile_config c = config();
        struct profile_set *s = sample_set(), *t = NULL;

        assert_true(profile_store_save(s, dir) > PROFILE_STORE_HEADER_SIZE);
        assert_int_equal(profile_store_load(dir, &c, &t), 0);
        assert_sets_equal(s, t);
        profile_set_free(t);

        /* an empty set too */
        profile_set_free(s);
        assert_int_equal(profile_set_new(&s, &c), 0);
        assert_true(profile_store_save(s, dir) > 0);
        assert_int_equal(profile_store_load(dir, &c, &t), 0);
        assert_int_equal(t->n_profiles, 0);
        profile_set_free(t);
        profile_set_free(s);
}

static void test_smaller_limits(void **state)
{
        struct profile_config c = config();
        struct profile_set *s = sample_set(), *t = NULL;

        assert_true(profile_store_save(s, dir) > 0);
        /* a configuration with fewer profiles and features keeps the most recently used */
        c.max_profiles = 5;
        c.max_features = 8;
        assert_int_equal(profile_store_load(dir, &c, &t), 0);
        assert_int_equal(t->n_profiles, 5);
        assert_string_equal(t->lru_head->exe, s->lru_head->exe);
        for (const struct profile *p = t->lru_head; p; p = p->lru_next)
                assert_true(p->n_features <= 8);
        profile_set_free(t);
        profile_set_free(s);
}

static void expect_rejected(const void *data, size_t size, int error)
{
        struct profile_config c = config();
        struct profile_set *t = NULL;
        char *aside = NULL;
        int r;

        write_file(PROFILE_STORE_FILE, data, size);
        r = profile_store_load(dir, &c, &t);
        assert_int_equal(r, error);
        assert_null(t);
        assert_int_equal(profile_store_set_aside(dir, 42, &aside), 0);
        assert_non_null(strstr(aside, "/profiles.bad-42"));
        assert_int_equal(access(aside, F_OK), 0);
        assert_int_equal(unlink(aside), 0);
        free(aside);
        assert_int_equal(profile_store_load(dir, &c, &t), -ENOENT);
}

static void test_damaged(void **state)
{
        struct profile_set *s = sample_set();
        uint8_t *good, *bad, random[4096];
        size_t size;
        uint64_t seed = 7;

        assert_true(profile_store_save(s, dir) > 0);
        profile_set_free(s);
        good = read_file(&size);
        bad = malloc(size);

        /* zero length, shorter than a header, truncated payload */
        expect_rejected("", 0, -EBADMSG);
        expect_rejected(good, 20, -EBADMSG);
        expect_rejected(good, size - 1, -EBADMSG);
        expect_rejected(good, size / 2, -EBADMSG);
        /* every byte flipped in turn (a sample of positions): never accepted, never a crash */
        for (size_t i = 0; i < size; i += 1 + size / 97) {
                memcpy(bad, good, size);
                bad[i] ^= 0x5a;
                write_file(PROFILE_STORE_FILE, bad, size);
                struct profile_config c = config();
                struct profile_set *t = NULL;
                int r = profile_store_load(dir, &c, &t);

                assert_true(r == -EBADMSG || r == -EPROTONOSUPPORT);
                assert_null(t);
        }
        /* random bytes, with and without our magic */
        for (size_t i = 0; i < sizeof(random); i++) {
                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                random[i] = seed >> 56;
        }
        expect_rejected(random, sizeof(random), -EBADMSG);
        memcpy(random, PROFILE_STORE_MAGIC, 8);
        expect_rejected(random, sizeof(random), -EBADMSG);
        /* a foreign version with a valid header checksum */
        memcpy(bad, good, size);
        bad[8] = 99;
        {
                uint32_t crc = crc32(0, bad, 28);

                for (int i = 0; i < 4; i++)
                        bad[28 + i] = crc >> (8 * i);
        }
        expect_rejected(bad, size, -EPROTONOSUPPORT);
        /* a valid envelope around a payload that lies about its counts */
        {
                const uint8_t payload[] = { 0, 1, 5, 1, 0 };    /* no names, one key, one profile cut short */
                uint8_t file[PROFILE_STORE_HEADER_SIZE + 64];
                uLongf zlen = 64;
                uint32_t crc;

                assert_int_equal(compress2(file + PROFILE_STORE_HEADER_SIZE, &zlen, payload, sizeof(payload), 6),
                                 Z_OK);
                memcpy(file, PROFILE_STORE_MAGIC, 8);
                memset(file + 8, 0, 24);
                file[8] = PROFILE_STORE_VERSION;
                file[16] = sizeof(payload);
                crc = crc32(0, payload, sizeof(payload));
                for (int i = 0; i < 4; i++)
                        file[24 + i] = crc >> (8 * i);
                crc = crc32(0, file, 28);
                for (int i = 0; i < 4; i++)
                        file[28 + i] = crc >> (8 * i);
                expect_rejected(file, PROFILE_STORE_HEADER_SIZE + zlen, -EBADMSG);
        }
        free(good);
        free(bad);
}

static void test_no_file(void **state)
{
        struct profile_config c = config();
        struct profile_set *t = NULL;

        assert_int_equal(profile_store_load(dir, &c, &t), -ENOENT);
        assert_int_equal(profile_store_set_aside(dir, 1, NULL), -ENOENT);
}

/* A save killed halfway leaves its temporary file; the next start removes it, not what was set aside. */
static void test_temporaries(void **state)
{
        char path[256];

        write_file("profiles.Ab3dE9", "x", 1);
        write_file("profiles.bad-1234", "x", 1);
        write_file("other", "x", 1);
        assert_int_equal(profile_store_remove_temporaries(dir), 1);
        snprintf(path, sizeof(path), "%s/profiles.Ab3dE9", dir);
        assert_int_equal(access(path, F_OK), -1);
        snprintf(path, sizeof(path), "%s/profiles.bad-1234", dir);
        assert_int_equal(unlink(path), 0);
        snprintf(path, sizeof(path), "%s/other", dir);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(profile_store_remove_temporaries("/nonexistent-dir"), -ENOENT);
}

static int setup(void **state)
{
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
        char path[256];

        snprintf(path, sizeof(path), "%s/" PROFILE_STORE_FILE, dir);
        (void) unlink(path);
        return rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_no_file),
                cmocka_unit_test(test_temporaries),
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_smaller_limits),
                cmocka_unit_test(test_damaged),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
