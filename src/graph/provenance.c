/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The graph fed by records, and the questions asked of it: an exec's file provenance, an alert's
 * story and incident. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "provenance.h"
#include "origin.h"
#include "story.h"
#include "detect/proctable.h"
#include "identity/identity.h"
#include "shared/macro.h"

enum {
        PC_PID, PC_PPID, PC_UID, PC_COMM, PC_EXE, PC_ARGS, PC_PATH, PC_WRITE, PC_CREATED, PC_RESULT,
        PC_READS, PC_WRITES, PC_DEV, PC_INO, PC_DADDR, PC_DPORT, PC_SPORT, PC_SYSCALL,
        _PC_MAX,
};
static const char *const provenance_columns[_PC_MAX] = {
        [PC_PID] = "pid", [PC_PPID] = "ppid", [PC_UID] = "uid", [PC_COMM] = "comm", [PC_EXE] = "exe",
        [PC_ARGS] = "args", [PC_PATH] = "path", [PC_WRITE] = "write", [PC_CREATED] = "created",
        [PC_RESULT] = "result", [PC_READS] = "reads", [PC_WRITES] = "writes", [PC_DEV] = "dev",
        [PC_INO] = "ino", [PC_DADDR] = "daddr", [PC_DPORT] = "dport", [PC_SPORT] = "sport",
        [PC_SYSCALL] = "syscall",
};

const char *const provenance_watched_paths[] = { "write:/tmp/", "write:/var/tmp/", "write:/dev/shm/", NULL };

struct provenance {
        struct provenance_config config;
        struct graph *graph;
        struct incident_table *incidents;
        struct column_index columns;
        struct strbuf scratch;
        uint64_t records, incident_alerts;
        uint64_t origins[ORIGIN_IMAGE + 1];
        /* the last exec asked about, so the rules' several questions on one record cost one lookup */
        const struct record *cached_record;
        const struct identity *cached_identity;
        uint64_t cached_time;
        struct file_provenance cached;
        /* the process node of each recent alert, for stories told again later */
        struct recent_alert {
                char id[33];
                uint64_t key;
                uint32_t node;
        } recent[PROVENANCE_RECENT_ALERTS];
        size_t next_recent;
};

int provenance_config_check(const struct provenance_config *c)
{
        if (graph_config_check(&c->graph) < 0 || c->max_incidents == 0 || c->max_incidents > 65536 ||
            c->story_hops == 0 || c->story_hops > PROVENANCE_MAX_STORY_HOPS ||
            c->story_max_bytes < PROVENANCE_MIN_STORY_BYTES || c->story_max_bytes > PROVENANCE_MAX_STORY_BYTES)
                return -ERANGE;
        return 0;
}

int provenance_new(struct provenance **ret, const struct provenance_config *config)
{
        struct provenance *p;
        int r;

        r = provenance_config_check(config);
        if (r < 0)
                return r;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->config = *config;
        column_index_init(&p->columns, provenance_columns, _PC_MAX);
        r = graph_new(&p->graph, &config->graph);
        if (r >= 0)
                r = incident_table_new(&p->incidents, p->graph, config->max_incidents, config->incident_window_ns);
        if (r < 0) {
                provenance_free(p);
                return r;
        }
        *ret = p;
        return 0;
}

struct provenance *provenance_free(struct provenance *p)
{
        if (!p)
                return NULL;
        incident_table_free(p->incidents);
        graph_free(p->graph);
        strbuf_free(&p->scratch);
        free(p);
        return NULL;
}

static const struct value *col(const struct record *r, const int *c, int k)
{
        return record_value(r, c[k]);
}

static const char *record_container(const struct record *r)
{
        return r->identity ? r->identity->container_id : NULL;
}

/* Writes u in decimal to buf (at least 20 bytes); returns the length. */
static size_t put_decimal(char *buf, uint64_t u)
{
        char tmp[20];
        size_t n = 0;

        do
                tmp[n++] = (char) ('0' + u % 10);
        while ((u /= 10) > 0);
        for (size_t i = 0; i < n; i++)
                buf[i] = tmp[n - 1 - i];
        return n;
}

/* The node pid runs as now; a lazy one (labelled with its comm) when it was never seen to start. */
static uint32_t process_node(struct provenance *p, const struct record *r, const int *c, uint32_t pid,
                             bool own_comm)
{
        const struct value *comm = own_comm ? col(r, c, PC_COMM) : NULL, *uid = col(r, c, PC_UID);
        uint32_t i = graph_process(p->graph, pid);
        struct graph_node *n;
        char label[32];
        size_t len;

        if ((n = graph_node_mut(p->graph, i))) {
                n->flags |= GNODE_REFERENCED;
                if (r->time_ns > n->last_ns)
                        n->last_ns = r->time_ns;
                return i;
        }
        if (pid == 0)
                return GRAPH_NONE;
        /* no printf here: a row of a process never seen to start is common */
        label[0] = '[';
        if (comm && comm->str) {
                len = (size_t) MIN(comm->len, (size_t) 16);
                memcpy(label + 1, comm->str, len);
                len++;
        } else {
                memcpy(label + 1, "pid ", 4);
                len = 5 + put_decimal(label + 5, pid);
        }
        label[len++] = ']';
        i = graph_add_node(p->graph, GRAPH_PROCESS, graph_key_process(pid, 0), label, len, r->time_ns);
        if (!(n = graph_node_mut(p->graph, i)))
                return GRAPH_NONE;
        n->pid = pid;
        n->flags |= GNODE_LAZY | (record_container(r) ? GNODE_CONTAINER : 0);
        if (own_comm && uid)
                n->uid = (uint32_t) uid->u;
        (void) graph_set_process(p->graph, pid, i);
        return i;
}

/* Adds the node of the other end of an edge from node held (pinned meanwhile so that making room
 * for the new node cannot evict it). */
static uint32_t add_beside(struct provenance *p, uint32_t held, enum graph_kind kind, uint64_t key,
                           const char *label, size_t len, uint64_t now_ns)
{
        uint32_t i;

        graph_pin(p->graph, held);
        i = graph_add_node(p->graph, kind, key, label, len, now_ns);
        graph_unpin(p->graph, held);
        return i;
}

static int on_exec(struct provenance *p, const struct record *r, const int *c)
{
        const struct value *pid = col(r, c, PC_PID), *ppid = col(r, c, PC_PPID), *uid = col(r, c, PC_UID),
                           *exe = col(r, c, PC_EXE), *args = col(r, c, PC_ARGS);
        uint32_t prev, parent = GRAPH_NONE, self, file;
        struct graph_node *n;
        const char *name;
        size_t name_len;

        if (!pid || !exe || !exe->str || pid->u == 0 || pid->u > UINT32_MAX)
                return 0;
        prev = graph_process(p->graph, (uint32_t) pid->u);
        if (!graph_node(p->graph, prev) && ppid && ppid->u <= UINT32_MAX)
                parent = process_node(p, r, c, (uint32_t) ppid->u, false);
        else
                parent = prev;
        self = add_beside(p, parent, GRAPH_PROCESS, graph_key_process((uint32_t) pid->u, r->time_ns), exe->str,
                          exe->len, r->time_ns);
        if (!(n = graph_node_mut(p->graph, self)))
                return -ENOSPC;
        n->pid = (uint32_t) pid->u;
        n->uid = uid ? (uint32_t) uid->u : 0;
        n->flags |= record_container(r) ? GNODE_CONTAINER : 0;
        name = proc_name(exe->str, exe->len, args ? args->str : NULL, args ? args->len : 0, &name_len);
        n->flags |= origin_is_compiler(name, name_len) ? GNODE_COMPILER : 0;
        n->flags |= origin_is_package_manager(name, name_len) ? GNODE_PACKAGER : 0;
        if (args && args->str) {
                strbuf_reset(&p->scratch);
                argv_join(&p->scratch, args->str, args->len, GRAPH_LABEL_MAX);
                if (!p->scratch.oom)
                        (void) graph_set_detail(p->graph, self, p->scratch.data ?: "", p->scratch.len);
        }
        (void) graph_set_process(p->graph, n->pid, self);
        if (graph_node(p->graph, parent))
                (void) graph_add_edge(p->graph, parent, self, prev == parent ? REL_EXEC : REL_FORK, r->time_ns, 1);
        file = add_beside(p, self, GRAPH_FILE, graph_key_file(record_container(r), exe->str, exe->len), exe->str,
                          exe->len, r->time_ns);
        if (graph_node(p->graph, file))
                (void) graph_add_edge(p->graph, self, file, REL_RUN, r->time_ns, 1);
        return 0;
}

static int on_fork(struct provenance *p, const struct record *r, const int *c)
{
        const struct value *pid = col(r, c, PC_PID), *ppid = col(r, c, PC_PPID), *uid = col(r, c, PC_UID);
        const struct graph_node *pn;
        struct graph_node *n;
        uint32_t parent, child;

        if (!pid || !ppid || pid->u == 0 || pid->u > UINT32_MAX || ppid->u > UINT32_MAX)
                return 0;
        parent = process_node(p, r, c, (uint32_t) ppid->u, true);
        if (!(pn = graph_node(p->graph, parent)))
                return -ENOSPC;
        child = add_beside(p, parent, GRAPH_PROCESS, graph_key_process((uint32_t) pid->u, r->time_ns), pn->label,
                           strlen(pn->label), r->time_ns);
        if (!(n = graph_node_mut(p->graph, child)))
                return -ENOSPC;
        pn = graph_node(p->graph, parent);
        n->pid = (uint32_t) pid->u;
        n->uid = uid ? (uint32_t) uid->u : pn->uid;
        n->flags |= pn->flags & (GNODE_CONTAINER | GNODE_COMPILER | GNODE_PACKAGER);
        if (pn->detail)
                (void) graph_set_detail(p->graph, child, pn->detail, strlen(pn->detail));
        (void) graph_set_process(p->graph, n->pid, child);
        (void) graph_add_edge(p->graph, parent, child, REL_FORK, r->time_ns, 1);
        return 0;
}

/* An edge from the record's process to a file or peer. */
static int process_to(struct provenance *p, const struct record *r, const int *c, enum graph_kind kind,
                      uint64_t key, const char *label, size_t len, enum graph_relation rel, uint32_t count)
{
        const struct value *pid = col(r, c, PC_PID);
        uint32_t proc, obj;

        if (!pid || pid->u == 0 || pid->u > UINT32_MAX)
                return 0;
        proc = process_node(p, r, c, (uint32_t) pid->u, true);
        if (proc == GRAPH_NONE)
                return -ENOSPC;
        obj = add_beside(p, proc, kind, key, label, len, r->time_ns);
        if (obj == GRAPH_NONE)
                return -ENOSPC;
        if (rel == REL_CONNECT || rel == REL_ACCEPT)
                graph_node_mut(p->graph, proc)->flags |= GNODE_NETWORK;
        return graph_add_edge(p->graph, proc, obj, rel, r->time_ns, count) == GRAPH_NONE ? -ENOSPC : 0;
}

static int file_edge(struct provenance *p, const struct record *r, const int *c, enum graph_relation rel,
                     uint64_t count)
{
        const struct value *path = col(r, c, PC_PATH), *dev = col(r, c, PC_DEV), *ino = col(r, c, PC_INO);
        uint64_t key;
        uint32_t f;
        int k;

        if (!path || !path->str || path->len == 0 || path->str[0] != '/')
                return 0;
        key = graph_key_file(record_container(r), path->str, path->len);
        k = process_to(p, r, c, GRAPH_FILE, key, path->str, path->len, rel, (uint32_t) MIN(count, UINT32_MAX));
        if (k >= 0 && dev && ino && (f = graph_find(p->graph, key)) != GRAPH_NONE) {
                graph_node_mut(p->graph, f)->dev = dev->u;
                graph_node_mut(p->graph, f)->ino = ino->u;
        }
        return k;
}

static int on_file_io(struct provenance *p, const struct record *r, const int *c)
{
        const struct value *reads = col(r, c, PC_READS), *writes = col(r, c, PC_WRITES);
        int k = 0;

        if (writes && writes->u > 0)
                k = file_edge(p, r, c, REL_WRITE, writes->u);
        if (k >= 0 && reads && reads->u > 0)
                k = file_edge(p, r, c, REL_READ, reads->u);
        return k;
}

static int on_open(struct provenance *p, const struct record *r, const int *c)
{
        const struct value *result = col(r, c, PC_RESULT), *write = col(r, c, PC_WRITE),
                           *created = col(r, c, PC_CREATED);
        int k;

        if (result && result->i < 0)
                return 0;
        if (!write || !write->u)
                return file_edge(p, r, c, REL_READ, 1);
        k = file_edge(p, r, c, REL_WRITE, 1);
        if (k >= 0 && created && created->u)
                k = file_edge(p, r, c, REL_CREATE, 1);
        return k;
}

static int on_syscall(struct provenance *p, const struct record *r, const int *c)
{
        const struct value *sc = col(r, c, PC_SYSCALL), *result = col(r, c, PC_RESULT);

        bool chmod = sc && sc->str && ((sc->len == 5 && memcmp(sc->str, "chmod", 5) == 0) ||
                                       (sc->len >= 8 && memcmp(sc->str, "fchmodat", 8) == 0));

        if (!chmod)
                return 0;
        if (result && result->i < 0)
                return 0;
        return file_edge(p, r, c, REL_CHMOD, 1);
}

static int on_tcp(struct provenance *p, const struct record *r, const int *c, bool accept)
{
        const struct value *daddr = col(r, c, PC_DADDR), *port = col(r, c, accept ? PC_SPORT : PC_DPORT);
        char label[96];
        size_t len;

        if (!daddr || !daddr->str || !port)
                return 0;
        /* "address:port" of the peer; an accept's peer is named with the local port it came to */
        len = MIN(daddr->len, (size_t) 64);
        memcpy(label, daddr->str, len);
        if (accept) {
                memcpy(label + len, " -> :", 5);
                len += 5;
        } else
                label[len++] = ':';
        len += put_decimal(label + len, port->u);
        label[len] = '\0';
        return process_to(p, r, c, GRAPH_PEER, graph_key_peer(label, port->u, accept), label, len,
                          accept ? REL_ACCEPT : REL_CONNECT, 1);
}

int provenance_on_record(struct provenance *p, const struct record *r)
{
        const int *c = column_index_get(&p->columns, r->schema);
        const char *ev = record_event(r);

        /* the graph changes: what the rules asked about the last record no longer holds */
        p->cached_record = NULL;
        if (!c || !ev)
                return 0;
        p->records++;
        if (streq(ev, "exec"))
                return on_exec(p, r, c);
        if (streq(ev, "fork"))
                return on_fork(p, r, c);
        if (streq(ev, "file_io"))
                return on_file_io(p, r, c);
        if (streq(ev, "open"))
                return on_open(p, r, c);
        if (streq(ev, "syscall"))
                return on_syscall(p, r, c);
        if (streq(ev, "connect"))
                return on_tcp(p, r, c, false);
        if (streq(ev, "accept"))
                return on_tcp(p, r, c, true);
        return 0;
}

static int sink_on_record(void *userdata, const struct record *r)
{
        return provenance_on_record(userdata, r);
}

struct record_sink provenance_record_sink(struct provenance *p)
{
        return (struct record_sink) { .name = "provenance", .on_record = sink_on_record, .userdata = p };
}

bool provenance_exec_origin(struct provenance *p, const struct record *r, struct file_provenance *ret)
{
        const int *c = column_index_get(&p->columns, r->schema);
        const struct value *exe, *uid;
        const char *ev = record_event(r);

        if (!c || !ev || !streq(ev, "exec") || !(exe = col(r, c, PC_EXE)) || !exe->str)
                return false;
        if (p->cached_record == r && p->cached_time == r->time_ns && p->cached_identity == r->identity) {
                *ret = p->cached;
                return true;
        }
        uid = col(r, c, PC_UID);
        origin_of_file(p->graph, graph_key_file(record_container(r), exe->str, exe->len), record_container(r),
                       ret);
        if (ret->writer_known)
                ret->same_user = uid && ret->writer_uid == uid->u;
        p->origins[ret->origin]++;
        p->cached_record = r;
        p->cached_time = r->time_ns;
        p->cached_identity = r->identity;
        p->cached = *ret;
        return true;
}

const char *file_origin_to_string(enum file_origin o)
{
        static const char *const names[] = {
                [ORIGIN_UNKNOWN] = "unknown", [ORIGIN_DOWNLOAD] = "download", [ORIGIN_BUILD] = "build",
                [ORIGIN_PACKAGE] = "package", [ORIGIN_IMAGE] = "image",
        };

        return (unsigned) o <= ORIGIN_IMAGE ? names[o] : "unknown";
}

int provenance_on_alert(struct provenance *p, const struct alert *a, struct strbuf *story,
                        const struct incident **ret_incident, bool *ret_report)
{
        struct incident *in = NULL;
        struct story s;
        uint32_t root = a->process.pid ? graph_process(p->graph, a->process.pid) : GRAPH_NONE;
        int r;

        story_build(p->graph, root, p->config.story_hops, &s);
        story_to_json(p->graph, &s, a, p->config.story_max_bytes, story);
        if (s.n > 0 && a->id[0]) {
                struct recent_alert *ra = &p->recent[p->next_recent++ % PROVENANCE_RECENT_ALERTS];

                snprintf(ra->id, sizeof(ra->id), "%s", a->id);
                ra->node = root;
                ra->key = graph_node(p->graph, root)->key;
        }
        r = incident_table_add(p->incidents, a, s.nodes, s.n, a->time_ns, &in, ret_report);
        if (r < 0)
                return r;
        p->incident_alerts++;
        *ret_incident = in;
        return 0;
}

int provenance_story_of(const struct provenance *p, const char *alert_id, struct strbuf *story)
{
        const struct graph_node *n;
        struct story s;

        for (size_t i = 0; alert_id && i < PROVENANCE_RECENT_ALERTS; i++) {
                const struct recent_alert *ra = &p->recent[i];

                if (!streq(ra->id, alert_id))
                        continue;
                n = graph_node(p->graph, ra->node);
                if (!n || n->key != ra->key)
                        return -ENOENT;
                story_build(p->graph, ra->node, p->config.story_hops, &s);
                story_to_json(p->graph, &s, &(struct alert) {}, p->config.story_max_bytes, story);
                return story->oom ? -ENOMEM : 0;
        }
        return -ENOENT;
}

void provenance_expire(struct provenance *p, uint64_t now_ns)
{
        incident_table_expire(p->incidents, now_ns);
}

const struct graph *provenance_graph(const struct provenance *p)
{
        return p->graph;
}

const struct incident_table *provenance_incidents(const struct provenance *p)
{
        return p->incidents;
}

void provenance_get_stats(const struct provenance *p, struct provenance_stats *ret)
{
        *ret = (struct provenance_stats) {
                .records = p->records,
                .incidents_opened = incident_table_opened(p->incidents),
                .incident_alerts = p->incident_alerts,
        };
        memcpy(ret->origins, p->origins, sizeof(ret->origins));
        graph_get_stats(p->graph, &ret->graph);
}
