/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the whitelist reads and writes, with real files in a temporary directory: the deny list (bad
 * lines named FILE:LINE, the rest kept), the state file (a round trip keeps every field; a damaged,
 * truncated or doubled file is rejected), the dpkg index (a fake /var/lib/dpkg/info: owners, the
 * merged-/usr alias, md5sums, a rebuild when the directory changes), the hashes of a file (SHA-256 and
 * MD5 against known values, in slices, the cache by file version), mountinfo's overlay, the location
 * and kind of a path; the sink hashes a large file in slices within its budget, and a cache hit hashes
 * nothing. */
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
#include <cmocka.h>
#include "whitelist/denylist.h"
#include "whitelist/dpkg-index.h"
#include "whitelist/program-facts.h"
#include "whitelist/program-hash.h"
#include "whitelist/whitelist-sink.h"
#include "whitelist/whitelist-store.h"
#include "tracers/process-schema.h"

static char dir[] = "/tmp/test-whitelist-files.XXXXXX";

static int setup(void **state)
{
        assert_non_null(mkdtemp(dir));
        return 0;
}

static int teardown(void **state)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        assert_int_equal(fputs(text, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
}

#define HASH_A "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define HASH_B "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"

static void test_denylist(void **state)
{
        struct denylist d = {};
        struct strbuf errors = {};
        uint8_t a[32], b[32], c[32];
        char sub[256], path[300];

        snprintf(sub, sizeof(sub), "%s/denylist.d", dir);
        assert_int_equal(mkdir(sub, 0755), 0);
        snprintf(path, sizeof(path), "%s/10-a.list", sub);
        write_file(path, "# known bad\n\n  " HASH_A "\n" HASH_B "  /tmp/x (as sha256sum prints it)\n");
        snprintf(path, sizeof(path), "%s/20-b.list", sub);
        write_file(path, HASH_A "\nnot a hash\n" HASH_A "z\n  # indented comment\n" HASH_A);      /* no final NL */
        snprintf(path, sizeof(path), "%s/ignored.txt", sub);
        write_file(path, "garbage\n");
        assert_int_equal(denylist_load_dir(&d, sub, &errors), 2);
        assert_non_null(strstr(errors.data, "20-b.list:2: expected a SHA-256"));
        assert_non_null(strstr(errors.data, "20-b.list:3: expected a SHA-256"));
        assert_null(strstr(errors.data, "ignored.txt"));
        assert_int_equal(d.n, 2);       /* duplicates merged */
        assert_int_equal(whitelist_sha256_from_hex(HASH_A, 64, a), 0);
        assert_int_equal(whitelist_sha256_from_hex(HASH_B, 64, b), 0);
        memset(c, 0x11, sizeof(c));
        assert_true(denylist_contains(&d, a));
        assert_true(denylist_contains(&d, b));
        assert_false(denylist_contains(&d, c));
        denylist_done(&d);
        strbuf_free(&errors);

        /* a missing directory is an empty list */
        snprintf(path, sizeof(path), "%s/none", dir);
        assert_int_equal(denylist_load_dir(&d, path, &errors), 0);
        assert_int_equal(d.n, 0);
        strbuf_free(&errors);
}

static void test_store_round_trip(void **state)
{
        _cleanup_(whitelist_freep) struct whitelist *wl = NULL, *back = NULL, *bad = NULL;
        struct whitelist_facts f = { .package = WHITELIST_PACKAGE_VERIFIED, .layer = WHITELIST_LAYER_IMAGE,
                                     .kind = WHITELIST_KIND_SHELL, .location = WHITELIST_LOC_HIDDEN, .root_owned = true,
                                     .stable = true, .package_name = "bash" };
        _cleanup_free_ char *text = NULL, *text2 = NULL;
        uint8_t sha[32] = { 1, 2, 3 }, sha2[32] = { 9 };
        struct whitelist_entry *e, *e2;
        size_t size, size2, line;

        assert_int_equal(whitelist_new(&wl, NULL), 0);
        assert_non_null(whitelist_record_exec(wl, sha, "/usr/bin/with space\tand tab%", &f, 1000000));
        e = whitelist_record_exec(wl, sha, "/usr/bin/with space\tand tab%", &f, 1000000 + 86400000000ULL);
        (void) whitelist_record_alert_in_incident(wl, sha, "i1");
        assert_non_null(whitelist_record_exec(wl, sha2, NULL, NULL, 5));
        assert_int_equal(whitelist_set_malicious(wl, sha2, true), 0);
        /* known only from the fleet and the deny list: not kept */
        {
                uint8_t fleet[32] = { 7 }, denied[32] = { 8 };

                assert_int_equal(whitelist_set_global(wl, fleet, 0.9, NULL, 0), 0);
                assert_int_equal(whitelist_set_malicious(wl, denied, true), 0);
                assert_int_equal(whitelist_revoke(wl, sha, "peer"), 0);
        }
        assert_int_equal(whitelist_store_save(wl, dir) > 0, 1);

        assert_int_equal(whitelist_new(&back, NULL), 0);
        assert_int_equal(whitelist_store_load(back, dir, &line), 0);
        assert_int_equal(whitelist_size(back), 2);
        e2 = whitelist_get(back, sha);
        assert_non_null(e2);
        assert_false(e2->revoked);
        assert_string_equal(e2->path, e->path);
        assert_int_equal(e2->executions, 2);
        assert_int_equal(e2->active_days, 2);
        assert_int_equal(e2->first_seen_usec, e->first_seen_usec);
        assert_int_equal(e2->last_seen_usec, e->last_seen_usec);
        assert_int_equal(e2->alerts, 1);
        assert_int_equal(e2->incidents, 1);
        assert_memory_equal(&e2->facts, &e->facts, sizeof(f));
        assert_true(whitelist_get(back, sha2)->malicious);
        assert_null(whitelist_get(back, sha2)->path);
        assert_int_equal(whitelist_store_encode(wl, &text, &size), 0);
        assert_int_equal(whitelist_store_encode(back, &text2, &size2), 0);
        assert_int_equal(size, size2);
        assert_int_equal(whitelist_size(wl), 4);

        /* damaged: each is rejected with its line */
        {
                static const char *const damaged[] = {
                        "# cwatch whitelist 2\n",
                        "",
                        WHITELIST_STORE_HEADER "zz\n",
                        WHITELIST_STORE_HEADER HASH_A "\t0.5\t1\t2\t3\t1\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t-\t/x",  /* no NL */
                        WHITELIST_STORE_HEADER HASH_A "\t1.5\t1\t2\t3\t1\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t-\t/x\n",
                        WHITELIST_STORE_HEADER HASH_A "\t0.5\t3\t2\t3\t1\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t-\t/x\n",
                        WHITELIST_STORE_HEADER HASH_A "\t0.5\t1\t2\t3\t1\t1\t0\t0\t0\t9\t0\t0\t0\t0\t0\t-\t/x\n",
                        WHITELIST_STORE_HEADER HASH_A "\t0.5\t1\t2\t3\t1\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t-\t/x%0\n",
                        WHITELIST_STORE_HEADER HASH_A "\t0.5\t1\t2\t3\t1\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t-\t/x\n"
                                HASH_A "\t0.5\t1\t2\t3\t1\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t-\t/x\n",
                        WHITELIST_STORE_HEADER HASH_A "\t0.5\t1\t2\t3\t1\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t-\t/x\textra\n",
                };

                for (size_t i = 0; i < ELEMENTSOF(damaged); i++) {
                        assert_int_equal(whitelist_new(&bad, NULL), 0);
                        assert_int_equal(whitelist_store_decode(bad, damaged[i], strlen(damaged[i]), &line), -EBADMSG);
                        bad = whitelist_free(bad);
                }
        }
}

static void test_dpkg_index(void **state)
{
        char info[256], path[300], buf[4200];
        const char *pkg, *dpkg_path = NULL;
        struct dpkg_index x;
        uint8_t md5[16];
        struct stat st;

        snprintf(info, sizeof(info), "%s/info", dir);
        assert_int_equal(mkdir(info, 0755), 0);
        snprintf(path, sizeof(path), "%s/coreutils.list", info);
        write_file(path, "/.\n/bin\n/bin/ls\n/usr/share/doc/coreutils\n");
        snprintf(path, sizeof(path), "%s/coreutils.md5sums", info);
        write_file(path, "0123456789abcdef0123456789abcdef  bin/ls\n");
        snprintf(path, sizeof(path), "%s/libc-bin:amd64.list", info);
        write_file(path, "/usr/bin/ldd\n");
        assert_int_equal(dpkg_index_init(&x, info), 0);
        assert_int_equal(dpkg_index_refresh(&x), 1);
        assert_int_equal(dpkg_index_refresh(&x), 0);  /* unchanged */
        assert_int_equal(x.n_packages, 2);
        pkg = dpkg_index_owner(&x, "/bin/ls", &dpkg_path, buf, sizeof(buf));
        assert_string_equal(pkg, "coreutils");
        assert_string_equal(dpkg_path, "/bin/ls");
        pkg = dpkg_index_owner(&x, "/usr/bin/ls", &dpkg_path, buf, sizeof(buf));  /* merged /usr */
        assert_string_equal(pkg, "coreutils");
        assert_string_equal(dpkg_path, "/bin/ls");
        pkg = dpkg_index_owner(&x, "/bin/ldd", &dpkg_path, buf, sizeof(buf));
        assert_string_equal(pkg, "libc-bin:amd64");
        assert_string_equal(dpkg_path, "/usr/bin/ldd");
        assert_null(dpkg_index_owner(&x, "/usr/local/bin/ls", NULL, buf, sizeof(buf)));
        assert_null(dpkg_index_owner(&x, "relative", NULL, buf, sizeof(buf)));
        assert_int_equal(dpkg_index_md5(&x, "coreutils", "/bin/ls", md5), 0);
        assert_int_equal(md5[0], 0x01);
        assert_int_equal(md5[15], 0xef);
        assert_int_equal(dpkg_index_md5(&x, "coreutils", "/bin/cat", md5), -ENOENT);
        assert_int_equal(dpkg_index_md5(&x, "libc-bin:amd64", "/usr/bin/ldd", md5), -ENOENT);
        assert_int_equal(dpkg_index_md5(&x, "../x", "/usr/bin/ldd", md5), -EINVAL);

        /* a package installed: the directory changes, the index is rebuilt */
        snprintf(path, sizeof(path), "%s/cal.list", info);
        write_file(path, "/usr/bin/cal\n");
        assert_int_equal(stat(info, &st), 0);
        x.mtime.tv_nsec ^= 1;   /* the same second on a coarse clock: as if it changed */
        assert_int_equal(dpkg_index_refresh(&x), 1);
        assert_string_equal(dpkg_index_owner(&x, "/usr/bin/cal", NULL, buf, sizeof(buf)), "cal");
        dpkg_index_done(&x);

        snprintf(path, sizeof(path), "%s/nodpkg", dir);
        assert_int_equal(dpkg_index_init(&x, path), 0);
        assert_int_equal(dpkg_index_refresh(&x), -ENOENT);
        dpkg_index_done(&x);
}

static void test_hashes(void **state)
{
        /* sha256("abc") and md5("abc"), hashed one byte per step */
        static const char sha_abc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        static const uint8_t md5_abc[16] = { 0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0,
                                             0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1, 0x7f, 0x72 };
        _cleanup_(program_hasher_freep) struct program_hasher *h = NULL;
        struct program_hash_cache cache = {};
        struct program_hash out, big;
        char path[300], hex[WHITELIST_SHA256_HEX];
        struct file_key key, key2;
        struct stat st;
        uint64_t bytes;
        int fd, r, steps = 0;

        snprintf(path, sizeof(path), "%s/abc", dir);
        write_file(path, "abc");
        fd = open(path, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal(program_hasher_new(&h, fd, 3, true), 0);
        while ((r = program_hasher_step(h, 1, &out, &bytes)) == 0)
                steps++;
        assert_int_equal(r, 1);
        assert_int_equal(steps, 2);
        whitelist_sha256_to_hex(out.sha256, hex);
        assert_string_equal(hex, sha_abc);
        assert_true(out.has_md5);
        assert_memory_equal(out.md5, md5_abc, 16);

        /* a file that shrank while it was hashed */
        h = program_hasher_free(h);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        assert_int_equal(program_hasher_new(&h, fd, 10, false), 0);
        assert_int_equal(program_hasher_step(h, 100, &big, &bytes), -ENODATA);

        /* the cache: by file version */
        file_key_from_stat(&key, &st);
        assert_null(program_hash_cache_get(&cache, &key));
        assert_int_equal(program_hash_cache_put(&cache, &key, &out), 0);
        assert_memory_equal(program_hash_cache_get(&cache, &key)->sha256, out.sha256, 32);
        key2 = key;
        key2.ctime_ns++;        /* chmod'ed, rewritten: another version */
        assert_null(program_hash_cache_get(&cache, &key2));
        program_hash_cache_done(&cache);
}

static void test_facts(void **state)
{
        static const char *const tmp[] = { "/tmp", "/var/tmp/" };
        static const char mountinfo[] =
                "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
                "401 379 0:56 / / rw,relatime shared:145 - overlay overlay rw,lowerdir=/l,"
                "upperdir=/var/lib/machines/up\\040per,workdir=/w,uuid=on\n"
                "402 401 0:5 / /proc rw - proc proc rw\n";
        static const char host_mountinfo[] =
                "401 379 0:56 / / rw - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n"
                "500 401 8:1 / / rw - ext4 /dev/sda1 rw\n";
        _cleanup_free_ char *upper = NULL;
        struct stat file = { .st_uid = 0, .st_mode = S_IFREG | 0755 }, d = { .st_uid = 0, .st_mode = S_IFDIR | 0755 };

        assert_int_equal(program_location("/usr/bin/ls", false, false, tmp, 2), 0);
        assert_int_equal(program_location("/tmp/x", false, false, tmp, 2), WHITELIST_LOC_TEMP);
        assert_int_equal(program_location("/tmpfoo/x", false, false, tmp, 2), 0);
        assert_int_equal(program_location("/var/tmp/a/b", false, false, tmp, 2), WHITELIST_LOC_TEMP);
        assert_int_equal(program_location("/dev/shm/x", false, false, NULL, 0), WHITELIST_LOC_TEMP);
        assert_int_equal(program_location("/home/u/.cache/x", false, false, tmp, 2), WHITELIST_LOC_HIDDEN);
        assert_int_equal(program_location("/home/u/./x", false, false, tmp, 2), 0);
        assert_int_equal(program_location("/tmp/.x", true, false, tmp, 2),
                         WHITELIST_LOC_TEMP | WHITELIST_LOC_HIDDEN | WHITELIST_LOC_DELETED);
        assert_int_equal(program_location("/memfd:payload", false, false, tmp, 2), WHITELIST_LOC_MEMFD);
        assert_int_equal(program_location(NULL, false, true, tmp, 2), WHITELIST_LOC_MEMFD);

        assert_int_equal(program_kind("/usr/bin/bash"), WHITELIST_KIND_SHELL);
        assert_int_equal(program_kind("/bin/busybox"), WHITELIST_KIND_SHELL);
        assert_int_equal(program_kind("/usr/bin/python3.11"), WHITELIST_KIND_INTERPRETER);
        assert_int_equal(program_kind("/usr/bin/perl"), WHITELIST_KIND_INTERPRETER);
        assert_int_equal(program_kind("/usr/bin/curl"), WHITELIST_KIND_DOWNLOADER);
        assert_int_equal(program_kind("/usr/bin/nc.openbsd"), WHITELIST_KIND_DOWNLOADER);
        assert_int_equal(program_kind("/usr/bin/shred"), WHITELIST_KIND_PROGRAM);
        assert_int_equal(program_kind("/usr/bin/pythonista"), WHITELIST_KIND_PROGRAM);
        assert_int_equal(program_kind("/usr/bin/ls"), WHITELIST_KIND_PROGRAM);

        assert_true(program_root_owned(&file, &d));
        assert_true(program_root_owned(&file, NULL));
        file.st_mode |= S_IWOTH;
        assert_false(program_root_owned(&file, &d));
        file.st_mode = S_IFREG | 0755;
        d.st_mode |= S_IWOTH | S_ISVTX;         /* /tmp */
        assert_false(program_root_owned(&file, &d));
        file.st_uid = 1000;
        assert_false(program_root_owned(&file, NULL));

        assert_int_equal(overlay_upperdir_from_mountinfo(mountinfo, strlen(mountinfo), &upper), 0);
        assert_string_equal(upper, "/var/lib/machines/up per");
        /* the last mount on "/" is the one in effect */
        assert_int_equal(overlay_upperdir_from_mountinfo(host_mountinfo, strlen(host_mountinfo), &upper), -ENOENT);
        assert_int_equal(overlay_upperdir_from_mountinfo("garbage", 7, &upper), -ENOENT);
        assert_int_equal(overlay_upperdir_from_mountinfo("", 0, &upper), -ENOENT);
}

/* An exec record of the process tracer (pid 0: the path is opened in our own namespace). */
static void exec_record(struct record *r, struct value *values, const char *path)
{
        memset(values, 0, _COL_MAX * sizeof(*values));
        value_set_u64(&values[COL_PID], 0);
        value_set_cstr(&values[COL_EXE], path);
        *r = (struct record) { .schema = &process_schema, .event = "exec", .values = values, .time_ns = 1 };
}

static void test_sink_budget(void **state)
{
        static const char *const tmp[] = { "/tmp" };
        struct whitelist_sink *k;
        struct whitelist *wl;
        struct record_sink sink;
        struct value values[_COL_MAX];
        struct record r;
        char path[300], cmd[700];

        /* 3 MiB and a bit: more than a slice */
        snprintf(path, sizeof(path), "%s/big", dir);
        snprintf(cmd, sizeof(cmd), "head -c 3200000 /dev/zero > %s && chmod 755 %s", path, path);
        assert_int_equal(system(cmd), 0);
        assert_int_equal(whitelist_new(&wl, NULL), 0);
        assert_int_equal(whitelist_sink_new(&k, wl, &(struct whitelist_sink_config) {
                .max_hash_bytes = WHITELIST_DEFAULT_MAX_HASH_BYTES, .hash_rate = UINT64_C(1) << 20,
                .temp_dirs = tmp, .n_temp_dirs = 1, .dpkg_info_dir = "/nonexistent" },
                NULL, NULL, NULL, NULL, NULL), 0);
        sink = whitelist_sink_record_sink(k);
        exec_record(&r, values, path);
        assert_int_equal(sink.on_record(sink.userdata, &r), 0);
        /* one slice at most: still pending, not in the table */
        assert_int_equal(whitelist_sink_pending(k), 1);
        assert_true(whitelist_sink_stats(k)->hashed_bytes <= PROGRAM_HASH_SLICE);
        assert_int_equal(whitelist_size(whitelist_sink_get(k)), 0);
        whitelist_sink_flush(k);
        assert_int_equal(whitelist_sink_pending(k), 0);
        assert_int_equal(whitelist_size(whitelist_sink_get(k)), 1);
        assert_int_equal(whitelist_sink_stats(k)->hashed_bytes, 3200000);
        assert_non_null(whitelist_sink_program_of(k, 0, path));
        assert_true(whitelist_sink_program_of(k, 0, path)->facts.location & WHITELIST_LOC_TEMP);
        /* again: a cache hit, nothing hashed, one more execution */
        assert_int_equal(sink.on_record(sink.userdata, &r), 0);
        assert_int_equal(whitelist_sink_stats(k)->cache_hits, 1);
        assert_int_equal(whitelist_sink_stats(k)->hashed_bytes, 3200000);
        assert_int_equal(whitelist_sink_program_of(k, 0, path)->executions, 2);
        /* rewritten: another version, hashed again */
        snprintf(cmd, sizeof(cmd), "printf x >> %s", path);
        assert_int_equal(system(cmd), 0);
        assert_int_equal(sink.on_record(sink.userdata, &r), 0);
        whitelist_sink_flush(k);
        assert_int_equal(whitelist_size(whitelist_sink_get(k)), 2);
        whitelist_sink_free(k);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_denylist),
                cmocka_unit_test(test_store_round_trip),
                cmocka_unit_test(test_dpkg_index),
                cmocka_unit_test(test_hashes),
                cmocka_unit_test(test_facts),
                cmocka_unit_test(test_sink_budget),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
