/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The NAME.tracer files of external tracers: where they are, whether they may be trusted, what
 * they say. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ext-conf.h"
#include "shared/array.h"
#include "shared/ini-reader.h"
#include "shared/macro.h"

static const char *const format_names[_EXT_FORMAT_MAX] = {
        [EXT_FORMAT_AUTO] = "auto",
        [EXT_FORMAT_NUMBER] = "number",
        [EXT_FORMAT_HEX] = "hex",
        [EXT_FORMAT_STRING] = "string",
        [EXT_FORMAT_ADDR] = "addr",
        [EXT_FORMAT_PORT] = "port",
        [EXT_FORMAT_PORT_BE] = "port_be",
};

const char *ext_format_to_string(enum ext_format f)
{
        return f >= 0 && f < _EXT_FORMAT_MAX ? format_names[f] : NULL;
}

enum ext_format ext_format_from_string(const char *s)
{
        for (size_t i = 0; i < ELEMENTSOF(format_names); i++)
                if (streq(format_names[i], s))
                        return i;
        return -1;
}

void ext_conf_done(struct ext_conf *c)
{
        free(c->name);
        free(c->path);
        free(c->object);
        free(c->ringbuf);
        free(c->event);
        free(c->description);
        free(c->drops_map);
        for (size_t i = 0; i < c->n_formats; i++)
                free(c->formats[i].field);
        free(c->formats);
        *c = (struct ext_conf) {};
}

bool ext_tracer_name_valid(const char *name)
{
        size_t n = strlen(name);

        if (n == 0 || n > EXT_NAME_MAX)
                return false;
        for (const char *p = name; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
                        return false;
        return true;
}

static bool c_identifier(const char *s)
{
        if (!*s || (*s >= '0' && *s <= '9') || strlen(s) > 128)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
                        return false;
        return true;
}

/* "a.b.c", each part a C identifier or an array index */
static bool field_path_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > 128 || s[0] == '.' || s[n - 1] == '.' || strstr(s, ".."))
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                      *s == '_' || *s == '.'))
                        return false;
        return true;
}

static int parse_bool(const char *v)
{
        if (streq(v, "yes") || streq(v, "true") || streq(v, "on") || streq(v, "1"))
                return 1;
        if (streq(v, "no") || streq(v, "false") || streq(v, "off") || streq(v, "0"))
                return 0;
        return -EINVAL;
}

static int set_string(char **field, const char *value, bool (*valid)(const char *))
{
        if (valid && !valid(value))
                return -EINVAL;
        free(*field);
        *field = strdup(value);
        return *field ? 0 : -ENOMEM;
}

static int object_path(const char *tracer_path, const char *value, char **ret)
{
        const char *slash = strrchr(tracer_path, '/');
        struct strbuf b = {};

        if (!*value || strlen(value) > 4096)
                return -EINVAL;
        if (value[0] == '/' || !slash)
                return set_string(ret, value, NULL);
        /* relative to the directory of the .tracer file */
        strbuf_put(&b, tracer_path, slash - tracer_path + 1);
        strbuf_puts(&b, value);
        if (b.oom)
                return -ENOMEM;
        free(*ret);
        *ret = b.data;
        return 0;
}

static int parse_tracer_key(struct ext_conf *c, const char *key, const char *value, const char **what)
{
        if (streq(key, "Object")) {
                *what = "a path to a BPF object";
                return object_path(c->path, value, &c->object);
        }
        if (streq(key, "RingBuffer")) {
                *what = "the name of a map (a C identifier)";
                return set_string(&c->ringbuf, value, c_identifier);
        }
        if (streq(key, "Event")) {
                *what = "the name of a struct (a C identifier)";
                return set_string(&c->event, value, c_identifier);
        }
        if (streq(key, "DropsMap")) {
                *what = "the name of a map (a C identifier)";
                return set_string(&c->drops_map, value, c_identifier);
        }
        if (streq(key, "Description")) {
                *what = "text of at most 256 bytes";
                return strlen(value) > 256 ? -EINVAL : set_string(&c->description, value, NULL);
        }
        if (streq(key, "Enable")) {
                int b = parse_bool(value);

                *what = "yes or no";
                if (b < 0)
                        return b;
                c->enable = b;
                return 0;
        }
        *what = NULL;
        return -ENOENT;
}

static int parse_field_format(struct ext_conf *c, const char *key, const char *value, const char **what)
{
        enum ext_format f = ext_format_from_string(value);
        struct ext_field_format ff;
        int r;

        *what = "one of number, hex, string, addr, port, port_be";
        if ((int) f < 0 || f == EXT_FORMAT_AUTO)
                return -EINVAL;
        if (!field_path_valid(key)) {
                *what = NULL;
                return -ENOENT;
        }
        if (c->n_formats >= 64) {
                *what = "at most 64 fields";
                return -E2BIG;
        }
        for (size_t i = 0; i < c->n_formats; i++)
                if (streq(c->formats[i].field, key)) {
                        c->formats[i].format = f;
                        return 0;
                }
        ff = (struct ext_field_format) { strdup(key), f };
        if (!ff.field)
                return -ENOMEM;
        r = ARRAY_APPEND(c->formats, c->n_formats, ff);
        if (r < 0)
                free(ff.field);
        return r;
}

enum section { SECTION_NONE, SECTION_TRACER, SECTION_FIELDS };

static int parse_text(struct ext_conf *c, const char *text, size_t len, struct strbuf *why)
{
        struct ini_reader rd;
        struct ini_item it;
        enum section section = SECTION_NONE;
        int r = 0;

        ini_reader_init(&rd, text, len, 4096, 4096);
        while (r >= 0 && (r = ini_reader_next(&rd, &it)) >= 0 && it.kind != INI_END) {
                _cleanup_free_ char *key = NULL;
                const char *what = NULL;

                if (it.kind == INI_ERROR) {
                        strbuf_printf(why, "%s:%u: not a section or Key=value: %.*s", c->path, it.line,
                                      (int) MIN(it.text_len, (size_t) 80), it.text ?: "");
                        r = -EINVAL;
                        break;
                }
                key = strndup(it.text, it.text_len);
                if (!key) {
                        r = -ENOMEM;
                        break;
                }
                if (it.kind == INI_SECTION) {
                        section = streq(key, "Tracer") ? SECTION_TRACER : streq(key, "Fields") ? SECTION_FIELDS
                                                                                                : SECTION_NONE;
                        if (section == SECTION_NONE) {
                                strbuf_printf(why, "%s:%u: unknown section [%.64s]; valid: [Tracer], [Fields]",
                                              c->path, it.line, key);
                                r = -EINVAL;
                        }
                        continue;
                }
                r = ini_reader_read_value(&rd, &it);
                if (r < 0)
                        break;
                if (it.kind == INI_ERROR) {
                        strbuf_printf(why, "%s:%u: line or value too long", c->path, it.line);
                        r = -EINVAL;
                        break;
                }
                if (section == SECTION_NONE) {
                        strbuf_printf(why, "%s:%u: %.64s= outside a section; it belongs in [Tracer]", c->path,
                                      it.line, key);
                        r = -EINVAL;
                        break;
                }
                r = section == SECTION_TRACER ? parse_tracer_key(c, key, it.value, &what)
                                              : parse_field_format(c, key, it.value, &what);
                if (r == -ENOMEM)
                        break;
                if (r == -ENOENT && section == SECTION_TRACER)
                        strbuf_printf(why, "%s:%u: unknown key %.64s=; valid: Object=, RingBuffer=, Event=, "
                                      "Description=, Enable=, DropsMap=", c->path, it.line, key);
                else if (r == -ENOENT)
                        strbuf_printf(why, "%s:%u: '%.64s' is not a field name (a.b for nested fields)", c->path,
                                      it.line, key);
                else if (r < 0)
                        strbuf_printf(why, "%s:%u: bad value for %.64s=: '%.64s' (want %s)", c->path, it.line,
                                      key, it.value, what);
                if (r < 0)
                        r = -EINVAL;
        }
        ini_reader_done(&rd);
        if (r < 0)
                return r;
        if (!c->object || !c->ringbuf || !c->event) {
                strbuf_printf(why, "%s: [Tracer] needs Object=, RingBuffer= and Event=", c->path);
                return -EINVAL;
        }
        return 0;
}

int ext_conf_parse(const char *name, const char *path, const char *text, size_t len, struct ext_conf *ret,
                   struct strbuf *why)
{
        struct ext_conf c = { .enable = false };
        int r;

        if (!ext_tracer_name_valid(name)) {
                strbuf_printf(why, "%s: '%.64s' is not a tracer name (lowercase letters, digits, - and _, at most "
                              "%d)", path, name, EXT_NAME_MAX);
                return -EINVAL;
        }
        c.name = strdup(name);
        c.path = strdup(path);
        if (!c.name || !c.path) {
                ext_conf_done(&c);
                return -ENOMEM;
        }
        if (memchr(text, '\0', len)) {
                strbuf_printf(why, "%s: not a text file (a NUL byte)", path);
                ext_conf_done(&c);
                return -EINVAL;
        }
        r = parse_text(&c, text, len, why);
        if (r < 0) {
                ext_conf_done(&c);
                return r;
        }
        *ret = c;
        return 0;
}

int ext_file_open_trusted(const char *path, size_t max_size, struct strbuf *why)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        struct stat st;

        /* the checks are on what was opened: a file swapped in afterwards is not what is read */
        if (fd < 0 || fstat(fd, &st) < 0) {
                int e = errno;

                strbuf_printf(why, "cannot open: %s", strerror(e));
                return -e;
        }
        if (!S_ISREG(st.st_mode)) {
                strbuf_puts(why, "not a regular file");
                return -EPERM;
        }
        if (st.st_uid != 0) {
                strbuf_printf(why, "owned by uid %u, not root: refusing to load it", (unsigned) st.st_uid);
                return -EPERM;
        }
        if (st.st_mode & (S_IWGRP | S_IWOTH)) {
                strbuf_printf(why, "writable by %s (mode %04o): refusing to load it",
                              st.st_mode & S_IWOTH ? "everyone" : "its group", (unsigned) (st.st_mode & 07777));
                return -EPERM;
        }
        if ((size_t) st.st_size > max_size) {
                strbuf_printf(why, "larger than %zu bytes", max_size);
                return -EFBIG;
        }
        return TAKE_FD(fd);
}

int ext_file_read_trusted(const char *path, size_t max_size, char **ret, size_t *ret_len, struct strbuf *why)
{
        _cleanup_close_ int fd = ext_file_open_trusted(path, max_size, why);
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;

        if (fd < 0)
                return fd;
        buf = malloc(max_size + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k = read(fd, buf + n, max_size + 1 - n);

                if (k < 0) {
                        int e = errno;

                        strbuf_printf(why, "cannot read: %s", strerror(e));
                        return -e;
                }
                if (k == 0)
                        break;
                n += k;
                if (n > max_size) {
                        strbuf_printf(why, "larger than %zu bytes", max_size);
                        return -EFBIG;
                }
        }
        *ret = TAKE_PTR(buf);
        *ret_len = n;
        return 0;
}

int ext_conf_load(const char *path, struct ext_conf *ret, struct strbuf *why)
{
        _cleanup_free_ char *text = NULL, *name = NULL;
        struct strbuf reason = {};
        const char *base = strrchr(path, '/');
        size_t len = 0, n;
        int r;

        base = base ? base + 1 : path;
        n = strlen(base);
        if (n <= strlen(EXT_TRACER_SUFFIX) || !streq(base + n - strlen(EXT_TRACER_SUFFIX), EXT_TRACER_SUFFIX)) {
                strbuf_printf(why, "%s: not a NAME" EXT_TRACER_SUFFIX " file", path);
                return -EINVAL;
        }
        name = strndup(base, n - strlen(EXT_TRACER_SUFFIX));
        if (!name)
                return -ENOMEM;
        r = ext_file_read_trusted(path, EXT_CONF_MAX_SIZE, &text, &len, &reason);
        if (r < 0 && r != -ENOMEM)
                strbuf_printf(why, "%s: %s", path, reason.data);
        strbuf_free(&reason);
        if (r < 0)
                return r;
        return ext_conf_parse(name, path, text, len, ret, why);
}

static bool masked(const char *path)
{
        struct stat st;

        if (stat(path, &st) < 0)
                return true;
        return S_ISCHR(st.st_mode) || (S_ISREG(st.st_mode) && st.st_size == 0);
}

struct found {
        char *name, *path;      /* path NULL: masked */
};

static int found_cmp(const void *a, const void *b)
{
        return strcmp(((const struct found *) a)->name, ((const struct found *) b)->name);
}

static int add_dir(const char *dir, struct found **found, size_t *n_found)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        int r = 0;

        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while (r >= 0 && (de = readdir(d))) {
                size_t n = strlen(de->d_name), sn = strlen(EXT_TRACER_SUFFIX);
                struct found f = {};
                bool seen = false;
                struct strbuf path = {};

                if (de->d_name[0] == '.' || n <= sn || !streq(de->d_name + n - sn, EXT_TRACER_SUFFIX))
                        continue;
                /* an earlier directory's file of this name hides (or masks) this one */
                for (size_t i = 0; i < *n_found && !seen; i++)
                        seen = strlen((*found)[i].name) == n - sn && strneq((*found)[i].name, de->d_name, n - sn);
                if (seen)
                        continue;
                strbuf_printf(&path, "%s/%s", dir, de->d_name);
                f.name = strndup(de->d_name, n - sn);
                if (path.oom || !f.name) {
                        strbuf_free(&path);
                        free(f.name);
                        r = -ENOMEM;
                        break;
                }
                if (masked(path.data))
                        strbuf_free(&path);
                f.path = path.data;
                r = ARRAY_APPEND(*found, *n_found, f);
                if (r < 0) {
                        free(f.name);
                        free(f.path);
                }
        }
        closedir(d);
        return r;
}

int ext_conf_find(const char *const *dirs, size_t n_dirs, struct strv *ret)
{
        struct found *found = NULL;
        size_t n = 0;
        int r = 0;

        for (size_t i = 0; i < n_dirs && r >= 0; i++)
                r = add_dir(dirs[i], &found, &n);
        if (n > 0)
                qsort(found, n, sizeof(*found), found_cmp);
        for (size_t i = 0; i < n; i++) {
                if (r >= 0 && found[i].path)
                        r = strv_add(ret, found[i].path);
                free(found[i].name);
                free(found[i].path);
        }
        free(found);
        return r;
}
