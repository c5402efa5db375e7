/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <bpf/libbpf.h>
#include "options.h"
#include "run.h"
#include "service.h"
#include "detect/detect.h"
#include "detect/rules-check.h"
#include "ext-catalog.h"
#include "shared/log.h"

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
        if (level == LIBBPF_DEBUG && log_get_max_level() < LOG_DEBUG)
                return 0;
        if (level != LIBBPF_DEBUG && log_get_max_level() < LOG_WARNING)
                return 0;
        return vfprintf(stderr, fmt, ap);
}

int main(int argc, char *argv[])
{
        struct options o;
        int r;

        /* the unit's ExecStopPost=: when and how the service ended, for the next start */
        if (argc == 2 && streq(argv[1], "--record-exit"))
                return service_state_record_exit();
        r = options_parse(&o, argc, argv, stdout, stderr);
        if (r > 0)
                return 0;
        if (r < 0)
                return 2;

        /* under systemd stderr goes to the journal, which understands "<N>" level prefixes */
        log_setup(o.mode == MODE_SERVICE && getenv("JOURNAL_STREAM") ? LOG_TARGET_JOURNAL : LOG_TARGET_CONSOLE,
                  o.debug ? LOG_DEBUG : LOG_INFO);
        libbpf_set_print(libbpf_print);
        /* big short-lived buffers (libbpf's copies of the kernel's BTF at each load, an interval's
         * rows) come from mmap and go back when freed: glibc would otherwise raise its threshold
         * after the first such free and keep later ones in a heap that does not shrink */
        mallopt(M_MMAP_THRESHOLD, 128 * 1024);

        switch (o.mode) {
        case MODE_RUN:
                return run_foreground(&o);
        case MODE_RULES_CHECK:
                r = ext_rules_check_files(o.check_files, o.n_check_files, o.tracers_dir, stdout, stderr);
                return r < 0 ? 1 : 0;
        case MODE_SERVICE:
        default:
                return service_run(&o);
        }
}
