/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Attaches the named programs of hooks.bpf.c and waits for SIGTERM/SIGINT.
 *   hookbench-load PROG...      e.g. hookbench-load raw_enter raw_exit */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "hooks.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
        stop = 1;
}

int main(int argc, char **argv)
{
        struct hooks_bpf *skel = hooks_bpf__open();
        struct bpf_program *p;
        int r;

        if (!skel)
                return 1;
        bpf_object__for_each_program(p, skel->obj) {
                bool on = false;

                for (int i = 1; i < argc; i++)
                        on = on || strcmp(bpf_program__name(p), argv[i]) == 0;
                bpf_program__set_autoload(p, on);
        }
        r = hooks_bpf__load(skel);
        if (r == 0)
                r = hooks_bpf__attach(skel);
        if (r < 0) {
                fprintf(stderr, "hookbench-load: %s\n", strerror(-r));
                hooks_bpf__destroy(skel);
                return 1;
        }
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
        printf("ready\n");
        fflush(stdout);
        while (!stop)
                pause();
        hooks_bpf__destroy(skel);
        return 0;
}
