/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The process and files decoders on exec and open events with cut paths: the root-side prefix,
 * "/.../" and the file's own name, the *_truncated columns, and events whose lengths lie (the
 * decoder refuses them) or that are random bytes, each in an allocation of its own size (it never
 * reads past them: clean under valgrind and -Db_sanitize=address). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "shared/macro.h"
#include "tracers/tracer.h"
#include "process.h"
#include "files.h"

extern const struct tracer_ops process_tracer_ops;
extern const struct tracer_ops files_tracer_ops;

static char last_path[8192];
static int last_truncated = -1;
static size_t n_emitted;

/* Keeps the exe or path column of the record and its *_truncated flag. */
static int capture(void *owner, struct record *r)
{
        const char *col = streq(record_event(r), "exec") ? "exe" : "path";
        const char *flag = streq(record_event(r), "exec") ? "exe_truncated" : "path_truncated";
        const struct value *v = record_value(r, schema_find_column(r->schema, col));
        const struct value *f = record_value(r, schema_find_column(r->schema, flag));

        n_emitted++;
        snprintf(last_path, sizeof(last_path), "%.*s", v ? (int) v->len : 0, v ? v->str : "");
        last_truncated = f ? (int) f->u : -1;
        return 0;
}

static const struct tracer_env env = { .emit = capture };

/* An exec event of path (path_len bytes), args "t\0" and name. */
static size_t make_exec(struct cw_exec_event *e, const char *path, const char *name, bool cut)
{
        size_t pl = strlen(path), nl = name ? strlen(name) : 0;

        memset(e, 0, sizeof(*e));
        e->hdr.type = CW_EV_EXEC;
        e->path_len = pl;
        memcpy(e->data, path, pl);
        memcpy(e->data + pl, "t", 2);
        e->args_len = 2;
        e->args_total = 2;
        e->name_len = nl;
        memcpy(e->data + pl + 2, name ?: "", nl);
        e->flags = cut ? CW_EXE_PATH_TRUNCATED : 0;
        e->hdr.size = offsetof(struct cw_exec_event, data) + pl + 2 + nl;
        return e->hdr.size;
}

static int exec_event(struct cw_exec_event *e, size_t size)
{
        struct tracer t = { .ops = &process_tracer_ops, .env = &env };

        last_path[0] = '\0';
        last_truncated = -1;
        return process_tracer_ops.on_event(&t, e, size);
}

static void test_exec_paths(void **state)
{
        struct cw_exec_event *e = malloc(sizeof(*e));
        size_t size;

        assert_non_null(e);
        size = make_exec(e, "/tmp/a/b/evil", NULL, false);
        assert_int_equal(exec_event(e, size), 0);
        assert_string_equal(last_path, "/tmp/a/b/evil");
        assert_int_equal(last_truncated, 0);

        size = make_exec(e, "/tmp/a/b/cc", "evil", true);
        assert_int_equal(exec_event(e, size), 0);
        assert_string_equal(last_path, "/tmp/a/b/.../evil");
        assert_int_equal(last_truncated, 1);

        size = make_exec(e, ".../z/z/t", "t", true);
        assert_int_equal(exec_event(e, size), 0);
        assert_string_equal(last_path, ".../z/z/t");
        assert_int_equal(last_truncated, 1);

        /* lengths that lie */
        size = make_exec(e, "/tmp/a/b/cc", "evil", true);
        e->name_len = 300;
        assert_int_equal(exec_event(e, size), -EBADMSG);
        e->name_len = 5;
        assert_int_equal(exec_event(e, size), -EBADMSG);
        size = make_exec(e, "/tmp/x", NULL, false);
        e->path_len = CW_PATH_MAX;
        assert_int_equal(exec_event(e, sizeof(*e)), -EBADMSG);
        free(e);
}

static size_t make_open(struct cw_open_event *e, size_t cap, const char *path, const char *name, bool cut)
{
        size_t pl = strlen(path), nl = name ? strlen(name) : 0;

        assert_true(offsetof(struct cw_open_event, path) + pl + nl <= cap);
        memset(e, 0, cap);
        e->hdr.type = CW_EV_FILE_OPEN;
        e->path_len = pl;
        memcpy(e->path, path, pl);
        e->name_len = nl;
        memcpy(e->path + pl, name ?: "", nl);
        e->flags = CW_OPEN_PATH_FROM_FILE | (cut ? CW_OPEN_PATH_TRUNCATED : 0);
        e->hdr.size = offsetof(struct cw_open_event, path) + pl + nl;
        return e->hdr.size;
}

static int open_event(struct cw_open_event *e, size_t size)
{
        struct tracer t = { .ops = &files_tracer_ops, .env = &env };

        last_path[0] = '\0';
        last_truncated = -1;
        return files_tracer_ops.on_event(&t, e, size);
}

static void test_open_paths(void **state)
{
        size_t cap = sizeof(struct cw_open_event) + CW_OPEN_NAME_MAX, size;
        struct cw_open_event *e = malloc(cap);

        assert_non_null(e);
        size = make_open(e, cap, "/etc/shadow", NULL, false);
        assert_int_equal(open_event(e, size), 0);
        assert_string_equal(last_path, "/etc/shadow");
        assert_int_equal(last_truncated, 0);

        size = make_open(e, cap, "/root/.ssh/d/d/d", "id_rsa", true);
        assert_int_equal(open_event(e, size), 0);
        assert_string_equal(last_path, "/root/.ssh/d/d/.../id_rsa");
        assert_int_equal(last_truncated, 1);

        e->name_len = CW_OPEN_NAME_MAX;
        assert_int_equal(open_event(e, size), -EBADMSG);
        size = make_open(e, cap, "/root/.ssh/d/d/d", "id_rsa", true);
        assert_int_equal(open_event(e, size - 1), -EBADMSG);
        free(e);
}

/* b's 16-bit field at off, made small (memcpy: b is shorter than the struct it starts) */
static void shrink_u16(unsigned char *b, size_t off)
{
        uint16_t v;

        memcpy(&v, b + off, sizeof(v));
        v %= 64;
        memcpy(b + off, &v, sizeof(v));
}

/* Random events of random sizes, each in an allocation of exactly its size. */
static void test_random_events(void **state)
{
        srand(1234);
        for (int i = 0; i < 20000; i++) {
                size_t size = sizeof(struct cw_event_header) + (size_t) rand() % 9000;
                unsigned char *b = malloc(size);
                struct cw_event_header *h = (struct cw_event_header *) b;

                assert_non_null(b);
                for (size_t k = 0; k < size; k++)
                        b[k] = rand();
                /* small lengths now and then, so that some pass the checks */
                if (i % 2 && size >= offsetof(struct cw_exec_event, data)) {
                        shrink_u16(b, offsetof(struct cw_exec_event, path_len));
                        shrink_u16(b, offsetof(struct cw_exec_event, args_len));
                        shrink_u16(b, offsetof(struct cw_exec_event, name_len));
                        shrink_u16(b, offsetof(struct cw_exec_event, script_len));
                        shrink_u16(b, offsetof(struct cw_exec_event, cwd_len));
                        shrink_u16(b, offsetof(struct cw_exec_event, env_len));
                }
                h->type = i % 3 ? CW_EV_EXEC : CW_EV_FILE_OPEN;
                if (h->type == CW_EV_EXEC)
                        (void) exec_event((struct cw_exec_event *) b, size);
                else {
                        if (i % 2 && size >= offsetof(struct cw_open_event, path)) {
                                struct cw_open_event *o = (struct cw_open_event *) b;

                                o->path_len %= 64;
                                o->name_len %= 64;
                        }
                        (void) open_event((struct cw_open_event *) b, size);
                }
                free(b);
        }
        assert_true(n_emitted > 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exec_paths),
                cmocka_unit_test(test_open_paths),
                cmocka_unit_test(test_random_events),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
