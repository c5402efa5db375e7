/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Generic decoding of external tracers' records by their plan. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ext-decode.h"
#include "shared/macro.h"

static const struct column identity_columns[] = {
        COLUMN_CONTAINER_NAME(-14),
        COLUMN_CONTAINER_ID,
        COLUMN_RUNTIME,
        COLUMN_IMAGE,
        COLUMN_POD,
        COLUMN_NAMESPACE,
        COLUMN_UNIT,
};

static enum value_type kind_value_type(enum ext_kind k)
{
        switch (k) {
        case EXT_KIND_UINT:
        case EXT_KIND_PORT:
        case EXT_KIND_PORT_BE:
                return VALUE_U64;
        case EXT_KIND_SINT:
                return VALUE_S64;
        case EXT_KIND_BOOL:
                return VALUE_BOOL;
        default:
                return VALUE_STR;
        }
}

/* table widths: numbers right-aligned, text left */
static int kind_width(const struct ext_field *f)
{
        switch (f->kind) {
        case EXT_KIND_UINT:
        case EXT_KIND_SINT:
                return f->size >= 8 ? 12 : 7;
        case EXT_KIND_PORT:
        case EXT_KIND_PORT_BE:
                return 5;
        case EXT_KIND_BOOL:
                return 5;
        case EXT_KIND_ADDR:
                return f->size == 4 ? -15 : -39;
        case EXT_KIND_STRING:
                return f->size > 64 ? -40 : -16;
        default:
                return -12;
        }
}

int ext_schema_columns(const struct ext_plan *p, struct column **ret, size_t *ret_n, struct strbuf *why)
{
        size_t n = p->n_fields + ELEMENTSOF(identity_columns), names = 0;
        struct column *c;
        char *s;

        for (size_t i = 0; i < p->n_fields; i++) {
                for (size_t j = 0; j < ELEMENTSOF(identity_columns); j++)
                        if (streq(p->fields[i].name, identity_columns[j].name)) {
                                strbuf_printf(why, "field '%s' has the name of cwatch's identity column",
                                              p->fields[i].name);
                                return -EINVAL;
                        }
                names += strlen(p->fields[i].name) + 1;
        }
        c = calloc(1, n * sizeof(*c) + names);
        if (!c)
                return -ENOMEM;
        s = (char *) (c + n);
        for (size_t i = 0; i < p->n_fields; i++) {
                const struct ext_field *f = &p->fields[i];

                c[i] = (struct column) { .name = strcpy(s, f->name), .type = kind_value_type(f->kind),
                                         .width = kind_width(f) };
                /* the cgroup id is what identity is for; the table shows the container */
                if (streq(f->name, "cgroup_id"))
                        c[i].width = 0;
                s += strlen(f->name) + 1;
        }
        memcpy(c + p->n_fields, identity_columns, sizeof(identity_columns));
        *ret = c;
        *ret_n = n;
        return 0;
}

static uint64_t load_bits(const struct ext_field *f, const uint8_t *data, size_t size)
{
        uint64_t u = 0;

        memcpy(&u, data + f->offset, MIN((size_t) f->size, sizeof(u)));
        (void) size;
        if (f->bit_size > 0) {
                u >>= f->bit_offset;
                if (f->bit_size < 64)
                        u &= (UINT64_C(1) << f->bit_size) - 1;
        }
        return u;
}

static int64_t sign_extend(uint64_t u, unsigned bits)
{
        if (bits == 0 || bits >= 64)
                return (int64_t) u;
        return (int64_t) (u << (64 - bits)) >> (64 - bits);
}

/* an integer of size bytes at p, as signed or unsigned 64 bits */
static uint64_t load_int(const uint8_t *p, uint32_t size, bool is_signed)
{
        uint8_t u8;
        uint16_t u16;
        uint32_t u32;
        uint64_t u64;

        switch (size) {
        case 1:
                memcpy(&u8, p, 1);
                return is_signed ? (uint64_t) (int64_t) (int8_t) u8 : u8;
        case 2:
                memcpy(&u16, p, 2);
                return is_signed ? (uint64_t) (int64_t) (int16_t) u16 : u16;
        case 4:
                memcpy(&u32, p, 4);
                return is_signed ? (uint64_t) (int64_t) (int32_t) u32 : u32;
        default:
                memcpy(&u64, p, 8);
                return u64;
        }
}

uint64_t ext_field_u64(const struct ext_field *f, const void *data)
{
        if (f->kind != EXT_KIND_UINT && f->kind != EXT_KIND_SINT)
                return 0;
        if (f->bit_size > 0)
                return load_bits(f, data, 0);
        return load_int((const uint8_t *) data + f->offset, f->size, f->is_signed);
}

struct text {
        char *buf;
        size_t used;
};

/* appends to the text buffer; false when it is full (the value is cut there) */
_printf_(2, 3)
static bool text_printf(struct text *t, const char *fmt, ...)
{
        size_t left = EXT_DECODE_TEXT_SIZE - t->used;
        va_list ap;
        int n;

        if (left <= 1)
                return false;
        va_start(ap, fmt);
        n = vsnprintf(t->buf + t->used, left, fmt, ap);
        va_end(ap);
        if (n < 0)
                return false;
        if ((size_t) n >= left) {
                t->used = EXT_DECODE_TEXT_SIZE - 1;
                return false;
        }
        t->used += n;
        return true;
}

static bool print_scalar(struct text *t, const struct ext_field *f, enum ext_kind kind, uint64_t u)
{
        const char *name;

        switch (kind) {
        case EXT_KIND_SINT:
                return text_printf(t, "%" PRId64, (int64_t) u);
        case EXT_KIND_BOOL:
                return text_printf(t, "%s", u ? "true" : "false");
        case EXT_KIND_HEX:
                return text_printf(t, "0x%" PRIx64, u);
        case EXT_KIND_ENUM:
                name = ext_field_enum_name(f, (int64_t) u);
                return name ? text_printf(t, "%s", name)
                            : f->is_signed ? text_printf(t, "%" PRId64, (int64_t) u) : text_printf(t, "%" PRIu64, u);
        default:
                return text_printf(t, "%" PRIu64, u);
        }
}

static void set_text(struct value *v, struct text *t, size_t start, bool complete)
{
        t->buf[t->used] = '\0';
        value_set_str(v, t->buf + start, t->used - start);
        v->truncated = !complete;
        t->used++;      /* the NUL stays */
}

static void decode_field(const struct ext_field *f, const uint8_t *data, struct value *v, struct text *t)
{
        size_t start = t->used;
        const uint8_t *p = data + f->offset;
        char addr[INET6_ADDRSTRLEN];
        uint64_t u;
        bool ok = true;

        if (t->used >= EXT_DECODE_TEXT_SIZE - 1)
                start = t->used = EXT_DECODE_TEXT_SIZE - 1;
        switch (f->kind) {
        case EXT_KIND_STRING:
                value_set_str(v, (const char *) p, strnlen((const char *) p, f->size));
                return;
        case EXT_KIND_ADDR:
                if (!inet_ntop(f->size == 4 ? AF_INET : AF_INET6, p, addr, sizeof(addr)))
                        return;
                ok = text_printf(t, "%s", addr);
                break;
        case EXT_KIND_LIST:
                for (uint32_t i = 0; ok && i < f->n_elems; i++) {
                        u = load_int(p + (size_t) i * f->elem_size, f->elem_size, f->is_signed);
                        ok = (i == 0 || text_printf(t, ",")) && print_scalar(t, f, f->elem_kind, u);
                }
                break;
        default:
                u = f->bit_size > 0 ? load_bits(f, data, 0) : load_int(p, f->size, f->is_signed);
                if (f->bit_size > 0 && f->is_signed)
                        u = (uint64_t) sign_extend(u, f->bit_size);
                switch (f->kind) {
                case EXT_KIND_UINT:
                        value_set_u64(v, u);
                        return;
                case EXT_KIND_SINT:
                        value_set_s64(v, (int64_t) u);
                        return;
                case EXT_KIND_BOOL:
                        value_set_bool(v, u != 0);
                        return;
                case EXT_KIND_PORT:
                        value_set_u64(v, u & 0xffff);
                        return;
                case EXT_KIND_PORT_BE:
                        value_set_u64(v, ntohs((uint16_t) u));
                        return;
                default:
                        ok = print_scalar(t, f, f->kind, u);
                }
        }
        set_text(v, t, start, ok);
}

int ext_plan_decode(const struct ext_plan *p, const void *data, size_t size, struct value *values, char *buf)
{
        struct text t = { buf, 0 };

        if (size < p->size)
                return -EBADMSG;
        for (size_t i = 0; i < p->n_fields; i++)
                decode_field(&p->fields[i], data, &values[i], &t);
        return 0;
}
