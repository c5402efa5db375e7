/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "whitelist-sink.h"
#include "dpkg-index.h"
#include "program-facts.h"
#include "program-hash.h"
#include "detect/proctable.h"
#include "shared/hash.h"
#include "shared/strv.h"
#include "shared/timeutil.h"

#define DPKG_CHECK_INTERVAL_NS (UINT64_C(10) * 1000000000)
#define HASH_RETRY_USEC 10000
#define PID_MAP_MAX 65536

enum { WC_PID, WC_PPID, WC_UID, WC_EXE, WC_ARGS, WC_DELETED, WC_MEMFD, WC_MNT_NS, WC_COMM, _WC_MAX };
static const char *const sink_columns[_WC_MAX] = {
        [WC_PID] = "pid", [WC_PPID] = "ppid", [WC_UID] = "uid", [WC_EXE] = "exe", [WC_ARGS] = "args",
        [WC_DELETED] = "exe_deleted", [WC_MEMFD] = "exe_memfd", [WC_MNT_NS] = "mnt_ns", [WC_COMM] = "comm",
};
#define CMDLINE_MAX 1024

struct job {
        struct program_hasher *hasher;
        struct file_key key;
        struct whitelist_exec exec;
        char *path, *comm, *cmdline;
        struct whitelist_facts facts;   /* all but the package's */
        char package_name[64];
        char *dpkg_path;                /* NULL: no package owns it */
        struct job *next;
};

struct whitelist_sink {
        struct whitelist *wl;
        struct whitelist_sink_config config;
        struct strv temp_dirs;
        sd_event *event;
        sd_event_source *retry;
        whitelist_deny_cb deny;
        void *deny_userdata;
        whitelist_stable_cb stable;
        void *stable_userdata;

        struct column_index ix;
        const char *exec_event, *exit_event;    /* the process schema's names, compared by pointer */
        uint64_t own_mnt_ns;            /* cwatchd's: the service has its own (PrivateTmp=, ProtectSystem=) */
        uint64_t host_mnt_ns;           /* PID 1's: where dpkg's paths are the host's */

        struct program_hash_cache cache;
        struct dpkg_index dpkg;
        uint64_t dpkg_checked_ns;
        struct denylist deny_list;
        struct u64map pids;                     /* pid -> sha256 (32 bytes, malloc'ed) */
        struct u64map paths;                    /* hash of a path -> sha256 of its last exec */

        struct job *head, *tail;
        size_t n_pending;
        double tokens;                          /* bytes that may be hashed now */
        uint64_t tokens_ns;

        struct whitelist_sink_stats stats;
};

static uint64_t mnt_ns_of(uint32_t pid)
{
        char path[64];
        struct stat st;

        if (pid)
                snprintf(path, sizeof(path), "/proc/%u/ns/mnt", pid);
        else
                snprintf(path, sizeof(path), "/proc/self/ns/mnt");
        return stat(path, &st) == 0 ? st.st_ino : 0;
}

static void job_free(struct job *j)
{
        program_hasher_free(j->hasher);
        free(j->path);
        free(j->comm);
        free(j->cmdline);
        free(j->dpkg_path);
        free(j);
}

static void clear_map(struct u64map *m)
{
        size_t pos = 0;
        uint64_t key;
        void *v;

        while (u64map_next(m, &pos, &key, &v))
                free(v);
        u64map_clear(m);
}

struct whitelist_sink *whitelist_sink_free(struct whitelist_sink *k)
{
        if (!k)
                return NULL;
        for (struct job *j = k->head, *next; j; j = next) {
                next = j->next;
                job_free(j);
        }
        sd_event_source_disable_unref(k->retry);
        sd_event_unref(k->event);
        program_hash_cache_done(&k->cache);
        clear_map(&k->pids);
        clear_map(&k->paths);
        dpkg_index_done(&k->dpkg);
        denylist_done(&k->deny_list);
        strv_done(&k->temp_dirs);
        whitelist_free(k->wl);
        free(k);
        return NULL;
}

int whitelist_sink_new(struct whitelist_sink **ret, struct whitelist *wl, const struct whitelist_sink_config *c,
                       sd_event *event, whitelist_deny_cb deny, void *deny_userdata, whitelist_stable_cb stable,
                       void *stable_userdata)
{
        _cleanup_(whitelist_sink_freep) struct whitelist_sink *k = NULL;
        int r;

        k = calloc(1, sizeof(*k));
        if (!k) {
                whitelist_free(wl);
                return -ENOMEM;
        }
        k->wl = wl;
        k->config = *c;
        k->config.temp_dirs = NULL;
        k->event = event ? sd_event_ref(event) : NULL;
        k->deny = deny;
        k->deny_userdata = deny_userdata;
        k->stable = stable;
        k->stable_userdata = stable_userdata;
        k->own_mnt_ns = mnt_ns_of(0);
        k->host_mnt_ns = mnt_ns_of(1) ?: k->own_mnt_ns;
        k->tokens = (double) PROGRAM_HASH_SLICE;
        k->tokens_ns = now_monotonic_ns();
        column_index_init(&k->ix, sink_columns, _WC_MAX);
        for (size_t i = 0; i < c->n_temp_dirs; i++) {
                r = strv_add(&k->temp_dirs, c->temp_dirs[i]);
                if (r < 0)
                        return r;
        }
        r = dpkg_index_init(&k->dpkg, c->dpkg_info_dir);
        if (r < 0)
                return r;
        (void) dpkg_index_refresh(&k->dpkg);    /* no dpkg: no package trust */
        k->dpkg_checked_ns = now_monotonic_ns();
        *ret = TAKE_PTR(k);
        return 0;
}

struct whitelist *whitelist_sink_get(const struct whitelist_sink *k)
{
        return k->wl;
}

const struct whitelist_sink_stats *whitelist_sink_stats(const struct whitelist_sink *k)
{
        return &k->stats;
}

size_t whitelist_sink_pending(const struct whitelist_sink *k)
{
        return k->n_pending;
}

void whitelist_sink_set_limits(struct whitelist_sink *k, uint64_t max_hash_bytes, uint64_t hash_rate)
{
        k->config.max_hash_bytes = max_hash_bytes;
        k->config.hash_rate = hash_rate;
}

static int mark_denied(const struct whitelist_entry *c, void *userdata)
{
        struct whitelist_entry *e = (struct whitelist_entry *) c;

        e->malicious = denylist_contains(userdata, e->sha256);
        return 0;
}

void whitelist_sink_set_denylist(struct whitelist_sink *k, struct denylist *d)
{
        denylist_done(&k->deny_list);
        k->deny_list = *d;
        *d = (struct denylist) {};
        (void) whitelist_foreach(k->wl, mark_denied, &k->deny_list);
        /* a listed program not seen yet gets its entry at its first exec */
}

static uint64_t path_key(const char *path)
{
        return hash_bytes64(0, path, strlen(path)) ?: 1;
}

struct whitelist_entry *whitelist_sink_program_of(struct whitelist_sink *k, uint32_t pid, const char *path)
{
        const uint8_t *sha = pid ? u64map_get(&k->pids, pid) : NULL;

        if (!sha && path)
                sha = u64map_get(&k->paths, path_key(path));
        return sha ? whitelist_get(k->wl, sha) : NULL;
}

/* key -> a copy of sha256 in m; a full map starts afresh (exits were missed: the process tracer
 * stopped, or more programs than it holds). */
static void remember(struct u64map *m, uint64_t key, const uint8_t sha256[WHITELIST_SHA256_SIZE])
{
        uint8_t *copy = u64map_get(m, key);

        if (!key)
                return;
        if (!copy) {
                if (m->n >= PID_MAP_MAX)
                        clear_map(m);
                copy = malloc(WHITELIST_SHA256_SIZE);
                if (!copy || u64map_put(m, key, copy) < 0) {
                        free(copy);
                        return;
                }
        }
        memcpy(copy, sha256, WHITELIST_SHA256_SIZE);
}

static void forget_pid(struct whitelist_sink *k, uint32_t pid)
{
        free(u64map_remove(&k->pids, pid));
}

/* Records the exec of an identified file and acts on a deny-listed one. */
static void complete(struct whitelist_sink *k, const struct whitelist_exec *x, struct whitelist_facts *facts,
                     const struct program_hash *id)
{
        struct whitelist_entry *e;
        struct whitelist_score score;
        uint64_t now_usec = (x->time_ns ?: now_realtime_ns()) / 1000;

        facts->package = id->package;
        memcpy(facts->package_name, id->package_name, sizeof(facts->package_name));
        if (denylist_contains(&k->deny_list, id->sha256))
                (void) whitelist_set_malicious(k->wl, id->sha256, true);
        e = whitelist_record_exec(k->wl, id->sha256, x->path, facts, now_usec);
        if (!e)
                return;
        remember(&k->pids, x->pid, id->sha256);
        if (x->path)
                remember(&k->paths, path_key(x->path), id->sha256);
        if (!e->malicious && !e->revoked)
                return;
        k->stats.deny_hits++;
        whitelist_score_entry(k->wl, e, now_usec, &score);
        if (k->deny)
                (void) k->deny(x, e, &score, k->deny_userdata);
}

/* The package verdict, from the dpkg path and the computed md5. */
static void judge_package(struct whitelist_sink *k, const char *package, const char *dpkg_path,
                          struct program_hash *v)
{
        uint8_t md5[DPKG_MD5_SIZE];

        if (!package) {
                v->package = WHITELIST_PACKAGE_NONE;
                return;
        }
        snprintf(v->package_name, sizeof(v->package_name), "%s", package);
        if (!v->has_md5 || dpkg_index_md5(&k->dpkg, package, dpkg_path, md5) < 0)
                v->package = WHITELIST_PACKAGE_UNCHECKED;
        else
                v->package = memcmp(md5, v->md5, DPKG_MD5_SIZE) == 0 ? WHITELIST_PACKAGE_VERIFIED
                                                                      : WHITELIST_PACKAGE_MODIFIED;
}

static void refill(struct whitelist_sink *k)
{
        uint64_t now = now_monotonic_ns();
        double burst = (double) MAX(PROGRAM_HASH_SLICE, k->config.hash_rate / 10);

        k->tokens = MIN(burst, k->tokens + (double) (now - k->tokens_ns) / 1e9 * (double) k->config.hash_rate);
        k->tokens_ns = now;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata);

/* Advances the pending hashes within the budget: at most one slice per call (a turn of the event
 * loop), unless unbounded. */
static void run_queue(struct whitelist_sink *k, bool unbounded)
{
        uint64_t slice_left = PROGRAM_HASH_SLICE;

        refill(k);
        while (k->head && (unbounded || (k->tokens >= 1 && slice_left > 0))) {
                struct job *j = k->head;
                struct program_hash id = {};
                uint64_t bytes = 0, max = unbounded ? UINT64_MAX : (uint64_t) MIN(k->tokens, (double) slice_left);
                int r = program_hasher_step(j->hasher, max, &id, &bytes);

                k->tokens -= (double) bytes;
                k->stats.hashed_bytes += bytes;
                slice_left -= MIN(bytes, slice_left);
                if (r == 0 && !unbounded)
                        break;
                k->head = j->next;
                if (!k->head)
                        k->tail = NULL;
                k->n_pending--;
                if (r < 0)
                        k->stats.hash_errors++;
                else {
                        k->stats.hashed_files++;
                        judge_package(k, j->dpkg_path ? j->package_name : NULL, j->dpkg_path, &id);
                        (void) program_hash_cache_put(&k->cache, &j->key, &id);
                        complete(k, &j->exec, &j->facts, &id);
                }
                job_free(j);
        }
        if (k->head && k->event) {
                if (!k->retry) {
                        if (sd_event_add_time_relative(k->event, &k->retry, CLOCK_MONOTONIC, HASH_RETRY_USEC, 0,
                                                       on_retry, k) < 0)
                                return;
                } else
                        (void) sd_event_source_set_time_relative(k->retry, HASH_RETRY_USEC);
                (void) sd_event_source_set_enabled(k->retry, SD_EVENT_ONESHOT);
        }
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        run_queue(userdata, false);
        return 0;
}

void whitelist_sink_flush(struct whitelist_sink *k)
{
        run_queue(k, true);
}

static void maybe_refresh_dpkg(struct whitelist_sink *k)
{
        uint64_t now = now_monotonic_ns();

        if (now - k->dpkg_checked_ns < DPKG_CHECK_INTERVAL_NS)
                return;
        k->dpkg_checked_ns = now;
        if (dpkg_index_refresh(&k->dpkg) > 0)
                program_hash_cache_done(&k->cache);    /* package verdicts may have changed */
}

/* Where the paths of mount namespace mnt_ns can be opened from here: the root of the process while it
 * lives, else of its parent, else PID 1's for the host's namespace (the service's own /tmp is private),
 * else ours ("") when it is ours. *ret_pid: whose root (0: ours). False: nowhere. */
static bool exec_root(struct whitelist_sink *k, uint32_t pid, uint32_t ppid, uint64_t mnt_ns, char *buf,
                      size_t size, uint32_t *ret_pid)
{
        const uint32_t candidates[] = { pid, ppid, mnt_ns == k->host_mnt_ns ? 1 : 0 };

        for (size_t i = 0; i < ELEMENTSOF(candidates); i++)
                if (candidates[i] && (!mnt_ns || mnt_ns_of(candidates[i]) == mnt_ns)) {
                        snprintf(buf, size, "/proc/%u/root", candidates[i]);
                        *ret_pid = candidates[i];
                        return true;
                }
        buf[0] = 0;
        *ret_pid = 0;
        return !mnt_ns || mnt_ns == k->own_mnt_ns;
}

/* Facts of the file open as fd (st) at path; root: where path can be opened (exec_root()), of process
 * root_pid (0: ours); host: the path is the host's. */
static void gather_facts(struct whitelist_sink *k, uint32_t root_pid, const char *root, const char *path,
                         const struct stat *st, bool host, bool deleted, bool memfd, uint64_t cgroup_id,
                         struct whitelist_facts *f)
{
        _cleanup_free_ char *dir = NULL, *copy = path ? strdup(path) : NULL;
        struct stat dst;
        bool have_dir = false;

        *f = (struct whitelist_facts) {};
        f->location = (uint8_t) program_location(path, deleted, memfd, (const char *const *) k->temp_dirs.items,
                                                 k->temp_dirs.n);
        f->kind = (uint8_t) program_kind(path);
        if (copy && path[0] == '/' && !(f->location & (WHITELIST_LOC_MEMFD | WHITELIST_LOC_DELETED))) {
                const char *d = dirname(copy);

                if (root && asprintf(&dir, "%s%s", root, d) >= 0)
                        have_dir = stat(dir, &dst) == 0;
        }
        f->root_owned = program_root_owned(st, have_dir ? &dst : NULL);
        f->layer = host || !root_pid ? WHITELIST_LAYER_HOST : (uint8_t) program_layer((pid_t) root_pid, path);
        f->stable = k->stable && path ? k->stable(path, cgroup_id, k->stable_userdata) : false;
}

static const char *value_str(const struct record *r, int col, char *buf, size_t size)
{
        const struct value *v = record_value(r, col);

        if (!v || !v->str)
                return NULL;
        snprintf(buf, size, "%.*s", (int) v->len, v->str);
        return buf;
}

static uint64_t value_u64(const struct record *r, int col)
{
        const struct value *v = record_value(r, col);

        return v ? v->u : 0;
}

static int on_exec(struct whitelist_sink *k, const struct record *r, const int *ix)
{
        char path_buf[4096], comm_buf[32], proc_exe[64], root[64], in_root[4096 + 64];
        const char *path = value_str(r, ix[WC_EXE], path_buf, sizeof(path_buf));
        uint32_t pid = (uint32_t) value_u64(r, ix[WC_PID]), ppid = (uint32_t) value_u64(r, ix[WC_PPID]), root_pid;
        uint64_t mnt_ns = value_u64(r, ix[WC_MNT_NS]);
        bool deleted = value_u64(r, ix[WC_DELETED]), memfd = value_u64(r, ix[WC_MEMFD]);
        bool host = !mnt_ns || mnt_ns == k->host_mnt_ns;
        bool have_root = exec_root(k, pid, ppid, mnt_ns, root, sizeof(root), &root_pid);
        bool by_path = have_root && path && path[0] == '/' && !deleted && !memfd &&
                (size_t) snprintf(in_root, sizeof(in_root), "%s%s", root, path) < sizeof(in_root);
        const struct value *args = record_value(r, ix[WC_ARGS]);
        _cleanup_(strbuf_free) struct strbuf cmdline = {};
        struct whitelist_exec x = { .pid = pid, .ppid = ppid, .uid = (uint32_t) value_u64(r, ix[WC_UID]),
                                    .cgroup_id = r->cgroup_id, .time_ns = r->time_ns, .path = path,
                                    .comm = value_str(r, ix[WC_COMM], comm_buf, sizeof(comm_buf)) };
        const struct program_hash *id;
        const char *package = NULL, *dpkg_path = NULL;
        _cleanup_close_ int fd = -1;
        struct whitelist_facts facts;
        struct file_key key;
        struct stat st, pst;
        char alias[4096 + 8];
        struct job *j;
        int ret;

        k->stats.execs++;
        if (args && args->str) {
                argv_join(&cmdline, args->str, args->len, CMDLINE_MAX);
                x.cmdline = cmdline.oom ? NULL : cmdline.data;
        }
        snprintf(proc_exe, sizeof(proc_exe), "/proc/%u/exe", pid);
        /* the very file that runs, in a container, deleted or a memfd too; after the process is gone,
         * its path in its namespace */
        fd = pid ? open(proc_exe, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK) : -1;
        if (fd < 0 && by_path)
                fd = open(in_root, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                k->stats.vanished++;
                return 0;
        }
        if ((uint64_t) st.st_size > k->config.max_hash_bytes) {
                k->stats.too_large++;
                return 0;
        }
        /* the path names this file on the host: only then can dpkg vouch for it */
        if (host && (!by_path || stat(in_root, &pst) < 0 || pst.st_dev != st.st_dev || pst.st_ino != st.st_ino))
                host = false;
        maybe_refresh_dpkg(k);
        gather_facts(k, root_pid, have_root ? root : NULL, path, &st, host || !mnt_ns || mnt_ns == k->host_mnt_ns,
                     deleted, memfd, r->cgroup_id, &facts);
        file_key_from_stat(&key, &st);
        id = program_hash_cache_get(&k->cache, &key);
        if (id) {
                k->stats.cache_hits++;
                complete(k, &x, &facts, id);
                return 0;
        }
        if (k->n_pending >= WHITELIST_MAX_PENDING) {
                k->stats.pending_dropped++;
                return 0;
        }
        if (host)
                package = dpkg_index_owner(&k->dpkg, path, &dpkg_path, alias, sizeof(alias));
        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        *j = (struct job) { .key = key, .exec = x, .facts = facts };
        j->path = path ? strdup(path) : NULL;
        j->comm = x.comm ? strdup(x.comm) : NULL;
        j->cmdline = x.cmdline ? strdup(x.cmdline) : NULL;
        j->dpkg_path = dpkg_path ? strdup(dpkg_path) : NULL;
        if (package)
                snprintf(j->package_name, sizeof(j->package_name), "%s", package);
        ret = (path && !j->path) || (x.comm && !j->comm) || (x.cmdline && !j->cmdline) ||
                (dpkg_path && !j->dpkg_path) ? -ENOMEM :
                program_hasher_new(&j->hasher, fd, (uint64_t) st.st_size, package != NULL);
        if (ret < 0) {
                job_free(j);
                return ret;
        }
        fd = -1;        /* the hasher has it */
        j->exec.path = j->path;
        j->exec.comm = j->comm;
        j->exec.cmdline = j->cmdline;
        if (k->tail)
                k->tail->next = j;
        else
                k->head = j;
        k->tail = j;
        k->n_pending++;
        run_queue(k, false);
        return 0;
}

static int sink_on_record(void *userdata, const struct record *r)
{
        struct whitelist_sink *k = userdata;
        const char *ev = record_event(r);
        const int *ix;

        if (ev != k->exec_event && ev != k->exit_event) {
                if (!streq(r->schema->event, "process"))
                        return 0;
                if (streq(ev, "exec"))
                        k->exec_event = ev;
                else if (streq(ev, "exit"))
                        k->exit_event = ev;
                else
                        return 0;
        }
        ix = column_index_get(&k->ix, r->schema);
        if (!ix || ix[WC_PID] < 0)
                return 0;
        if (ev == k->exit_event) {
                forget_pid(k, (uint32_t) value_u64(r, ix[WC_PID]));
                return 0;
        }
        return on_exec(k, r, ix);
}

struct record_sink whitelist_sink_record_sink(struct whitelist_sink *k)
{
        return (struct record_sink) { .name = "whitelist", .on_record = sink_on_record, .userdata = k };
}

int whitelist_sink_identify_path(struct whitelist_sink *k, const char *path, uint8_t sha256[WHITELIST_SHA256_SIZE],
                                 struct whitelist_facts *ret_facts)
{
        /* the path as the host's processes see it: the service's /tmp is its own */
        const char *root = k->own_mnt_ns == k->host_mnt_ns ? "" : "/proc/1/root";
        _cleanup_free_ char *in_root = NULL;
        _cleanup_close_ int fd = -1;
        const struct program_hash *cached;
        struct program_hash id = {};
        const char *package, *dpkg_path = NULL;
        char alias[4096 + 8];
        struct file_key key;
        struct stat st;
        int r;

        if (path[0] != '/' || asprintf(&in_root, "%s%s", root, path) < 0)
                return -EINVAL;
        fd = open(in_root, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        /* hashed in the event loop, at once: bounded tighter than an exec's */
        if ((uint64_t) st.st_size > MIN(k->config.max_hash_bytes, WHITELIST_IDENTIFY_MAX_BYTES))
                return -EFBIG;
        maybe_refresh_dpkg(k);
        gather_facts(k, 0, root, path, &st, true, false, false, 0, ret_facts);
        file_key_from_stat(&key, &st);
        cached = program_hash_cache_get(&k->cache, &key);
        if (cached)
                id = *cached;
        else {
                package = dpkg_index_owner(&k->dpkg, path, &dpkg_path, alias, sizeof(alias));
                r = program_hash_fd(fd, (uint64_t) st.st_size, package != NULL, &id);
                if (r < 0)
                        return r;
                judge_package(k, package, dpkg_path, &id);
                (void) program_hash_cache_put(&k->cache, &key, &id);
        }
        ret_facts->package = id.package;
        memcpy(ret_facts->package_name, id.package_name, sizeof(ret_facts->package_name));
        memcpy(sha256, id.sha256, WHITELIST_SHA256_SIZE);
        return 0;
}
