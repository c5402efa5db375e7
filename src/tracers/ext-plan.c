/* SPDX-License-Identifier: GPL-2.0-or-later */
/* BTF -> decoder plan: integers, enums, char arrays, fixed arrays, pointers and nested structs;
 * unions, floats and anything else are refused with the field's name. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "ext-plan.h"
#include "shared/array.h"
#include "shared/macro.h"

#define TAG_PREFIX "cwatch_"

struct member_tag {
        uint32_t struct_id;
        int component;
        enum ext_format format;
};

struct builder {
        const struct btf *btf;
        const struct ext_field_format *formats;
        size_t n_formats;
        bool *format_used;
        struct member_tag *tags;
        size_t n_tags;
        struct ext_plan *plan;
        struct strbuf *why;
};

struct ext_plan *ext_plan_free(struct ext_plan *p)
{
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_fields; i++) {
                for (size_t j = 0; j < p->fields[i].n_enums; j++)
                        free(p->fields[i].enums[j].name);
                free(p->fields[i].enums);
                free(p->fields[i].name);
        }
        free(p->fields);
        free(p);
        return NULL;
}

_printf_(3, 4)
static int refuse(struct builder *b, const char *name, const char *fmt, ...)
{
        _cleanup_free_ char *text = NULL;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&text, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -ENOMEM;
        strbuf_printf(b->why, "field '%s': %s", *name ? name : "(the struct)", text);
        return -EINVAL;
}

static enum ext_format tag_format(const char *tag)
{
        if (!tag || strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) != 0)
                return EXT_FORMAT_AUTO;
        return ext_format_from_string(tag + strlen(TAG_PREFIX));
}

/* cwatch_FORMAT declaration tags on struct members */
static int collect_tags(struct builder *b)
{
        uint32_t n = btf__type_cnt(b->btf);

        for (uint32_t id = 1; id < n; id++) {
                const struct btf_type *t = btf__type_by_id(b->btf, id);
                struct member_tag mt;
                int r;

                if (!t || !btf_is_decl_tag(t))
                        continue;
                mt = (struct member_tag) { t->type, btf_decl_tag(t)->component_idx,
                                           tag_format(btf__name_by_offset(b->btf, t->name_off)) };
                if (mt.format == EXT_FORMAT_AUTO || (int) mt.format < 0 || mt.component < 0)
                        continue;
                r = ARRAY_APPEND(b->tags, b->n_tags, mt);
                if (r < 0)
                        return r;
        }
        return 0;
}

static enum ext_format member_tag(const struct builder *b, uint32_t struct_id, int component)
{
        for (size_t i = 0; i < b->n_tags; i++)
                if (b->tags[i].struct_id == struct_id && b->tags[i].component == component)
                        return b->tags[i].format;
        return EXT_FORMAT_AUTO;
}

static bool ends_with(const char *s, const char *suffix)
{
        size_t n = strlen(s), k = strlen(suffix);

        return n >= k && streq(s + n - k, suffix);
}

/* What a field's own name says it is: "saddr", "dst_addr", "ip" an address, "dport" a port. */
static enum ext_format name_format(const char *path)
{
        const char *last = strrchr(path, '.');

        last = last ? last + 1 : path;
        if (ends_with(last, "addr") || streq(last, "ip") || ends_with(last, "_ip") || streq(last, "saddr_v6") ||
            streq(last, "daddr_v6") || ends_with(last, "addr6") || ends_with(last, "addr4"))
                return EXT_FORMAT_ADDR;
        if (ends_with(last, "port"))
                return EXT_FORMAT_PORT;
        return EXT_FORMAT_AUTO;
}

/* The format the .tracer file gives, else the tag, else the name. */
static enum ext_format field_format(struct builder *b, const char *path, enum ext_format tagged)
{
        for (size_t i = 0; i < b->n_formats; i++)
                if (streq(b->formats[i].field, path)) {
                        b->format_used[i] = true;
                        return b->formats[i].format;
                }
        return tagged != EXT_FORMAT_AUTO ? tagged : EXT_FORMAT_AUTO;
}

/* typedef, const, volatile, restrict and type tags skipped; a cwatch_ type tag is kept */
static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id, uint32_t *ret_id, enum ext_format *tagged)
{
        const struct btf_type *t = btf__type_by_id(btf, id);

        for (int i = 0; t && i < 32; i++) {
                if (btf_is_type_tag(t)) {
                        enum ext_format f = tag_format(btf__name_by_offset(btf, t->name_off));

                        if (f != EXT_FORMAT_AUTO && (int) f >= 0 && tagged)
                                *tagged = f;
                } else if (!btf_is_typedef(t) && !btf_is_const(t) && !btf_is_volatile(t) && !btf_is_restrict(t)) {
                        if (ret_id)
                                *ret_id = id;
                        return t;
                }
                id = t->type;
                t = btf__type_by_id(btf, id);
        }
        return NULL;
}

static int add_field(struct builder *b, const char *name, struct ext_field f)
{
        struct ext_plan *p = b->plan;
        int r;

        if (p->n_fields >= EXT_PLAN_MAX_FIELDS)
                return refuse(b, name, "more than %d fields in all", EXT_PLAN_MAX_FIELDS);
        for (size_t i = 0; i < p->n_fields; i++)
                if (streq(p->fields[i].name, name))
                        return refuse(b, name, "two fields of this name (anonymous members?)");
        if ((uint64_t) f.offset + f.size > p->size)
                return refuse(b, name, "bad BTF: it lies beyond the end of the struct");
        f.name = strdup(name);
        if (!f.name)
                return -ENOMEM;
        r = ARRAY_APPEND(p->fields, p->n_fields, f);
        if (r < 0)
                free(f.name);
        return r;
}

static int copy_enum(const struct btf *btf, const struct btf_type *t, struct ext_field *f)
{
        uint16_t n = btf_vlen(t);

        f->is_signed = btf_kflag(t);
        if (n == 0)
                return 0;
        f->enums = calloc(n, sizeof(*f->enums));
        if (!f->enums)
                return -ENOMEM;
        for (uint16_t i = 0; i < n; i++) {
                uint32_t name_off;
                int64_t v;

                if (btf_is_enum(t)) {
                        const struct btf_enum *e = btf_enum(t) + i;

                        name_off = e->name_off;
                        v = f->is_signed ? (int64_t) e->val : (int64_t) (uint32_t) e->val;
                } else {
                        const struct btf_enum64 *e = btf_enum64(t) + i;

                        name_off = e->name_off;
                        v = (int64_t) btf_enum64_value(e);
                }
                f->enums[i] = (struct ext_enum_value) { v, strdup(btf__name_by_offset(btf, name_off) ?: "") };
                f->n_enums = i + 1;
                if (!f->enums[i].name)
                        return -ENOMEM;
        }
        return 0;
}

static void free_enums(struct ext_field *f)
{
        for (size_t i = 0; i < f->n_enums; i++)
                free(f->enums[i].name);
        free(f->enums);
}

static bool is_char(const struct btf *btf, const struct btf_type *t)
{
        const char *n = btf__name_by_offset(btf, t->name_off);

        return btf_is_int(t) && t->size == 1 &&
               ((btf_int_encoding(t) & BTF_INT_CHAR) || (n && (streq(n, "char") || streq(n, "signed char"))));
}

/* An integer, enum or pointer of size bytes at offset: its kind under format. */
static int scalar_field(struct builder *b, const char *name, const struct btf_type *t, enum ext_format format,
                        struct ext_field *f)
{
        bool is_int = btf_is_int(t), is_enum = btf_is_any_enum(t), is_ptr = btf_is_ptr(t);
        uint32_t size = is_ptr ? 8 : t->size;

        if (btf_is_float(t))
                return refuse(b, name, "a %s cannot be decoded", "floating-point number");
        if (btf_is_union(t))
                return refuse(b, name, "a %s cannot be decoded (which member is meant?)", "union");
        if (!is_int && !is_enum && !is_ptr)
                return refuse(b, name, "its type (BTF kind %s) cannot be decoded", btf_kind(t) == BTF_KIND_FWD ?
                              "forward declaration" : btf_kind(t) == BTF_KIND_FUNC_PROTO ? "function" : "other");
        if (is_int && (btf_int_offset(t) != 0 || btf_int_bits(t) > size * 8))
                return refuse(b, name, "%s: an integer with bit offsets", "bad BTF");
        if (size != 1 && size != 2 && size != 4 && size != 8)
                return refuse(b, name, "%s integers cannot be decoded (1, 2, 4 or 8 bytes)",
                              size == 16 ? "128-bit" : "odd-sized");
        *f = (struct ext_field) { .size = size, .is_signed = is_int && (btf_int_encoding(t) & BTF_INT_SIGNED) };
        switch (format) {
        case EXT_FORMAT_HEX:
                f->kind = EXT_KIND_HEX;
                return 0;
        case EXT_FORMAT_PORT:
        case EXT_FORMAT_PORT_BE:
                if (!is_int || (size != 2 && (format == EXT_FORMAT_PORT_BE || size != 4)))
                        return refuse(b, name, "%s needs a 16-bit integer (or 32-bit, in host order)",
                                      ext_format_to_string(format));
                f->kind = format == EXT_FORMAT_PORT ? EXT_KIND_PORT : EXT_KIND_PORT_BE;
                return 0;
        case EXT_FORMAT_ADDR:
                if (!is_int || size != 4)
                        return refuse(b, name, "%s needs 4 bytes (IPv4) or 16 (IPv6)", "addr");
                f->kind = EXT_KIND_ADDR;
                return 0;
        case EXT_FORMAT_STRING:
                return refuse(b, name, "%s needs a char array", "string");
        default:
                break;
        }
        if (is_ptr) {
                f->kind = EXT_KIND_HEX;
                return 0;
        }
        if (is_enum) {
                f->kind = EXT_KIND_ENUM;
                return copy_enum(b->btf, t, f);
        }
        f->kind = btf_int_encoding(t) & BTF_INT_BOOL ? EXT_KIND_BOOL : f->is_signed ? EXT_KIND_SINT : EXT_KIND_UINT;
        return 0;
}

static int plan_type(struct builder *b, uint32_t type_id, uint64_t bit_off, const char *name,
                     enum ext_format format, int depth);

static int plan_struct(struct builder *b, uint32_t id, const struct btf_type *t, uint64_t bit_off, const char *name,
                       int depth)
{
        const struct btf_member *m = btf_members(t);
        int r = 0;

        for (uint16_t i = 0; r >= 0 && i < btf_vlen(t); i++, m++) {
                const char *mname = btf__name_by_offset(b->btf, m->name_off);
                uint32_t bitfield = btf_member_bitfield_size(t, i);
                uint64_t off = bit_off + btf_member_bit_offset(t, i);
                struct strbuf path = {};
                enum ext_format tagged = member_tag(b, id, i), format;

                /* an anonymous struct's members are the parent's */
                if (mname && *mname)
                        strbuf_printf(&path, "%s%s%s", name, *name ? "." : "", mname);
                else
                        strbuf_puts(&path, name);
                if (path.oom)
                        return -ENOMEM;
                if (path.len > EXT_PLAN_MAX_NAME)
                        r = refuse(b, path.data, "a name longer than %d characters", EXT_PLAN_MAX_NAME);
                else if (bitfield > 0) {
                        enum ext_format tt = tagged;
                        const struct btf_type *mt = skip_mods(b->btf, m->type, NULL, &tt);
                        struct ext_field f = {};

                        format = field_format(b, path.data, tt);
                        if (format == EXT_FORMAT_AUTO)
                                format = EXT_FORMAT_NUMBER;
                        if (!mt || (!btf_is_int(mt) && !btf_is_any_enum(mt)))
                                r = refuse(b, path.data, "%s: a bitfield that is not an integer", "bad BTF");
                        else if (off % 8 + bitfield > 64)
                                r = refuse(b, path.data, "%s bitfield cannot be decoded", "this");
                        else
                                r = scalar_field(b, path.data, mt, format, &f);
                        if (r >= 0) {
                                f.offset = off / 8;
                                f.bit_offset = off % 8;
                                f.bit_size = bitfield;
                                f.size = (off % 8 + bitfield + 7) / 8;
                                if (f.kind == EXT_KIND_ADDR || f.kind == EXT_KIND_PORT_BE) {
                                        free_enums(&f);
                                        r = refuse(b, path.data, "a bitfield cannot be %s", "an address or a port");
                                } else if ((r = add_field(b, path.data, f)) < 0)
                                        free_enums(&f);
                        }
                } else
                        r = plan_type(b, m->type, off, path.data, tagged, depth + 1);
                strbuf_free(&path);
        }
        return r;
}

static int plan_array(struct builder *b, const struct btf_type *t, uint64_t bit_off, const char *name,
                      enum ext_format format, int depth)
{
        const struct btf_array *a = btf_array(t);
        uint32_t elem_id = 0;
        enum ext_format elem_tagged = EXT_FORMAT_AUTO, named;
        const struct btf_type *e = skip_mods(b->btf, a->type, &elem_id, &elem_tagged);
        int64_t elem_size;
        struct ext_field f = {};
        int r;

        if (!e)
                return refuse(b, name, "%s: an array of an unknown type", "bad BTF");
        if (a->nelems == 0)
                return 0;       /* a flexible array member: the variable part is not decoded */
        elem_size = btf_is_ptr(e) ? 8 : btf__resolve_size(b->btf, elem_id);
        if (elem_size <= 0 || elem_size > UINT32_MAX / a->nelems)
                return refuse(b, name, "%s: an array of a type without a size", "bad BTF");

        if (btf_is_struct(e) || btf_is_array(e) || btf_is_union(e)) {
                /* each element's fields, as name.0.x, name.1.x */
                for (uint32_t i = 0; i < a->nelems; i++) {
                        char path[EXT_PLAN_MAX_NAME + 16];

                        snprintf(path, sizeof(path), "%s.%u", name, i);
                        r = plan_type(b, a->type, bit_off + (uint64_t) i * elem_size * 8, path, EXT_FORMAT_AUTO,
                                      depth + 1);
                        if (r < 0)
                                return r;
                }
                return 0;
        }

        f = (struct ext_field) { .offset = bit_off / 8, .size = a->nelems * elem_size };
        named = format == EXT_FORMAT_AUTO ? name_format(name) : EXT_FORMAT_AUTO;
        if ((format == EXT_FORMAT_ADDR || named == EXT_FORMAT_ADDR) && (f.size == 4 || f.size == 16) &&
            btf_is_int(e)) {
                f.kind = EXT_KIND_ADDR;
                return add_field(b, name, f);
        }
        if ((format == EXT_FORMAT_STRING && btf_is_int(e) && elem_size == 1) ||
            (format != EXT_FORMAT_NUMBER && format != EXT_FORMAT_HEX && is_char(b->btf, e))) {
                f.kind = EXT_KIND_STRING;
                return add_field(b, name, f);
        }
        if (format == EXT_FORMAT_STRING || format == EXT_FORMAT_ADDR)
                return refuse(b, name, "%s does not fit this array", ext_format_to_string(format));
        if (a->nelems > EXT_PLAN_MAX_LIST)
                return refuse(b, name, "an array of more than %d numbers", EXT_PLAN_MAX_LIST);
        if (format == EXT_FORMAT_PORT || format == EXT_FORMAT_PORT_BE)
                return refuse(b, name, "%s does not fit an array", ext_format_to_string(format));
        r = scalar_field(b, name, e, format == EXT_FORMAT_HEX ? format : elem_tagged, &f);
        if (r < 0)
                return r;
        if (f.kind == EXT_KIND_ADDR || f.kind == EXT_KIND_PORT || f.kind == EXT_KIND_PORT_BE)
                f.kind = EXT_KIND_UINT;
        f.elem_kind = f.kind;
        f.elem_size = elem_size;
        f.n_elems = a->nelems;
        f.kind = EXT_KIND_LIST;
        f.offset = bit_off / 8;
        f.size = a->nelems * elem_size;
        r = add_field(b, name, f);
        if (r < 0)
                free_enums(&f);
        return r;
}

static int plan_type(struct builder *b, uint32_t type_id, uint64_t bit_off, const char *name,
                     enum ext_format tagged, int depth)
{
        uint32_t id = 0;
        const struct btf_type *t = skip_mods(b->btf, type_id, &id, &tagged);
        enum ext_format format;
        struct ext_field f;
        int r;

        if (!t)
                return refuse(b, name, "%s: a type that does not resolve", "bad BTF");
        if (depth > EXT_PLAN_MAX_DEPTH)
                return refuse(b, name, "nested deeper than %d levels", EXT_PLAN_MAX_DEPTH);
        if (bit_off % 8 != 0)
                return refuse(b, name, "%s: not on a byte boundary", "bad BTF");
        if (btf_is_struct(t))
                return plan_struct(b, id, t, bit_off, name, depth);
        format = field_format(b, name, tagged);
        if (btf_is_array(t))
                return plan_array(b, t, bit_off, name, format, depth);
        /* by its name only where it fits: a 64-bit "addr" stays a number */
        if (format == EXT_FORMAT_AUTO) {
                format = name_format(name);
                if ((format == EXT_FORMAT_ADDR && (!btf_is_int(t) || t->size != 4)) ||
                    (format == EXT_FORMAT_PORT && (!btf_is_int(t) || t->size != 2)))
                        format = EXT_FORMAT_AUTO;
        }
        r = scalar_field(b, name, t, format, &f);
        if (r < 0)
                return r;
        f.offset = bit_off / 8;
        r = add_field(b, name, f);
        if (r < 0)
                free_enums(&f);
        return r;
}

int ext_plan_build(const struct btf *btf, const char *struct_name, const struct ext_field_format *formats,
                   size_t n_formats, struct ext_plan **ret, struct strbuf *why)
{
        struct builder b = { .btf = btf, .formats = formats, .n_formats = n_formats, .why = why };
        const struct btf_type *t;
        int id, r;

        id = btf__find_by_name_kind(btf, struct_name, BTF_KIND_STRUCT);
        if (id <= 0) {
                if (btf__find_by_name_kind(btf, struct_name, BTF_KIND_UNION) > 0)
                        strbuf_printf(why, "'%s' is a union, not a struct", struct_name);
                else
                        strbuf_printf(why, "no struct '%s' in its BTF (compiled with -g? the struct must be used "
                                      "where BTF keeps it: see cwatch.tracer(5))", struct_name);
                return -ENOENT;
        }
        t = btf__type_by_id(btf, id);
        if (!t || t->size == 0) {
                strbuf_printf(why, "struct '%s' is empty", struct_name);
                return -EINVAL;
        }
        if (t->size > EXT_PLAN_MAX_SIZE) {
                strbuf_printf(why, "struct '%s' has %u bytes, more than a record may have (%d)", struct_name, t->size,
                              EXT_PLAN_MAX_SIZE);
                return -EINVAL;
        }
        b.plan = calloc(1, sizeof(*b.plan));
        b.format_used = calloc(n_formats + 1, sizeof(bool));
        if (!b.plan || !b.format_used) {
                r = -ENOMEM;
                goto out;
        }
        b.plan->size = t->size;
        r = collect_tags(&b);
        if (r >= 0)
                r = plan_struct(&b, id, t, 0, "", 0);
        for (size_t i = 0; r >= 0 && i < n_formats; i++)
                if (!b.format_used[i]) {
                        strbuf_printf(why, "[Fields] names '%s', which struct '%s' has no field of", formats[i].field,
                                      struct_name);
                        r = -EINVAL;
                }
        if (r >= 0 && b.plan->n_fields == 0) {
                strbuf_printf(why, "struct '%s' has no field to decode", struct_name);
                r = -EINVAL;
        }
        if (r >= 0)
                *ret = TAKE_PTR(b.plan);
out:
        ext_plan_free(b.plan);
        free(b.format_used);
        free(b.tags);
        return r;
}

bool ext_plan_equal(const struct ext_plan *a, const struct ext_plan *b)
{
        if (a->size != b->size || a->n_fields != b->n_fields)
                return false;
        for (size_t i = 0; i < a->n_fields; i++) {
                const struct ext_field *x = &a->fields[i], *y = &b->fields[i];

                if (!streq(x->name, y->name) || x->kind != y->kind || x->offset != y->offset || x->size != y->size ||
                    x->bit_offset != y->bit_offset || x->bit_size != y->bit_size || x->is_signed != y->is_signed ||
                    x->n_elems != y->n_elems || x->elem_size != y->elem_size || x->elem_kind != y->elem_kind ||
                    x->n_enums != y->n_enums)
                        return false;
                for (size_t j = 0; j < x->n_enums; j++)
                        if (x->enums[j].value != y->enums[j].value || !streq(x->enums[j].name, y->enums[j].name))
                                return false;
        }
        return true;
}

const char *ext_field_enum_name(const struct ext_field *f, int64_t value)
{
        for (size_t i = 0; i < f->n_enums; i++)
                if (f->enums[i].value == value)
                        return f->enums[i].name;
        return NULL;
}
