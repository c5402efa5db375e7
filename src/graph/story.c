/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <string.h>
#include "story.h"
#include "shared/escape.h"

static bool story_has(const struct story *s, uint32_t node)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->nodes[i] == node)
                        return true;
        return false;
}

static bool story_add(struct story *s, uint32_t node, unsigned depth)
{
        if (node == GRAPH_NONE || s->n >= STORY_MAX_NODES || story_has(s, node))
                return false;
        s->nodes[s->n] = node;
        s->depth[s->n++] = (uint8_t) MIN(depth, 255u);
        return true;
}

/* The process node that forked or exec'd into node, or GRAPH_NONE. */
static uint32_t parent_of(const struct graph *g, uint32_t node)
{
        const struct graph_node *n = graph_node(g, node);

        for (uint32_t e = n ? n->in : GRAPH_NONE; e != GRAPH_NONE; e = graph_edge(g, e)->next_in) {
                const struct graph_edge *ed = graph_edge(g, e);

                if (ed->rel == REL_FORK || ed->rel == REL_EXEC)
                        return ed->src;
        }
        return GRAPH_NONE;
}

/* Which edges a story follows out of a node of this kind: outgoing, then incoming. The reads of a
 * process are followed only from the alert's own process (every program reads libraries). */
static bool follow_out(enum graph_kind k, enum graph_relation r, unsigned depth)
{
        if (k != GRAPH_PROCESS)
                return false;
        return r != REL_READ || depth == 0;
}

static bool follow_in(enum graph_kind k, enum graph_relation r)
{
        /* a file's writers: how it arrived */
        return k == GRAPH_FILE && (r == REL_WRITE || r == REL_CREATE || r == REL_CHMOD);
}

void story_build(const struct graph *g, uint32_t root, unsigned hops, struct story *ret)
{
        size_t n_ancestors;
        uint32_t a;

        ret->n = 0;
        if (!graph_node(g, root))
                return;
        story_add(ret, root, 0);
        /* the chain of ancestors first: it is what a reader looks for first */
        a = parent_of(g, root);
        for (int i = 0; i < STORY_MAX_ANCESTORS && a != GRAPH_NONE && story_add(ret, a, 1); i++)
                a = parent_of(g, a);
        n_ancestors = ret->n - 1;
        /* then breadth first from the process, hop by hop; of the ancestors only the parent, and
         * only its other children (what ran beside the process: the download, the chmod) */
        for (size_t i = 0; i < ret->n; i++) {
                uint32_t node = ret->nodes[i];
                const struct graph_node *n = graph_node(g, node);
                bool parent = i == 1 && n_ancestors > 0;
                unsigned depth = ret->depth[i], per_rel[_REL_MAX] = {};

                if ((i >= 1 && i <= n_ancestors && !parent) || depth >= hops)
                        continue;
                for (uint32_t e = n->out; e != GRAPH_NONE; e = graph_edge(g, e)->next_out) {
                        const struct graph_edge *ed = graph_edge(g, e);

                        if (parent && ed->rel != REL_FORK && ed->rel != REL_EXEC)
                                continue;
                        if (follow_out(n->kind, ed->rel, depth) && per_rel[ed->rel]++ < STORY_EDGES_PER_NODE)
                                story_add(ret, ed->dst, depth + 1);
                }
                for (uint32_t e = n->in; e != GRAPH_NONE && !parent; e = graph_edge(g, e)->next_in) {
                        const struct graph_edge *ed = graph_edge(g, e);

                        if (follow_in(n->kind, ed->rel) && per_rel[ed->rel]++ < STORY_EDGES_PER_NODE)
                                story_add(ret, ed->src, depth + 1);
                }
        }
}

void json_put_string(struct strbuf *b, const char *s, size_t len, size_t max)
{
        strbuf_putc(b, '"');
        escape_append(b, s, MIN(len, max), ESCAPE_JSON);
        if (len > max)
                strbuf_puts(b, ESCAPE_CUT_MARKER);
        strbuf_putc(b, '"');
}

static void put_node(struct strbuf *b, size_t id, const char *kind, const char *label, const char *cmdline,
                     uint32_t pid, uint32_t uid, uint64_t time_ns, bool alert)
{
        strbuf_printf(b, "{\"i\":%zu,\"k\":\"%s\",\"l\":", id, kind);
        json_put_string(b, label ?: "", label ? strlen(label) : 0, STORY_LABEL_MAX);
        if (cmdline) {
                strbuf_puts(b, ",\"c\":");
                json_put_string(b, cmdline, strlen(cmdline), STORY_LABEL_MAX);
        }
        if (pid > 0)
                strbuf_printf(b, ",\"pid\":%" PRIu32 ",\"uid\":%" PRIu32, pid, uid);
        if (time_ns > 0)
                strbuf_printf(b, ",\"t\":%" PRIu64, time_ns / 1000);
        if (alert)
                strbuf_puts(b, ",\"alert\":true");
        strbuf_putc(b, '}');
}

/* Appends item (a rendered JSON value) after a comma when there is room for it and the closing
 * reserve; false when there is not. */
static bool append_item(struct strbuf *b, const struct strbuf *item, bool first, size_t max, size_t reserve)
{
        if (item->oom || b->len + item->len + 1 + reserve > max)
                return false;
        if (!first)
                strbuf_putc(b, ',');
        strbuf_put(b, item->data, item->len);
        return true;
}

/* Without graph nodes: the alert's process and its ancestors, joined by forks. */
static void story_from_alert(const struct alert *a, size_t max, struct strbuf *b)
{
        struct strbuf item = {};
        size_t n = 0;
        bool truncated = false;

        strbuf_printf(b, "{\"v\":%d,\"nodes\":[", STORY_VERSION);
        for (size_t i = 0; i <= a->n_ancestors; i++) {
                const struct alert_process *p = i == 0 ? &a->process : &a->ancestors[i - 1];

                strbuf_reset(&item);
                put_node(&item, i, "process", p->exe ?: p->comm, p->cmdline, p->pid, p->uid, 0, i == 0);
                if (!append_item(b, &item, i == 0, max, 64 + 48 * n)) {
                        truncated = true;
                        break;
                }
                n++;
        }
        strbuf_puts(b, "],\"edges\":[");
        for (size_t i = 1; i < n; i++)
                strbuf_printf(b, "%s{\"s\":%zu,\"d\":%zu,\"r\":\"fork\",\"n\":1}", i > 1 ? "," : "", i, i - 1);
        strbuf_printf(b, "]%s}", truncated ? ",\"truncated\":true" : "");
        strbuf_free(&item);
}

void story_to_json(const struct graph *g, const struct story *s, const struct alert *a, size_t max,
                   struct strbuf *b)
{
        struct strbuf item = {};
        size_t shown = 0, reserve = 40;
        bool truncated = false, first = true;

        if (s->n == 0) {
                story_from_alert(a, max, b);
                return;
        }
        strbuf_printf(b, "{\"v\":%d,\"nodes\":[", STORY_VERSION);
        for (size_t i = 0; i < s->n; i++) {
                const struct graph_node *n = graph_node(g, s->nodes[i]);

                strbuf_reset(&item);
                put_node(&item, i, graph_kind_to_string(n->kind), n->label, n->detail,
                         n->kind == GRAPH_PROCESS ? n->pid : 0, n->uid, n->first_ns, i == 0);
                if (!append_item(b, &item, i == 0, max, reserve)) {
                        truncated = true;
                        break;
                }
                shown++;
        }
        strbuf_puts(b, "],\"edges\":[");
        for (size_t i = 0; i < shown && !truncated; i++) {
                const struct graph_node *n = graph_node(g, s->nodes[i]);

                for (uint32_t e = n->out; e != GRAPH_NONE; e = graph_edge(g, e)->next_out) {
                        const struct graph_edge *ed = graph_edge(g, e);
                        size_t d;

                        for (d = 0; d < shown && s->nodes[d] != ed->dst; d++)
                                ;
                        if (d == shown)
                                continue;
                        strbuf_reset(&item);
                        strbuf_printf(&item,
                                      "{\"s\":%zu,\"d\":%zu,\"r\":\"%s\",\"n\":%" PRIu32 ",\"t\":%" PRIu64 "}",
                                      i, d, graph_relation_to_string(ed->rel), ed->count, ed->first_ns / 1000);
                        if (!append_item(b, &item, first, max, 24)) {
                                truncated = true;
                                break;
                        }
                        first = false;
                }
        }
        strbuf_printf(b, "]%s}", truncated ? ",\"truncated\":true" : "");
        strbuf_free(&item);
}
