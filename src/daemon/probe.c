/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include "probe.h"
#include "shared/macro.h"

#define CAP_SYS_ADMIN 21
#define CAP_PERFMON 38
#define CAP_BPF 39

static uint64_t effective_capabilities(void)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
        char line[256];
        uint64_t caps = 0;

        if (!f)
                return 0;
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "CapEff: %" SCNx64, &caps) == 1)
                        break;
        return caps;
}

static bool is_fs(const char *path, long magic)
{
        struct statfs s;

        return statfs(path, &s) == 0 && s.f_type == magic;
}

void probe_run(struct probe *p)
{
        uint64_t caps = effective_capabilities();

        p->btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
        p->cap_bpf = (caps & (UINT64_C(1) << CAP_SYS_ADMIN)) ||
                     ((caps & (UINT64_C(1) << CAP_BPF)) && (caps & (UINT64_C(1) << CAP_PERFMON)));
        p->tracefs = is_fs("/sys/kernel/tracing", TRACEFS_MAGIC) ||
                     is_fs("/sys/kernel/debug/tracing", TRACEFS_MAGIC);
        p->bpf_stats = access("/proc/sys/kernel/bpf_stats_enabled", R_OK) == 0;
}

int probe_report_missing(const struct probe *p, bool need_tracefs, FILE *out)
{
        int n = 0;

        if (!p->btf) {
                fprintf(out, "missing: kernel BTF (/sys/kernel/btf/vmlinux); "
                        "fix: boot a kernel built with CONFIG_DEBUG_INFO_BTF=y\n");
                n++;
        }
        if (!p->cap_bpf) {
                fprintf(out, "missing: privileges to load BPF programs; "
                        "fix: run as root, or with CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE\n");
                n++;
        }
        if (need_tracefs && !p->tracefs) {
                fprintf(out, "missing: tracefs (/sys/kernel/tracing), needed by tp/ tracepoints; "
                        "fix: mount -t tracefs nodev /sys/kernel/tracing\n");
                n++;
        }
        return n;
}
