/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The workload: N pairs of 1-byte pwrite()+pread() on a file in DIR (default /dev/shm), or of
 * openat()+close() with "open"; prints CPU nanoseconds (user + system) per iteration. The worst case for syscall
 * tracing: the syscalls themselves do almost nothing.
 *   hookbench-ioloop [rw|open] [N] [DIR] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
        struct timespec ts;

        /* CPU time, not wall time: on a shared machine waiting for a CPU is not the hooks' cost */
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
        const char *mode = argc > 1 ? argv[1] : "rw";
        long n = argc > 2 ? atol(argv[2]) : 1000000;
        const char *dir = argc > 3 ? argv[3] : "/dev/shm";
        char path[4096], c = 'x';
        double t0;
        int fd;

        snprintf(path, sizeof(path), "%s/hookbench-%d", dir, getpid());
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
        if (fd < 0) {
                perror(path);
                return 1;
        }
        t0 = now();
        if (strcmp(mode, "open") == 0) {
                for (long i = 0; i < n; i++) {
                        int f = open(path, O_RDONLY);

                        if (f < 0)
                                return 1;
                        close(f);
                }
        } else {
                for (long i = 0; i < n; i++)
                        if (write(fd, &c, 1) != 1 || pread(fd, &c, 1, 0) != 1)
                                return 1;
        }
        printf("%.1f\n", (now() - t0) / n);
        close(fd);
        unlink(path);
        return 0;
}
