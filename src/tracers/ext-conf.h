/* SPDX-License-Identifier: GPL-2.0-or-later */
/* External tracers (man cwatch.tracer(5)): a compiled BPF object written elsewhere, described by a
 * NAME.tracer file in /etc/cwatch/tracers.d or /usr/lib/cwatch/tracers.d. This part reads and
 * checks the files; it needs no libbpf. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "shared/strbuf.h"
#include "shared/strv.h"

#define EXT_TRACER_DIR_ETC SYSCONFDIR "/cwatch/tracers.d"
#define EXT_TRACER_DIR_LIB TRACERSDIR
#define EXT_TRACER_SUFFIX ".tracer"
#define EXT_CONF_MAX_SIZE (64 * 1024)
#define EXT_OBJECT_MAX_SIZE (16 * 1024 * 1024)
#define EXT_NAME_MAX 32

/* How a field prints: from its BTF type, unless its name, a cwatch_FORMAT BTF tag or the [Fields]
 * section of the .tracer file says otherwise. */
enum ext_format {
        EXT_FORMAT_AUTO,
        EXT_FORMAT_NUMBER,      /* the integer, also for char arrays (a list of numbers) */
        EXT_FORMAT_HEX,         /* "0x..." */
        EXT_FORMAT_STRING,      /* a char or u8 array up to its first NUL */
        EXT_FORMAT_ADDR,        /* 4 bytes: IPv4, 16 bytes: IPv6, as stored (network byte order) */
        EXT_FORMAT_PORT,        /* 16 bits in host byte order */
        EXT_FORMAT_PORT_BE,     /* 16 bits in network byte order (as in struct sock) */
        _EXT_FORMAT_MAX,
};

const char *ext_format_to_string(enum ext_format f);
enum ext_format ext_format_from_string(const char *s);  /* -1 when unknown */

struct ext_field_format {
        char *field;            /* the flattened name: "a.b" */
        enum ext_format format;
};

struct ext_conf {
        char *name;             /* NAME of NAME.tracer */
        char *path;             /* of the .tracer file */
        char *object;           /* absolute path of the BPF object */
        char *ringbuf;          /* RingBuffer=: its ring-buffer map */
        char *event;            /* Event=: the struct each record is */
        char *description;
        char *drops_map;        /* DropsMap=: a per-CPU array counting lost records; NULL: "drops" if any */
        bool enable;            /* Enable=: starts with the service */
        struct ext_field_format *formats;       /* [Fields] */
        size_t n_formats;
};

void ext_conf_done(struct ext_conf *c);

/* Whether name may name an external tracer: lowercase letters, digits, '-' and '_', at most
 * EXT_NAME_MAX characters. */
bool ext_tracer_name_valid(const char *name);

/* Parses the text of path (name: NAME of NAME.tracer). Errors go to why as "path:line: reason" and
 * give -EINVAL. */
int ext_conf_parse(const char *name, const char *path, const char *text, size_t len, struct ext_conf *ret,
                   struct strbuf *why);

/* Opens path for reading when it is a regular file owned by root and not writable by its group or
 * others; why says otherwise, without the path (-EPERM, or the errno of open). */
int ext_file_open_trusted(const char *path, size_t max_size, struct strbuf *why);
/* The whole of a trusted file (ext_file_open_trusted()), at most max_size bytes. */
int ext_file_read_trusted(const char *path, size_t max_size, char **ret, size_t *ret_len, struct strbuf *why);

/* The NAME.tracer files of dirs, a name in an earlier directory hiding the same name in a later one
 * (/etc before /usr/lib), sorted by name; an empty file or a link to /dev/null masks. paths gets the
 * path of each. */
int ext_conf_find(const char *const *dirs, size_t n_dirs, struct strv *paths);

/* Reads and parses one NAME.tracer file, checking it is trusted. */
int ext_conf_load(const char *path, struct ext_conf *ret, struct strbuf *why);
