/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cwatch-sync: moves whitelist snapshots between hosts for cwatchd, which never touches the
 * network for this. Run by cwatch-sync.timer: fetches each [Sync] Peers= URL (http, https, file://),
 * hands every file that changed since the last run to cwatchd (D-Bus ImportSnapshot, a memfd: cwatchd
 * verifies), then publishes this host's snapshot to Publish=. A peer that fails (down, unknown name,
 * HTTP error, too slow) is logged and tried again at the next run; cwatchd is not told. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <curl/curl.h>
#include <gcrypt.h>
#include <systemd/sd-bus.h>
#include "transfer.h"
#include "daemon/config.h"
#include "shared/fileio.h"
#include "shared/log.h"
#include "shared/strbuf.h"
#include "snapshot/ed25519.h"
#include "snapshot/snapshot.h"

#define DEFAULT_STATE_DIR LOCALSTATEDIR "/lib/cwatch-sync"
#define SEEN_FILE "seen"
#define SEEN_MAX 4096

/* What was handed to cwatchd last, per origin: the SHA-256 of the bytes, so an unchanged file is
 * not sent again (cwatchd would refuse it as a replay at every run). */
struct seen {
        char (*digest)[65];
        char **origin;
        size_t n;
};

struct sync_run {
        sd_bus *bus;
        struct config config;
        struct seen seen;
        struct transfer_options transfer;
        unsigned accepted, unchanged, rejected, failed;
};

static void seen_done(struct seen *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->origin[i]);
        free(s->origin);
        free(s->digest);
        *s = (struct seen) {};
}

static const char *seen_get(const struct seen *s, const char *origin)
{
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->origin[i], origin))
                        return s->digest[i];
        return NULL;
}

static int seen_set(struct seen *s, const char *origin, const char digest[65])
{
        char (*d)[65];
        char **o;

        for (size_t i = 0; i < s->n; i++)
                if (streq(s->origin[i], origin)) {
                        memcpy(s->digest[i], digest, 65);
                        return 0;
                }
        if (s->n >= SEEN_MAX)
                return -E2BIG;
        d = realloc(s->digest, (s->n + 1) * sizeof(*d));
        if (!d)
                return -ENOMEM;
        s->digest = d;
        o = realloc(s->origin, (s->n + 1) * sizeof(*o));
        if (!o)
                return -ENOMEM;
        s->origin = o;
        s->origin[s->n] = strdup(origin);
        if (!s->origin[s->n])
                return -ENOMEM;
        memcpy(s->digest[s->n++], digest, 65);
        return 0;
}

static char *seen_path(void)
{
        const char *dir = getenv("STATE_DIRECTORY");
        char *p;

        /* StateDirectory= may list several, separated by ':'; ours is the first */
        if (asprintf(&p, "%.*s/" SEEN_FILE, dir ? (int) strcspn(dir, ":") : (int) strlen(DEFAULT_STATE_DIR),
                     dir ?: DEFAULT_STATE_DIR) < 0)
                return NULL;
        return p;
}

static void seen_load(struct seen *s)
{
        _cleanup_free_ char *path = seen_path(), *text = NULL;
        char *line, *save = NULL;
        size_t size;

        if (!path || read_file_at(AT_FDCWD, path, SEEN_MAX * 4200, &text, &size) < 0)
                return;
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                if (strlen(line) > 65 && line[64] == ' ' && strspn(line, "0123456789abcdef") == 64) {
                        line[64] = 0;
                        (void) seen_set(s, line + 65, line);
                }
}

static void seen_save(const struct seen *s)
{
        _cleanup_free_ char *path = seen_path();
        struct strbuf b = {};
        int r;

        for (size_t i = 0; i < s->n; i++)
                strbuf_printf(&b, "%s %s\n", s->digest[i], s->origin[i]);
        if (path) {
                /* systemd makes StateDirectory=; run by hand, we do */
                char *slash = strrchr(path, '/');

                *slash = 0;
                (void) mkdir(path, 0700);
                *slash = '/';
        }
        r = !path || b.oom ? -ENOMEM : write_file_atomic(path, b.data ?: "", b.len, 0600);
        if (r < 0)
                log_warning_errno(r, "Failed to save %s, files may be handed over again: %m", path ?: SEEN_FILE);
        strbuf_free(&b);
}

static void sha256_hex(const void *data, size_t size, char ret[65])
{
        uint8_t d[32];

        gcry_md_hash_buffer(GCRY_MD_SHA256, d, data, size);
        for (int i = 0; i < 32; i++)
                snprintf(ret + 2 * i, 3, "%02x", d[i]);
}

/* Hands one file to cwatchd. */
static void import_file(struct sync_run *run, const char *peer, const struct transfer_file *f)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_close_ int fd = -1;
        const char *host, *last;
        char digest[65];
        uint64_t serial;
        uint32_t entries;
        int r;

        sha256_hex(f->data, f->size, digest);
        last = seen_get(&run->seen, f->origin);
        if (last && streq(last, digest)) {
                log_debug("Peer %s: %s unchanged since the last run", peer, f->origin);
                run->unchanged++;
                return;
        }
        fd = memfd_with(f->data, f->size, false);
        if (fd < 0) {
                log_warning_errno(fd, "Peer %s: failed to pass %s on: %m; retrying at the next run", peer, f->origin);
                run->failed++;
                return;
        }
        r = sd_bus_call_method(run->bus, "org.cwatch1", "/org/cwatch1", "org.cwatch1.Manager", "ImportSnapshot",
                               &error, &reply, "hs", fd, f->origin);
        if (r < 0 && !sd_bus_error_has_name(&error, "org.cwatch1.Error.SnapshotRejected")) {
                log_warning("Peer %s: cwatchd did not take %s: %s; retrying at the next run", peer, f->origin,
                            error.message ?: strerror(-r));
                sd_bus_error_free(&error);
                run->failed++;
                return;
        }
        /* accepted or rejected, the same bytes would get the same answer: not sent again */
        (void) seen_set(&run->seen, f->origin, digest);
        if (r < 0) {
                bool own = error.message && strstr(error.message, "(own-snapshot)");

                /* this host's own file in a shared directory */
                if (own)
                        log_debug("Peer %s: %s is this host's own snapshot", peer, f->origin);
                else
                        log_warning("Peer %s: cwatchd rejected it: %s", peer, error.message);
                sd_bus_error_free(&error);
                run->rejected += !own;
                return;
        }
        if (sd_bus_message_read(reply, "stu", &host, &serial, &entries) >= 0)
                log_info("Peer %s: host %s's snapshot %" PRIu64 " (%" PRIu32 " entries) accepted", peer, host,
                         serial, entries);
        run->accepted++;
}

static void sync_peer(struct sync_run *run, const char *url)
{
        struct transfer_file *files = NULL;
        char error[TRANSFER_ERROR_MAX];
        size_t n = 0;
        int r;

        r = transfer_fetch(url, &run->transfer, &files, &n, error);
        if (r < 0) {
                log_warning("Peer %s: %s; retrying at the next run", url, error[0] ? error : strerror(-r));
                run->failed++;
                return;
        }
        for (size_t i = 0; i < n; i++)
                import_file(run, url, &files[i]);
        transfer_files_free(files, n);
}

static int publish(struct sync_run *run)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *key = NULL, *snap = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ void *buf = NULL;
        _cleanup_free_ char *name = NULL;
        char err[TRANSFER_ERROR_MAX];
        const char *id, *pub;
        size_t size;
        int fd, r;

        r = sd_bus_call_method(run->bus, "org.cwatch1", "/org/cwatch1", "org.cwatch1.Manager", "GetHostKey", &error,
                               &key, NULL);
        if (r >= 0)
                r = sd_bus_message_read(key, "ss", &id, &pub);
        if (r >= 0)
                r = sd_bus_call_method(run->bus, "org.cwatch1", "/org/cwatch1", "org.cwatch1.Manager",
                                       "ExportSnapshot", &error, &snap, NULL);
        if (r >= 0)
                r = sd_bus_message_read(snap, "h", &fd);
        if (r >= 0)
                r = read_fd_full(fd, SNAPSHOT_MAX_FILE_SIZE, &buf, &size);
        if (r < 0) {
                log_warning("Failed to get this host's snapshot from cwatchd: %s; publishing at the next run",
                            error.message ?: strerror(-r));
                sd_bus_error_free(&error);
                return r;
        }
        if (asprintf(&name, "%s.snapshot", id) < 0)
                return -ENOMEM;
        r = transfer_publish(run->config.sync_publish, name, buf, size, &run->transfer, err);
        if (r < 0) {
                log_warning("Publishing to %s failed: %s; retrying at the next run", run->config.sync_publish,
                            err[0] ? err : strerror(-r));
                return r;
        }
        log_info("Published this host's snapshot (%zu bytes) to %s as %s", size, run->config.sync_publish, name);
        return 0;
}

static void help(void)
{
        printf("cwatch-sync [--config FILE] [--config-dir DIR] [--debug]\n\n"
               "Fetches the whitelist snapshots of [Sync] Peers= and hands them to cwatchd, then publishes this\n"
               "host's snapshot to Publish= (man cwatch-sync).\n");
}

int main(int argc, char *argv[])
{
        static const struct option options[] = {
                { "config", required_argument, NULL, 'c' },
                { "config-dir", required_argument, NULL, 'd' },
                { "debug", no_argument, NULL, 'D' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {}
        };
        const char *config_file = CONFIG_FILE, *config_dir = CONFIG_DROPIN_DIR;
        struct sync_run run = {};
        struct conf_error err = {};
        bool debug = false;
        int c, r, ret = 1;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        config_file = optarg;
                        break;
                case 'd':
                        config_dir = optarg;
                        break;
                case 'D':
                        debug = true;
                        break;
                case 'h':
                        help();
                        return 0;
                case 'V':
                        printf("cwatch-sync %s\n", CWATCH_VERSION);
                        return 0;
                default:
                        return 2;
                }
        if (optind < argc) {
                fprintf(stderr, "cwatch-sync: takes no arguments (see --help)\n");
                return 2;
        }
        log_setup(getenv("JOURNAL_STREAM") ? LOG_TARGET_JOURNAL : LOG_TARGET_CONSOLE, debug ? LOG_DEBUG : LOG_INFO);
        r = config_load(&run.config, config_file, config_dir, &err);
        if (r < 0) {
                log_error("Bad configuration: %s", err.text[0] ? err.text : strerror(-r));
                return 1;
        }
        if (!run.config.sync) {
                log_info("[Sync] Enable=no: nothing to do");
                config_done(&run.config);
                return 0;
        }
        if (crypto_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                log_error("Failed to initialise libgcrypt or libcurl");
                goto finish;
        }
        run.transfer = (struct transfer_options) { .timeout_ms = run.config.sync_timeout_ns / 1000000,
                                                   .max_size = SNAPSHOT_MAX_FILE_SIZE };
        r = sd_bus_open_system(&run.bus);
        if (r < 0) {
                log_error_errno(r, "Failed to connect to the system bus: %m");
                goto finish;
        }
        seen_load(&run.seen);
        for (size_t i = 0; i < run.config.sync_peers.n; i++)
                sync_peer(&run, run.config.sync_peers.items[i]);
        seen_save(&run.seen);
        r = run.config.sync_publish ? publish(&run) : 0;
        log_info("%zu peer URL(s): %u snapshot(s) accepted, %u unchanged, %u rejected, %u failed%s",
                 run.config.sync_peers.n, run.accepted, run.unchanged, run.rejected, run.failed,
                 !run.config.sync_publish ? "" : r < 0 ? "; publishing failed" : "; published");
        ret = 0;
finish:
        seen_done(&run.seen);
        run.bus = sd_bus_flush_close_unref(run.bus);
        curl_global_cleanup();
        config_done(&run.config);
        return ret;
}
