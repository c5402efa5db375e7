/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include "service-fdstore.h"
#include "manager.h"
#include "shared/log.h"
#include "shared/macro.h"
#include "shared/timeutil.h"

#define FDSTORE_RING "cwatch-ring"
#define FDSTORE_LINKS "cwatch-links-g"          /* + the generation */
#define FDSTORE_CHUNK 128                       /* fds per message (SCM_MAX_FD is 253) */

static bool fd_is_bpf_link(int fd)
{
        char path[64], target[64];
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        n = readlink(path, target, sizeof(target) - 1);
        if (n < 0)
                return false;
        target[n] = '\0';
        return streq(target, "anon_inode:bpf_link");
}

void service_handover_begin(struct service_handover *h, struct manager *m)
{
        _cleanup_free_ char **names = NULL;
        int n, r;

        *h = (struct service_handover) { .ring_fd = -1 };
        n = sd_listen_fds_with_names(false, &names);
        for (int i = 0; i < MAX(n, 0); i++) {
                int fd = SD_LISTEN_FDS_START + i;
                const char *name = names ? names[i] : "";

                if (streq(name, FDSTORE_RING) && h->ring_fd < 0)
                        h->ring_fd = fd;
                else if (strncmp(name, FDSTORE_LINKS, strlen(FDSTORE_LINKS)) == 0 && fd_is_bpf_link(fd)) {
                        int *g = realloc(h->link_fds, (h->n_links + 1) * sizeof(int));

                        if (!g) {
                                close(fd);
                                continue;
                        }
                        h->link_fds = g;
                        h->link_fds[h->n_links++] = fd;
                        h->generation = name[strlen(FDSTORE_LINKS)] == '1';
                }
        }
        for (int i = 0; names && i < MAX(n, 0); i++)
                free(names[i]);
        if (h->ring_fd < 0) {
                if (h->n_links > 0)
                        log_warning("%zu BPF links of an earlier cwatchd passed without its ring buffer, "
                                    "detaching them", h->n_links);
                return;
        }
        r = manager_adopt_ringbuf(m, h->ring_fd, h->generation);
        h->ring_fd = -1;
        if (r < 0) {
                log_warning_errno(r, "Failed to take over the earlier cwatchd's ring buffer, its events are lost: %m");
                return;
        }
        h->adopted = true;
        log_info("Took over the ring buffer of the earlier cwatchd%s", h->n_links > 0 ?
                 " and its attached programs: no events were missed meanwhile unless the ring filled" : "");
}

static void *close_fds_thread(void *p)
{
        struct service_handover *h = p;

        for (size_t i = 0; i < h->n_links; i++)
                close(h->link_fds[i]);
        __atomic_store_n(&h->closing, false, __ATOMIC_RELEASE);
        return NULL;
}

void service_handover_finish(struct service_handover *h, struct manager *m)
{
        char msg[64];

        /* ours first, while the earlier ones are still open and known */
        h->closing = h->n_links > 0;
        (void) service_fdstore_keep(m, h);
        if (h->n_links == 0)
                return;
        snprintf(msg, sizeof(msg), "FDSTOREREMOVE=1\nFDNAME=" FDSTORE_LINKS "%u", h->generation);
        (void) sd_notify(false, msg);
        log_info("Detaching the %zu BPF links of the earlier cwatchd, ours are attached", h->n_links);
        if (pthread_create(&h->closer, NULL, close_fds_thread, h) != 0)
                close_fds_thread(h);
        else
                h->closer_started = true;
}

void service_handover_done(struct service_handover *h)
{
        if (h->closer_started)
                (void) pthread_join(h->closer, NULL);
        else if (h->closing)
                close_fds_thread(h);
        h->closer_started = false;
        free(h->link_fds);
        h->link_fds = NULL;
        h->n_links = 0;
}

static bool fd_in(int fd, const int *fds, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (fds[i] == fd)
                        return true;
        return false;
}

static int links_of_this_process(int **ret, const int *skip, size_t n_skip)
{
        _cleanup_free_ int *fds = NULL;
        size_t n = 0;
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                int fd = atoi(de->d_name);
                int *g;

                if (de->d_name[0] == '.' || fd == dirfd(d) || fd_in(fd, skip, n_skip) || !fd_is_bpf_link(fd))
                        continue;
                g = realloc(fds, (n + 1) * sizeof(int));
                if (!g) {
                        closedir(d);
                        return -ENOMEM;
                }
                fds = g;
                fds[n++] = fd;
        }
        closedir(d);
        *ret = TAKE_PTR(fds);
        return (int) n;
}

int service_fdstore_keep(const struct manager *m, struct service_handover *h)
{
        bool skip = h && __atomic_load_n(&h->closing, __ATOMIC_ACQUIRE);
        _cleanup_free_ int *fds = NULL;
        char msg[64];
        int n, r;

        if (!getenv("NOTIFY_SOCKET"))
                return 0;
        r = sd_pid_notify_with_fds(0, false, "FDSTORE=1\nFDNAME=" FDSTORE_RING, &m->ringbuf_fd, 1);
        if (r <= 0)
                return log_warning_errno(r ?: -EOPNOTSUPP, "Failed to keep the ring buffer in systemd's file "
                                         "descriptor store, a restart will miss events: %m");
        n = links_of_this_process(&fds, skip ? h->link_fds : NULL, skip ? h->n_links : 0);
        if (n < 0)
                return log_warning_errno(n, "Failed to list the BPF links: %m");
        snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=" FDSTORE_LINKS "%u", m->tracer_env.generation);
        for (int i = 0; i < n; i += FDSTORE_CHUNK) {
                r = sd_pid_notify_with_fds(0, false, msg, fds + i, MIN(n - i, FDSTORE_CHUNK));
                if (r <= 0)
                        return log_warning_errno(r ?: -EOPNOTSUPP, "Failed to keep the BPF links in systemd's "
                                                 "file descriptor store: %m");
        }
        log_debug("%d BPF links and the ring buffer in the file descriptor store", n);
        return n;
}

void service_fdstore_forget(const struct manager *m, bool with_ring)
{
        char msg[64];

        if (!getenv("NOTIFY_SOCKET"))
                return;
        snprintf(msg, sizeof(msg), "FDSTOREREMOVE=1\nFDNAME=" FDSTORE_LINKS "%u", m->tracer_env.generation);
        (void) sd_notify(false, msg);
        if (with_ring)
                (void) sd_notify(false, "FDSTOREREMOVE=1\nFDNAME=" FDSTORE_RING);
}
