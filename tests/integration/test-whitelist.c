/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The whitelist on the live kernel: real execs, identified by the real process tracer and the sink.
 * - A binary of a Debian package installed for the test (built with dpkg-deb, its md5sums listed,
 *   installed with dpkg, purged at the end) is trusted as its package's; overwritten by hand it
 *   loses that trust (its md5sum no longer matches).
 * - A program on the deny list (a file of /etc-like denylist.d with a bad line too) raises a
 *   critical alert carrying CWATCH_SHA256= and CWATCH_TRUST=0.00; it ran from /tmp: "temporary".
 * - In a systemd-nspawn container whose root is an overlay, the image's busybox is "image" and a
 *   copy written in the container and run is "drift".
 * Everything lives in a directory of this test under /tmp, removed at the end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "tracer-test.h"
#include "alert/alert-fields.h"
#include "whitelist/program-hash.h"
#include "whitelist/whitelist-sink.h"

#define PKG "cwatch-test-trust"
#define PKG_BIN "/usr/lib/" PKG "/prog"

static struct tt tt;
static struct whitelist_sink *sink;
static char dir[64];
static bool pkg_installed;

struct captured {
        char rule[64], sha256[65], message[512], exe[256], cmdline[256];
        enum alert_severity severity;
        double trust;
        bool journal_fields_ok;
};
static struct captured alerts[32];
static size_t n_alerts;

static int capture_alert(const struct alert *a, void *userdata)
{
        struct captured *c;
        struct alert_journal_fields f;
        bool sha = false, trust = false;

        if (n_alerts >= 32)
                return 0;
        c = &alerts[n_alerts++];
        snprintf(c->rule, sizeof(c->rule), "%s", a->rule ?: "");
        snprintf(c->sha256, sizeof(c->sha256), "%s", a->program_sha256 ?: "");
        snprintf(c->message, sizeof(c->message), "%s", a->message ?: "");
        snprintf(c->exe, sizeof(c->exe), "%s", a->process.exe ?: "");
        snprintf(c->cmdline, sizeof(c->cmdline), "%s", a->process.cmdline ?: "");
        c->severity = a->severity;
        c->trust = a->trust;
        if (alert_to_journal_fields(a, &f) >= 0) {
                for (size_t i = 0; i < f.n; i++) {
                        sha |= a->program_sha256 && strneq(f.items[i], "CWATCH_SHA256=", 14) &&
                               streq(f.items[i] + 14, a->program_sha256);
                        trust |= strneq(f.items[i], "CWATCH_TRUST=", 13);
                }
                alert_journal_fields_done(&f);
        }
        c->journal_fields_ok = sha && trust;
        return 0;
}

static int sh(const char *fmt, ...) _printf_(1, 2);
static int sh(const char *fmt, ...)
{
        _cleanup_free_ char *cmd = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&cmd, fmt, ap);
        va_end(ap);
        assert_true(r >= 0);
        r = system(cmd);
        return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

/* dpkg may be busy with another install on this machine: retry for a minute */
static int dpkg_retry(const char *args)
{
        for (int i = 0; i < 60; i++) {
                if (sh("dpkg %s >/dev/null 2>&1", args) == 0)
                        return 0;
                if (sh("fuser /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock >/dev/null 2>&1") != 0 && i > 2)
                        break;
                sleep(1);
        }
        return sh("dpkg %s", args);
}

static void build_and_install_package(void)
{
        /* the file, its md5sums line (as dh_md5sums writes it) and a control file */
        assert_int_equal(sh("set -e; r=%s/pkg; mkdir -p $r/DEBIAN $r/usr/lib/%s; cp /bin/true $r%s; "
                            "printf 'cwatch whitelist test %%s' %s >> $r%s; chmod 0755 $r%s; "
                            "(cd $r && md5sum usr/lib/%s/prog) > $r/DEBIAN/md5sums; "
                            "printf 'Package: %s\\nVersion: 1.0\\nArchitecture: all\\nMaintainer: cwatch tests "
                            "<root@localhost>\\nDescription: cwatch test package (removed after the test)\\n' "
                            "> $r/DEBIAN/control; dpkg-deb --root-owner-group -b $r %s/%s.deb >/dev/null",
                            dir, PKG, PKG_BIN, dir, PKG_BIN, PKG_BIN, PKG, PKG, dir, PKG), 0);
        pkg_installed = true;
        {
                _cleanup_free_ char *args = NULL;

                assert_true(asprintf(&args, "-i %s/%s.deb", dir, PKG) >= 0);
                assert_int_equal(dpkg_retry(args), 0);
        }
}

/* Whatever happens (a failed setup skips the group's teardown): the package purged, the directory gone. */
static void clean_host(void)
{
        if (pkg_installed)
                (void) dpkg_retry("--purge " PKG);
        pkg_installed = false;
        if (dir[0])
                (void) tt_remove_tree(dir);
        dir[0] = 0;
}

static int setup(void **state)
{
        static const char *const tracers[] = { "process", NULL };
        static const char *const temp_dirs[] = { "/tmp", "/var/tmp", "/dev/shm" };
        struct whitelist *wl;

        tt_require_privileges();
        snprintf(dir, sizeof(dir), "/tmp/cwatch-whitelist-XXXXXX");
        assert_non_null(mkdtemp(dir));
        assert_int_equal(atexit(clean_host), 0);
        assert_int_equal(chmod(dir, 0755), 0);
        /* before the sink: its dpkg index is built when it starts */
        build_and_install_package();
        tt_setup(&tt, tracers);
        assert_int_equal(whitelist_new(&wl, NULL), 0);
        assert_int_equal(manager_enable_whitelist(tt.m, wl, &(struct whitelist_sink_config) {
                .max_hash_bytes = WHITELIST_DEFAULT_MAX_HASH_BYTES, .hash_rate = WHITELIST_DEFAULT_HASH_RATE,
                .temp_dirs = temp_dirs, .n_temp_dirs = 3 }, NULL, NULL, &sink), 0);
        assert_int_equal(manager_add_alert_sink(tt.m, &(struct alert_sink) { .name = "test", .send = capture_alert }),
                         0);
        return 0;
}

static int teardown(void **state)
{
        tt_done(&tt);
        whitelist_sink_free(sink);
        clean_host();
        return 0;
}

struct wait_path {
        const char *path;
        unsigned layer;
        bool any_layer;
        struct whitelist_entry *found;
        uint64_t min_executions;
};

static int find_path_cb(const struct whitelist_entry *e, void *userdata)
{
        struct wait_path *w = userdata;

        if (e->path && streq(e->path, w->path) && e->executions >= w->min_executions &&
            (w->any_layer || e->facts.layer == w->layer))
                w->found = (struct whitelist_entry *) e;
        return 0;
}

/* On a failure: what the table holds of the container's programs. */
static int dump_cb(const struct whitelist_entry *e, void *userdata)
{
        if (e->path && strstr(e->path, "busybox"))
                fprintf(stderr, "# %s: layer %s, %llu executions\n", e->path, whitelist_layer_name(e->facts.layer),
                        (unsigned long long) e->executions);
        return 0;
}

static bool entry_for_path(struct tt *t, void *userdata)
{
        struct wait_path *w = userdata;

        whitelist_sink_flush(sink);
        w->found = NULL;
        (void) whitelist_foreach(whitelist_sink_get(sink), find_path_cb, w);
        return w->found;
}

static bool has_reason(const struct whitelist_score *s, const char *id, double weight)
{
        for (size_t i = 0; i < s->n_reasons; i++)
                if (streq(s->reasons[i].id, id) && (weight != weight || s->reasons[i].weight == weight))
                        return true;
        return false;
}

static void run_and_wait(char *const argv[])
{
        pid_t pid = tt_spawn(argv);

        assert_true(pid > 0);
        assert_true(WIFEXITED(tt_wait(pid)));
}

static void test_package_binary(void **state)
{
        struct wait_path w = { .path = PKG_BIN, .any_layer = true, .min_executions = 1 };
        uint8_t first[WHITELIST_SHA256_SIZE];
        struct whitelist_score s;

        run_and_wait((char *[]) { (char *) PKG_BIN, NULL });
        assert_true(tt_wait_for(&tt, entry_for_path, &w, 5000));
        assert_int_equal(w.found->facts.package, WHITELIST_PACKAGE_VERIFIED);
        assert_string_equal(w.found->facts.package_name, PKG);
        assert_true(w.found->facts.root_owned);
        whitelist_score_entry(whitelist_sink_get(sink), w.found, w.found->last_seen_usec, &s);
        assert_true(has_reason(&s, "package", 0.40));
        assert_true(has_reason(&s, "root-owned", 0.15));
        assert_false(has_reason(&s, "temporary", NAN));
        assert_true(s.confidence >= 0.55);
        memcpy(first, w.found->sha256, sizeof(first));

        /* overwritten by hand: the same path, other bytes; dpkg's md5sum no longer matches */
        assert_int_equal(sh("cp /bin/true %s.new && printf 'changed by hand' >> %s.new && cat %s.new > %s && rm %s.new",
                            PKG_BIN, PKG_BIN, PKG_BIN, PKG_BIN, PKG_BIN), 0);
        run_and_wait((char *[]) { (char *) PKG_BIN, NULL });
        w.found = NULL;
        assert_true(tt_wait_for(&tt, entry_for_path, &w, 5000));
        assert_memory_not_equal(w.found->sha256, first, sizeof(first));
        assert_int_equal(w.found->facts.package, WHITELIST_PACKAGE_MODIFIED);
        whitelist_score_entry(whitelist_sink_get(sink), w.found, w.found->last_seen_usec, &s);
        assert_true(has_reason(&s, "package-modified", -0.30));
        assert_false(has_reason(&s, "package", 0.40));
        assert_true(s.confidence < 0.2);
}

static void test_denylist_hit(void **state)
{
        _cleanup_free_ char *evil = NULL, *listdir = NULL, *list = NULL;
        struct wait_path w = { .any_layer = true, .min_executions = 1 };
        char hex[WHITELIST_SHA256_HEX];
        struct program_hash h;
        struct denylist d = {};
        struct strbuf errors = {};
        struct whitelist_score s;
        struct stat st;
        int fd;

        assert_true(asprintf(&evil, "%s/evil", dir) >= 0);
        assert_true(asprintf(&listdir, "%s/denylist.d", dir) >= 0);
        assert_int_equal(sh("cp /bin/true %s && printf 'deny me %s' >> %s", evil, dir, evil), 0);
        fd = open(evil, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal(program_hash_fd(fd, (uint64_t) st.st_size, false, &h), 0);
        close(fd);
        whitelist_sha256_to_hex(h.sha256, hex);
        assert_int_equal(mkdir(listdir, 0755), 0);
        assert_true(asprintf(&list, "%s/test.list", listdir) >= 0);
        assert_int_equal(sh("printf '# a comment\\n\\nnot-a-hash\\n%s  evil\\n' > %s", hex, list), 0);
        assert_int_equal(denylist_load_dir(&d, listdir, &errors), 1);
        assert_non_null(strstr(errors.data, "test.list:3: expected a SHA-256"));
        assert_int_equal(d.n, 1);
        whitelist_sink_set_denylist(sink, &d);
        strbuf_free(&errors);

        n_alerts = 0;
        w.path = evil;
        run_and_wait((char *[]) { evil, "first", NULL });
        assert_true(tt_wait_for(&tt, entry_for_path, &w, 5000));
        assert_true(w.found->malicious);
        assert_int_equal(n_alerts, 1);
        assert_string_equal(alerts[0].rule, WHITELIST_DENY_RULE);
        assert_int_equal(alerts[0].severity, SEVERITY_CRITICAL);
        assert_string_equal(alerts[0].sha256, hex);
        assert_true(alerts[0].trust == 0);
        assert_true(alerts[0].journal_fields_ok);
        assert_non_null(strstr(alerts[0].message, hex));
        /* the process as the exec made it, not the forked parent it was a moment before */
        assert_string_equal(alerts[0].exe, evil);
        assert_non_null(strstr(alerts[0].cmdline, "first"));
        whitelist_score_entry(whitelist_sink_get(sink), w.found, w.found->last_seen_usec, &s);
        assert_true(s.denied);
        assert_true(s.confidence == 0);
        assert_true(has_reason(&s, "deny-list", 0));
        assert_true(has_reason(&s, "temporary", -0.30));

        /* every execution is reported: no dedup, no rate limit for a deny-list hit */
        w.min_executions = 2;
        run_and_wait((char *[]) { evil, NULL });
        assert_true(tt_wait_for(&tt, entry_for_path, &w, 5000));
        assert_int_equal(n_alerts, 2);
}

static void test_container_drift(void **state)
{
        _cleanup_free_ char *lower = NULL, *upper = NULL, *cmd = NULL;
        struct wait_path image = { .path = "/bin/busybox", .layer = WHITELIST_LAYER_IMAGE, .min_executions = 1 };
        struct wait_path drift = { .path = "/usr/busybox", .layer = WHITELIST_LAYER_DRIFT, .min_executions = 1 };
        struct whitelist_score s;
        char machine[64];
        pid_t pid;

        assert_true(asprintf(&lower, "%s/lower", dir) >= 0);
        assert_true(asprintf(&upper, "%s/upper", dir) >= 0);
        assert_int_equal(sh("set -e; R=%s; mkdir -p $R/bin $R/usr $R/etc $R/proc $R/sys $R/dev $R/tmp %s; "
                            "cp /bin/busybox $R/bin/; for a in sh cat sleep chmod; do ln -s busybox $R/bin/$a; done; "
                            "touch $R/etc/os-release", lower, upper), 0);
        tt_marker(machine, sizeof(machine), "wl");
        /* the image's busybox runs sh; a copy written in the container (marked, so it is another
         * program) runs sleep: each lives a second so /proc/PID/exe is there when the exec is read */
        pid = tt_spawn((char *[]) { "/usr/bin/systemd-nspawn", "-q", "--register=no", "--keep-unit", "-D", lower,
                                    (char *) (asprintf(&cmd, "--overlay=%s:%s:/", lower, upper) >= 0 ? cmd : ""),
                                    "-M", machine, "/bin/sh", "-c",
                                    "sleep 1; cat /bin/busybox > /usr/busybox && echo drift >> /usr/busybox && "
                                    "chmod 755 /usr/busybox && /usr/busybox sleep 1", NULL });
        assert_true(pid > 0);
        if (!tt_wait_for(&tt, entry_for_path, &drift, 20000)) {
                (void) whitelist_foreach(whitelist_sink_get(sink), dump_cb, NULL);
                fail_msg("no drift entry for /usr/busybox (%llu execs, %llu vanished)",
                         (unsigned long long) whitelist_sink_stats(sink)->execs,
                         (unsigned long long) whitelist_sink_stats(sink)->vanished);
        }
        assert_true(WIFEXITED(tt_wait(pid)));
        assert_true(tt_wait_for(&tt, entry_for_path, &image, 5000));
        assert_memory_not_equal(image.found->sha256, drift.found->sha256, WHITELIST_SHA256_SIZE);
        whitelist_score_entry(whitelist_sink_get(sink), drift.found, drift.found->last_seen_usec, &s);
        assert_true(has_reason(&s, "drift", -0.40));
        /* busybox is a shell: capped, whatever else it has */
        assert_int_equal(image.found->facts.kind, WHITELIST_KIND_SHELL);
        whitelist_score_entry(whitelist_sink_get(sink), image.found, image.found->last_seen_usec, &s);
        assert_true(has_reason(&s, "image", 0.25));
        assert_true(s.confidence <= WHITELIST_DEFAULT_CAP);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_package_binary),
                cmocka_unit_test(test_denylist_hit),
                cmocka_unit_test(test_container_drift),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
