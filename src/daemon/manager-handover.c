/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Taking over from a cwatchd that was killed or restarted. The service keeps the ring buffer and
 * the BPF links in systemd's file descriptor store (service-fdstore.c), so the earlier programs
 * stay attached while no cwatchd runs and write into the same ring. The next cwatchd consumes that
 * ring from where the last one stopped; its own programs stamp the other generation, and the
 * earlier programs' events are kept until its own tracer attached, when both see the same. */
#include <errno.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "manager.h"
#include "event.h"
#include "shared/log.h"
#include "shared/ringbuf.h"

bool manager_handover_accept(struct manager *m, struct tracer *t, const struct cw_event_header *h)
{
        if (h->time_ns >= m->started_boot_ns[t->index]) {
                m->handover_duplicates++;
                return false;
        }
        m->handover_events++;
        return true;
}

int manager_adopt_ringbuf(struct manager *m, int fd, uint8_t generation)
{
        struct bpf_map_info info = {};
        uint32_t len = sizeof(info);
        sd_event_source *source = NULL;
        int r;

        if (m->ringbuf || m->ringbuf_adopted) {
                close(fd);
                return -EBUSY;
        }
        if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        if (info.type != BPF_MAP_TYPE_RINGBUF || info.max_entries != m->ringbuf_size) {
                close(fd);
                return -EINVAL;
        }
        r = sd_event_add_io(m->event, &source, fd, EPOLLIN | EPOLLET, manager_on_ringbuf, m);
        if (r < 0) {
                close(fd);
                return r;
        }
        (void) sd_event_source_set_description(source, "ringbuf");
        m->ringbuf_source = sd_event_source_disable_unref(m->ringbuf_source);
        close(m->ringbuf_fd);
        m->ringbuf_source = source;
        m->ringbuf_fd = m->tracer_env.ringbuf_fd = fd;
        m->tracer_env.generation = !generation;
        m->ringbuf_adopted = true;
        return 0;
}
