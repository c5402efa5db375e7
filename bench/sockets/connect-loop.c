/* SPDX-License-Identifier: GPL-2.0-or-later */
/* N AF_UNIX stream connects to a socket this program listens on at PATH, each accepted and both
 * ends closed. Prints the CPU time (user + system) and the wall time per connect, in ns.
 *   connect-loop PATH N */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

static double now_ns(clockid_t clock)
{
        struct timespec ts;

        clock_gettime(clock, &ts);
        return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
        struct sockaddr_un a = { .sun_family = AF_UNIX };
        double wall, cpu;
        long n;
        int s, c, x;

        if (argc != 3 || strlen(argv[1]) >= sizeof(a.sun_path) || (n = atol(argv[2])) <= 0) {
                fprintf(stderr, "usage: connect-loop PATH N\n");
                return 64;
        }
        strcpy(a.sun_path, argv[1]);
        (void) unlink(a.sun_path);
        s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0 || bind(s, (struct sockaddr *) &a, sizeof(a)) < 0 || listen(s, 128) < 0) {
                perror("listen");
                return 1;
        }
        wall = now_ns(CLOCK_MONOTONIC);
        cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID);
        for (long i = 0; i < n; i++) {
                c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                /* sizeof(a), as most programs pass it: the path's NUL and the zeros after it */
                if (c < 0 || connect(c, (struct sockaddr *) &a, sizeof(a)) < 0) {
                        perror("connect");
                        return 1;
                }
                x = accept4(s, NULL, NULL, SOCK_CLOEXEC);
                if (x < 0) {
                        perror("accept");
                        return 1;
                }
                close(x);
                close(c);
        }
        cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu;
        wall = now_ns(CLOCK_MONOTONIC) - wall;
        printf("%.1f %.1f\n", cpu / n, wall / n);
        close(s);
        (void) unlink(a.sun_path);
        return 0;
}
