/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The loader: finds the rule files (drop-in directories), reads each one and drives the stages that
 * make rules of them, then has the engine compile them per event. */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "loader.h"
#include "rules-build.h"
#include "rules-errors.h"
#include "rules-expand.h"
#include "rules-sections.h"
#include "shared/array.h"
#include "shared/macro.h"

void loader_error(struct strbuf *errors, unsigned *n_errors, const struct source_pos *pos, const char *fmt, ...)
{
        va_list ap;
        char *msg = NULL;

        (*n_errors)++;
        if (*n_errors > RULES_MAX_ERRORS) {
                if (*n_errors == RULES_MAX_ERRORS + 1)
                        strbuf_puts(errors, "too many errors, giving up\n");
                return;
        }
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        strbuf_printf(errors, "%s:%u:%u: %s\n", pos->file, pos->line, pos->column, msg ?: "out of memory");
        free(msg);
}

static int loader_new(struct loader **ret, struct strbuf *errors)
{
        struct loader *ld = calloc(1, sizeof(*ld));

        if (!ld)
                return -ENOMEM;
        ld->errors = errors;
        *ret = ld;
        return 0;
}

static struct loader *loader_free(struct loader *ld)
{
        if (!ld)
                return NULL;
        for (size_t i = 0; i < ld->n_sections; i++)
                section_done(&ld->sections[i]);
        free(ld->sections);
        for (size_t i = 0; i < ld->n_lists; i++)
                strv_done(&ld->lists[i].items);
        free(ld->lists);
        for (size_t i = 0; i < ld->n_macros; i++)
                node_free(ld->macros[i].ast);
        free(ld->macros);
        strv_done(&ld->files);
        free(ld);
        return NULL;
}
DEFINE_POINTER_CLEANUP(struct loader, loader_free);

/* Reads one file's text (name is what errors show). Errors are collected; returns -EINVAL when the
 * file had any. */
static int loader_add_text(struct loader *ld, const char *name, const char *text, size_t len)
{
        const char *file;

        if (strv_add(&ld->files, name) < 0)
                return -ENOMEM;
        file = ld->files.items[ld->files.n - 1];
        if (len > RULES_MAX_FILE_SIZE) {
                struct source_pos p = { file, 1, 1 };

                error_at(ld, &p, "file too large (more than %d bytes)", RULES_MAX_FILE_SIZE);
                return -EINVAL;
        }
        return sections_read(ld, file, text, len);
}

/* Builds the rules of everything added (lists and macros expanded), moves them and the file names
 * into e. Returns -EINVAL when any error was reported. */
static int loader_build(struct loader *ld, struct detect_engine *e)
{
        int r;

        r = definitions_collect(ld);
        if (r < 0)
                return r;
        /* every list and macro is checked, used or not */
        for (size_t i = 0; i < ld->n_lists; i++) {
                r = list_expand(ld, &ld->lists[i], &ld->lists[i].section->pos);
                if (r == -ENOMEM)
                        return r;
        }
        for (size_t i = 0; i < ld->n_macros; i++)
                if (ld->macros[i].state == DEFINITION_NEW && macro_parse(ld, &ld->macros[i], 0) == -ENOMEM)
                        return -ENOMEM;
        for (size_t i = 0; i < ld->n_sections; i++)
                if (ld->sections[i].kind == SECTION_RULE) {
                        r = rule_build(ld, e, &ld->sections[i]);
                        if (r == -ENOMEM)
                                return r;
                }
        e->files = ld->files;
        ld->files = (struct strv) {};
        return ld->n_errors > 0 ? -EINVAL : 0;
}

static int engine_finish(struct loader *ld, const struct detect_catalog *cat, struct strbuf *errors,
                         int add_result, struct detect_engine **ret)
{
        _cleanup_(detect_engine_freep) struct detect_engine *e = calloc(1, sizeof(*e));
        int r;

        if (!e)
                return -ENOMEM;
        /* after a syntax error the sections are incomplete: more errors would only be noise */
        if (add_result < 0)
                return add_result == -ENOMEM ? -ENOMEM : -EINVAL;
        r = loader_build(ld, e);
        if (r == -ENOMEM)
                return -ENOMEM;
        if (r >= 0 && add_result >= 0)
                r = detect_engine_compile(e, cat, errors);
        if (r < 0)
                return r == -ENOMEM ? r : -EINVAL;
        if (add_result < 0)
                return -EINVAL;
        *ret = TAKE_PTR(e);
        return 0;
}

int detect_engine_load_string(struct detect_engine **ret, const char *name, const char *text, size_t len,
                              const struct detect_catalog *cat, struct strbuf *errors)
{
        _cleanup_(loader_freep) struct loader *ld = NULL;
        char *const files[] = { (char *) name };
        size_t from = errors->len;
        int r;

        r = loader_new(&ld, errors);
        if (r < 0)
                return r;
        r = loader_add_text(ld, name, text, len);
        r = engine_finish(ld, cat, errors, r, ret);
        rules_errors_sort(errors, from, files, 1);
        return r;
}

static int read_file(const char *path, char **ret, size_t *ret_len, struct strbuf *errors)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0) {
                strbuf_printf(errors, "%s: cannot read: %s\n", path, strerror(errno));
                return -errno;
        }
        if (!S_ISREG(st.st_mode)) {
                strbuf_printf(errors, "%s: not a regular file\n", path);
                return -EINVAL;
        }
        if (st.st_size > RULES_MAX_FILE_SIZE) {
                strbuf_printf(errors, "%s:1:1: file too large (more than %d bytes)\n", path, RULES_MAX_FILE_SIZE);
                return -EFBIG;
        }
        buf = malloc(RULES_MAX_FILE_SIZE + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k = read(fd, buf + n, RULES_MAX_FILE_SIZE + 1 - n);

                if (k < 0) {
                        strbuf_printf(errors, "%s: cannot read: %s\n", path, strerror(errno));
                        return -errno;
                }
                if (k == 0)
                        break;
                n += k;
                if (n > RULES_MAX_FILE_SIZE) {
                        strbuf_printf(errors, "%s:1:1: file too large (more than %d bytes)\n", path,
                                      RULES_MAX_FILE_SIZE);
                        return -EFBIG;
                }
        }
        *ret = TAKE_PTR(buf);
        *ret_len = n;
        return 0;
}

int detect_engine_load_files(struct detect_engine **ret, char *const *files, size_t n_files,
                             const struct detect_catalog *cat, struct strbuf *errors)
{
        _cleanup_(loader_freep) struct loader *ld = NULL;
        size_t from;
        int r, add = 0;

        if (n_files > RULES_MAX_FILES) {
                strbuf_printf(errors, "too many rule files (more than %d)\n", RULES_MAX_FILES);
                return -E2BIG;
        }
        r = loader_new(&ld, errors);
        if (r < 0)
                return r;
        from = errors->len;
        for (size_t i = 0; i < n_files; i++) {
                _cleanup_free_ char *text = NULL;
                size_t len = 0;

                r = read_file(files[i], &text, &len, errors);
                if (r == -ENOMEM)
                        return r;
                if (r >= 0)
                        r = loader_add_text(ld, files[i], text, len);
                if (r < 0 && add >= 0)
                        add = r;
        }
        r = engine_finish(ld, cat, errors, add, ret);
        rules_errors_sort(errors, from, files, n_files);
        return r;
}

struct found_file {
        char *name;
        char *path;
};

static int found_cmp(const void *a, const void *b)
{
        return strcmp(((const struct found_file *) a)->name, ((const struct found_file *) b)->name);
}

static bool is_masked(const char *path)
{
        struct stat st;

        /* an empty file, or a symlink to /dev/null, masks the file of the same name */
        if (stat(path, &st) < 0)
                return true;
        return S_ISCHR(st.st_mode) || (S_ISREG(st.st_mode) && st.st_size == 0);
}

int detect_engine_load(struct detect_engine **ret, const struct rules_paths *paths,
                       const struct detect_catalog *cat, struct strbuf *errors)
{
        struct found_file *found = NULL;
        char **files = NULL;
        size_t n = 0, n_files = 0;
        int r = 0;

        for (size_t d = 0; d < paths->n_dirs && r >= 0; d++) {
                DIR *dir = opendir(paths->dirs[d]);
                struct dirent *de;

                if (!dir) {
                        if (errno == ENOENT)
                                continue;
                        strbuf_printf(errors, "%s: cannot open directory: %s\n", paths->dirs[d], strerror(errno));
                        r = -errno;
                        break;
                }
                while ((de = readdir(dir)) && r >= 0) {
                        size_t len = strlen(de->d_name);
                        struct found_file f = {};
                        bool seen = false;

                        if (de->d_name[0] == '.' || len < 7 || !streq(de->d_name + len - 6, ".rules"))
                                continue;
                        for (size_t i = 0; i < n; i++)
                                seen = seen || streq(found[i].name, de->d_name);
                        if (seen)
                                continue;
                        if (n >= RULES_MAX_FILES) {
                                strbuf_printf(errors, "too many rule files (more than %d)\n", RULES_MAX_FILES);
                                r = -E2BIG;
                                break;
                        }
                        if (asprintf(&f.path, "%s/%s", paths->dirs[d], de->d_name) < 0)
                                f.path = NULL;
                        f.name = strdup(de->d_name);
                        if (!f.path || !f.name || ARRAY_APPEND(found, n, f) < 0) {
                                free(f.path);
                                free(f.name);
                                r = -ENOMEM;
                        }
                }
                closedir(dir);
        }
        if (r >= 0) {
                if (n > 0)
                        qsort(found, n, sizeof(*found), found_cmp);
                files = calloc(n + 1, sizeof(*files));
                if (!files)
                        r = -ENOMEM;
                for (size_t i = 0; r >= 0 && i < n; i++)
                        if (!is_masked(found[i].path))
                                files[n_files++] = found[i].path;
        }
        if (r >= 0)
                r = detect_engine_load_files(ret, files, n_files, cat, errors);
        for (size_t i = 0; i < n; i++) {
                free(found[i].name);
                free(found[i].path);
        }
        free(found);
        free(files);
        return r;
}

