/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conf-parser.h"
#include "ini-reader.h"
#include "macro.h"
#include "strbuf.h"

#define CONF_LINE_MAX (64 * 1024)
#define CONF_FILE_MAX (4 * 1024 * 1024)
#define CONF_DROPINS_MAX 1024

static void conf_set_error(struct conf_error *err, const char *file, unsigned line, const char *fmt, ...)
        _printf_(4, 5);

static void conf_set_error(struct conf_error *err, const char *file, unsigned line, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (!err)
                return;
        n = snprintf(err->text, sizeof(err->text), "%s:%u: ", file, line);
        if (n < 0 || (size_t) n >= sizeof(err->text))
                return;
        va_start(ap, fmt);
        vsnprintf(err->text + n, sizeof(err->text) - n, fmt, ap);
        va_end(ap);
}

/* Printable form of a user's token for messages: cut, control bytes as '?'. */
static const char *shown(const char *s, char *buf, size_t size)
{
        size_t i;

        for (i = 0; s[i] && i + 4 < size; i++)
                buf[i] = (unsigned char) s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
        if (s[i]) {
                memcpy(buf + i, "...", 3);
                i += 3;
        }
        buf[i] = 0;
        return buf;
}

static bool valid_name(const char *s, bool section)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char) *s) && *s != '-' && *s != '_' && *s != '.' &&
                    !(section && *s == ' '))
                        return false;
        return true;
}

static const struct conf_item *find_item(const struct conf_item *items, const char *section, const char *key,
                                         bool *section_known)
{
        *section_known = false;
        for (const struct conf_item *i = items; i->section; i++) {
                if (!streq(i->section, section))
                        continue;
                *section_known = true;
                if (key && streq(i->key, key))
                        return i;
        }
        return NULL;
}

/* Copies s without the blanks at either end. */
static char *strndup_stripped(const char *s, size_t len)
{
        while (len > 0 && ini_is_blank(*s)) {
                s++;
                len--;
        }
        while (len > 0 && ini_is_blank(s[len - 1]))
                len--;
        return strndup(s, len);
}

static int parse_section(const char *filename, const struct ini_item *item, char *section, size_t section_size,
                         const struct conf_item *items, struct conf_error *err)
{
        _cleanup_free_ char *name = strndup_stripped(item->text, item->text_len);
        char buf[80];
        bool known;

        if (!name) {
                conf_set_error(err, filename, item->line, "out of memory");
                return -ENOMEM;
        }
        if (!valid_name(name, true) || strlen(name) >= section_size) {
                conf_set_error(err, filename, item->line, "invalid section name '%s'", shown(name, buf, sizeof(buf)));
                return -EINVAL;
        }
        (void) find_item(items, name, NULL, &known);
        if (!known) {
                conf_set_error(err, filename, item->line, "unknown section [%s]", shown(name, buf, sizeof(buf)));
                return -EINVAL;
        }
        strcpy(section, name);
        return 0;
}

static int parse_assignment(const char *filename, const struct ini_item *item, const char *section,
                            const struct conf_item *items, void *data, struct conf_error *err)
{
        _cleanup_free_ char *value = strndup_stripped(item->value, item->value_len);
        char buf[80], buf2[80], what[256];
        const struct conf_item *c;
        const char *key = item->text;
        bool known;
        int r;

        if (!value) {
                conf_set_error(err, filename, item->line, "out of memory");
                return -ENOMEM;
        }
        if (!valid_name(key, false)) {
                conf_set_error(err, filename, item->line, "invalid key '%s'", shown(key, buf, sizeof(buf)));
                return -EINVAL;
        }
        if (!section[0]) {
                conf_set_error(err, filename, item->line, "key '%s' outside of any section",
                               shown(key, buf, sizeof(buf)));
                return -EINVAL;
        }
        c = find_item(items, section, key, &known);
        if (!c) {
                conf_set_error(err, filename, item->line, "unknown key '%s' in section [%s]",
                               shown(key, buf, sizeof(buf)), section);
                return -EINVAL;
        }
        what[0] = 0;
        r = c->parse(value, (uint8_t *) data + c->offset, c->arg, what, sizeof(what));
        if (r < 0) {
                conf_set_error(err, filename, item->line, "%s=%s: %s", key, shown(value, buf2, sizeof(buf2)),
                               what[0] ? what : r == -ENOMEM ? "out of memory" : "invalid value");
                return r == -ENOMEM ? r : -EINVAL;
        }
        return 0;
}

static int reader_error(const char *filename, const struct ini_item *item, struct conf_error *err)
{
        char buf[80];

        switch (item->error) {
        case INI_ERROR_LINE_TOO_LONG:
        case INI_ERROR_VALUE_TOO_LONG:
                conf_set_error(err, filename, item->line, "line longer than %d bytes", CONF_LINE_MAX);
                break;
        case INI_ERROR_NUL_BYTE:
                conf_set_error(err, filename, item->line, "line contains a NUL byte");
                break;
        case INI_ERROR_SECTION_UNCLOSED:
        case INI_ERROR_SECTION_TRAILING:
                conf_set_error(err, filename, item->line, "section header '%s' lacks the closing ']'",
                               shown(item->text, buf, sizeof(buf)));
                break;
        case INI_ERROR_NOT_ASSIGNMENT:
                conf_set_error(err, filename, item->line, "expected 'Key=Value' or '[Section]', got '%s'",
                               shown(item->text, buf, sizeof(buf)));
                break;
        }
        return -EINVAL;
}

int conf_parse_string(const char *filename, const char *text, size_t len,
                      const struct conf_item *items, void *data, struct conf_error *err)
{
        struct ini_reader reader;
        char section[128] = "";
        int r;

        ini_reader_init(&reader, text, len, CONF_LINE_MAX, CONF_LINE_MAX);
        for (;;) {
                struct ini_item item;

                r = ini_reader_next(&reader, &item);
                if (r < 0)
                        conf_set_error(err, filename, reader.line, "out of memory");
                if (r >= 0 && item.kind == INI_END)
                        break;
                if (r >= 0 && item.kind == INI_ERROR)
                        r = reader_error(filename, &item, err);
                else if (r >= 0 && item.kind == INI_SECTION)
                        r = parse_section(filename, &item, section, sizeof(section), items, err);
                else if (r >= 0) {
                        r = ini_reader_read_value(&reader, &item);
                        if (r < 0)
                                conf_set_error(err, filename, item.line, "out of memory");
                        else if (item.kind == INI_ERROR)
                                r = reader_error(filename, &item, err);
                        else
                                r = parse_assignment(filename, &item, section, items, data, err);
                }
                if (r < 0)
                        break;
        }
        ini_reader_done(&reader);
        return r;
}

int conf_parse_file(const char *path, bool missing_ok, const struct conf_item *items, void *data,
                    struct conf_error *err, bool *found)
{
        _cleanup_fclose_ FILE *f = NULL;
        struct strbuf text = {};
        char buf[4096];
        size_t n;
        int r;

        if (found)
                *found = false;
        f = fopen(path, "re");
        if (!f) {
                if (errno == ENOENT && missing_ok)
                        return 0;
                r = -errno;
                conf_set_error(err, path, 0, "cannot open: %s", strerror(-r));
                return r;
        }
        while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
                strbuf_put(&text, buf, n);
                if (text.len > CONF_FILE_MAX) {
                        strbuf_free(&text);
                        conf_set_error(err, path, 0, "file larger than %d bytes", CONF_FILE_MAX);
                        return -EFBIG;
                }
        }
        if (ferror(f) || text.oom) {
                r = text.oom ? -ENOMEM : -EIO;
                strbuf_free(&text);
                conf_set_error(err, path, 0, "cannot read: %s", strerror(-r));
                return r;
        }
        if (found)
                *found = true;
        r = conf_parse_string(path, text.data ?: "", text.len, items, data, err);
        strbuf_free(&text);
        return r;
}

int conf_parse_with_dropins(const char *main_path, const char *dropin_dir, const struct conf_item *items,
                            void *data, struct conf_error *err)
{
        struct strv names = {};
        DIR *d;
        int r;

        r = conf_parse_file(main_path, true, items, data, err, NULL);
        if (r < 0 || !dropin_dir)
                return r;

        d = opendir(dropin_dir);
        if (!d) {
                if (errno == ENOENT)
                        return 0;
                r = -errno;
                conf_set_error(err, dropin_dir, 0, "cannot open the drop-in directory: %s", strerror(-r));
                return r;
        }
        for (struct dirent *de; (de = readdir(d));) {
                size_t l = strlen(de->d_name);

                if (de->d_name[0] == '.' || l < 6 || !streq(de->d_name + l - 5, ".conf"))
                        continue;
                if (names.n >= CONF_DROPINS_MAX) {
                        r = -E2BIG;
                        conf_set_error(err, dropin_dir, 0, "more than %d drop-ins", CONF_DROPINS_MAX);
                        break;
                }
                r = strv_add(&names, de->d_name);
                if (r < 0)
                        break;
        }
        closedir(d);
        if (r < 0) {
                strv_done(&names);
                return r;
        }
        strv_sort(&names);
        for (size_t i = 0; i < names.n && r >= 0; i++) {
                struct strbuf path = {};

                strbuf_printf(&path, "%s/%s", dropin_dir, names.items[i]);
                r = path.oom ? -ENOMEM : conf_parse_file(path.data, true, items, data, err, NULL);
                strbuf_free(&path);
        }
        strv_done(&names);
        return r;
}

int conf_parse_bool(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        static const char *const yes[] = { "1", "yes", "true", "on" }, *const no[] = { "0", "no", "false", "off" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(value, yes[i]) == 0) {
                        *(bool *) ptr = true;
                        return 0;
                }
                if (strcasecmp(value, no[i]) == 0) {
                        *(bool *) ptr = false;
                        return 0;
                }
        }
        snprintf(err, err_size, "expected a boolean (yes/no, true/false, on/off, 1/0)");
        return -EINVAL;
}

struct unit {
        const char *suffix;
        unsigned long long factor;
};

static int parse_with_units(const char *value, const struct unit *units, size_t n_units,
                            unsigned long long default_factor, unsigned long long *ret)
{
        unsigned long long v, factor = default_factor;
        char *end;

        if (!isdigit((unsigned char) value[0]))
                return -EINVAL;
        errno = 0;
        v = strtoull(value, &end, 10);
        if (errno != 0)
                return -ERANGE;
        while (ini_is_blank(*end))
                end++;
        if (*end) {
                size_t i;

                for (i = 0; i < n_units; i++)
                        if (streq(end, units[i].suffix))
                                break;
                if (i == n_units)
                        return -EINVAL;
                factor = units[i].factor;
        }
        if (factor && v > ULLONG_MAX / factor)
                return -ERANGE;
        *ret = v * factor;
        return 0;
}

static int check_range(unsigned long long v, const void *arg, const char *unit, char *err, size_t err_size)
{
        const struct conf_range *range = arg;

        if (range && (v < range->min || v > range->max)) {
                snprintf(err, err_size, "out of range [%llu, %llu]%s", range->min, range->max, unit);
                return -ERANGE;
        }
        return 0;
}

int conf_parse_timespan(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        static const struct unit units[] = {
                { "us", 1000ULL }, { "ms", 1000000ULL }, { "s", 1000000000ULL }, { "sec", 1000000000ULL },
                { "m", 60000000000ULL }, { "min", 60000000000ULL }, { "h", 3600000000000ULL },
                { "d", 86400000000000ULL }, { "w", 604800000000000ULL },
        };
        unsigned long long v;

        if (parse_with_units(value, units, ELEMENTSOF(units), 1000000000ULL, &v) < 0) {
                snprintf(err, err_size, "expected a time span such as 3s, 500ms, 1min");
                return -EINVAL;
        }
        if (check_range(v, arg, " ns", err, err_size) < 0)
                return -ERANGE;
        *(uint64_t *) ptr = v;
        return 0;
}

int conf_parse_size(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        static const struct unit units[] = {
                { "K", 1ULL << 10 }, { "M", 1ULL << 20 }, { "G", 1ULL << 30 },
        };
        unsigned long long v;

        if (parse_with_units(value, units, ELEMENTSOF(units), 1, &v) < 0) {
                snprintf(err, err_size, "expected a size in bytes such as 4096, 64K, 4M");
                return -EINVAL;
        }
        if (check_range(v, arg, " bytes", err, err_size) < 0)
                return -ERANGE;
        *(uint64_t *) ptr = v;
        return 0;
}

int conf_parse_strv(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        struct strv *v = ptr;

        if (!*value) {
                strv_done(v);
                return 0;
        }
        return strv_split(v, value, " \t\r");
}
