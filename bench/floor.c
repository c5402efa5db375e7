/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cwatch-floor [--tp CATEGORY/NAME]... [TRACER...]: attaches the EMPTY programs of floor.bpf.c
 * (generated from the tracers' SEC() names) on the hooks of the named tracers (default: all) and
 * holds them until SIGINT/SIGTERM. Prints "attached HOOK..." once every program is attached, so a
 * harness knows when to start measuring. A tracer whose program is a bare SEC("tp") attaches it
 * at run time to tracepoints it picks itself (the syscalls tracer: one per traced call); --tp
 * attaches an empty program to each such tracepoint. Hooks that cannot be loaded or
 * auto-attached here (for example fentry on this kernel) are named on stderr and skipped.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "floor.skel.h"

static bool tracer_selected(const char *prog_name, int argc, char **argv)
{
        const char *sep = strstr(prog_name, "__");
        size_t len = sep ? (size_t) (sep - prog_name) : strlen(prog_name);

        if (argc <= 0)
                return true;
        for (int i = 0; i < argc; i++)
                if (strlen(argv[i]) == len && strncmp(argv[i], prog_name, len) == 0)
                        return true;
        return false;
}

/* SEC("tp") without a name: attached at run time, to the tracepoints given with --tp */
static bool generic_tracepoint(const struct bpf_program *p)
{
        const char *sec = bpf_program__section_name(p);

        return strcmp(sec, "tp") == 0 || strcmp(sec, "tracepoint") == 0;
}

/* Loads the one program alone, to learn whether this kernel takes it. */
static bool program_loads(const char *name)
{
        struct floor_bpf *skel = floor_bpf__open();
        struct bpf_program *p;
        bool ok;

        if (!skel)
                return false;
        bpf_object__for_each_program(p, skel->obj)
                bpf_program__set_autoload(p, strcmp(bpf_program__name(p), name) == 0);
        ok = floor_bpf__load(skel) == 0;
        floor_bpf__destroy(skel);
        return ok;
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
        return 0;
}

int main(int argc, char *argv[])
{
        struct bpf_link *links[512] = {};
        const char *tps[256];
        struct bpf_program *p, *generic = NULL;
        struct floor_bpf *skel;
        size_t n_links = 0, n_selected = 0, n_tps = 0;
        sigset_t mask;
        int sig, r;

        for (argc--, argv++; argc > 0 && argv[0][0] == '-'; argc--, argv++) {
                if (strcmp(argv[0], "--tp") == 0 && argc > 1 && strchr(argv[1], '/') &&
                    n_tps < sizeof(tps) / sizeof(tps[0])) {
                        tps[n_tps++] = argv[1];
                        argc--, argv++;
                } else if (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0) {
                        printf("Usage: cwatch-floor [--tp CATEGORY/NAME]... [TRACER...]\n");
                        return 0;
                } else {
                        fprintf(stderr, "cwatch-floor: bad option '%s'\n"
                                        "Usage: cwatch-floor [--tp CATEGORY/NAME]... [TRACER...]\n", argv[0]);
                        return 2;
                }
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        libbpf_set_print(silent);
        skel = floor_bpf__open();
        if (!skel) {
                fprintf(stderr, "cwatch-floor: failed to open the BPF object: %s\n", strerror(errno));
                return 1;
        }
        bpf_object__for_each_program(p, skel->obj) {
                bool on = tracer_selected(bpf_program__name(p), argc, argv);

                n_selected += on;
                if (on && !program_loads(bpf_program__name(p))) {
                        fprintf(stderr, "cwatch-floor: %s does not load on this kernel, skipped\n",
                                bpf_program__section_name(p));
                        on = false;
                }
                bpf_program__set_autoload(p, on);
                if (on && !generic && generic_tracepoint(p))
                        generic = p;
        }
        if (n_selected == 0) {
                fprintf(stderr, "cwatch-floor: no hooks for the tracers given\n");
                floor_bpf__destroy(skel);
                return 2;
        }
        r = floor_bpf__load(skel);
        if (r < 0) {
                fprintf(stderr, "cwatch-floor: failed to load: %s\n", strerror(-r));
                floor_bpf__destroy(skel);
                return 1;
        }

        printf("attached");
        bpf_object__for_each_program(p, skel->obj) {
                struct bpf_link *l;

                if (!bpf_program__autoload(p) || generic_tracepoint(p) ||
                    n_links >= sizeof(links) / sizeof(links[0]))
                        continue;
                l = bpf_program__attach(p);
                if (!l) {
                        fprintf(stderr, "cwatch-floor: %s cannot be attached here (%s), skipped\n",
                                bpf_program__section_name(p), strerror(errno));
                        continue;
                }
                links[n_links++] = l;
                printf(" %s", bpf_program__section_name(p));
        }
        for (size_t i = 0; i < n_tps && n_links < sizeof(links) / sizeof(links[0]); i++) {
                char category[128];
                const char *name = strchr(tps[i], '/') + 1;
                struct bpf_link *l;

                snprintf(category, sizeof(category), "%.*s", (int) (name - 1 - tps[i]), tps[i]);
                l = generic ? bpf_program__attach_tracepoint(generic, category, name) : NULL;
                if (!l) {
                        fprintf(stderr, "cwatch-floor: tp/%s cannot be attached (%s), skipped\n", tps[i],
                                generic ? strerror(errno) : "no SEC(\"tp\") program among the tracers given");
                        continue;
                }
                links[n_links++] = l;
                printf(" tp/%s", tps[i]);
        }
        printf("\n");
        fflush(stdout);

        sigwait(&mask, &sig);

        for (size_t i = 0; i < n_links; i++)
                bpf_link__destroy(links[i]);
        floor_bpf__destroy(skel);
        return 0;
}
