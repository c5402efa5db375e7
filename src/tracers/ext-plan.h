/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The decoder plan of an external tracer's records: from the BTF of the struct it submits, the
 * list of fields to read (flattened names "a.b", offsets, sizes, how each prints). Built once when
 * the tracer is found, checked again when it starts; the plan keeps no pointer into the BTF. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ext-conf.h"
#include "shared/strbuf.h"

#define EXT_PLAN_MAX_FIELDS 64
#define EXT_PLAN_MAX_DEPTH 8
#define EXT_PLAN_MAX_LIST 256
#define EXT_PLAN_MAX_NAME 96
#define EXT_PLAN_MAX_SIZE (1024 * 1024)   /* of the struct: larger records do not fit a ring buffer here */

struct btf;

enum ext_kind {
        EXT_KIND_UINT,
        EXT_KIND_SINT,
        EXT_KIND_BOOL,
        EXT_KIND_ENUM,          /* by the name of its value, the number when it has none */
        EXT_KIND_STRING,        /* a char array up to its first NUL */
        EXT_KIND_ADDR,          /* 4 bytes: IPv4, 16: IPv6 */
        EXT_KIND_PORT,          /* host byte order */
        EXT_KIND_PORT_BE,       /* network byte order */
        EXT_KIND_HEX,           /* an integer or pointer as "0x..." */
        EXT_KIND_LIST,          /* a fixed array of integers, enums or pointers: "1,2,3" */
};

struct ext_enum_value {
        int64_t value;
        char *name;
};

struct ext_field {
        char *name;             /* flattened: "a.b", "a.0.b" for an array of structs */
        enum ext_kind kind;
        uint32_t offset;        /* bytes from the record's start */
        uint32_t size;          /* bytes read from offset */
        uint8_t bit_offset;     /* bitfields: the bits within the bytes at offset; bit_size 0: whole */
        uint8_t bit_size;
        bool is_signed;
        /* EXT_KIND_LIST: n_elems of elem_size bytes, each printed as elem_kind */
        uint32_t n_elems, elem_size;
        enum ext_kind elem_kind;
        /* EXT_KIND_ENUM, and lists of enums */
        struct ext_enum_value *enums;
        size_t n_enums;
};

struct ext_plan {
        uint32_t size;          /* of the struct: a record is at least this long */
        struct ext_field *fields;
        size_t n_fields;
};

/* Builds the plan of struct struct_name in btf; formats ([Fields] of the .tracer file) override
 * what names and cwatch_FORMAT BTF tags say. On failure why says which field and why (-EINVAL,
 * -ENOENT when there is no such struct). */
int ext_plan_build(const struct btf *btf, const char *struct_name, const struct ext_field_format *formats,
                   size_t n_formats, struct ext_plan **ret, struct strbuf *why);
struct ext_plan *ext_plan_free(struct ext_plan *p);

/* Whether two plans decode records the same way (names, kinds, places). */
bool ext_plan_equal(const struct ext_plan *a, const struct ext_plan *b);

/* The name of the value of an enum field, or NULL. */
const char *ext_field_enum_name(const struct ext_field *f, int64_t value);
