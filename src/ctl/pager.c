/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Output through less when stdout is a terminal, like systemctl. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ctl.h"
#include "shared/macro.h"

static pid_t pager_pid;

void pager_open(const struct ctl *c)
{
        const char *pager = getenv("SYSTEMD_PAGER") ?: getenv("PAGER");
        int fds[2];

        if (c->no_pager || pager_pid > 0 || !isatty(STDOUT_FILENO))
                return;
        if (pager && (!*pager || streq(pager, "cat")))
                return;
        if (pipe2(fds, O_CLOEXEC) < 0)
                return;
        fflush(stdout);
        pager_pid = fork();
        if (pager_pid < 0) {
                pager_pid = 0;
                close(fds[0]);
                close(fds[1]);
                return;
        }
        if (pager_pid == 0) {
                dup2(fds[0], STDIN_FILENO);
                setenv("LESS", "FRSXMK", 0);
                if (pager)
                        execl("/bin/sh", "sh", "-c", pager, (char *) NULL);
                execlp("less", "less", (char *) NULL);
                execlp("more", "more", (char *) NULL);
                /* no pager: copy through */
                execlp("cat", "cat", (char *) NULL);
                _exit(EXIT_FAILURE);
        }
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        signal(SIGPIPE, SIG_IGN);
}

void pager_close(void)
{
        if (pager_pid <= 0)
                return;
        fflush(stdout);
        fclose(stdout);
        close(STDOUT_FILENO);
        (void) waitpid(pager_pid, NULL, 0);
        pager_pid = 0;
}
