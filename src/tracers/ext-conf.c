/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a NAME.tracer file says (the INI reader). */
#include <stdlib.h>
#include <string.h>
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
