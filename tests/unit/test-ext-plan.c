/* SPDX-License-Identifier: GPL-2.0-or-later */
/* External tracers without the kernel: the .tracer parser, the decoder plan built from BTF (made
 * here with libbpf's btf__add_*), the decoding of a record, and the refusals with their reasons. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <bpf/btf.h>
#include "tracers/ext-conf.h"
#include "tracers/ext-decode.h"
#include "tracers/ext-elf.h"
#include "tracers/ext-plan.h"

/* struct ev {
 *         u64 cgroup_id;                          0
 *         u32 pid;                                8
 *         int ret;                                12
 *         enum st { ST_NEW = 1, ST_OLD = 2 } st;  16
 *         u32 saddr;                              20   -> addr by its name
 *         u16 dport;                              24   -> port by its name
 *         u16 flags __tag("cwatch_hex");          26
 *         struct { u32 a; char name[8]; } in;     28, 32
 *         u32 words[3];                           40
 *         void *ptr;                              56 (after 4 bytes of padding)
 *         u32 lo : 3, hi : 5;                     64
 *         _Bool ok;                               68
 *         u8 daddr6[16];                          69   -> IPv6 by its name
 * };                                              size 88 */
static struct btf *make_btf(int *ret_union, int *ret_float)
{
        struct btf *btf = btf__new_empty();
        int u8, u16, u32, s32, u64, chr, boolean, st, in, name_arr, words, ptr, d6, ev, un, fl;

        assert_non_null(btf);
        u8 = btf__add_int(btf, "unsigned char", 1, 0);
        u16 = btf__add_int(btf, "unsigned short", 2, 0);
        u32 = btf__add_int(btf, "unsigned int", 4, 0);
        s32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
        u64 = btf__add_int(btf, "unsigned long long", 8, 0);
        chr = btf__add_int(btf, "char", 1, BTF_INT_SIGNED);
        boolean = btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL);
        st = btf__add_enum(btf, "st", 4);
        assert_int_equal(btf__add_enum_value(btf, "ST_NEW", 1), 0);
        assert_int_equal(btf__add_enum_value(btf, "ST_OLD", 2), 0);
        name_arr = btf__add_array(btf, u32, chr, 8);
        in = btf__add_struct(btf, NULL, 12);
        assert_int_equal(btf__add_field(btf, "a", u32, 0, 0), 0);
        assert_int_equal(btf__add_field(btf, "name", name_arr, 32, 0), 0);
        words = btf__add_array(btf, u32, u32, 3);
        ptr = btf__add_ptr(btf, 0);
        d6 = btf__add_array(btf, u32, u8, 16);
        ev = btf__add_struct(btf, "ev", 88);
        assert_int_equal(btf__add_field(btf, "cgroup_id", u64, 0, 0), 0);
        assert_int_equal(btf__add_field(btf, "pid", u32, 64, 0), 0);
        assert_int_equal(btf__add_field(btf, "ret", s32, 96, 0), 0);
        assert_int_equal(btf__add_field(btf, "st", st, 128, 0), 0);
        assert_int_equal(btf__add_field(btf, "saddr", u32, 160, 0), 0);
        assert_int_equal(btf__add_field(btf, "dport", u16, 192, 0), 0);
        assert_int_equal(btf__add_field(btf, "flags", u16, 208, 0), 0);
        assert_int_equal(btf__add_field(btf, "in", in, 224, 0), 0);
        assert_int_equal(btf__add_field(btf, "words", words, 320, 0), 0);
        assert_int_equal(btf__add_field(btf, "ptr", ptr, 448, 0), 0);
        assert_int_equal(btf__add_field(btf, "lo", u32, 512, 3), 0);
        assert_int_equal(btf__add_field(btf, "hi", u32, 515, 5), 0);
        assert_int_equal(btf__add_field(btf, "ok", boolean, 544, 0), 0);
        assert_int_equal(btf__add_field(btf, "daddr6", d6, 552, 0), 0);
        assert_true(btf__add_decl_tag(btf, "cwatch_hex", ev, 6) > 0);

        /* struct bad_union { union { u32 x; u16 y; } u; };  struct bad_float { float f; } */
        un = btf__add_union(btf, NULL, 4);
        assert_int_equal(btf__add_field(btf, "x", u32, 0, 0), 0);
        assert_int_equal(btf__add_field(btf, "y", u16, 0, 0), 0);
        *ret_union = btf__add_struct(btf, "bad_union", 4);
        assert_int_equal(btf__add_field(btf, "u", un, 0, 0), 0);
        fl = btf__add_float(btf, "float", 4);
        *ret_float = btf__add_struct(btf, "bad_float", 4);
        assert_int_equal(btf__add_field(btf, "f", fl, 0, 0), 0);
        /* struct clash { u32 container_name; } */
        assert_true(btf__add_struct(btf, "clash", 4) > 0);
        assert_int_equal(btf__add_field(btf, "container_name", u32, 0, 0), 0);
        (void) u64;
        return btf;
}

static const struct ext_field *field(const struct ext_plan *p, const char *name)
{
        for (size_t i = 0; i < p->n_fields; i++)
                if (strcmp(p->fields[i].name, name) == 0)
                        return &p->fields[i];
        fail_msg("no field %s", name);
        return NULL;
}

static void test_plan_fields(void **state)
{
        int un, fl;
        struct btf *btf = make_btf(&un, &fl);
        struct ext_plan *p = NULL;
        struct strbuf why = {};

        assert_int_equal(ext_plan_build(btf, "ev", NULL, 0, &p, &why), 0);
        assert_int_equal(p->size, 88);
        assert_int_equal(p->n_fields, 15);
        assert_int_equal(field(p, "cgroup_id")->kind, EXT_KIND_UINT);
        assert_int_equal(field(p, "ret")->kind, EXT_KIND_SINT);
        assert_int_equal(field(p, "st")->kind, EXT_KIND_ENUM);
        assert_string_equal(ext_field_enum_name(field(p, "st"), 2), "ST_OLD");
        assert_int_equal(field(p, "saddr")->kind, EXT_KIND_ADDR);
        assert_int_equal(field(p, "dport")->kind, EXT_KIND_PORT);
        assert_int_equal(field(p, "flags")->kind, EXT_KIND_HEX);
        assert_int_equal(field(p, "in.a")->offset, 28);
        assert_int_equal(field(p, "in.name")->kind, EXT_KIND_STRING);
        assert_int_equal(field(p, "in.name")->offset, 32);
        assert_int_equal(field(p, "words")->kind, EXT_KIND_LIST);
        assert_int_equal(field(p, "words")->n_elems, 3);
        assert_int_equal(field(p, "ptr")->kind, EXT_KIND_HEX);
        assert_int_equal(field(p, "hi")->bit_size, 5);
        assert_int_equal(field(p, "ok")->kind, EXT_KIND_BOOL);
        assert_int_equal(field(p, "daddr6")->kind, EXT_KIND_ADDR);
        assert_int_equal(field(p, "daddr6")->size, 16);
        ext_plan_free(p);
        strbuf_free(&why);
        btf__free(btf);
}

static void test_decode(void **state)
{
        int un, fl;
        struct btf *btf = make_btf(&un, &fl);
        struct ext_plan *p = NULL;
        struct strbuf why = {};
        struct column *cols = NULL;
        size_t n = 0;
        uint8_t rec[88] = {};
        struct value v[EXT_PLAN_MAX_FIELDS] = {};
        static char text[EXT_DECODE_TEXT_SIZE];
        uint64_t cg = 4242;
        uint32_t pid = 77, saddr = 0x0100007f, words[3] = { 1, 20, 300 }, bits = 5 | (17 << 3);
        int32_t ret = -2, st = 2;
        uint16_t dport = 443, flags = 0x8241;
        uint64_t ptr = 0xffff8880deadbeef;

        memcpy(rec + 0, &cg, 8);
        memcpy(rec + 8, &pid, 4);
        memcpy(rec + 12, &ret, 4);
        memcpy(rec + 16, &st, 4);
        memcpy(rec + 20, &saddr, 4);
        memcpy(rec + 24, &dport, 2);
        memcpy(rec + 26, &flags, 2);
        memcpy(rec + 32, "cat\0junk", 8);
        memcpy(rec + 40, words, 12);
        memcpy(rec + 56, &ptr, 8);
        memcpy(rec + 64, &bits, 4);
        rec[68] = 1;
        rec[69] = 0xfe;
        rec[70] = 0x80;
        rec[84] = 1;

        /* the .tracer file's [Fields] beats the name: ret in hex */
        assert_int_equal(ext_plan_build(btf, "ev", (struct ext_field_format[]) { { (char *) "ret", EXT_FORMAT_HEX } },
                                        1, &p, &why), 0);
        assert_int_equal(ext_schema_columns(p, &cols, &n, &why), 0);
        assert_int_equal(n, p->n_fields + 7);
        assert_string_equal(cols[p->n_fields].name, "container_name");
        assert_int_equal(ext_plan_decode(p, rec, sizeof(rec) - 1, v, text), -EBADMSG);
        assert_int_equal(ext_plan_decode(p, rec, sizeof(rec), v, text), 0);
#define STR(name, want) do {                                                            \
                const struct value *x = &v[field(p, name) - p->fields];                 \
                assert_true(x->present);                                                \
                assert_int_equal(x->len, strlen(want));                                 \
                assert_memory_equal(x->str, want, strlen(want));                        \
        } while (0)
#define NUM(name, want) assert_int_equal(v[field(p, name) - p->fields].u, (want))
        NUM("cgroup_id", 4242);
        NUM("pid", 77);
        STR("ret", "0xfffffffffffffffe");
        STR("st", "ST_OLD");
        STR("saddr", "127.0.0.1");
        NUM("dport", 443);
        STR("flags", "0x8241");
        STR("in.name", "cat");
        STR("words", "1,20,300");
        STR("ptr", "0xffff8880deadbeef");
        NUM("lo", 5);
        NUM("hi", 17);
        NUM("ok", 1);
        STR("daddr6", "fe80::1");
        free(cols);
        ext_plan_free(p);
        strbuf_free(&why);
        btf__free(btf);
}

static void assert_refused(struct btf *btf, const char *name, const struct ext_field_format *f, size_t n,
                           const char *reason)
{
        struct ext_plan *p = NULL;
        struct strbuf why = {};

        assert_true(ext_plan_build(btf, name, f, n, &p, &why) < 0);
        assert_null(p);
        assert_non_null(why.data);
        if (!strstr(why.data, reason))
                fail_msg("'%s' does not say '%s'", why.data, reason);
        strbuf_free(&why);
}

static void test_refusals(void **state)
{
        int un, fl;
        struct btf *btf = make_btf(&un, &fl);
        struct ext_plan *p = NULL;
        struct column *cols = NULL;
        struct strbuf why = {};
        size_t n;

        assert_refused(btf, "nope", NULL, 0, "no struct 'nope' in its BTF");
        assert_refused(btf, "bad_union", NULL, 0, "field 'u': a union cannot be decoded");
        assert_refused(btf, "bad_float", NULL, 0, "field 'f': a floating-point number cannot be decoded");
        assert_refused(btf, "ev", (struct ext_field_format[]) { { (char *) "nosuch", EXT_FORMAT_HEX } }, 1,
                       "[Fields] names 'nosuch', which struct 'ev' has no field of");
        assert_refused(btf, "ev", (struct ext_field_format[]) { { (char *) "pid", EXT_FORMAT_STRING } }, 1,
                       "field 'pid': string needs a char array");
        assert_int_equal(ext_plan_build(btf, "clash", NULL, 0, &p, &why), 0);
        assert_int_equal(ext_schema_columns(p, &cols, &n, &why), -EINVAL);
        assert_non_null(strstr(why.data, "field 'container_name' has the name of cwatch's identity column"));
        ext_plan_free(p);
        strbuf_free(&why);
        btf__free(btf);
}

static void test_conf(void **state)
{
        static const char good[] = "# x\n[Tracer]\nDescription=opens\nObject=x.bpf.o\nRingBuffer=opens\n"
                                   "Event=open_event\nEnable=yes\n\n[Fields]\nret=number\nin.a=hex\n";
        struct ext_conf c = {};
        struct strbuf why = {};
        static const struct {
                const char *text, *reason;
        } bad[] = {
                { "[Tracer]\nObject=/x\nRingBuffer=r\n", "/d/t.tracer: [Tracer] needs Object=, RingBuffer= and Event=" },
                { "[Tracer]\nObject=/x\nRingBuffer=r\nEvent=e\nEnable=maybe\n",
                  "/d/t.tracer:5: bad value for Enable=: 'maybe' (want yes or no)" },
                { "[Tracer]\nFoo=1\n", "/d/t.tracer:2: unknown key Foo=" },
                { "[Tracers]\n", "/d/t.tracer:1: unknown section [Tracers]" },
                { "Object=/x\n", "/d/t.tracer:1: Object= outside a section" },
                { "[Tracer]\nEvent=struct x\n", "/d/t.tracer:2: bad value for Event=: 'struct x'" },
                { "[Fields]\nret=octal\n", "/d/t.tracer:2: bad value for ret=: 'octal'" },
        };

        assert_int_equal(ext_conf_parse("t", "/d/t.tracer", good, strlen(good), &c, &why), 0);
        assert_string_equal(c.object, "/d/x.bpf.o");
        assert_string_equal(c.ringbuf, "opens");
        assert_string_equal(c.event, "open_event");
        assert_string_equal(c.description, "opens");
        assert_true(c.enable);
        assert_int_equal(c.n_formats, 2);
        assert_string_equal(c.formats[1].field, "in.a");
        assert_int_equal(c.formats[1].format, EXT_FORMAT_HEX);
        ext_conf_done(&c);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                strbuf_reset(&why);
                assert_int_equal(ext_conf_parse("t", "/d/t.tracer", bad[i].text, strlen(bad[i].text), &c, &why),
                                 -EINVAL);
                if (!why.data || !strstr(why.data, bad[i].reason))
                        fail_msg("'%s': got '%s'", bad[i].text, why.data ?: "");
        }
        strbuf_reset(&why);
        assert_int_equal(ext_conf_parse("Bad!", "/d/Bad!.tracer", good, strlen(good), &c, &why), -EINVAL);
        assert_non_null(strstr(why.data, "is not a tracer name"));
        strbuf_free(&why);
}

static void test_elf(void **state)
{
        static const unsigned char not_bpf[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
        struct strbuf why = {};

        assert_int_equal(ext_elf_check("hello", 5, &why), -EINVAL);
        assert_non_null(strstr(why.data, "not an ELF file"));
        strbuf_reset(&why);
        assert_int_equal(ext_elf_check(not_bpf, 10, &why), -EINVAL);
        assert_non_null(strstr(why.data, "truncated"));
        strbuf_reset(&why);
        assert_int_equal(ext_elf_check(not_bpf, sizeof(not_bpf), &why), -EINVAL);
        assert_non_null(strstr(why.data, "not a BPF object"));
        strbuf_free(&why);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plan_fields),
                cmocka_unit_test(test_decode),
                cmocka_unit_test(test_refusals),
                cmocka_unit_test(test_conf),
                cmocka_unit_test(test_elf),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
