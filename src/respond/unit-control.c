/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "unit-control.h"
#include "detect/proctable.h"
#include "shared/log.h"

#define SYSTEMD_SERVICE "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER "org.freedesktop.systemd1.Manager"
/* the inode of the initial PID namespace (include/linux/proc_ns.h PROC_PID_INIT_INO) */
#define PID_NS_INIT_INO 0xEFFFFFFCU

struct call {
        struct unit_control *u;
        sd_bus_slot *slot;
        uint64_t seq;
        enum response_action action;
        char *unit;
        char *cgroup;
        struct call *next, *prev;
};

struct unit_control {
        sd_bus *bus;
        char *mount;
        unit_control_done_fn done;
        void *userdata;
        struct call *calls;
};

static struct call *call_free(struct call *c)
{
        if (!c)
                return NULL;
        if (c->prev)
                c->prev->next = c->next;
        else if (c->u)
                c->u->calls = c->next;
        if (c->next)
                c->next->prev = c->prev;
        sd_bus_slot_unref(c->slot);
        free(c->unit);
        free(c->cgroup);
        free(c);
        return NULL;
}

int unit_control_new(struct unit_control **ret, sd_bus *bus, const char *cgroup_mount, unit_control_done_fn done,
                     void *userdata)
{
        struct unit_control *u = calloc(1, sizeof(*u));

        if (!u)
                return -ENOMEM;
        u->mount = strdup(cgroup_mount ?: "/sys/fs/cgroup");
        if (!u->mount) {
                free(u);
                return -ENOMEM;
        }
        u->bus = sd_bus_ref(bus);
        u->done = done;
        u->userdata = userdata;
        *ret = u;
        return 0;
}

struct unit_control *unit_control_free(struct unit_control *u)
{
        if (!u)
                return NULL;
        while (u->calls)
                call_free(u->calls);
        sd_bus_unref(u->bus);
        free(u->mount);
        free(u);
        return NULL;
}

/* The bus to reach systemd through, after a reconnection (NULL while there is none). Calls still
 * waiting on the old connection never get an answer: they end as failed now. */
void unit_control_set_bus(struct unit_control *u, sd_bus *bus)
{
        if (u->bus == bus)
                return;
        while (u->calls) {
                uint64_t seq = u->calls->seq;

                call_free(u->calls);
                u->done(seq, -ECONNRESET, "the connection to systemd was lost before it answered", u->userdata);
        }
        sd_bus_unref(u->bus);
        u->bus = sd_bus_ref(bus);
}

/* Writes "1" or "0" to the cgroup.freeze of cgroup (relative to the mount). */
static int cgroup_freeze(const char *mount, const char *cgroup, bool freeze)
{
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -1;

        if (!cgroup || cgroup[0] != '/' || strstr(cgroup, "/.."))
                return -ENOENT;
        if (asprintf(&path, "%s%s/cgroup.freeze", mount, cgroup) < 0)
                return -ENOMEM;
        fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (write(fd, freeze ? "1" : "0", 1) != 1)
                return errno ? -errno : -EIO;
        return 0;
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct call *c = userdata;
        struct unit_control *u = c->u;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        uint64_t seq = c->seq;
        char detail[512];
        int r = 0;

        if (!e) {
                snprintf(detail, sizeof(detail), "%s",
                         c->action == RESPONSE_ACTION_FREEZE ? "frozen by systemd (FreezeUnit)" :
                         c->action == RESPONSE_ACTION_THAW ? "thawed by systemd (ThawUnit)" :
                         c->action == RESPONSE_ACTION_KILL_UNIT ? "every process of the unit signalled (KillUnit)" :
                         "stop job queued (StopUnit)");
        } else if (sd_bus_error_has_name(e, SD_BUS_ERROR_NOT_SUPPORTED) &&
                   (c->action == RESPONSE_ACTION_FREEZE || c->action == RESPONSE_ACTION_THAW)) {
                bool freeze = c->action == RESPONSE_ACTION_FREEZE;

                /* systemd freezes only on a pure cgroup2 host; the cgroup2 freezer works in the hybrid
                 * layout too, so the unit's own cgroup is frozen directly */
                r = cgroup_freeze(u->mount, c->cgroup, freeze);
                if (r < 0)
                        snprintf(detail, sizeof(detail), "systemd cannot %s it (%s) and %s%s/cgroup.freeze failed: %s",
                                 freeze ? "freeze" : "thaw", e->message ?: e->name, u->mount, c->cgroup ?: "/?",
                                 strerror(-r));
                else
                        snprintf(detail, sizeof(detail), "%s through %s%s/cgroup.freeze (systemd cannot on this "
                                 "cgroup layout)", freeze ? "frozen" : "thawed", u->mount, c->cgroup);
        } else {
                r = -sd_bus_error_get_errno(e) ?: -EIO;
                snprintf(detail, sizeof(detail), "systemd refused: %s", e->message ?: e->name);
        }
        call_free(c);
        u->done(seq, r, detail, u->userdata);
        return 0;
}

static int call_start(struct unit_control *u, const struct response_entry *e, const struct response_target *t)
{
        struct call *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        *c = (struct call) { .u = u, .seq = e->seq, .action = e->action, .unit = strdup(t->unit),
                             .cgroup = t->cgroup ? strdup(t->cgroup) : NULL, .next = u->calls };
        if (u->calls)
                u->calls->prev = c;
        u->calls = c;
        if (!c->unit || (t->cgroup && !c->cgroup)) {
                call_free(c);
                return -ENOMEM;
        }
        switch (e->action) {
        case RESPONSE_ACTION_FREEZE:
        case RESPONSE_ACTION_THAW:
                r = sd_bus_call_method_async(u->bus, &c->slot, SYSTEMD_SERVICE, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                             e->action == RESPONSE_ACTION_FREEZE ? "FreezeUnit" : "ThawUnit",
                                             on_reply, c, "s", t->unit);
                break;
        case RESPONSE_ACTION_KILL_UNIT:
                r = sd_bus_call_method_async(u->bus, &c->slot, SYSTEMD_SERVICE, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                             "KillUnit", on_reply, c, "ssi", t->unit, "all", e->signal);
                break;
        case RESPONSE_ACTION_STOP:
                r = sd_bus_call_method_async(u->bus, &c->slot, SYSTEMD_SERVICE, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                             "StopUnit", on_reply, c, "ss", t->unit, "replace");
                break;
        default:
                r = -EOPNOTSUPP;
        }
        if (r < 0)
                call_free(c);
        return r;
}

static bool in_initial_pid_namespace(void)
{
        struct stat st;

        return stat("/proc/self/ns/pid", &st) < 0 || st.st_ino == PID_NS_INIT_INO;
}

/* The cgroup2 path of pid ("0::PATH" of /proc/PID/cgroup) into buf. */
static int process_cgroup(pid_t pid, char *buf, size_t size)
{
        _cleanup_fclose_ FILE *f = NULL;
        char path[64], line[4096];

        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f))
                if (strneq(line, "0::", 3)) {
                        line[strcspn(line, "\n")] = 0;
                        snprintf(buf, size, "%s", line + 3);
                        return 0;
                }
        return -ENOENT;
}

static bool cgroup_within(const char *path, const char *unit_cgroup)
{
        size_t n = strlen(unit_cgroup);

        return strneq(path, unit_cgroup, n) && (path[n] == '/' || path[n] == 0);
}

/* /proc/PID/NAME into buf (NUL-terminated); its length, or -1. */
static ssize_t read_proc_file(pid_t pid, const char *name, char *buf, size_t size)
{
        char path[64];
        ssize_t n;
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, name);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        n = read(fd, buf, size - 1);
        close(fd);
        if (n >= 0)
                buf[n] = 0;
        return n;
}

/* Whether pid's comm and command line are t's (the command line up to its length in the alert). */
static bool process_is(pid_t pid, const struct response_target *t)
{
        char buf[4096];
        ssize_t n;

        if (t->comm) {
                if (read_proc_file(pid, "comm", buf, sizeof(buf)) <= 0)
                        return false;
                buf[strcspn(buf, "\n")] = 0;
                if (!streq(buf, t->comm))
                        return false;
        }
        if (t->cmdline) {
                size_t len = strlen(t->cmdline);

                n = read_proc_file(pid, "cmdline", buf, sizeof(buf));
                if (n <= 0)
                        return false;
                /* argv joined by spaces, as the alert has it */
                for (ssize_t i = 0; i < n; i++)
                        if (buf[i] == 0)
                                buf[i] = ' ';
                while (n > 0 && buf[n - 1] == ' ')
                        buf[--n] = 0;
                /* the alert's may be cut short (PROCTABLE_CMDLINE_MAX): then its start must agree */
                if (!strneq(buf, t->cmdline, len) || (len < sizeof(buf) - 1 && (size_t) n != len &&
                                                      len < PROCTABLE_CMDLINE_MAX))
                        return false;
        }
        return true;
}

/* Every process of dir (a cgroup directory) and its children that is t's: counted in *n, the last in *ret. */
static void find_in_cgroup(const char *dir, int depth, const struct response_target *t, pid_t *ret, unsigned *n)
{
        _cleanup_free_ char *procs = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        DIR *d;
        int pid;

        if (depth > 16 || asprintf(&procs, "%s/cgroup.procs", dir) < 0)
                return;
        f = fopen(procs, "re");
        while (f && fscanf(f, "%d", &pid) == 1)
                if (pid > 0 && process_is(pid, t)) {
                        *ret = pid;
                        (*n)++;
                }
        d = opendir(dir);
        for (struct dirent *de; d && (de = readdir(d));) {
                _cleanup_free_ char *sub = NULL;

                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                if (asprintf(&sub, "%s/%s", dir, de->d_name) >= 0)
                        find_in_cgroup(sub, depth + 1, t, ret, n);
        }
        if (d)
                closedir(d);
}

int unit_control_open_process(const char *cgroup_mount, const struct response_target *t, char *why, size_t why_size)
{
        char cgroup[4096];
        pid_t pid = (pid_t) t->pid;
        int fd, r;

        if (!t->cgroup) {
                snprintf(why, why_size, "the unit's cgroup is not known");
                return -ENOENT;
        }
        if (!in_initial_pid_namespace()) {
                _cleanup_free_ char *dir = NULL;
                unsigned n = 0;

                /* the kernel's pids are not ours here: find the process in the unit by what it is */
                if (asprintf(&dir, "%s%s", cgroup_mount, t->cgroup) < 0)
                        return -ENOMEM;
                pid = 0;
                find_in_cgroup(dir, 0, t, &pid, &n);
                if (n != 1) {
                        snprintf(why, why_size, "cwatchd runs in a nested PID namespace and %u processes of the unit "
                                 "are %s '%s'", n, t->comm ?: "?", t->cmdline ?: "");
                        return n == 0 ? -ESRCH : -ENOTUNIQ;
                }
        }
        fd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (fd < 0) {
                r = -errno;
                snprintf(why, why_size, "process %d is gone: %s", (int) pid, strerror(-r));
                return r;
        }
        /* the pidfd holds this process: it is the alert's if it is in the unit and is what the alert saw */
        r = process_cgroup(pid, cgroup, sizeof(cgroup));
        if (r < 0 || !cgroup_within(cgroup, t->cgroup) || !process_is(pid, t)) {
                snprintf(why, why_size, "process %d is no longer the one of the alert (another cgroup, name or "
                         "command line)", (int) pid);
                close(fd);
                return -ESRCH;
        }
        /* still alive, so the /proc files read above were its own */
        if (syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0) < 0) {
                r = -errno;
                snprintf(why, why_size, "process %d is gone: %s", (int) pid, strerror(-r));
                close(fd);
                return r;
        }
        return fd;
}

static int kill_process(struct unit_control *u, const struct response_entry *e, const struct response_target *t)
{
        char detail[512], why[400] = "";
        int fd, r;

        fd = unit_control_open_process(u->mount, t, why, sizeof(why));
        if (fd < 0) {
                u->done(e->seq, fd, why, u->userdata);
                return 0;
        }
        r = syscall(SYS_pidfd_send_signal, fd, e->signal, NULL, 0) < 0 ? -errno : 0;
        close(fd);
        if (r < 0)
                snprintf(detail, sizeof(detail), "signal %d to process %" PRIu32 " failed: %s", e->signal, t->pid,
                         strerror(-r));
        else
                snprintf(detail, sizeof(detail), "signal %d sent to process %" PRIu32 " (%s) through a pidfd",
                         e->signal, t->pid, t->comm ?: "?");
        u->done(e->seq, r, detail, u->userdata);
        return 0;
}

int unit_control_run(struct unit_control *u, const struct response_entry *e, const struct response_target *t)
{
        if (e->action == RESPONSE_ACTION_KILL)
                return kill_process(u, e, t);
        if (!t->unit)
                return -EINVAL;
        return call_start(u, e, t);
}
