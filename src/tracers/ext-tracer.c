/* SPDX-License-Identifier: GPL-2.0-or-later */
/* External tracers: open, check, load, attach, drain, decode. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "ext-tracer.h"
#include "ext-conf.h"
#include "ext-decode.h"
#include "ext-object.h"
#include "ext-plan.h"
#include "shared/log.h"
#include "shared/ringbuf.h"
#include "shared/timeutil.h"

#define EXT_VERIFIER_LOG_SIZE (256 * 1024)

struct ext_tracer {
        struct tracer_ops ops;          /* first: t->ops leads back here */
        struct tracer_info info;
        struct schema schema;
        struct column *columns;
        const char *events[2];
        struct ext_conf conf;
        struct ext_plan *plan;
        int cgroup_field, pid_field;    /* in the plan, or -1 */
};

/* while it runs (tracer.data) */
struct ext_run {
        struct bpf_object *obj;
        struct bpf_link *links[EXT_MAX_PROGRAMS];
        size_t n_links;
        struct ringbuf *ring;
        sd_event_source *ring_source;
        char text[EXT_DECODE_TEXT_SIZE];
};

static struct ext_tracer *ext_of(const struct tracer *t)
{
        return (struct ext_tracer *) t->ops;
}

/* The object named by the .tracer file, read if it can be trusted. */
static int read_object(const struct ext_conf *c, char **ret, size_t *ret_len, struct strbuf *why)
{
        return ext_file_read_trusted(c->object, EXT_OBJECT_MAX_SIZE, ret, ret_len, why);
}

static int field_index(const struct ext_plan *p, const char *name, bool integer)
{
        for (size_t i = 0; i < p->n_fields; i++)
                if (streq(p->fields[i].name, name))
                        return !integer || p->fields[i].kind == EXT_KIND_UINT || p->fields[i].kind == EXT_KIND_SINT
                                       ? (int) i : -1;
        return -1;
}

static int ext_on_event(struct tracer *t, const void *data, size_t size);
static int ext_start(struct tracer *t);
static void ext_stop(struct tracer *t);

struct ext_tracer *ext_tracer_free(struct ext_tracer *x)
{
        if (!x)
                return NULL;
        ext_plan_free(x->plan);
        free(x->columns);
        ext_conf_done(&x->conf);
        free(x);
        return NULL;
}

DEFINE_POINTER_CLEANUP(struct ext_tracer, ext_tracer_free);

int ext_tracer_new(const char *path, struct ext_tracer **ret, struct strbuf *why)
{
        _cleanup_(ext_tracer_freep) struct ext_tracer *x = NULL;
        _cleanup_free_ char *data = NULL;
        struct bpf_object *obj = NULL;
        struct strbuf reason = {};
        bool tracefs = false;
        size_t size = 0, n_columns = 0;
        int r;

        x = calloc(1, sizeof(*x));
        if (!x)
                return -ENOMEM;
        r = ext_conf_load(path, &x->conf, why);
        if (r < 0)
                return r;
        if (tracer_registry_find(x->conf.name) >= 0) {
                strbuf_printf(why, "%s: '%s' is the name of a built-in tracer", path, x->conf.name);
                return -EEXIST;
        }
        r = read_object(&x->conf, &data, &size, &reason);
        if (r >= 0)
                r = ext_object_check_isolated(data, size, &x->conf, &reason);
        if (r >= 0)
                r = ext_object_open(data, size, &x->conf, NULL, 0, &obj, &reason);
        if (r >= 0) {
                r = ext_object_check(obj, &x->conf, &tracefs, &x->plan, &reason);
                bpf_object__close(obj);
        }
        if (r >= 0)
                r = ext_schema_columns(x->plan, &x->columns, &n_columns, &reason);
        if (r < 0) {
                if (r != -ENOMEM)
                        strbuf_printf(why, "%s: %s: %s", path, x->conf.object, reason.data ?: strerror(-r));
                strbuf_free(&reason);
                return r;
        }
        strbuf_free(&reason);

        x->cgroup_field = field_index(x->plan, "cgroup_id", true);
        x->pid_field = field_index(x->plan, "pid", true);
        if (x->pid_field < 0)
                x->pid_field = field_index(x->plan, "tgid", true);
        x->schema = (struct schema) { .event = x->conf.name, .columns = x->columns, .n_columns = n_columns };
        x->events[0] = x->conf.name;
        x->info = (struct tracer_info) {
                .name = x->conf.name,
                .description = x->conf.description ?: "external tracer (cwatch.tracer(5))",
                .schema = &x->schema,
                .events = x->events,
                .enabled_by_default = x->conf.enable,
        };
        x->ops = (struct tracer_ops) {
                .info = &x->info,
                .needs_tracefs = tracefs,
                .external = true,
                .start = ext_start,
                .stop = ext_stop,
                .on_event = ext_on_event,
        };
        *ret = TAKE_PTR(x);
        return 0;
}

const struct tracer_ops *ext_tracer_ops(const struct ext_tracer *x)
{
        return &x->ops;
}

const char *ext_tracer_path(const struct ext_tracer *x)
{
        return x->conf.path;
}

static int ext_on_event(struct tracer *t, const void *data, size_t size)
{
        struct ext_tracer *x = ext_of(t);
        struct ext_run *run = t->data;
        struct value v[EXT_PLAN_MAX_FIELDS + 8] = {};
        struct record r = { .schema = &x->schema, .values = v, .time_ns = now_realtime_ns() };
        int k;

        k = ext_plan_decode(x->plan, data, size, v, run->text);
        if (k < 0)
                return k;
        /* identity: the cgroup the record names, else the one of the process it names */
        if (x->cgroup_field >= 0)
                r.cgroup_id = ext_field_u64(&x->plan->fields[x->cgroup_field], data);
        else if (x->pid_field >= 0 && t->env->cgroup_of_pid)
                r.cgroup_id = t->env->cgroup_of_pid(t->env->owner, ext_field_u64(&x->plan->fields[x->pid_field], data));
        return tracer_emit(t, &r);
}

static void ext_on_sample(void *userdata, void *data, size_t size)
{
        struct tracer *t = userdata;
        int r;

        t->events++;
        r = t->ops->on_event(t, data, size);
        if (r < 0)
                log_debug_errno(r, "%s: failed to decode a record of %zu bytes, ignoring: %m", t->ops->info->name,
                                size);
}

/* A bounded drain: a program that traces what cwatchd itself does for each record (its writes, the
 * opens of a pid's cgroup) feeds itself; the rest waits for the next turn of the loop (the fd is
 * level-triggered), so timers and signals still come. */
#define EXT_DRAIN_MAX 4096

static void ext_drain(struct tracer *t)
{
        struct ext_run *run = t->data;
        int r = ringbuf_consume_max(run->ring, EXT_DRAIN_MAX);

        if (r < 0)
                log_warning_errno(r, "%s: failed to read the ring buffer, ignoring: %m", t->ops->info->name);
}

static int ext_on_ring(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        ext_drain(userdata);
        return 0;
}

static struct ext_run *ext_run_free(struct ext_run *run)
{
        if (!run)
                return NULL;
        run->ring_source = sd_event_source_disable_unref(run->ring_source);
        run->ring = ringbuf_free(run->ring);
        for (size_t i = 0; i < run->n_links; i++)
                bpf_link__destroy(run->links[i]);
        bpf_object__close(run->obj);
        free(run);
        return NULL;
}

/* The last lines of the verifier's log: where it gave up, and why. */
static void verifier_reason(const char *log, struct strbuf *why)
{
        const char *end = log + strlen(log), *p = end;
        int lines = 0;

        while (p > log && (p[-1] == '\n' || p[-1] == ' '))
                end = --p;
        while (p > log && lines < 3)
                if (*--p == '\n')
                        lines++;
        if (*p == '\n')
                p++;
        if (end > p) {
                strbuf_puts(why, "; the verifier says: ");
                for (; p < end; p++)
                        strbuf_putc(why, *p == '\n' ? '|' : *p);
        }
}

static int load_and_attach(struct tracer *t, struct ext_run *run, const char *data, size_t size, struct strbuf *why)
{
        struct ext_tracer *x = ext_of(t);
        _cleanup_free_ char *log = calloc(1, EXT_VERIFIER_LOG_SIZE);
        struct ext_plan *plan = NULL;
        struct bpf_program *prog;
        struct bpf_map *map;
        bool tracefs = false, same;
        int r;

        if (!log)
                return -ENOMEM;
        /* the file may have changed since: the same look in a child first */
        r = ext_object_check_isolated(data, size, &x->conf, why);
        if (r >= 0)
                r = ext_object_open(data, size, &x->conf, log, EXT_VERIFIER_LOG_SIZE, &run->obj, why);
        if (r < 0)
                return r;
        r = ext_object_check(run->obj, &x->conf, &tracefs, &plan, why);
        if (r < 0)
                return r;
        same = ext_plan_equal(plan, x->plan);
        ext_plan_free(plan);
        if (!same) {
                strbuf_printf(why, "struct %s changed since cwatchd read it (its rules and columns are the old "
                              "ones): restart cwatchd to take the new object", x->conf.event);
                return -ESTALE;
        }
        r = bpf_object__load(run->obj);
        if (r < 0) {
                strbuf_printf(why, "the kernel refused to load it: %s", strerror(-r));
                verifier_reason(log, why);
                return r;
        }
        bpf_object__for_each_program(prog, run->obj) {
                struct bpf_link *link = bpf_program__attach(prog);

                if (!link) {
                        r = -errno;
                        strbuf_printf(why, "failed to attach program %s (SEC(\"%s\")): %s%s", bpf_program__name(prog),
                                      bpf_program__section_name(prog), strerror(-r),
                                      x->ops.needs_tracefs && access("/sys/kernel/tracing/events", F_OK) < 0
                                              ? " (tp/ programs need tracefs: mount -t tracefs nodev "
                                                "/sys/kernel/tracing)" : "");
                        return r;
                }
                run->links[run->n_links++] = link;
        }
        map = bpf_object__find_map_by_name(run->obj, x->conf.ringbuf);
        r = ringbuf_new(&run->ring, bpf_map__fd(map), bpf_map__max_entries(map), ext_on_sample, t);
        if (r < 0) {
                strbuf_printf(why, "failed to map ring buffer %s: %s", x->conf.ringbuf, strerror(-r));
                return r;
        }
        r = sd_event_add_io(t->env->event, &run->ring_source, bpf_map__fd(map), EPOLLIN, ext_on_ring, t);
        if (r < 0) {
                strbuf_printf(why, "failed to watch ring buffer %s: %s", x->conf.ringbuf, strerror(-r));
                return r;
        }
        (void) sd_event_source_set_description(run->ring_source, x->conf.name);
        map = ext_object_drops_map(run->obj, &x->conf, why, &r);
        t->drops_fd = map ? bpf_map__fd(map) : -1;
        return 0;
}

static int ext_start(struct tracer *t)
{
        struct ext_tracer *x = ext_of(t);
        _cleanup_free_ char *data = NULL;
        struct strbuf why = {};
        struct ext_run *run;
        size_t size = 0;
        int r;

        if (!t->env->event)
                return -EOPNOTSUPP;
        run = calloc(1, sizeof(*run));
        if (!run)
                return -ENOMEM;
        r = read_object(&x->conf, &data, &size, &why);
        if (r >= 0) {
                /* the decoder finds its buffer in t->data from the first record on */
                t->data = run;
                r = load_and_attach(t, run, data, size, &why);
        }
        if (r < 0) {
                if (r != -ENOMEM)
                        log_error("%s: %s: %s", x->conf.path, x->conf.object, why.data ?: strerror(-r));
                strbuf_free(&why);
                t->data = ext_run_free(run);
                t->drops_fd = -1;
                return r;
        }
        strbuf_free(&why);
        return 0;
}

static void ext_stop(struct tracer *t)
{
        /* what is waiting in the ring is still delivered */
        ext_drain(t);
        t->data = ext_run_free(t->data);
}
