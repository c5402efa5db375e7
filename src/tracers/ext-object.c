/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The checks of an external tracer's BPF object that need no kernel: an ELF BPF object with BTF,
 * its ring buffer and drop counter, programs of types cwatch attaches here, the decoder plan of its
 * struct. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "ext-object.h"
#include "ext-elf.h"
#include "shared/macro.h"

/* Section prefixes of the programs cwatch attaches here (docs/../TESTING: kprobes are not built
 * into every kernel cwatch runs on, fentry and lsm are refused by some); needs_tracefs for tp/. */
static const struct {
        const char *prefix;
        bool tracefs;
} attachable[] = {
        { "tp/", true },
        { "tracepoint/", true },
        { "tp_btf/", false },
        { "raw_tp/", false },
        { "raw_tracepoint/", false },
        { "uprobe/", false },
        { "uretprobe/", false },
        { "uprobe.s/", false },
        { "uretprobe.s/", false },
};

static int check_programs(struct bpf_object *obj, bool *needs_tracefs, struct strbuf *why)
{
        struct bpf_program *prog;
        size_t n = 0;

        bpf_object__for_each_program(prog, obj) {
                const char *sec = bpf_program__section_name(prog);
                bool ok = false;

                for (size_t i = 0; i < ELEMENTSOF(attachable) && !ok; i++)
                        if (strneq(sec, attachable[i].prefix, strlen(attachable[i].prefix))) {
                                ok = true;
                                *needs_tracefs |= attachable[i].tracefs;
                        }
                if (!ok) {
                        strbuf_printf(why, "program %s is SEC(\"%s\"), which cwatch cannot attach (only tp/, "
                                      "tp_btf/, raw_tp/ and uprobe/ programs: kprobes, fentry and lsm are not "
                                      "available on every kernel)", bpf_program__name(prog), sec);
                        return -EOPNOTSUPP;
                }
                if (++n > EXT_MAX_PROGRAMS) {
                        strbuf_printf(why, "more than %d programs", EXT_MAX_PROGRAMS);
                        return -E2BIG;
                }
        }
        if (n == 0) {
                strbuf_puts(why, "no programs in the object");
                return -EINVAL;
        }
        return 0;
}

struct bpf_map *ext_object_drops_map(struct bpf_object *obj, const struct ext_conf *c, struct strbuf *why, int *r)
{
        struct bpf_map *map = bpf_object__find_map_by_name(obj, c->drops_map ?: "drops");
        bool fits = map && bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_ARRAY && bpf_map__value_size(map) == 8;

        *r = 0;
        if (c->drops_map && !fits) {
                strbuf_printf(why, "DropsMap=%s: %s", c->drops_map,
                              map ? "not a per-CPU array of 64-bit counters" : "no map of this name");
                *r = -EINVAL;
        }
        return fits ? map : NULL;
}

/* Everything that can be checked without the kernel; *ret the plan of the struct. */
int ext_object_check(struct bpf_object *obj, const struct ext_conf *c, bool *needs_tracefs,
                        struct ext_plan **ret, struct strbuf *why)
{
        struct btf *btf = bpf_object__btf(obj);
        struct bpf_map *map;
        int r;

        if (!btf) {
                strbuf_puts(why, "no BTF in the object (compile it with clang -g)");
                return -EINVAL;
        }
        map = bpf_object__find_map_by_name(obj, c->ringbuf);
        if (!map) {
                strbuf_printf(why, "no map '%s' (RingBuffer=) in the object", c->ringbuf);
                return -ENOENT;
        }
        if (bpf_map__type(map) != BPF_MAP_TYPE_RINGBUF) {
                strbuf_printf(why, "map '%s' (RingBuffer=) is a %s map, not a ring buffer", c->ringbuf,
                              libbpf_bpf_map_type_str(bpf_map__type(map)) ?: "unknown");
                return -EINVAL;
        }
        (void) ext_object_drops_map(obj, c, why, &r);
        if (r < 0)
                return r;
        r = check_programs(obj, needs_tracefs, why);
        if (r < 0)
                return r;
        return ext_plan_build(btf, c->event, c->formats, c->n_formats, ret, why);
}

/* The object's bytes, opened by libbpf after a look at its ELF. */
int ext_object_open(const void *data, size_t size, const struct ext_conf *c, char *log, size_t log_size,
                       struct bpf_object **ret, struct strbuf *why)
{
        LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = c->name, .kernel_log_buf = log,
                    .kernel_log_size = log_size);
        struct bpf_object *obj;
        char err[128];
        int r;

        r = ext_elf_check(data, size, why);
        if (r < 0)
                return r;
        obj = bpf_object__open_mem(data, size, &opts);
        if (!obj) {
                r = -errno;
                libbpf_strerror(r, err, sizeof(err));
                strbuf_printf(why, "libbpf cannot open it: %s", err);
                return r;
        }
        *ret = obj;
        return 0;
}

int ext_object_check_mem(const void *data, size_t size, const struct ext_conf *conf, struct strbuf *why)
{
        struct bpf_object *obj = NULL;
        struct ext_plan *plan = NULL;
        bool tracefs = false;
        int r;

        r = ext_object_open(data, size, conf, NULL, 0, &obj, why);
        if (r < 0)
                return r;
        r = ext_object_check(obj, conf, &tracefs, &plan, why);
        ext_plan_free(plan);
        bpf_object__close(obj);
        return r;
}


int ext_object_check_isolated(const void *data, size_t size, const struct ext_conf *conf, struct strbuf *why)
{
        char reply[1024];
        size_t got = 0;
        int fds[2], status, r;
        pid_t pid;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(fds[0]);
                close(fds[1]);
                return r;
        }
        if (pid == 0) {
                struct strbuf text = {};
                int k;

                close(fds[0]);
                k = ext_object_check_mem(data, size, conf, &text);
                if (write(fds[1], &k, sizeof(k)) == sizeof(k) && text.data)
                        (void) !write(fds[1], text.data, MIN(text.len, sizeof(reply) - sizeof(k) - 1));
                _exit(0);
        }
        close(fds[1]);
        for (;;) {
                ssize_t n = read(fds[0], reply + got, sizeof(reply) - 1 - got);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                got += n;
        }
        close(fds[0]);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        /* a whole answer means the checks ran to their end, whatever the exit status says (valgrind's
         * --error-exitcode, say) */
        if (got < sizeof(int)) {
                strbuf_printf(why, "a malformed object: libbpf %s while reading it",
                              WIFSIGNALED(status) ? "crashed" : "failed");
                return -EINVAL;
        }
        memcpy(&r, reply, sizeof(r));
        reply[got] = '\0';
        if (r < 0)
                strbuf_puts(why, got > sizeof(int) ? reply + sizeof(int) : strerror(-r));
        return r;
}
