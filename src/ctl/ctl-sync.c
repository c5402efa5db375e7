/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctl-sync.h"
#include "shared/fileio.h"
#include "shared/macro.h"

/* Snapshots are at most this large (src/snapshot/snapshot.h) */
#define SNAPSHOT_FILE_LIMIT (64u << 20)

int ctl_keys(struct ctl *c, int argc, char **argv)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *id, *key;
        char host[256] = "HOST";
        int r;

        if (!streq(argv[1], "show")) {
                fprintf(stderr, "Unknown command 'keys %s' (keys show)\n", argv[1]);
                return EXIT_USAGE;
        }
        r = ctl_call(c, "read the host key", "GetHostKey", &reply, NULL);
        if (r != 0)
                return r;
        r = sd_bus_message_read(reply, "ss", &id, &key);
        if (r < 0) {
                fprintf(stderr, "Bad reply: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        (void) gethostname(host, sizeof(host) - 1);
        printf("# cwatch host %s: on each peer, save as /etc/cwatch/trusted-hosts.d/%s.pub\n"
               "[Host]\nHostId=%s\nPublicKey=%s\nWeight=1\n", host, host, id, key);
        return EXIT_OK;
}

static int export_to(struct ctl *c, const char *file)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ void *buf = NULL;
        size_t size;
        int fd, r;

        r = ctl_call(c, "export a snapshot", "ExportSnapshot", &reply, NULL);
        if (r != 0)
                return r;
        r = sd_bus_message_read(reply, "h", &fd);
        if (r >= 0)
                r = read_fd_full(fd, SNAPSHOT_FILE_LIMIT, &buf, &size);
        if (r < 0) {
                fprintf(stderr, "Failed to read the snapshot: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        if (streq(file, "-"))
                r = fwrite(buf, 1, size, stdout) == size && fflush(stdout) == 0 ? 0 : -EIO;
        else
                r = write_file_atomic(file, buf, size, 0644);
        if (r < 0) {
                fprintf(stderr, "Failed to write %s: %s\n", file, strerror(-r));
                return EXIT_FAIL;
        }
        if (!streq(file, "-"))
                fprintf(stderr, "Wrote a signed snapshot of %zu bytes to %s\n", size, file);
        return EXIT_OK;
}

/* Standard input copied into a memfd: cwatchd takes files, not pipes. */
static int stdin_memfd(void)
{
        _cleanup_free_ void *buf = NULL;
        size_t size;
        int r;

        r = read_fd_full(STDIN_FILENO, SNAPSHOT_FILE_LIMIT, &buf, &size);
        if (r >= 0)
                r = memfd_with(buf, size, false);
        if (r < 0)
                errno = -r;
        return r < 0 ? -1 : r;
}

static int import_from(struct ctl *c, const char *file)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_close_ int fd = streq(file, "-") ? stdin_memfd() : open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        _cleanup_free_ char *origin = streq(file, "-") ? strdup("standard input") : realpath(file, NULL);
        const char *host;
        uint64_t serial;
        uint32_t entries;
        int r;

        if (fd < 0) {
                fprintf(stderr, "Failed to open %s: %m\n", file);
                return EXIT_FAIL;
        }
        r = ctl_call(c, "import the snapshot", "ImportSnapshot", &reply, "hs", fd, origin ?: file);
        if (r != 0)
                return r;
        r = sd_bus_message_read(reply, "stu", &host, &serial, &entries);
        if (r < 0) {
                fprintf(stderr, "Bad reply: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        printf("Accepted the snapshot of host %s: serial %" PRIu64 ", %" PRIu32 " entries\n", host, serial, entries);
        return EXIT_OK;
}

int ctl_whitelist_transfer(struct ctl *c, int argc, char **argv)
{
        if (argc != 3 || (!streq(argv[1], "export") && !streq(argv[1], "import"))) {
                fprintf(stderr, "Usage: cwatchctl whitelist export FILE | whitelist import FILE\n");
                return EXIT_USAGE;
        }
        return streq(argv[1], "export") ? export_to(c, argv[2]) : import_from(c, argv[2]);
}
