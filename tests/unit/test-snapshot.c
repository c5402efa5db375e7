/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whitelist snapshots with real keys and files: a round trip keeps every field; each kind of bad
 * snapshot is rejected with its own reason and message, and nothing of it is returned; the host key
 * is made once (0600) and read back; trusted-host files and the peer serials parse or fail clearly. */
#include <errno.h>
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
#include "shared/fileio.h"
#include "snapshot/host-key.h"
#include "snapshot/peer-state.h"
#include "snapshot/snapshot-export.h"
#include "snapshot/snapshot-import.h"
#include "snapshot/trusted-hosts.h"

#define NOW UINT64_C(1800000000)

static const uint8_t id_a[16] = { 0xa1, 1, 2, 3 }, id_b[16] = { 0xb2, 1, 2, 3 }, id_self[16] = { 0xcc };
static struct host_key key_a, key_b, key_stranger;
static struct trusted_hosts trusted;

static int setup(void **state)
{
        assert_int_equal(ed25519_generate(key_a.secret, key_a.public_key), 0);
        assert_int_equal(ed25519_generate(key_b.secret, key_b.public_key), 0);
        assert_int_equal(ed25519_generate(key_stranger.secret, key_stranger.public_key), 0);
        trusted.n = 2;
        trusted.hosts = calloc(2, sizeof(struct trusted_host));
        trusted.hosts[0] = (struct trusted_host) { .name = strdup("alpha"), .weight = 1 };
        memcpy(trusted.hosts[0].host_id, id_a, 16);
        memcpy(trusted.hosts[0].key, key_a.public_key, 32);
        trusted.hosts[1] = (struct trusted_host) { .name = strdup("beta"), .weight = 1.5 };
        memcpy(trusted.hosts[1].host_id, id_b, 16);
        memcpy(trusted.hosts[1].key, key_b.public_key, 32);
        return 0;
}

static int teardown(void **state)
{
        trusted_hosts_done(&trusted);
        return 0;
}

static void make_entries(struct snapshot_entry *e, size_t n, uint32_t seed)
{
        for (size_t i = 0; i < n; i++) {
                memset(&e[i], 0, sizeof(e[i]));
                for (int j = 0; j < 32; j++)
                        e[i].sha256[j] = (uint8_t) ((i * 2654435761u + seed) >> (j % 4 * 8)) ^ (uint8_t) j;
                e[i].sha256[0] = (uint8_t) i;
                e[i].sha256[1] = (uint8_t) (i >> 8);
                e[i].confidence = (uint32_t) (i * 9973 % (SNAPSHOT_CONFIDENCE_ONE + 1));
                e[i].first_seen = NOW - i * 100;
                e[i].active_days = (uint32_t) i % 40;
                e[i].incidents = (uint32_t) i % 3;
                e[i].executions = i * 1000003;
                e[i].flags = i % 17 == 5 ? SNAPSHOT_ENTRY_MALICIOUS : 0;
        }
}

static void build(const struct host_key *k, const uint8_t id[16], uint64_t serial, uint64_t created, size_t n,
                  void **buf, size_t *size)
{
        struct snapshot_entry *e = calloc(n ?: 1, sizeof(*e));

        make_entries(e, n, (uint32_t) serial);
        assert_int_equal(snapshot_export(k, id, serial, created, e, n, buf, size), 0);
        free(e);
}

static int import(const struct peer_state *peers, const void *buf, size_t size, struct snapshot_verdict *v)
{
        struct snapshot_import_context c = { .trusted = &trusted, .peers = peers, .own_host_id = id_self,
                                             .now = NOW, .max_skew = SNAPSHOT_DEFAULT_MAX_SKEW };
        struct snapshot *s = (struct snapshot *) 1;
        int r = snapshot_import(&c, buf, size, "test", &s, v);

        if (r < 0)
                assert_null(s);         /* nothing of a rejected snapshot */
        else
                snapshot_free(s);
        return r;
}

static void expect_rejection(const struct peer_state *peers, const void *buf, size_t size,
                             enum snapshot_rejection reason, const char *words)
{
        struct snapshot_verdict v;

        assert_int_equal(import(peers, buf, size, &v), -EBADMSG);
        if (v.reason != reason || !strstr(v.message, words)) {
                print_error("expected %s with \"%s\", got %s: %s\n", snapshot_rejection_to_string(reason), words,
                            snapshot_rejection_to_string(v.reason), v.message);
                fail();
        }
}

static void test_round_trip(void **state)
{
        struct snapshot_import_context c = { .trusted = &trusted, .now = NOW, .max_skew = 300 };
        struct snapshot_entry e[300];
        struct snapshot_verdict v;
        struct snapshot *s;
        void *buf;
        size_t size;

        make_entries(e, 300, 7);
        /* given unsorted, with a repeat: the export sorts and drops it */
        e[299] = e[3];
        e[299].confidence = 42;
        assert_int_equal(snapshot_export(&key_b, id_b, 5, NOW - 10, e, 300, &buf, &size), 0);
        assert_int_equal(snapshot_import(&c, buf, size, "test", &s, &v), 0);
        assert_ptr_equal(v.host, &trusted.hosts[1]);
        assert_int_equal(s->header.count, 299);
        assert_int_equal(s->header.serial, 5);
        assert_int_equal(s->header.created, NOW - 10);
        assert_memory_equal(s->header.host_id, id_b, 16);
        for (uint32_t i = 0; i < s->header.count; i++) {
                assert_memory_equal(&s->entries[i], &e[i], sizeof(e[i]));
                if (i > 0)
                        assert_true(memcmp(s->entries[i - 1].sha256, s->entries[i].sha256, 32) < 0);
        }
        assert_non_null(strstr(v.message, "host beta"));
        snapshot_free(s);
        free(buf);
}

static void test_rejections(void **state)
{
        struct peer_state peers = {};
        uint8_t *buf, *copy;
        void *other;
        size_t size, other_size;

        build(&key_a, id_a, 100, NOW, 500, (void **) &buf, &size);
        copy = malloc(size + 10);

        /* one byte flipped, in the entries, in the header's serial, in the signature */
        for (size_t off = size / 2; off < size; off = off == size / 2 ? SNAPSHOT_OFF_SERIAL + 3 : size) {
                memcpy(copy, buf, size);
                copy[off] ^= 0x01;
                expect_rejection(NULL, copy, size, SNAPSHOT_REJECT_BAD_SIGNATURE, "host alpha");
        }
        memcpy(copy, buf, size);
        copy[size - 1] ^= 0x80;
        expect_rejection(NULL, copy, size, SNAPSHOT_REJECT_BAD_SIGNATURE, "signature does not verify");

        /* truncated anywhere, and data after the end */
        expect_rejection(NULL, buf, size - 1, SNAPSHOT_REJECT_TRUNCATED, "truncated");
        expect_rejection(NULL, buf, size / 3, SNAPSHOT_REJECT_TRUNCATED, "truncated");
        expect_rejection(NULL, buf, 50, SNAPSHOT_REJECT_TRUNCATED, "less than a header");
        expect_rejection(NULL, buf, 3, SNAPSHOT_REJECT_TRUNCATED, "not even a header");
        expect_rejection(NULL, buf, 0, SNAPSHOT_REJECT_TRUNCATED, "truncated");
        memcpy(copy, buf, size);
        memset(copy + size, 0, 10);
        expect_rejection(NULL, copy, size + 10, SNAPSHOT_REJECT_TRAILING_DATA, "10 bytes after");
        memcpy(copy, buf, size);
        copy[0] = 'X';
        expect_rejection(NULL, copy, size, SNAPSHOT_REJECT_NOT_SNAPSHOT, "not a cwatch snapshot");

        /* an unknown key, claiming a trusted host's id */
        build(&key_stranger, id_a, 100, NOW, 5, &other, &other_size);
        expect_rejection(NULL, other, other_size, SNAPSHOT_REJECT_UNKNOWN_KEY, "unknown key");
        free(other);
        /* a trusted key claiming another host's id */
        build(&key_a, id_b, 100, NOW, 5, &other, &other_size);
        expect_rejection(NULL, other, other_size, SNAPSHOT_REJECT_HOST_MISMATCH, "host alpha");
        free(other);
        /* this host's own, by its key (no host trusts itself) */
        {
                struct snapshot_import_context c = { .trusted = &trusted, .own_key = key_stranger.public_key,
                                                     .now = NOW, .max_skew = 300 };
                struct snapshot_verdict v;
                struct snapshot *s = NULL;

                build(&key_stranger, id_self, 100, NOW, 5, &other, &other_size);
                assert_int_equal(snapshot_import(&c, other, other_size, "test", &s, &v), -EBADMSG);
                assert_null(s);
                assert_int_equal(v.reason, SNAPSHOT_REJECT_OWN);
                free(other);
        }
        /* this host's own, by its id */
        memcpy(trusted.hosts[0].host_id, id_self, 16);
        build(&key_a, id_self, 100, NOW, 5, &other, &other_size);
        expect_rejection(NULL, other, other_size, SNAPSHOT_REJECT_OWN, "own snapshot");
        free(other);
        memcpy(trusted.hosts[0].host_id, id_a, 16);

        /* replay and rollback: the same serial and an older one after 100 was accepted */
        assert_int_equal(peer_state_set(&peers, id_a, 100), 0);
        expect_rejection(&peers, buf, size, SNAPSHOT_REJECT_REPLAY, "serial 100 is not newer than the last one "
                                                                    "accepted (100)");
        build(&key_a, id_a, 99, NOW, 5, &other, &other_size);
        expect_rejection(&peers, other, other_size, SNAPSHOT_REJECT_REPLAY, "replay");
        free(other);
        build(&key_a, id_a, 101, NOW, 5, &other, &other_size);
        struct snapshot_verdict v;
        assert_int_equal(import(&peers, other, other_size, &v), 0);
        free(other);

        /* the future: beyond the skew allowed, and just within */
        build(&key_a, id_a, 200, NOW + 3600, 5, &other, &other_size);
        expect_rejection(NULL, other, other_size, SNAPSHOT_REJECT_FUTURE, "3600 s in the future");
        free(other);
        build(&key_a, id_a, 200, NOW + 299, 5, &other, &other_size);
        assert_int_equal(import(NULL, other, other_size, &v), 0);
        free(other);

        peer_state_done(&peers);
        free(copy);
        free(buf);
}

/* A validly signed file around any payload. */
static void forge(const struct host_key *k, uint32_t version, uint32_t count, const void *payload, size_t len,
                  void **buf, size_t *size)
{
        struct snapshot_header h = { .version = version, .serial = 10, .created = NOW, .count = count };

        memcpy(h.key, k->public_key, 32);
        memcpy(h.host_id, id_a, 16);
        assert_int_equal(snapshot_encode_raw(&h, payload, len, buf, size), 0);
        assert_int_equal(snapshot_sign(k, *buf, *size), 0);
}

static void test_payload_rejections(void **state)
{
        size_t big = 64 << 20;
        uint8_t *zeros = calloc(1, big);
        uint8_t entries[3 * SNAPSHOT_ENTRY_SIZE] = {};
        struct snapshot_entry e = { .confidence = 1 };
        void *buf;
        size_t size;

        /* 64 MiB of zeros claimed as 10 entries: about 64 KiB on the wire */
        forge(&key_a, SNAPSHOT_VERSION, 10, zeros, big, &buf, &size);
        assert_true(size < 128 * 1024);
        expect_rejection(NULL, buf, size, SNAPSHOT_REJECT_BOMB, "decompression bomb");
        free(buf);
        /* a count above the limit: rejected before anything is allocated for it */
        forge(&key_a, SNAPSHOT_VERSION, SNAPSHOT_MAX_ENTRIES + 1, zeros, 64, &buf, &size);
        expect_rejection(NULL, buf, size, SNAPSHOT_REJECT_TOO_MANY_ENTRIES, "more than the limit");
        free(buf);
        /* fewer bytes than the count says */
        forge(&key_a, SNAPSHOT_VERSION, 10, zeros, 9 * SNAPSHOT_ENTRY_SIZE, &buf, &size);
        expect_rejection(NULL, buf, size, SNAPSHOT_REJECT_BAD_PAYLOAD, "the header's 10 entries take 640");
        free(buf);
        forge(&key_a, 2, 0, zeros, 0, &buf, &size);
        expect_rejection(NULL, buf, size, SNAPSHOT_REJECT_VERSION, "format version 2");
        free(buf);
        /* entries out of order, repeated, confidence above 1, unknown flags */
        for (int c = 0; c < 4; c++) {
                memset(entries, 0, sizeof(entries));
                for (int i = 0; i < 3; i++) {
                        e.sha256[0] = (uint8_t) (c == 0 ? 3 - i : c == 1 ? 1 : i);
                        e.confidence = c == 2 && i == 2 ? SNAPSHOT_CONFIDENCE_ONE + 1 : 5;
                        e.flags = c == 3 && i == 1 ? 4 : 0;
                        snapshot_entry_pack(&e, entries + i * SNAPSHOT_ENTRY_SIZE);
                }
                forge(&key_a, SNAPSHOT_VERSION, 3, entries, sizeof(entries), &buf, &size);
                expect_rejection(NULL, buf, size, SNAPSHOT_REJECT_BAD_ENTRY, c < 2 ? "out of order" :
                                 c == 2 ? "above 1" : "unknown flags");
                free(buf);
        }
        /* damaged compressed data, signed: the stream does not end */
        forge(&key_a, SNAPSHOT_VERSION, 1, zeros, 64, &buf, &size);
        ((uint8_t *) buf)[SNAPSHOT_HEADER_SIZE + 2] ^= 0xff;
        assert_int_equal(snapshot_sign(&key_a, buf, size), 0);
        expect_rejection(NULL, buf, size, SNAPSHOT_REJECT_BAD_PAYLOAD, "damaged");
        free(buf);
        free(zeros);
}

static char dir[] = "/tmp/test-snapshot.XXXXXX";

static void test_host_key(void **state)
{
        char path[256], *pub;
        struct host_key k, again;
        struct stat st;
        bool created;
        uint8_t raw[32];

        snprintf(path, sizeof(path), "%s/host.key", dir);
        assert_int_equal(host_key_load(path, &k), -ENOENT);
        assert_int_equal(host_key_load_or_create(path, &k, &created), 0);
        assert_true(created);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_int_equal(host_key_load_or_create(path, &again, &created), 0);
        assert_false(created);
        assert_memory_equal(&k, &again, sizeof(k));
        pub = public_key_to_string(k.public_key);
        assert_int_equal(public_key_from_string(pub, raw), 0);
        assert_memory_equal(raw, k.public_key, 32);
        assert_int_equal(public_key_from_string(pub + 1, raw), -EINVAL);
        free(pub);
        /* another key's public half: the halves do not belong together */
        {
                char *sec = public_key_to_string(k.secret), *other = public_key_to_string(key_b.public_key), text[256];

                snprintf(text, sizeof(text), "PrivateKey=%s\nPublicKey=%s\n", sec, other);
                assert_int_equal(write_file_atomic(path, text, strlen(text), 0600), 0);
                assert_int_equal(host_key_load(path, &again), -EBADMSG);
                assert_int_equal(write_file_atomic(path, "PrivateKey=x\n", 13, 0600), 0);
                assert_int_equal(host_key_load(path, &again), -EBADMSG);
                free(sec);
                free(other);
        }
        unlink(path);
}

static void test_trusted_hosts(void **state)
{
        static const struct {
                const char *text, *error;
        } bad[] = {
                { "[Host]\nHostId=00112233445566778899aabbccddeeff\n", "no PublicKey=" },
                { "[Host]\nHostId=0011\nPublicKey=ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "HostId=" },
                { "[Host]\nHostId=00112233445566778899aabbccddeeff\nPublicKey=rsa:AAAA\n", "PublicKey=" },
                { "[Host]\nHostId=00112233445566778899aabbccddeeff\n"
                  "PublicKey=ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nWeight=-1\n", "line 4: Weight=" },
                { "[Other]\n", "unknown section" },
                { "[Host]\nColour=blue\n", "unknown key Colour" },
        };
        struct trusted_hosts t;
        struct trusted_host h;
        char *error, path[256], *pub = public_key_to_string(key_a.public_key), text[256];

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_int_equal(trusted_host_parse("x", bad[i].text, strlen(bad[i].text), &h, &error), -EINVAL);
                if (!error || !strstr(error, bad[i].error)) {
                        print_error("case %zu: %s\n", i, error ?: "(null)");
                        fail();
                }
                free(error);
        }
        /* a good file, a broken one (skipped), one repeating the key (skipped), one not .pub */
        snprintf(text, sizeof(text), "# alpha\n[Host]\nHostId=a1010203000000000000000000000000\nPublicKey=%s\n"
                 "Weight=2.5\n", pub);
        snprintf(path, sizeof(path), "%s/alpha.pub", dir);
        assert_int_equal(write_file_atomic(path, text, strlen(text), 0644), 0);
        snprintf(path, sizeof(path), "%s/broken.pub", dir);
        assert_int_equal(write_file_atomic(path, "[Host]\n", 7, 0644), 0);
        snprintf(path, sizeof(path), "%s/copy.pub", dir);
        assert_int_equal(write_file_atomic(path, text, strlen(text), 0644), 0);
        snprintf(path, sizeof(path), "%s/notes.txt", dir);
        assert_int_equal(write_file_atomic(path, text, strlen(text), 0644), 0);
        assert_int_equal(trusted_hosts_load(dir, &t), 0);
        assert_int_equal(t.n, 1);
        assert_string_equal(t.hosts[0].name, "alpha");
        assert_true(t.hosts[0].weight == 2.5);
        assert_memory_equal(t.hosts[0].host_id, id_a, 16);
        assert_ptr_equal(trusted_hosts_find_key(&t, key_a.public_key), &t.hosts[0]);
        assert_null(trusted_hosts_find_key(&t, key_b.public_key));
        trusted_hosts_done(&t);
        for (const char *f = "alpha.pub\0broken.pub\0copy.pub\0notes.txt\0"; *f; f += strlen(f) + 1) {
                snprintf(path, sizeof(path), "%s/%s", dir, f);
                unlink(path);
        }
        assert_int_equal(trusted_hosts_load("/nonexistent/dir", &t), 0);
        assert_int_equal(t.n, 0);
        free(pub);
}

static void test_peer_state(void **state)
{
        struct peer_state s = {}, t;
        char path[256];

        snprintf(path, sizeof(path), "%s/peer-serials", dir);
        assert_int_equal(peer_state_load(path, &t), 0);
        assert_int_equal(t.n, 0);
        assert_int_equal(peer_state_set(&s, id_a, 7), 0);
        assert_int_equal(peer_state_set(&s, id_b, UINT64_MAX), 0);
        assert_int_equal(peer_state_set(&s, id_a, 9), 0);
        assert_int_equal(peer_state_save(&s, path), 0);
        assert_int_equal(peer_state_load(path, &t), 0);
        assert_int_equal(t.n, 2);
        assert_int_equal(peer_state_serial(&t, id_a), 9);
        assert_true(peer_state_serial(&t, id_b) == UINT64_MAX);
        assert_int_equal(peer_state_serial(&t, id_self), 0);
        peer_state_done(&t);
        peer_state_done(&s);
        assert_int_equal(write_file_atomic(path, "zz 12\n", 6, 0644), 0);
        assert_int_equal(peer_state_load(path, &t), -EBADMSG);
        unlink(path);
        assert_true(snapshot_next_serial(10, 5) == 11);
        assert_true(snapshot_next_serial(10, 5000) == 5000);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_rejections),
                cmocka_unit_test(test_payload_rejections),
                cmocka_unit_test(test_host_key),
                cmocka_unit_test(test_trusted_hosts),
                cmocka_unit_test(test_peer_state),
        };
        int r;

        if (!mkdtemp(dir))
                return 1;
        r = cmocka_run_group_tests(tests, setup, teardown);
        rmdir(dir);
        return r;
}
