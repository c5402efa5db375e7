/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "tracer-test.h"
#include "shared/log.h"
#include "shared/timeutil.h"
#include "daemon/options.h"

void tt_require_privileges(void)
{
        if (geteuid() != 0) {
                fprintf(stderr, "SKIP: integration tests need root\n");
                exit(77);
        }
        if (access("/sys/kernel/btf/vmlinux", R_OK) < 0) {
                fprintf(stderr, "SKIP: no kernel BTF\n");
                exit(77);
        }
}

static int tt_record_hook(void *userdata, const struct record *r)
{
        struct tt *t = userdata;
        struct json_object *o;

        strbuf_reset(&t->buf);
        format_record(&t->buf, OUTPUT_JSON, r);
        if (t->buf.oom)
                abort();
        o = json_tokener_parse(t->buf.data);
        if (!o) {
                fprintf(stderr, "FAIL: record is not valid JSON: %s", t->buf.data);
                abort();
        }
        /* what cwatchd run would not print */
        if (r->quiet)
                json_object_object_add(o, "_quiet", json_object_new_boolean(true));
        if (t->n_records == t->cap) {
                t->cap = t->cap ? t->cap * 2 : 1024;
                t->records = realloc(t->records, t->cap * sizeof(*t->records));
                if (!t->records)
                        abort();
        }
        t->records[t->n_records++] = o;
        return 0;
}

void tt_setup(struct tt *t, const char *const *tracers)
{
        tt_setup_identity(t, tracers, &(struct identity_config) {});
}

void tt_setup_identity(struct tt *t, const char *const *tracers, const struct identity_config *identity)
{
        int r;

        *t = (struct tt) {};
        log_setup(LOG_TARGET_CONSOLE, getenv("CWATCH_TEST_DEBUG") ? LOG_DEBUG : LOG_WARNING);
        r = manager_new(&t->m, 16 << 20, DEFAULT_INTERVAL_NS);
        if (r < 0) {
                fprintf(stderr, "FAIL: manager_new: %s\n", strerror(-r));
                exit(1);
        }
        r = manager_add_record_sink(t->m, &(struct record_sink) {
                .name = "test", .on_record = tt_record_hook, .userdata = t });
        if (r >= 0) {
                struct record_sink out;

                t->printed = open_memstream(&t->printed_data, &t->printed_size);
                if (!t->printed)
                        abort();
                formatter_init(&t->formatter, OUTPUT_JSON, t->printed);
                output_init(&t->output, &t->formatter, NULL, 0);
                out = output_record_sink(&t->output);
                r = manager_add_record_sink(t->m, &out);
        }
        if (r < 0) {
                fprintf(stderr, "FAIL: record sinks: %s\n", strerror(-r));
                exit(1);
        }
        if (identity) {
                r = manager_enable_identity(t->m, identity);
                if (r < 0) {
                        fprintf(stderr, "FAIL: identity: %s\n", strerror(-r));
                        exit(1);
                }
        }
        for (; *tracers; tracers++) {
                r = manager_start_tracer(t->m, *tracers);
                if (r < 0) {
                        fprintf(stderr, "FAIL: starting %s: %s\n", *tracers, strerror(-r));
                        exit(1);
                }
        }
        /* the ring buffer's pages are mapped at the first drain, as in cwatchd once its tracers
         * have started: from here on they are part of every measurement of the process */
        (void) manager_drain(t->m);
}

static void tt_drop_printed_records(struct tt *t)
{
        for (size_t i = 0; i < t->n_printed_records; i++)
                json_object_put(t->printed_records[i]);
        free(t->printed_records);
        t->printed_records = NULL;
        t->n_printed_records = 0;
}

void tt_done(struct tt *t)
{
        t->m = manager_free(t->m);
        for (size_t i = 0; i < t->n_records; i++)
                json_object_put(t->records[i]);
        free(t->records);
        strbuf_free(&t->buf);
        tt_drop_printed_records(t);
        output_done(&t->output);
        formatter_done(&t->formatter);
        if (t->printed)
                fclose(t->printed);
        free(t->printed_data);
        *t = (struct tt) {};
}

void tt_set_output_order(struct tt *t, const char *sort_key, size_t top)
{
        t->output.sort_key = sort_key;
        t->output.top = top;
}

bool tt_wait_for(struct tt *t, tt_predicate pred, void *userdata, int timeout_ms)
{
        uint64_t end = now_monotonic_ns() + (uint64_t) timeout_ms * NSEC_PER_MSEC;

        for (;;) {
                (void) manager_drain(t->m);
                if (pred && pred(t, userdata))
                        return true;
                if (now_monotonic_ns() >= end)
                        return false;
                (void) sd_event_run(t->m->event, 20 * 1000);
        }
}

void tt_run_for(struct tt *t, int ms)
{
        (void) tt_wait_for(t, NULL, NULL, ms);
}

const char *tt_str(struct json_object *o, const char *key)
{
        struct json_object *v;

        return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

int64_t tt_int(struct json_object *o, const char *key)
{
        struct json_object *v;

        return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : INT64_MIN;
}

bool tt_has(struct json_object *o, const char *key)
{
        return json_object_object_get_ex(o, key, NULL);
}

struct json_object *tt_find(struct tt *t, const char *event, const char *key, int64_t value)
{
        for (size_t i = 0; i < t->n_records; i++) {
                struct json_object *o = t->records[i];
                const char *ev = tt_str(o, "event");

                if (ev && streq(ev, event) && tt_has(o, key) && tt_int(o, key) == value)
                        return o;
        }
        return NULL;
}

size_t tt_count(struct tt *t, bool (*match)(struct json_object *o, void *userdata), void *userdata)
{
        size_t n = 0;

        for (size_t i = 0; i < t->n_records; i++)
                n += match(t->records[i], userdata);
        return n;
}

pid_t tt_spawn(char *const argv[])
{
        pid_t pid = fork();

        if (pid == 0) {
                int fd = open("/dev/null", O_RDONLY);

                if (fd >= 0)
                        dup2(fd, 0);
                execv(argv[0], argv);
                _exit(127);
        }
        return pid;
}

int tt_wait(pid_t pid)
{
        int status = 0;

        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        return status;
}

const char *tt_marker(char *buf, size_t size, const char *prefix)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(buf, size, "%s-%d-%ld", prefix, getpid(), ts.tv_nsec);
        return buf;
}

bool tt_is_quiet(struct json_object *o)
{
        return tt_has(o, "_quiet");
}

size_t tt_printed(struct tt *t, struct json_object **ret, size_t max)
{
        char *line, *end;

        fflush(t->printed);
        tt_drop_printed_records(t);
        for (line = t->printed_data; line && *line; line = end + 1) {
                struct json_object *o;

                end = strchrnul(line, '\n');
                o = json_tokener_parse(strndupa(line, end - line));
                if (!o) {
                        fprintf(stderr, "FAIL: printed line is not JSON: %.*s\n", (int) (end - line), line);
                        abort();
                }
                t->printed_records = realloc(t->printed_records, (t->n_printed_records + 1) * sizeof(o));
                if (!t->printed_records)
                        abort();
                t->printed_records[t->n_printed_records++] = o;
                if (!*end)
                        break;
        }
        for (size_t i = 0; i < t->n_printed_records && i < max; i++)
                ret[i] = t->printed_records[i];
        return t->n_printed_records;
}

int tt_make_deep_dir(int dir_fd, const char *comp, size_t depth)
{
        int fd = dup(dir_fd);

        if (fd < 0)
                return -errno;
        for (size_t i = 0; i < depth; i++) {
                int next;

                if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
                        int r = -errno;

                        close(fd);
                        return r;
                }
                next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                close(fd);
                if (next < 0)
                        return -errno;
                fd = next;
        }
        return fd;
}

char *tt_deep_path(const char *base, const char *comp, size_t depth, const char *name)
{
        size_t lb = strlen(base), lc = strlen(comp), ln = name ? strlen(name) + 1 : 0;
        char *s = malloc(lb + depth * (lc + 1) + ln + 1), *p;

        if (!s)
                return NULL;
        p = mempcpy(s, base, lb);
        for (size_t i = 0; i < depth; i++) {
                *p++ = '/';
                p = mempcpy(p, comp, lc);
        }
        if (name) {
                *p++ = '/';
                p = mempcpy(p, name, ln - 1);
        }
        *p = '\0';
        return s;
}

int tt_copy_file_at(const char *from, int dir_fd, const char *name, mode_t mode)
{
        char buf[65536];
        int in = open(from, O_RDONLY | O_CLOEXEC), out, r = 0;
        ssize_t n;

        if (in < 0)
                return -errno;
        out = openat(dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (out < 0) {
                r = -errno;
                close(in);
                return r;
        }
        while ((n = read(in, buf, sizeof(buf))) > 0)
                if (write(out, buf, n) != n) {
                        r = -EIO;
                        break;
                }
        if (n < 0)
                r = -errno;
        if (fchmod(out, mode) < 0 && r == 0)
                r = -errno;
        close(in);
        if (close(out) < 0 && r == 0)
                r = -errno;
        return r;
}

pid_t tt_spawn_at(int dir_fd, const char *name, char *const argv[])
{
        pid_t pid = fork();

        if (pid == 0) {
                char *envp[] = { NULL };
                int fd = open("/dev/null", O_RDONLY);

                if (fd >= 0)
                        dup2(fd, 0);
                syscall(SYS_execveat, dir_fd, name, argv, envp, 0);
                _exit(127);
        }
        return pid;
}

int tt_remove_tree(const char *path)
{
        pid_t pid = fork();
        int status;

        if (pid == 0) {
                execlp("rm", "rm", "-rf", "--", path, (char *) NULL);
                _exit(127);
        }
        if (pid < 0)
                return -1;
        status = tt_wait(pid);
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

char *tt_cut_path(const char *path, size_t keep, const char *name)
{
        const char *slash = memrchr(path, '/', MIN(keep, strlen(path)));
        char *s;

        if (!slash || asprintf(&s, "%.*s/.../%s", (int) (slash - path), path, name) < 0)
                return NULL;
        return s;
}

pid_t tt_deep_chain_exec(const char *dir, const char *comp, size_t depth, const char *from, const char *name,
                         char *const argv[])
{
        pid_t pid = fork();
        int status;

        if (pid == 0) {
                char *envp[] = { NULL }, exe[NAME_MAX + 3];
                int fd = open("/dev/null", O_RDWR);

                if (chdir(dir) < 0)
                        _exit(2);
                for (size_t i = 0; i < depth; i++)
                        if ((mkdir(comp, 0755) < 0 && errno != EEXIST) || chdir(comp) < 0)
                                _exit(3);
                if (tt_copy_file_at(from, AT_FDCWD, name, 0755) < 0)
                        _exit(4);
                if (!argv)
                        _exit(0);
                dup2(fd, 0);
                dup2(fd, 1);
                snprintf(exe, sizeof(exe), "./%s", name);
                execve(exe, argv, envp);
                _exit(127);
        }
        if (pid < 0 || argv)
                return pid;
        status = tt_wait(pid);
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int tt_deep_chain_remove(const char *dir, const char *comp, size_t depth, const char *name)
{
        pid_t pid = fork();
        int status;

        if (pid == 0) {
                if (chdir(dir) < 0)
                        _exit(2);
                for (size_t i = 0; i < depth; i++)
                        if (chdir(comp) < 0)
                                _exit(3);
                if (unlink(name) < 0 && errno != ENOENT)
                        _exit(4);
                for (size_t i = 0; i < depth; i++)
                        if (chdir("..") < 0 || rmdir(comp) < 0)
                                _exit(5);
                _exit(0);
        }
        if (pid < 0)
                return -1;
        status = tt_wait(pid);
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}
