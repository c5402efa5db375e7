/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ctl-story.h"
#include "shared/macro.h"

#define STORY_MAX_ITEMS 256

struct story_node {
        const char *kind, *label, *cmdline;
        int64_t pid, uid, time;
        bool alert;
};

struct story_edge {
        int s, d;
        const char *rel;
        int64_t count, time;
};

struct story_view {
        struct story_node nodes[STORY_MAX_ITEMS];
        struct story_edge edges[STORY_MAX_ITEMS];
        size_t n_nodes, n_edges;
        bool truncated;
        bool printed[STORY_MAX_ITEMS];
        bool edge_done[STORY_MAX_ITEMS];
};

int story_format_from_string(const char *s)
{
        if (streq(s, "tree"))
                return STORY_TREE;
        if (streq(s, "dot"))
                return STORY_DOT;
        if (streq(s, "json"))
                return STORY_JSON;
        return -EINVAL;
}

static const char *get_str(json_object *o, const char *key)
{
        json_object *v;

        return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
               json_object_get_string(v) : NULL;
}

static int64_t get_int(json_object *o, const char *key, int64_t def)
{
        json_object *v;

        return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int) ?
               json_object_get_int64(v) : def;
}

static int view_load(struct story_view *v, json_object *root)
{
        json_object *nodes, *edges, *t;

        if (!json_object_object_get_ex(root, "nodes", &nodes) || !json_object_is_type(nodes, json_type_array) ||
            !json_object_object_get_ex(root, "edges", &edges) || !json_object_is_type(edges, json_type_array))
                return -EINVAL;
        v->truncated = json_object_object_get_ex(root, "truncated", &t) && json_object_get_boolean(t);
        for (size_t i = 0; i < json_object_array_length(nodes) && v->n_nodes < STORY_MAX_ITEMS; i++) {
                json_object *o = json_object_array_get_idx(nodes, i), *a;

                v->nodes[v->n_nodes++] = (struct story_node) {
                        .kind = get_str(o, "k") ?: "?", .label = get_str(o, "l") ?: "?", .cmdline = get_str(o, "c"),
                        .pid = get_int(o, "pid", 0), .uid = get_int(o, "uid", -1), .time = get_int(o, "t", 0),
                        .alert = json_object_object_get_ex(o, "alert", &a) && json_object_get_boolean(a),
                };
        }
        for (size_t i = 0; i < json_object_array_length(edges) && v->n_edges < STORY_MAX_ITEMS; i++) {
                json_object *o = json_object_array_get_idx(edges, i);
                int64_t s = get_int(o, "s", -1), d = get_int(o, "d", -1);

                if (s < 0 || d < 0 || (size_t) s >= v->n_nodes || (size_t) d >= v->n_nodes)
                        continue;
                v->edges[v->n_edges++] = (struct story_edge) {
                        .s = (int) s, .d = (int) d, .rel = get_str(o, "r") ?: "?", .count = get_int(o, "n", 1),
                        .time = get_int(o, "t", 0),
                };
        }
        return 0;
}

/* s on one line: control characters (a script's newlines) as spaces */
static void put_line(FILE *f, const char *s)
{
        for (; *s; s++)
                fputc((unsigned char) *s < 0x20 || *s == 0x7f ? ' ' : *s, f);
}

static void print_node(FILE *f, const struct story_node *n)
{
        if (streq(n->kind, "process")) {
                put_line(f, n->label);
                if (n->pid > 0)
                        fprintf(f, " (pid %" PRIi64 ", uid %" PRIi64 ")", n->pid, n->uid);
                if (n->cmdline && *n->cmdline) {
                        fputs(": ", f);
                        put_line(f, n->cmdline);
                }
        } else {
                fprintf(f, "%s ", n->kind);
                put_line(f, n->label);
        }
        if (n->time > 0) {
                time_t sec = (time_t) (n->time / 1000000);
                struct tm tm;
                char ts[32];

                if (localtime_r(&sec, &tm) && strftime(ts, sizeof(ts), "%H:%M:%S", &tm) > 0)
                        fprintf(f, "  [%s]", ts);
        }
        if (n->alert)
                fprintf(f, "  <== ALERT");
        fputc('\n', f);
}

/* Whether edge e is read from d to s in the tree: a file's writers hang below the file. */
static bool edge_reversed(const struct story_edge *e)
{
        return streq(e->rel, "write") || streq(e->rel, "create") || streq(e->rel, "chmod");
}

static int edge_rank(const struct story_edge *e, int node)
{
        static const char *const order[] = { "run", "write", "create", "chmod", "fork", "exec", "connect", "accept",
                                             "read" };

        if (e->d == node)       /* a file's writers */
                return 1;
        for (size_t i = 0; i < ELEMENTSOF(order); i++)
                if (streq(e->rel, order[i]))
                        return (int) i;
        return (int) ELEMENTSOF(order);
}

/* Below node every edge not shown yet: a node not printed yet follows with its own subtree (depth
 * first, so a file's writer and its download hang below the file), one printed already is named. */
static void print_tree(FILE *f, struct story_view *v, int node, char *prefix, size_t plen, unsigned depth)
{
        int next[STORY_MAX_ITEMS];
        size_t n = 0;

        v->printed[node] = true;
        for (size_t i = 0; i < v->n_edges; i++) {
                const struct story_edge *e = &v->edges[i];

                if (!v->edge_done[i] && (e->s == node || (e->d == node && edge_reversed(e)))) {
                        v->edge_done[i] = true;
                        next[n++] = (int) i;
                }
        }
        /* the file a process runs and who wrote it first, its connections and reads last: so a
         * download's connection hangs below its writer */
        for (size_t k = 1; k < n; k++)
                for (size_t j = k; j > 0 && edge_rank(&v->edges[next[j]], node) <
                                           edge_rank(&v->edges[next[j - 1]], node); j--) {
                        int tmp = next[j];

                        next[j] = next[j - 1];
                        next[j - 1] = tmp;
                }
        for (size_t k = 0; k < n; k++) {
                const struct story_edge *e = &v->edges[next[k]];
                int other = e->s == node ? e->d : e->s;
                bool last = k + 1 == n, seen = v->printed[other];

                fprintf(f, "%.*s%s", (int) plen, prefix, last ? "└─ " : "├─ ");
                if (e->s == node)
                        fprintf(f, "%s", e->rel);
                else
                        fprintf(f, "%s by", streq(e->rel, "write") ? "written" : streq(e->rel, "create") ?
                                "created" : "chmod");
                if (e->count > 1)
                        fprintf(f, " x%" PRIi64, e->count);
                fputs(": ", f);
                if (seen) {
                        fprintf(f, "%s ", v->nodes[other].kind);
                        put_line(f, v->nodes[other].label);
                        fputs(" (shown above)\n", f);
                        continue;
                }
                print_node(f, &v->nodes[other]);
                if (depth < 32 && plen + 8 < 256) {
                        memcpy(prefix + plen, last ? "   " : "│  ", last ? 3 : 5);
                        print_tree(f, v, other, prefix, plen + (last ? 3 : 5), depth + 1);
                } else
                        v->printed[other] = true;
        }
}

/* The top of the alert's ancestry: follow fork and exec edges up from the alert's process. */
static int find_root(const struct story_view *v)
{
        int node = 0;

        for (size_t i = 0; i < v->n_nodes; i++)
                if (v->nodes[i].alert)
                        node = (int) i;
        for (size_t steps = 0; steps < v->n_nodes; steps++) {
                int up = -1;

                for (size_t i = 0; i < v->n_edges && up < 0; i++)
                        if (v->edges[i].d == node &&
                            (streq(v->edges[i].rel, "fork") || streq(v->edges[i].rel, "exec")))
                                up = v->edges[i].s;
                if (up < 0)
                        break;
                node = up;
        }
        return node;
}

static void print_dot(FILE *f, const struct story_view *v)
{
        fprintf(f, "digraph story {\n  rankdir=LR;\n");
        for (size_t i = 0; i < v->n_nodes; i++) {
                const struct story_node *n = &v->nodes[i];
                const char *shape = streq(n->kind, "process") ? "box" :
                                    streq(n->kind, "file") ? "note" : "ellipse";

                fprintf(f, "  n%zu [shape=%s%s, label=\"", i, shape, n->alert ? ", color=red" : "");
                for (const char *p = n->label; *p; p++)
                        fprintf(f, "%s%c", *p == '"' || *p == '\\' ? "\\" : "", *p);
                if (n->pid > 0)
                        fprintf(f, "\\npid %" PRIi64, n->pid);
                fprintf(f, "\"];\n");
        }
        for (size_t i = 0; i < v->n_edges; i++)
                fprintf(f, "  n%d -> n%d [label=\"%s\"];\n", v->edges[i].s, v->edges[i].d, v->edges[i].rel);
        fprintf(f, "}\n");
}

int ctl_story_print(FILE *f, const char *story, enum story_format format)
{
        json_object *root = json_tokener_parse(story ?: "");
        struct story_view *v = NULL;
        char prefix[256];
        int r = 0;

        if (!root || !json_object_is_type(root, json_type_object)) {
                fprintf(f, "%s\n", story ?: "");
                r = -EINVAL;
                goto out;
        }
        if (format == STORY_JSON) {
                fprintf(f, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                                  JSON_C_TO_STRING_NOSLASHESCAPE));
                goto out;
        }
        v = calloc(1, sizeof(*v));
        if (!v) {
                r = -ENOMEM;
                goto out;
        }
        r = view_load(v, root);
        if (r < 0 || v->n_nodes == 0) {
                fprintf(f, "%s\n", story);
                goto out;
        }
        if (format == STORY_DOT) {
                print_dot(f, v);
                goto out;
        }
        {
                int top = find_root(v);

                print_node(f, &v->nodes[top]);
                print_tree(f, v, top, prefix, 0, 0);
                /* what the tree did not reach from the top (parts joined only by ignored edges) */
                for (size_t i = 0; i < v->n_nodes; i++)
                        if (!v->printed[i]) {
                                print_node(f, &v->nodes[i]);
                                print_tree(f, v, (int) i, prefix, 0, 0);
                        }
        }
        if (v->truncated)
                fprintf(f, "(story truncated at its size bound)\n");
out:
        free(v);
        json_object_put(root);
        return r;
}
