/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "service-bus-sync.h"
#include "service.h"
#include "bus/bus-errors.h"
#include "shared/fileio.h"
#include "shared/log.h"

#define ACTION_QUERY_ALERTS "org.cwatch1.query-alerts"
#define ACTION_MANAGE_WHITELIST "org.cwatch1.manage-whitelist"

static bool sync_on(struct service *s, sd_bus_error *error)
{
        if (!s->sync.on)
                sd_bus_error_set(error, BUS_ERROR_SYNC_OFF,
                                 "Whitelist snapshots are off ([Sync] Enable=no, or no usable host key: see "
                                 "journalctl -u cwatchd)");
        return s->sync.on;
}

int bus_method_export_snapshot(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct service *s = userdata;
        _cleanup_close_ int fd = -1;
        int r;

        r = polkit_check(&s->polkit, msg, ACTION_MANAGE_WHITELIST, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        if (!sync_on(s, error))
                return -EINVAL;
        r = service_sync_export(s);
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "Failed to sign a snapshot: %s", strerror(-r));
        fd = memfd_with(s->sync.latest, s->sync.latest_size, true);
        if (fd < 0)
                return fd;
        return sd_bus_reply_method_return(msg, "h", fd);
}

int bus_method_import_snapshot(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct service *s = userdata;
        _cleanup_free_ void *buf = NULL;
        struct snapshot_verdict v;
        const char *origin;
        struct stat st;
        size_t size;
        int fd, r;

        r = sd_bus_message_read(msg, "hs", &fd, &origin);
        if (r < 0)
                return r;
        /* a pipe or socket could keep the event loop waiting; a file or memfd is read at once */
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return sd_bus_error_set(error, BUS_ERROR_INVALID_ARGUMENT,
                                        "snapshot: a descriptor of a regular file or memfd, not a pipe or socket");
        if (strlen(origin) > 1024 || strpbrk(origin, "\n\r"))
                return sd_bus_error_set(error, BUS_ERROR_INVALID_ARGUMENT,
                                        "origin: one line of at most 1024 bytes (a file name or URL)");
        r = polkit_check(&s->polkit, msg, ACTION_MANAGE_WHITELIST, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        if (!sync_on(s, error))
                return -EINVAL;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return sd_bus_error_set_errnof(error, errno, "Failed to read the snapshot: %m");
        r = read_fd_full(fd, SNAPSHOT_MAX_FILE_SIZE, &buf, &size);
        if (r == -EFBIG) {
                log_warning("Rejected whitelist snapshot from %s: more than %llu bytes", *origin ? origin : "D-Bus",
                            (unsigned long long) SNAPSHOT_MAX_FILE_SIZE);
                return sd_bus_error_setf(error, BUS_ERROR_SNAPSHOT_REJECTED,
                                         "snapshot from %s: more than the limit of %llu bytes",
                                         *origin ? origin : "D-Bus", (unsigned long long) SNAPSHOT_MAX_FILE_SIZE);
        }
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "Failed to read the snapshot: %s", strerror(-r));
        r = service_sync_import(s, buf, size, *origin ? origin : "D-Bus", &v);
        if (r == -EBADMSG)
                return sd_bus_error_setf(error, BUS_ERROR_SNAPSHOT_REJECTED, "%s (%s)", v.message,
                                         snapshot_rejection_to_string(v.reason));
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "Failed to merge the snapshot: %s", strerror(-r));
        return sd_bus_reply_method_return(msg, "stu", v.host->name, s->sync.peers[v.host - s->sync.trusted.hosts]
                                          .snapshot->header.serial,
                                          s->sync.peers[v.host - s->sync.trusted.hosts].snapshot->header.count);
}

int bus_method_get_host_key(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct service *s = userdata;
        _cleanup_free_ char *pub = NULL;
        char id[33];
        int r;

        r = polkit_check(&s->polkit, msg, ACTION_QUERY_ALERTS, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        if (!sync_on(s, error))
                return -EINVAL;
        pub = public_key_to_string(s->sync.key.public_key);
        if (!pub)
                return -ENOMEM;
        host_id_to_string(s->sync.host_id, id);
        return sd_bus_reply_method_return(msg, "ss", id, pub);
}
