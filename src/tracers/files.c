/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The files tracer: per-interval reads, writes and bytes per (process, file), aggregated in the
 * kernel, and opens of watched paths, matched in the kernel. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "tracer.h"
#include "files-schema.h"
#include "tracers/files.h"
#include "files-watch.h"
#include "decode.h"
#include "open-flags.h"
#include "files.skel.h"
#include "shared/log.h"
#include "shared/strbuf.h"


struct files_state {
        struct files_bpf *skel;
        int stats_fd, counters_fd, watched_fd;
        uint32_t max_entries;
        uint64_t read;                  /* entries read and deleted since start */
        uint64_t intervals;             /* since start */
        uint64_t evictions;             /* lower bound, never decreasing */
        struct cw_file_key *keys;       /* max_entries of each, for the batch read; only */
        struct cw_file_stats *values;   /* during an interval */
};

/* One aggregate row being prepared: its values point into the stats and name buffers. */
struct files_row {
        struct value v[_COL_MAX];
        char name[64];
        char path[CUT_PATH_TEXT_MAX(CW_FILE_PATH_MAX, CW_FILE_PATH_MAX)];       /* a cut path */
};

static int files_counter(struct files_state *s, enum cw_file_counter c, uint64_t *ret)
{
        return bpf_percpu_sum(s->counters_fd, c, ret);
}

static const char *file_type(uint32_t mode)
{
        return S_ISREG(mode) ? "R" : S_ISSOCK(mode) ? "S" : "O";
}

static void row_fill(struct files_row *row, const struct cw_file_key *k, const struct cw_file_stats *st)
{
        struct value *v = row->v;
        size_t plen = strnlen(st->path, MIN((size_t) st->path_len, sizeof(st->path)));
        const char *base;

        memset(v, 0, sizeof(row->v));
        value_set_u64(&v[COL_PID], k->tgid);
        value_set_pid_scope(&v[COL_PID_SCOPE], st->flags & CW_FILE_HOST_PID);
        value_set_u64(&v[COL_READS], st->reads);
        value_set_u64(&v[COL_WRITES], st->writes);
        value_set_u64(&v[COL_READ_BYTES], st->read_bytes);
        value_set_u64(&v[COL_WRITE_BYTES], st->write_bytes);
        value_set_cstr(&v[COL_TYPE], file_type(st->mode));
        value_set_str(&v[COL_COMM], st->comm, strnlen(st->comm, sizeof(st->comm)));
        value_set_u64(&v[COL_UID], st->uid);
        value_set_u64(&v[COL_DEV], k->dev);
        value_set_u64(&v[COL_INO], k->ino);
        value_set_u64(&v[COL_CGROUP_ID], st->cgroup_id);

        if (st->flags & CW_FILE_PSEUDO) {
                /* as readlink(/proc/PID/fd/N) shows them */
                if (S_ISSOCK(st->mode))
                        snprintf(row->name, sizeof(row->name), "socket:[%" PRIu64 "]", k->ino);
                else if (S_ISFIFO(st->mode))
                        snprintf(row->name, sizeof(row->name), "pipe:[%" PRIu64 "]", k->ino);
                else
                        snprintf(row->name, sizeof(row->name), "anon_inode:%.*s", (int) plen, st->path);
                value_set_cstr(&v[COL_FILENAME], row->name);
                value_set_cstr(&v[COL_PATH], row->name);
                return;
        }
        value_set_bool(&v[COL_PATH_TRUNCATED], st->flags & CW_FILE_PATH_TRUNCATED);
        if (st->flags & CW_FILE_PATH_TRUNCATED) {
                /* the root-side prefix, and the file's own name that the kernel put after it */
                const char *leaf = st->path + CW_FILE_LEAF_OFF;
                size_t leaf_len = 0, n;

                if (st->flags & CW_FILE_LEAF)
                        leaf_len = strnlen(leaf, sizeof(st->path) - CW_FILE_LEAF_OFF);
                n = format_cut_path(row->path, st->path, plen, leaf, leaf_len);

                value_set_str(&v[COL_PATH], row->path, n);
                plen = v[COL_PATH].len;
                base = memrchr(row->path, '/', plen);
                base = base ? base + 1 : row->path;
                value_set_str(&v[COL_FILENAME], base, plen - (base - row->path));
                return;
        }
        value_set_str(&v[COL_PATH], st->path, plen);
        base = memrchr(st->path, '/', plen);
        base = base && plen > 1 ? base + 1 : st->path;
        value_set_str(&v[COL_FILENAME], base, plen - (base - st->path));
}

/* The order of an interval's rows: busiest first (bytes, then calls), then by pid. --sort is the
 * output's (src/sink/output.c). */
static int order_compare(const void *pa, const void *pb, void *userdata)
{
        const struct files_state *s = userdata;
        uint32_t a = *(const uint32_t *) pa, b = *(const uint32_t *) pb;
        const struct cw_file_stats *sa = &s->values[a], *sb = &s->values[b];
        uint64_t ta, tb;

        ta = sa->read_bytes + sa->write_bytes;
        tb = sb->read_bytes + sb->write_bytes;
        if (ta != tb)
                return ta < tb ? 1 : -1;
        ta = sa->reads + sa->writes;
        tb = sb->reads + sb->writes;
        if (ta != tb)
                return ta < tb ? 1 : -1;
        return s->keys[a].tgid < s->keys[b].tgid ? -1 : s->keys[a].tgid > s->keys[b].tgid;
}

/* Reads and deletes every aggregate; returns how many. */
static int files_read_and_clear(struct files_state *s, size_t *ret)
{
        LIBBPF_OPTS(bpf_map_batch_opts, opts);
        uint32_t in = 0, out = 0;
        size_t total = 0;
        bool first = true;

        for (;;) {
                uint32_t count = s->max_entries - total;
                int r;

                if (count == 0)
                        break;
                r = bpf_map_lookup_and_delete_batch(s->stats_fd, first ? NULL : &in, &out, s->keys + total,
                                                    s->values + total, &count, &opts);
                total += count;
                if (r < 0 && errno == ENOENT)
                        break;
                /* the next bucket holds more entries than are left in the buffer (entries created
                 * while reading): they stay in the map for the next interval */
                if (r < 0 && errno == ENOSPC && total > 0)
                        break;
                if (r < 0)
                        return log_debug_errno(errno, "files: failed to read the aggregates: %m");
                in = out;
                first = false;
        }
        *ret = total;
        return 0;
}

static int files_interval(struct tracer *t)
{
        struct files_state *s = t->data;
        _cleanup_free_ uint32_t *order = NULL;
        struct files_row row;
        uint64_t inserts = 0, now_ns;
        struct timespec ts;
        size_t n = 0;
        int r;

        /* inserts first: entries created during the read make the estimate low, never high */
        r = files_counter(s, CW_FILE_CNT_INSERTS, &inserts);
        if (r < 0)
                return log_debug_errno(r, "files: failed to read the counters: %m");
        r = files_read_and_clear(s, &n);
        if (r < 0)
                return r;
        s->read += n;
        s->intervals++;
        if (inserts > s->read && inserts - s->read > s->evictions) {
                log_warning("files: %" PRIu64 " aggregates evicted this interval: more than %" PRIu32
                            " (process, file) pairs; their counts are lost",
                            inserts - s->read - s->evictions, s->max_entries);
                s->evictions = inserts - s->read;
        }
        if (n == 0)
                return 0;

        order = calloc(n, sizeof(*order));
        if (!order)
                return log_debug_errno(ENOMEM, "files: no memory for %zu rows: %m", n);
        for (size_t i = 0; i < n; i++)
                order[i] = i;
        qsort_r(order, n, sizeof(*order), order_compare, s);

        tracer_begin_interval(t);
        clock_gettime(CLOCK_REALTIME, &ts);
        now_ns = (uint64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
        for (size_t i = 0; i < n; i++) {
                struct record rec = { .schema = &files_schema, .values = row.v, .time_ns = now_ns,
                                      .cgroup_id = s->values[order[i]].cgroup_id };

                row_fill(&row, &s->keys[order[i]], &s->values[order[i]]);
                r = tracer_emit(t, &rec);
                if (r < 0)
                        log_debug_errno(r, "files: failed to emit a row, ignoring: %m");
        }
        tracer_end_interval(t);
        return 0;
}

/* The buffers for the batch read (max_entries keys and values, 2.8 MB by default) exist only
 * while an interval is processed: their pages go back to the kernel between intervals. */
static int files_on_interval(struct tracer *t)
{
        struct files_state *s = t->data;
        int r;

        s->keys = malloc(s->max_entries * sizeof(*s->keys));
        s->values = malloc(s->max_entries * sizeof(*s->values));
        if (!s->keys || !s->values)
                r = log_debug_errno(ENOMEM, "files: no memory for %" PRIu32 " aggregates: %m", s->max_entries);
        else
                r = files_interval(t);
        free(s->keys);
        free(s->values);
        s->keys = NULL;
        s->values = NULL;
        return r;
}

static const char *open_syscall_name(uint8_t sys)
{
        static const char *const names[] = {
                [CW_SYS_OPEN] = "open", [CW_SYS_OPENAT] = "openat", [CW_SYS_OPENAT2] = "openat2",
                [CW_SYS_CREAT] = "creat",
        };

        return sys < ELEMENTSOF(names) && names[sys] ? names[sys] : "unknown";
}

static int files_decode_open(struct tracer *t, const struct cw_open_event *e, size_t size)
{
        struct value v[_COL_MAX] = {};
        struct record r = { .schema = &files_schema, .event = "open", .values = v,
                            .cgroup_id = e->hdr.cgroup_id, .quiet = true };
        struct strbuf flags = {};
        size_t fixed = offsetof(struct cw_open_event, path), len;
        char cut[CUT_PATH_TEXT_MAX(CW_OPEN_PATH_MAX, CW_OPEN_NAME_MAX)];
        const char *base, *path = e->path;
        int ret;

        if (size < fixed || (size_t) e->path_len + e->name_len > size - fixed ||
            e->path_len >= CW_OPEN_PATH_MAX || e->name_len >= CW_OPEN_NAME_MAX)
                return -EBADMSG;
        len = strnlen(e->path, e->path_len);
        if (e->flags & CW_OPEN_PATH_TRUNCATED) {
                /* marked where it was cut, "/.../"; path_truncated says so */
                len = format_cut_path(cut, e->path, len, e->path + e->path_len,
                                      strnlen(e->path + e->path_len, e->name_len));
                path = cut;
        }
        r.time_ns = tracer_realtime(t, e->hdr.time_ns);
        value_set_u64(&v[COL_PID], e->hdr.pid);
        value_set_u64(&v[COL_TID], e->hdr.tid);
        value_set_pid_scope(&v[COL_PID_SCOPE], e->hdr.flags & CW_EVENT_HOST_PIDS);
        value_set_u64(&v[COL_PPID], e->ppid);
        value_set_u64(&v[COL_UID], e->hdr.uid);
        value_set_str(&v[COL_COMM], e->hdr.comm, strnlen(e->hdr.comm, sizeof(e->hdr.comm)));
        value_set_u64(&v[COL_CGROUP_ID], e->hdr.cgroup_id);
        value_set_str(&v[COL_PATH], path, len);
        value_set_bool(&v[COL_PATH_TRUNCATED], e->flags & CW_OPEN_PATH_TRUNCATED);
        base = memrchr(path, '/', len);
        base = base && len > 1 ? base + 1 : path;
        value_set_str(&v[COL_FILENAME], base, len - (base - path));
        value_set_u64(&v[COL_FLAGS], e->open_flags);
        open_flags_to_string(&flags, e->open_flags);
        if (flags.oom)
                return -ENOMEM;
        value_set_str(&v[COL_FLAGS_TEXT], flags.data, flags.len);
        value_set_bool(&v[COL_WRITE], open_flags_write(e->open_flags));
        value_set_cstr(&v[COL_SYSCALL], open_syscall_name(e->syscall));
        value_set_s64(&v[COL_RESULT], e->result);
        /* known for opens that succeeded */
        if (e->result >= 0)
                value_set_bool(&v[COL_CREATED], e->flags & CW_OPEN_CREATED);
        if (e->open_flags & (O_CREAT | (O_TMPFILE & ~O_DIRECTORY)))
                value_set_u64(&v[COL_MODE], e->mode);
        ret = tracer_emit(t, &r);
        strbuf_free(&flags);
        return ret;
}

static int files_on_event(struct tracer *t, const void *data, size_t size)
{
        const struct cw_event_header *h = data;

        if (h->type == CW_EV_FILE_OPEN)
                return files_decode_open(t, data, size);
        return -EBADMSG;
}

static struct files_state *files_state_free(struct files_state *s)
{
        if (!s)
                return NULL;
        files_bpf__destroy(s->skel);
        free(s->keys);
        free(s->values);
        free(s);
        return NULL;
}
DEFINE_POINTER_CLEANUP(struct files_state, files_state_free);

static int watch_set_apply(struct files_state *s, const struct watch_set *set)
{
        struct cw_watch_key key, next, *old = NULL;
        size_t n_old = 0, cap = 0;
        void *prev = NULL;
        int r = 0;

        /* the old keys, then the new entries, then the old keys not in the new set: patterns in
         * both sets stay watched throughout */
        while (bpf_map_get_next_key(s->watched_fd, prev, &next) == 0) {
                if (n_old == cap) {
                        struct cw_watch_key *o = reallocarray(old, cap ? cap * 2 : 64, sizeof(*old));

                        if (!o) {
                                free(old);
                                return -ENOMEM;
                        }
                        old = o;
                        cap = cap ? cap * 2 : 64;
                }
                old[n_old++] = next;
                key = next;
                prev = &key;
        }
        for (size_t i = 0; i < set->n; i++)
                if (bpf_map_update_elem(s->watched_fd, &set->entries[i].key, &set->entries[i].value, BPF_ANY) < 0) {
                        r = log_debug_errno(errno, "files: failed to set a watched path: %m");
                        goto out;
                }
        for (size_t i = 0; i < n_old; i++) {
                bool keep = false;

                for (size_t j = 0; j < set->n && !keep; j++)
                        keep = old[i].prefixlen == set->entries[j].key.prefixlen &&
                               memcmp(old[i].data, set->entries[j].key.data, old[i].prefixlen / 8) == 0;
                if (!keep && bpf_map_delete_elem(s->watched_fd, &old[i]) < 0 && errno != ENOENT) {
                        r = log_debug_errno(errno, "files: failed to remove a watched path: %m");
                        goto out;
                }
        }
out:
        free(old);
        return r;
}

static int files_set_watched_paths(struct tracer *t, const struct tracer_watched_paths *paths)
{
        struct files_state *s = t->data;
        struct watch_set set;
        int r;

        if (!s)
                return -ESRCH;
        r = watch_set_build(&set, paths->open.items, paths->open.n);
        if (r < 0)
                return r;
        r = watch_set_apply(s, &set);
        watch_set_free(&set);
        return r;
}

int files_tracer_count_entries(struct tracer *t, size_t *ret)
{
        struct files_state *s = t->data;
        struct cw_file_key key, next;
        void *prev = NULL;
        size_t n = 0;

        if (!t->running || !s)
                return -ESRCH;
        while (bpf_map_get_next_key(s->stats_fd, prev, &next) == 0) {
                n++;
                key = next;
                prev = &key;
        }
        *ret = n;
        return 0;
}

int files_tracer_get_stats(struct tracer *t, struct files_tracer_stats *ret)
{
        struct files_state *s = t->data;
        struct files_tracer_stats st = {};
        size_t present;
        int r;

        if (!t->running || !s)
                return -ESRCH;
        st.max_entries = s->max_entries;
        st.read = s->read;
        if ((r = files_counter(s, CW_FILE_CNT_INSERTS, &st.inserts)) < 0 ||
            (r = files_counter(s, CW_FILE_CNT_OPENS_CHECKED, &st.opens_checked)) < 0 ||
            (r = files_counter(s, CW_FILE_CNT_OPENS_UNMATCHED, &st.opens_unmatched)) < 0 ||
            (r = files_counter(s, CW_FILE_CNT_OPENS_NO_PATH, &st.opens_no_path)) < 0)
                return r;
        r = files_tracer_count_entries(t, &present);
        if (r < 0)
                return r;
        st.evictions = s->evictions;
        if (st.inserts > s->read + present)
                st.evictions = MAX(st.evictions, st.inserts - s->read - present);
        *ret = st;
        return 0;
}

static uint64_t files_lost(struct tracer *t)
{
        struct files_tracer_stats st;

        return files_tracer_get_stats(t, &st) < 0 ? 0 : st.evictions;
}

static uint64_t files_filtered(struct tracer *t)
{
        struct files_tracer_stats st;

        return files_tracer_get_stats(t, &st) < 0 ? 0 : st.opens_unmatched;
}

static void files_interval_summary(struct tracer *t, struct strbuf *out)
{
        const struct files_state *s = t->data;

        strbuf_printf(out, "%" PRIu64 " intervals, %" PRIu64 " (process, file) aggregates read from the kernel map",
                      s->intervals, s->read);
}

static int files_start(struct tracer *t)
{
        _cleanup_(files_state_freep) struct files_state *s = NULL;
        struct watch_set set;
        size_t n_default = 0;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->max_entries = t->max_entries ?: CW_FILE_STATS_DEFAULT_MAX;

        s->skel = files_bpf__open();
        if (!s->skel)
                return log_debug_errno(errno, "files: failed to open the BPF object: %m");
        r = bpf_map__set_max_entries(s->skel->maps.file_stats, s->max_entries);
        if (r < 0)
                return log_debug_errno(r, "files: failed to size the aggregate map: %m");
        r = tracer_load_skeleton(t, s->skel->skeleton);
        if (r < 0)
                return r;
        s->stats_fd = bpf_map__fd(s->skel->maps.file_stats);
        s->counters_fd = bpf_map__fd(s->skel->maps.file_counters);
        s->watched_fd = bpf_map__fd(s->skel->maps.watched);

        /* the patterns the rules need, else the defaults */
        if (t->env->watched_paths)
                r = watch_set_build(&set, t->env->watched_paths->open.items, t->env->watched_paths->open.n);
        else {
                while (files_default_watched_paths[n_default])
                        n_default++;
                r = watch_set_build(&set, (char *const *) files_default_watched_paths, n_default);
        }
        if (r < 0)
                return r;
        r = watch_set_apply(s, &set);
        watch_set_free(&set);
        if (r < 0)
                return r;

        r = tracer_attach_skeleton(t, s->skel->skeleton, "tp_btf/sys_exit");
        if (r < 0)
                return r;
        t->data = TAKE_PTR(s);
        return 0;
}

static void files_stop(struct tracer *t)
{
        t->data = files_state_free(t->data);
}

const struct tracer_ops files_tracer_ops = {
        .info = &files_tracer_info,
        .has_interval = true,
        .start = files_start,
        .stop = files_stop,
        .on_event = files_on_event,
        .on_interval = files_on_interval,
        .lost = files_lost,
        .filtered = files_filtered,
        .interval_summary = files_interval_summary,
        .set_watched_paths = files_set_watched_paths,
};
