/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cwatch-workload: generates the activity cwatch traces, for the benchmark harness.
 *
 *   cwatch-workload MODE COUNT                    do COUNT operations as fast as possible
 *   cwatch-workload MODE --rate OPS --duration S  do OPS operations per second for S seconds
 *
 * Modes (one operation each):
 *   exec   fork + execve("/bin/true") + wait                    (fork, exec, exit events)
 *   fork   fork + _exit + wait                                  (fork, exit events)
 *   file   open/write 4 KiB/close, then open/read/close of a temp file
 *   rw     a 1-byte write() and a 1-byte read() on a pipe
 *   tcp    loopback connect, accept, send 64 bytes, recv, close both ends
 *   sys    setresuid(-1, -1, -1): a traced security call that changes nothing (syscall events)
 *
 * Prints one line: "MODE ops=N elapsed_ns=NS cpu_ns=NS" (and "target_rate=R rate=R" with --rate).
 * cpu_ns is the user+system time of this process and its children: the work the hooks add in
 * the workload's own context, without the time spent waiting for a CPU on a busy machine.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NSEC_PER_SEC 1000000000ULL

struct workload {
        const char *mode;
        int (*setup)(struct workload *w);
        int (*op)(struct workload *w);
        void (*cleanup)(struct workload *w);
        char path[4096];
        int fds[2];
        int listen_fd;
        struct sockaddr_in addr;
        char buf[4096];
};

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * NSEC_PER_SEC + (uint64_t) ts.tv_nsec;
}

static uint64_t cpu_ns(void)
{
        struct rusage self, children;
        uint64_t ns = 0;

        getrusage(RUSAGE_SELF, &self);
        getrusage(RUSAGE_CHILDREN, &children);
        for (size_t i = 0; i < 2; i++) {
                const struct rusage *u = i == 0 ? &self : &children;

                ns += ((uint64_t) u->ru_utime.tv_sec + (uint64_t) u->ru_stime.tv_sec) * NSEC_PER_SEC +
                      ((uint64_t) u->ru_utime.tv_usec + (uint64_t) u->ru_stime.tv_usec) * 1000;
        }
        return ns;
}

static int wait_child(pid_t pid)
{
        int status;

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

static int op_exec(struct workload *w)
{
        static char *const argv[] = { (char *) "true", NULL };
        static char *const envp[] = { NULL };
        pid_t pid = fork();

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                execve("/bin/true", argv, envp);
                _exit(127);
        }
        return wait_child(pid);
}

static int op_fork(struct workload *w)
{
        pid_t pid = fork();

        if (pid < 0)
                return -errno;
        if (pid == 0)
                _exit(0);
        return wait_child(pid);
}

static int setup_file(struct workload *w)
{
        const char *dir = getenv("TMPDIR") ?: "/tmp";
        int fd;

        snprintf(w->path, sizeof(w->path), "%s/cwatch-workload.XXXXXX", dir);
        fd = mkstemp(w->path);
        if (fd < 0)
                return -errno;
        close(fd);
        memset(w->buf, 'x', sizeof(w->buf));
        return 0;
}

static int op_file(struct workload *w)
{
        int fd;

        fd = open(w->path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (write(fd, w->buf, sizeof(w->buf)) != (ssize_t) sizeof(w->buf)) {
                close(fd);
                return -EIO;
        }
        close(fd);
        fd = open(w->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (read(fd, w->buf, sizeof(w->buf)) != (ssize_t) sizeof(w->buf)) {
                close(fd);
                return -EIO;
        }
        close(fd);
        return 0;
}

static void cleanup_file(struct workload *w)
{
        if (w->path[0])
                unlink(w->path);
}

static int setup_rw(struct workload *w)
{
        return pipe2(w->fds, O_CLOEXEC) < 0 ? -errno : 0;
}

static int op_rw(struct workload *w)
{
        char c = 'x';

        if (write(w->fds[1], &c, 1) != 1 || read(w->fds[0], &c, 1) != 1)
                return -EIO;
        return 0;
}

static void cleanup_rw(struct workload *w)
{
        close(w->fds[0]);
        close(w->fds[1]);
}

static int setup_tcp(struct workload *w)
{
        socklen_t len = sizeof(w->addr);

        w->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (w->listen_fd < 0)
                return -errno;
        w->addr = (struct sockaddr_in) { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        if (bind(w->listen_fd, (struct sockaddr *) &w->addr, sizeof(w->addr)) < 0 ||
            listen(w->listen_fd, 128) < 0 ||
            getsockname(w->listen_fd, (struct sockaddr *) &w->addr, &len) < 0)
                return -errno;
        memset(w->buf, 'x', 64);
        return 0;
}

static int op_tcp(struct workload *w)
{
        int c, s = -1, r = 0;

        c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c < 0)
                return -errno;
        /* SO_LINGER 0: close with RST, so thousands of connections leave no TIME_WAIT behind */
        (void) setsockopt(c, SOL_SOCKET, SO_LINGER, &(struct linger) { .l_onoff = 1 }, sizeof(struct linger));
        if (connect(c, (struct sockaddr *) &w->addr, sizeof(w->addr)) < 0) {
                r = -errno;
                goto out;
        }
        s = accept4(w->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (s < 0) {
                r = -errno;
                goto out;
        }
        if (send(c, w->buf, 64, 0) != 64 || recv(s, w->buf, 64, MSG_WAITALL) != 64)
                r = -EIO;
out:
        if (s >= 0)
                close(s);
        close(c);
        return r;
}

static void cleanup_tcp(struct workload *w)
{
        close(w->listen_fd);
}

static int op_sys(struct workload *w)
{
        (void) w;
        return setresuid((uid_t) -1, (uid_t) -1, (uid_t) -1) < 0 ? -errno : 0;
}

static const struct workload modes[] = {
        { .mode = "exec", .op = op_exec },
        { .mode = "fork", .op = op_fork },
        { .mode = "file", .setup = setup_file, .op = op_file, .cleanup = cleanup_file },
        { .mode = "rw", .setup = setup_rw, .op = op_rw, .cleanup = cleanup_rw },
        { .mode = "tcp", .setup = setup_tcp, .op = op_tcp, .cleanup = cleanup_tcp },
        { .mode = "sys", .op = op_sys },
};

static void usage(FILE *f)
{
        fprintf(f, "Usage: cwatch-workload MODE COUNT\n"
                   "       cwatch-workload MODE --rate OPS_PER_SEC --duration SECS\n"
                   "Modes: exec fork file rw tcp sys\n");
}

static int parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
        char *end;
        unsigned long long v;

        if (!*s || *s == '-')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || *end || v == 0 || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* Paced: keep the operations done equal to rate * elapsed; sleep while ahead. */
static int run_rate(struct workload *w, uint64_t rate, uint64_t duration_s, uint64_t *ret_ops)
{
        uint64_t start = now_ns(), end = start + duration_s * NSEC_PER_SEC, ops = 0;
        int r;

        for (;;) {
                uint64_t t = now_ns(), due;

                if (t >= end)
                        break;
                due = (uint64_t) ((double) (t - start) * (double) rate / (double) NSEC_PER_SEC) + 1;
                if (ops >= due) {
                        uint64_t next = start + (uint64_t) ((double) ops * (double) NSEC_PER_SEC / (double) rate);
                        struct timespec ts = { .tv_sec = next / NSEC_PER_SEC, .tv_nsec = next % NSEC_PER_SEC };

                        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
                        continue;
                }
                for (; ops < due; ops++) {
                        r = w->op(w);
                        if (r < 0)
                                return r;
                }
        }
        *ret_ops = ops;
        return 0;
}

int main(int argc, char *argv[])
{
        static const struct option longopts[] = {
                { "rate", required_argument, NULL, 'r' },
                { "duration", required_argument, NULL, 'd' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        uint64_t count = 0, rate = 0, duration = 0, ops = 0, start, elapsed, cpu_start, cpu;
        struct workload w = {};
        const char *mode;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) >= 0) {
                switch (c) {
                case 'r':
                        if (parse_u64(optarg, 100000000, &rate) < 0) {
                                fprintf(stderr, "cwatch-workload: invalid rate '%s'\n", optarg);
                                return 2;
                        }
                        break;
                case 'd':
                        if (parse_u64(optarg, 3600, &duration) < 0) {
                                fprintf(stderr, "cwatch-workload: invalid duration '%s'\n", optarg);
                                return 2;
                        }
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        if (optind >= argc || (rate == 0) != (duration == 0) ||
            (rate == 0 && (optind + 2 != argc || parse_u64(argv[optind + 1], UINT64_MAX / 2, &count) < 0)) ||
            (rate > 0 && optind + 1 != argc)) {
                usage(stderr);
                return 2;
        }
        mode = argv[optind];
        for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
                if (strcmp(modes[i].mode, mode) == 0)
                        w = modes[i];
        if (!w.op) {
                fprintf(stderr, "cwatch-workload: unknown mode '%s'\n", mode);
                usage(stderr);
                return 2;
        }

        if (w.setup) {
                r = w.setup(&w);
                if (r < 0) {
                        fprintf(stderr, "cwatch-workload: failed to set up %s: %s\n", mode, strerror(-r));
                        return 1;
                }
        }

        cpu_start = cpu_ns();
        start = now_ns();
        if (rate > 0)
                r = run_rate(&w, rate, duration, &ops);
        else
                for (r = 0; ops < count; ops++) {
                        r = w.op(&w);
                        if (r < 0)
                                break;
                }
        elapsed = now_ns() - start;
        cpu = cpu_ns() - cpu_start;

        if (w.cleanup)
                w.cleanup(&w);
        if (r < 0) {
                fprintf(stderr, "cwatch-workload: %s failed after %" PRIu64 " operations: %s\n",
                        mode, ops, strerror(-r));
                return 1;
        }
        printf("%s ops=%" PRIu64 " elapsed_ns=%" PRIu64 " cpu_ns=%" PRIu64, mode, ops, elapsed, cpu);
        if (rate > 0)
                printf(" target_rate=%" PRIu64 " rate=%.0f", rate, (double) ops * NSEC_PER_SEC / (double) elapsed);
        printf("\n");
        return 0;
}
