/* SPDX-License-Identifier: GPL-2.0-or-later */
/* External tracers (cwatch.tracer(5)) in the manager: found in the tracers.d directories when
 * cwatchd starts and added after the built-in tracers, so that everything that walks the manager's
 * tracers (start, stop, ListTracers, metrics, the status) has them; their events join the catalog
 * the rules are compiled against. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "manager.h"
#include "ext-catalog.h"
#include "detect/rules-check.h"
#include "identity/cgroup-pid.h"
#include "shared/log.h"
#include "tracers/ext-tracer.h"

/* The inode of the initial PID namespace (PROC_PID_INIT_INO): BPF programs see pids there. */
#define PID_NS_INIT_INO UINT64_C(0xEFFFFFFC)

struct manager_ext {
        struct ext_set set;
        struct detect_event_schema *events;
        struct detect_catalog catalog;
        /* records that carry only a pid: looked up in /proc when cwatchd sees the pids the kernel
         * does (it is in the initial PID namespace), and not for cwatchd itself, whose reading of
         * /proc/PID/cgroup a tracer of opens would send back as the next record */
        bool pid_lookup;
        uint32_t self_pid;
};

struct manager_ext *manager_ext_free(struct manager_ext *e)
{
        if (!e)
                return NULL;
        ext_set_done(&e->set);
        free(e->events);
        free(e);
        return NULL;
}

static uint64_t manager_cgroup_of_pid(void *owner, uint32_t pid)
{
        struct manager *m = owner;
        const char *mount = m->identity ? identity_cgroup_mount(m->identity) : NULL;
        uint64_t id = 0;

        if (!mount || !m->ext || !m->ext->pid_lookup || pid == m->ext->self_pid ||
            cgroup_id_of_pid(mount, pid, &id) < 0)
                return 0;
        return id;
}

int manager_load_external_tracers(struct manager *m, const char *const *dirs, size_t n_dirs)
{
        struct manager_ext *e;
        struct stat st;
        int r;

        if (m->ext)
                return -EALREADY;
        e = m->ext = calloc(1, sizeof(*m->ext));
        if (!e)
                return -ENOMEM;
        m->tracer_env.cgroup_of_pid = manager_cgroup_of_pid;
        e->pid_lookup = stat("/proc/self/ns/pid", &st) >= 0 && st.st_ino == PID_NS_INIT_INO;
        e->self_pid = getpid();
        if (!e->pid_lookup)
                log_debug("cwatchd is not in the initial PID namespace: records of external tracers with a "
                          "pid and no cgroup_id have no identity");
        r = ext_set_load(&e->set, dirs, n_dirs);
        if (r < 0)
                return r;
        for (size_t i = 0; i < e->set.n_tracers; i++) {
                const struct tracer_ops *ops = ext_tracer_ops(e->set.tracers[i]);

                if (m->n_tracers >= MANAGER_MAX_TRACERS) {
                        log_error("External tracer %s left out: more than %d tracers in all", ops->info->name,
                                  MANAGER_MAX_TRACERS);
                        continue;
                }
                m->tracers[m->n_tracers] = (struct tracer) {
                        .ops = ops,
                        .env = &m->tracer_env,
                        .index = m->n_tracers,
                        .drops_fd = -1,
                };
                m->n_tracers++;
                log_info("External tracer %s from %s", ops->info->name, ext_tracer_path(e->set.tracers[i]));
        }
        return ext_catalog_build(&e->set, &e->events, &e->catalog);
}

const char *manager_external_rejected(const struct manager *m, const char *name)
{
        return m->ext ? ext_set_rejected(&m->ext->set, name) : NULL;
}

const struct detect_catalog *manager_detect_catalog(struct manager *m)
{
        return m->ext && m->ext->events ? &m->ext->catalog : detect_registry_catalog();
}
