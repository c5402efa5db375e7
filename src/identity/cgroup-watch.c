/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The identity module's events do not go through the tracers' shared ring buffer: they are not a
 * tracer's (no registry index, nothing for "cwatchd run" or ListTracers to hide), and the module
 * lives as long as the manager, not as long as some tracer. Ordering against the tracers' events is
 * handled by the identity context: a lookup that misses resolves the id itself (open_by_handle_at),
 * and removals wait until the tracers' ring buffer has been drained. */
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cgroup-watch.h"
#include "cgroup.h"
#include "cgroup.skel.h"
#include "shared/bpf-util.h"
#include "shared/log.h"
#include "shared/ringbuf.h"

#define CGROUP_WATCH_RINGBUF_SIZE (256 * 1024)    /* ~230 events of 1.1 KiB */

struct cgroup_watch {
        struct cgroup_bpf *skel;
        int ringbuf_fd;
        struct ringbuf *ringbuf;
        sd_event_source *source;
        int drops_fd;
        const struct cgroup_watch_ops *ops;
        void *userdata;
};

static void cgroup_watch_sample(void *ctx, void *data, size_t size)
{
        struct cgroup_watch *w = ctx;
        const struct cw_cgroup_event *e = data;

        if (size < sizeof(*e) || e->hdr.version != CW_EVENT_VERSION || e->path_len >= sizeof(e->path) ||
            (e->hdr.type != CW_EV_CGROUP_MKDIR && e->hdr.type != CW_EV_CGROUP_RMDIR))
                return;
        /* a path the kernel cut short is useless: the id alone will be resolved on lookup */
        w->ops->on_cgroup(w->userdata, e->hdr.type, e->id,
                          e->path_len > 0 && e->path_len < sizeof(e->path) - 1 ? e->path : NULL);
}

static int cgroup_watch_on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct cgroup_watch *w = userdata;

        w->ops->on_readable(w->userdata);
        return 0;
}

int cgroup_watch_consume(struct cgroup_watch *w)
{
        int r = ringbuf_consume(w->ringbuf);

        return r < 0 ? r : 0;
}

int cgroup_watch_new(struct cgroup_watch **ret, sd_event *event, int allow_fd,
                     const struct cgroup_watch_ops *ops, void *userdata)
{
        struct cgroup_watch *w;
        uint8_t on = allow_fd >= 0;
        int r;

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        *w = (struct cgroup_watch) { .ringbuf_fd = -1, .drops_fd = -1, .ops = ops, .userdata = userdata };

        w->ringbuf_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "cw_cgroups", 0, 0, CGROUP_WATCH_RINGBUF_SIZE, NULL);
        if (w->ringbuf_fd < 0) {
                r = log_error_errno(errno, "identity: failed to create the cgroup ring buffer: %m");
                goto fail;
        }
        w->skel = cgroup_bpf__open();
        if (!w->skel) {
                r = log_error_errno(errno, "identity: failed to open the cgroup watcher: %m");
                goto fail;
        }
        r = bpf_map__reuse_fd(w->skel->maps.events, w->ringbuf_fd);
        if (r >= 0 && allow_fd >= 0)
                r = bpf_map__reuse_fd(w->skel->maps.cgroup_allow, allow_fd);
        if (r < 0) {
                log_error_errno(r, "identity: failed to share the watcher's maps: %m");
                goto fail;
        }
        w->skel->rodata->cw_cgroup_filter = on;
        r = cgroup_bpf__load(w->skel);
        if (r < 0) {
                log_error_errno(r, "identity: failed to load the cgroup watcher: %m");
                goto fail;
        }
        w->drops_fd = bpf_map__fd(w->skel->maps.drops);
        r = cgroup_bpf__attach(w->skel);
        if (r < 0) {
                log_error_errno(r, "identity: failed to attach to cgroup_mkdir/cgroup_rmdir: %m");
                goto fail;
        }
        r = ringbuf_new(&w->ringbuf, w->ringbuf_fd, CGROUP_WATCH_RINGBUF_SIZE, cgroup_watch_sample, w);
        if (r < 0) {
                log_error_errno(r, "identity: failed to map the cgroup ring buffer: %m");
                goto fail;
        }
        r = sd_event_add_io(event, &w->source, w->ringbuf_fd, EPOLLIN,
                            cgroup_watch_on_io, w);
        if (r < 0) {
                log_error_errno(r, "identity: failed to watch the cgroup ring buffer: %m");
                goto fail;
        }
        (void) sd_event_source_set_description(w->source, "identity-cgroups");
        *ret = w;
        return 0;
fail:
        cgroup_watch_free(w);
        return r;
}

struct cgroup_watch *cgroup_watch_free(struct cgroup_watch *w)
{
        if (!w)
                return NULL;
        w->source = sd_event_source_disable_unref(w->source);
        w->ringbuf = ringbuf_free(w->ringbuf);
        cgroup_bpf__destroy(w->skel);
        if (w->ringbuf_fd >= 0)
                close(w->ringbuf_fd);
        free(w);
        return NULL;
}

uint64_t cgroup_watch_drops(const struct cgroup_watch *w)
{
        uint64_t n = 0;

        if (w->drops_fd >= 0 && bpf_percpu_sum(w->drops_fd, 0, &n) < 0)
                n = 0;
        return n;
}
