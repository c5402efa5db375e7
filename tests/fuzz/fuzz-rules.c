/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: rule text through the parser and, when it loads, the evaluator on synthetic
 * records of every event, the message renderer and the watched-path derivation. */
#include <stdint.h>
#include <stdlib.h>
#include "../common/rules-test-schemas.h"
#include "../common/rules-test-records.h"
#include "detect/engine.h"
#include "detect/proctable.h"
#include "shared/log.h"

static int on_match(const struct detect_match *m, const struct record *r, void *userdata)
{
        (*(size_t *) userdata) += strlen(m->message);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct proctable *pt;
        struct detect_engine *e = NULL;
        struct strbuf errors = {};
        struct trec t;
        size_t sum = 0;
        struct strv paths = {};

        if (!pt) {
                log_setup(LOG_TARGET_CONSOLE, LOG_CRIT);
                if (proctable_new(&pt, 64) < 0)
                        abort();
                trec_init(&t, test_tracer_schema("process"), "exec");
                trec_u64(&t, "pid", 1);
                trec_str(&t, "exe", "/sbin/init");
                proctable_update(pt, &t.r, 0);
                trec_init(&t, test_tracer_schema("process"), "exec");
                trec_u64(&t, "pid", 2);
                trec_u64(&t, "ppid", 1);
                trec_str(&t, "exe", "/bin/sh");
                trec_strv(&t, "args", "sh\0-c\0id\0", 9);
                proctable_update(pt, &t.r, 0);
        }
        if (detect_engine_load_string(&e, "fuzz.rules", (const char *) data, size, test_catalog(), &errors) == 0) {
                trec_init(&t, test_tracer_schema("process"), "exec");
                trec_u64(&t, "pid", 3);
                trec_u64(&t, "ppid", 2);
                trec_str(&t, "exe", "/tmp/x");
                trec_strv(&t, "args", "x\0-c\0/etc/shadow", 16);
                trec_str(&t, "container_id", "0123456789ab");
                trec_bool(&t, "exe_memfd", true);
                trec_str(&t, "stdin", "socket");
                detect_engine_eval(e, &t.r, pt, on_match, &sum);
                t.r.event = "exit";
                detect_engine_eval(e, &t.r, pt, on_match, &sum);
                trec_init(&t, test_tracer_schema("files"), "open");
                trec_u64(&t, "pid", 2);
                trec_str(&t, "path", "/proc/1/environ");
                trec_bool(&t, "write", true);
                trec_u64(&t, "flags", 0x241);
                detect_engine_eval(e, &t.r, pt, on_match, &sum);
                trec_init(&t, test_tracer_schema("tcp"), "connect");
                trec_u64(&t, "pid", 4);
                trec_str(&t, "daddr", "10.0.0.1");
                trec_u64(&t, "dport", 3333);
                detect_engine_eval(e, &t.r, pt, on_match, &sum);
                trec_init(&t, test_tracer_schema("syscalls"), "syscall");
                trec_u64(&t, "pid", 2);
                trec_str(&t, "syscall", "ptrace");
                trec_s64(&t, "ret", -1);
                detect_engine_eval(e, &t.r, pt, on_match, &sum);
                if (detect_engine_watched_paths(e, &detect_path_filter_open, &paths) == 0)
                        strv_done(&paths);
                if (detect_engine_watched_paths(e, &detect_path_filter_unix_connect, &paths) == 0)
                        strv_done(&paths);
                detect_engine_free(e);
        }
        strbuf_free(&errors);
        return 0;
}
