/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer entry point for the checks of external tracers (cwatch.tracer(5)). The first byte picks
 * what the rest is:
 *   0: raw BTF: btf__new(), then the decoder plan of every struct in it (ext_plan_build()), its
 *      columns, and the decoding of a record made of the input's bytes;
 *   1: a BPF object: the ELF look (ext_elf_check()), libbpf's open and the checks of the object,
 *      in a child as cwatchd does (libbpf 1.1 crashes on some broken objects: that must be an
 *      error, not the end of the caller);
 *   2: a .tracer file (ext_conf_parse()).
 * Each must end in a plan or an error with a reason, never a crash, leak or read out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "tracers/ext-conf.h"
#include "tracers/ext-decode.h"
#include "tracers/ext-object.h"
#include "tracers/ext-plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
        return 0;
}

static void plan_struct(const struct btf *btf, const char *name, const uint8_t *data, size_t size)
{
        static char text[EXT_DECODE_TEXT_SIZE];
        struct value values[EXT_PLAN_MAX_FIELDS + 8];
        struct ext_plan *plan = NULL;
        struct column *columns = NULL;
        struct strbuf why = {};
        uint8_t *record;
        size_t n = 0;
        int r;

        r = ext_plan_build(btf, name, NULL, 0, &plan, &why);
        if (r < 0 && (!why.data || !why.len))
                abort();        /* every refusal says why */
        strbuf_free(&why);
        if (r < 0)
                return;
        if (plan->n_fields == 0 || plan->n_fields > EXT_PLAN_MAX_FIELDS)
                abort();
        for (size_t i = 0; i < plan->n_fields; i++)
                if ((uint64_t) plan->fields[i].offset + plan->fields[i].size > plan->size)
                        abort();
        if (ext_schema_columns(plan, &columns, &n, &why) >= 0) {
                record = calloc(1, plan->size);
                if (record) {
                        memcpy(record, data, size < plan->size ? size : plan->size);
                        if (ext_plan_decode(plan, record, plan->size, values, text) < 0)
                                abort();
                        if (ext_plan_decode(plan, record, plan->size - 1, values, text) != -EBADMSG)
                                abort();
                        free(record);
                }
                free(columns);
        }
        strbuf_free(&why);
        ext_plan_free(plan);
}

static void fuzz_btf(const uint8_t *data, size_t size)
{
        struct btf *btf = btf__new(data, size);
        uint32_t n, structs = 0;

        if (!btf)
                return;
        n = btf__type_cnt(btf);
        for (uint32_t id = 1; id < n && structs < 16; id++) {
                const struct btf_type *t = btf__type_by_id(btf, id);
                const char *name = t ? btf__name_by_offset(btf, t->name_off) : NULL;

                if (!t || !btf_is_struct(t) || !name || !*name)
                        continue;
                structs++;
                plan_struct(btf, name, data, size);
        }
        btf__free(btf);
}

static void fuzz_object(const uint8_t *data, size_t size)
{
        struct ext_conf conf = { .name = (char *) "fuzz", .path = (char *) "fuzz.tracer",
                                 .ringbuf = (char *) "events", .event = (char *) "event" };
        struct strbuf why = {};

        if (ext_object_check_isolated(data, size, &conf, &why) < 0 && (!why.data || !why.len))
                abort();
        strbuf_free(&why);
}

static void fuzz_conf(const uint8_t *data, size_t size)
{
        struct ext_conf c = {};
        struct strbuf why = {};
        int r;

        r = ext_conf_parse("fuzz", "fuzz.tracer", (const char *) data, size, &c, &why);
        if (r < 0 && r != -ENOMEM && (!why.data || strncmp(why.data, "fuzz.tracer", 11) != 0))
                abort();
        if (r >= 0 && (!c.object || !c.ringbuf || !c.event))
                abort();
        if (r >= 0)
                ext_conf_done(&c);
        strbuf_free(&why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        libbpf_set_print(quiet);
        if (size < 1)
                return 0;
        switch (data[0] % 3) {
        case 0:
                fuzz_btf(data + 1, size - 1);
                break;
        case 1:
                fuzz_object(data + 1, size - 1);
                break;
        default:
                fuzz_conf(data + 1, size - 1);
        }
        return 0;
}
