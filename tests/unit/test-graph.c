/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The provenance graph: bounds and evictions under a million synthetic files and processes, pins
 * of open incidents, edge dedup, file provenance (download, build, image), stories (valid JSON,
 * bounded, escaped) and incidents (merging, score, tactics). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "common/rules-test-records.h"
#include "graph/incident.h"
#include "graph/mitre.h"
#include "graph/origin.h"
#include "graph/provenance.h"
#include "graph/story.h"
#include "identity/identity.h"
#include "tracers/tracer-info.h"

#define process_schema (*tracer_info_schema("process"))
#define files_schema (*tracer_info_schema("files"))
#define tcp_schema (*tracer_info_schema("tcp"))
#define syscalls_schema (*tracer_info_schema("syscalls"))

#define SEC UINT64_C(1000000000)

static void exec_rec(struct trec *t, uint32_t pid, uint32_t ppid, uint32_t uid, const char *exe, const char *argv,
                     size_t argv_len, uint64_t time_ns)
{
        trec_init(t, &process_schema, "exec");
        trec_u64(t, "pid", pid);
        trec_u64(t, "ppid", ppid);
        trec_u64(t, "uid", uid);
        trec_str(t, "exe", exe);
        trec_str(t, "comm", "x");
        if (argv)
                trec_strv(t, "args", argv, argv_len);
        t->r.time_ns = time_ns;
}

static void fork_rec(struct trec *t, uint32_t pid, uint32_t ppid, uint64_t time_ns)
{
        trec_init(t, &process_schema, "fork");
        trec_u64(t, "pid", pid);
        trec_u64(t, "ppid", ppid);
        trec_u64(t, "uid", 1000);
        t->r.time_ns = time_ns;
}

static void open_rec(struct trec *t, uint32_t pid, const char *path, bool write, uint64_t time_ns)
{
        trec_init(t, &files_schema, "open");
        trec_u64(t, "pid", pid);
        trec_u64(t, "uid", 1000);
        trec_str(t, "path", path);
        trec_bool(t, "write", write);
        trec_bool(t, "created", write);
        trec_s64(t, "result", 3);
        t->r.time_ns = time_ns;
}

static void io_rec(struct trec *t, uint32_t pid, const char *path, uint64_t reads, uint64_t writes, uint64_t time_ns)
{
        trec_init(t, &files_schema, "file_io");
        trec_u64(t, "pid", pid);
        trec_str(t, "path", path);
        trec_str(t, "comm", "gen");
        trec_u64(t, "reads", reads);
        trec_u64(t, "writes", writes);
        trec_u64(t, "dev", 8);
        trec_u64(t, "ino", pid);
        t->r.time_ns = time_ns;
}

static void connect_rec(struct trec *t, uint32_t pid, const char *daddr, uint64_t dport, uint64_t time_ns)
{
        trec_init(t, &tcp_schema, "connect");
        trec_u64(t, "pid", pid);
        trec_str(t, "daddr", daddr);
        trec_u64(t, "dport", dport);
        trec_u64(t, "sport", 40000);
        t->r.time_ns = time_ns;
}

static struct provenance *new_provenance(size_t nodes, size_t edges, uint64_t window_ns)
{
        struct provenance_config c = PROVENANCE_DEFAULT_CONFIG;
        struct provenance *p = NULL;

        c.graph = (struct graph_config) { nodes, edges, window_ns };
        assert_int_equal(provenance_new(&p, &c), 0);
        return p;
}

static void feed(struct provenance *p, struct trec *t)
{
        assert_true(provenance_on_record(p, &t->r) >= 0);
}

static void test_config_bounds(void **state)
{
        struct provenance_config c = PROVENANCE_DEFAULT_CONFIG;
        struct provenance *p = NULL;

        c.graph.max_nodes = 1;
        assert_int_equal(provenance_new(&p, &c), -ERANGE);
        c = PROVENANCE_DEFAULT_CONFIG;
        c.story_hops = 0;
        assert_int_equal(provenance_new(&p, &c), -ERANGE);
        assert_null(p);
}

static void test_edge_dedup(void **state)
{
        struct graph *g = NULL;
        struct graph_stats st;
        uint32_t a, b, e1, e2;

        assert_int_equal(graph_new(&g, &(struct graph_config) { 64, 64, 0 }), 0);
        a = graph_add_node(g, GRAPH_PROCESS, graph_key_process(1, 1), "/bin/a", 6, 10);
        b = graph_add_node(g, GRAPH_FILE, graph_key_file(NULL, "/x", 2), "/x", 2, 10);
        e1 = graph_add_edge(g, a, b, REL_WRITE, 11, 2);
        e2 = graph_add_edge(g, a, b, REL_WRITE, 15, 3);
        assert_int_equal(e1, e2);
        assert_int_equal(graph_edge(g, e1)->count, 5);
        assert_int_equal(graph_edge(g, e1)->first_ns, 11);
        assert_int_equal(graph_edge(g, e1)->last_ns, 15);
        assert_int_not_equal(graph_add_edge(g, a, b, REL_READ, 16, 1), e1);
        assert_int_equal(graph_add_node(g, GRAPH_PROCESS, graph_key_process(1, 1), "/bin/a", 6, 20), a);
        graph_get_stats(g, &st);
        assert_int_equal(st.nodes, 2);
        assert_int_equal(st.edges, 2);
        assert_int_equal(graph_add_edge(g, a, GRAPH_NONE, REL_READ, 1, 1), GRAPH_NONE);
        graph_free(g);
}

/* A million distinct processes and a million distinct files through the sink: the graph stays within its bounds and
 * counts what it evicted; the nodes of an open incident survive. */
static void test_million(void **state)
{
        struct provenance *p = new_provenance(4096, 8192, 0);
        const struct incident *in = NULL;
        struct provenance_stats st;
        struct strbuf story = {};
        uint32_t pinned[INCIDENT_MAX_NODES];
        uint64_t keys[INCIDENT_MAX_NODES];
        size_t n_pinned;
        struct trec t;
        bool report;
        char path[64];
        struct alert a = { .rule = "r", .severity = SEVERITY_ERROR, .mitre = "T1105", .process = { .pid = 7 } };

        /* the incident: a download run from /tmp */
        exec_rec(&t, 6, 1, 1000, "/usr/bin/wget", NULL, 0, 1 * SEC);
        feed(p, &t);
        connect_rec(&t, 6, "10.0.0.1", 80, 2 * SEC);
        feed(p, &t);
        open_rec(&t, 6, "/tmp/evil", true, 3 * SEC);
        feed(p, &t);
        exec_rec(&t, 7, 1, 1000, "/tmp/evil", NULL, 0, 4 * SEC);
        feed(p, &t);
        a.time_ns = 4 * SEC;
        assert_int_equal(provenance_on_alert(p, &a, &story, &in, &report), 0);
        assert_true(report);
        assert_true(in->open);
        assert_true(in->n_nodes >= 4);
        n_pinned = in->n_nodes;
        memcpy(pinned, in->nodes, sizeof(pinned));
        memcpy(keys, in->node_keys, sizeof(keys));

        for (uint32_t i = 0; i < 2000000; i++) {
                uint32_t pid = 1000 + i;

                if (i % 2 == 0) {
                        fork_rec(&t, pid, 1, 5 * SEC + i);
                        feed(p, &t);
                } else {
                        snprintf(path, sizeof(path), "/var/data/f%u", i);
                        io_rec(&t, pid, path, 1, 1, 5 * SEC + i);
                        feed(p, &t);
                }
        }
        provenance_get_stats(p, &st);
        assert_true(st.graph.nodes <= 4096);
        assert_true(st.graph.edges <= 8192);
        assert_true(st.graph.node_evictions > 1900000);
        assert_true(st.graph.edge_evictions > 0);
        assert_true(st.graph.bytes < 4096 * 200 + 8192 * 100);
        for (size_t i = 0; i < n_pinned; i++) {
                const struct graph_node *n = graph_node(provenance_graph(p), pinned[i]);

                assert_non_null(n);
                assert_true(n->key == keys[i]);
                assert_true(n->pins > 0);
        }
        /* the file still knows its writer: the story's edges between pinned nodes were kept */
        exec_rec(&t, 8, 1, 1000, "/tmp/evil", NULL, 0, 10 * SEC);
        {
                struct file_provenance fp;

                assert_true(provenance_exec_origin(p, &t.r, &fp));
                assert_int_equal(fp.origin, ORIGIN_DOWNLOAD);
        }
        /* closing the incident unpins */
        provenance_expire(p, 10 * SEC + PROVENANCE_DEFAULT_CONFIG.incident_window_ns);
        for (size_t i = 0; i < n_pinned; i++) {
                const struct graph_node *n = graph_node(provenance_graph(p), pinned[i]);

                assert_true(!n || n->pins == 0);
        }
        strbuf_free(&story);
        provenance_free(p);
}

static void test_window_expiry(void **state)
{
        struct provenance *p = new_provenance(1024, 1024, 10 * SEC);
        struct provenance_stats st;
        char path[32];
        struct trec t;

        for (uint32_t i = 0; i < 200; i++) {
                snprintf(path, sizeof(path), "/data/%u", i);
                io_rec(&t, 100 + i, path, 1, 0, 1 * SEC);
                feed(p, &t);
        }
        for (uint32_t i = 0; i < 400; i++) {
                snprintf(path, sizeof(path), "/late/%u", i);
                io_rec(&t, 5000 + i, path, 1, 0, 100 * SEC);
                feed(p, &t);
        }
        provenance_get_stats(p, &st);
        assert_true(st.graph.expired >= 300);
        assert_int_equal(st.graph.node_evictions, 0);
        provenance_free(p);
}

static void test_origin(void **state)
{
        struct provenance *p = new_provenance(1024, 1024, 0);
        static const char ld_argv[] = "/usr/bin/ld\0-o\0/tmp/hello";
        struct identity container = { .runtime = "nspawn", .container_id = "web1", .container_name = "web1" };
        struct file_provenance fp;
        struct trec t;

        /* a build: ld of uid 1000 writes /tmp/hello (the watched open), uid 1000 runs it */
        exec_rec(&t, 20, 1, 1000, "/usr/bin/x86_64-linux-gnu-ld.bfd", ld_argv, sizeof(ld_argv), 1 * SEC);
        feed(p, &t);
        open_rec(&t, 20, "/tmp/hello", true, 2 * SEC);
        feed(p, &t);
        exec_rec(&t, 21, 1, 1000, "/tmp/hello", NULL, 0, 3 * SEC);
        feed(p, &t);
        assert_true(provenance_exec_origin(p, &t.r, &fp));
        assert_int_equal(fp.origin, ORIGIN_BUILD);
        assert_true(fp.same_user);
        assert_string_equal(fp.writer_exe, "/usr/bin/x86_64-linux-gnu-ld.bfd");
        exec_rec(&t, 22, 1, 0, "/tmp/hello", NULL, 0, 4 * SEC);
        assert_true(provenance_exec_origin(p, &t.r, &fp));
        assert_false(fp.same_user);

        /* "sh -c 'wget ... > /tmp/dl'": the shell's child opens the file, then execs wget, which
         * connects: the file's writer counts as a download through the exec */
        fork_rec(&t, 30, 1, 5 * SEC);
        feed(p, &t);
        open_rec(&t, 30, "/tmp/dl", true, 6 * SEC);
        feed(p, &t);
        exec_rec(&t, 30, 1, 1000, "/usr/bin/wget", NULL, 0, 7 * SEC);
        feed(p, &t);
        connect_rec(&t, 30, "192.0.2.1", 443, 8 * SEC);
        feed(p, &t);
        exec_rec(&t, 31, 1, 1000, "/tmp/dl", NULL, 0, 9 * SEC);
        assert_true(provenance_exec_origin(p, &t.r, &fp));
        assert_int_equal(fp.origin, ORIGIN_DOWNLOAD);
        assert_true(fp.network);
        assert_string_equal(fp.writer_exe, "/usr/bin/wget");

        /* in a container, a file nobody wrote: the image's */
        exec_rec(&t, 40, 1, 0, "/usr/sbin/nginx", NULL, 0, 10 * SEC);
        t.r.identity = &container;
        assert_true(provenance_exec_origin(p, &t.r, &fp));
        assert_int_equal(fp.origin, ORIGIN_IMAGE);
        assert_false(fp.writer_known);
        /* the same path on the host is another file */
        t.r.identity = NULL;
        assert_true(provenance_exec_origin(p, &t.r, &fp));
        assert_int_equal(fp.origin, ORIGIN_UNKNOWN);

        /* no exec, no answer */
        open_rec(&t, 40, "/tmp/x", true, 11 * SEC);
        assert_false(provenance_exec_origin(p, &t.r, &fp));

        assert_true(origin_is_compiler("gcc-12", 6));
        assert_true(origin_is_compiler("cc1", 3));
        assert_true(origin_is_compiler("x86_64-linux-gnu-gcc-12", 23));
        assert_false(origin_is_compiler("bash", 4));
        assert_true(origin_is_package_manager("dpkg", 4));
        provenance_free(p);
}

static json_object *parse_story(const struct strbuf *b)
{
        json_object *o;

        assert_non_null(b->data);
        o = json_tokener_parse(b->data);
        assert_non_null(o);
        assert_true(json_object_is_type(o, json_type_object));
        return o;
}

static bool story_has_label(json_object *o, const char *label)
{
        json_object *nodes, *l;

        assert_true(json_object_object_get_ex(o, "nodes", &nodes));
        for (size_t i = 0; i < json_object_array_length(nodes); i++)
                if (json_object_object_get_ex(json_object_array_get_idx(nodes, i), "l", &l) &&
                    streq(json_object_get_string(l), label))
                        return true;
        return false;
}

static void test_story(void **state)
{
        struct provenance *p = new_provenance(1024, 1024, 0);
        static const char sh_argv[] = "sh\0-c\0run";
        const struct incident *in;
        struct strbuf b = {};
        struct trec t;
        json_object *o;
        bool report;
        char bad[] = "/tmp/\xff\xfe\x01\"x";
        struct alert a = { .id = "0123456789abcdef0123456789abcdef", .rule = "exec-downloaded-from-tmp",
                           .severity = SEVERITY_ERROR, .mitre = "T1105", .process = { .pid = 52 },
                           .time_ns = 20 * SEC };

        exec_rec(&t, 50, 1, 0, "/bin/sh", sh_argv, sizeof(sh_argv), 1 * SEC);
        feed(p, &t);
        fork_rec(&t, 51, 50, 2 * SEC);
        feed(p, &t);
        exec_rec(&t, 51, 50, 0, "/usr/bin/wget", NULL, 0, 3 * SEC);
        feed(p, &t);
        connect_rec(&t, 51, "127.0.0.1", 8080, 4 * SEC);
        feed(p, &t);
        open_rec(&t, 51, bad, true, 5 * SEC);
        feed(p, &t);
        fork_rec(&t, 52, 50, 6 * SEC);
        feed(p, &t);
        exec_rec(&t, 52, 50, 0, bad, NULL, 0, 7 * SEC);
        feed(p, &t);
        connect_rec(&t, 52, "127.0.0.1", 4444, 8 * SEC);
        feed(p, &t);

        assert_int_equal(provenance_on_alert(p, &a, &b, &in, &report), 0);
        o = parse_story(&b);
        assert_true(story_has_label(o, "/bin/sh"));
        assert_true(story_has_label(o, "/usr/bin/wget"));
        assert_true(story_has_label(o, "127.0.0.1:8080"));
        assert_true(story_has_label(o, "127.0.0.1:4444"));
        /* invalid UTF-8 and control characters are escaped: the JSON parsed */
        assert_non_null(strstr(b.data, "\\ufffd\\ufffd\\u0001\\\"x"));
        json_object_put(o);

        /* told again later, the story has what the process did after the alert */
        connect_rec(&t, 52, "198.51.100.7", 443, 21 * SEC);
        feed(p, &t);
        strbuf_reset(&b);
        assert_int_equal(provenance_story_of(p, a.id, &b), 0);
        o = parse_story(&b);
        assert_true(story_has_label(o, "198.51.100.7:443"));
        json_object_put(o);
        assert_int_equal(provenance_story_of(p, "ffffffffffffffffffffffffffffffff", &b), -ENOENT);

        /* bounded: a small maximum still gives valid JSON */
        strbuf_reset(&b);
        {
                struct story s;

                story_build(provenance_graph(p), graph_process(provenance_graph(p), 52), 3, &s);
                assert_true(s.n >= 5);
                story_to_json(provenance_graph(p), &s, &a, 300, &b);
                assert_true(b.len <= 300);
                o = parse_story(&b);
                json_object_put(o);
        }
        /* without a graph node: the alert's own process and ancestors */
        strbuf_reset(&b);
        {
                struct alert lone = { .process = { .pid = 99, .exe = "/bin/x\xc3" }, .n_ancestors = 1,
                                      .ancestors = { { .pid = 1, .exe = "/sbin/init" } } };
                struct story s = {};

                story_to_json(provenance_graph(p), &s, &lone, 4096, &b);
                o = parse_story(&b);
                assert_true(story_has_label(o, "/sbin/init"));
                json_object_put(o);
        }
        strbuf_free(&b);
        provenance_free(p);
}

static void test_incidents(void **state)
{
        struct provenance *p = new_provenance(1024, 1024, 0);
        struct identity c1 = { .runtime = "docker", .container_id = "aaaa", .container_name = "one" };
        struct identity c2 = { .runtime = "docker", .container_id = "bbbb", .container_name = "two" };
        const struct incident *in1, *in2, *in3;
        struct strbuf b = {};
        struct trec t;
        bool report;
        double s1;
        struct alert a = { .rule = "exec-from-tmp", .severity = SEVERITY_WARNING, .mitre = "T1204.002",
                           .process = { .pid = 60 }, .identity = &c1, .time_ns = 10 * SEC };

        exec_rec(&t, 60, 1, 0, "/tmp/a", NULL, 0, 1 * SEC);
        feed(p, &t);
        a.event = &t.r;
        assert_int_equal(provenance_on_alert(p, &a, &b, &in1, &report), 0);
        assert_true(report);
        s1 = in1->score;
        /* same container, another process, another tactic: the same incident, a higher score */
        a.rule = "reverse-shell";
        a.mitre = "T1059.004";
        a.severity = SEVERITY_CRITICAL;
        a.process.pid = 61;
        a.time_ns = 20 * SEC;
        strbuf_reset(&b);
        assert_int_equal(provenance_on_alert(p, &a, &b, &in2, &report), 0);
        assert_ptr_equal(in1, in2);
        assert_int_equal(in2->alerts, 2);
        assert_true(in2->score > s1 * INCIDENT_REPORT_GROWTH);
        assert_true(report);
        assert_int_equal(mitre_tactic_count(in2->tactics), 1);
        assert_int_equal(in2->severity, SEVERITY_CRITICAL);
        assert_int_equal(in2->n_rules, 2);
        /* another container: another incident */
        a.identity = &c2;
        a.mitre = "T1611";
        strbuf_reset(&b);
        assert_int_equal(provenance_on_alert(p, &a, &b, &in3, &report), 0);
        assert_ptr_not_equal(in1, in3);
        assert_string_equal(in3->container, "bbbb");
        /* the rarity of a profile's anomaly score raises the weight */
        assert_true(incident_alert_weight(SEVERITY_WARNING, 5) > incident_alert_weight(SEVERITY_WARNING, 0));
        /* a summary of repeats counts as an alert but weighs nothing more */
        {
                double before = in3->score;

                a.event = NULL;
                strbuf_reset(&b);
                assert_int_equal(provenance_on_alert(p, &a, &b, &in3, &report), 0);
                assert_true(in3->score == before);
                assert_int_equal(in3->alerts, 2);
        }
        /* trust (the whitelist): the same alert of a fully trusted program weighs a quarter */
        {
                struct identity c3 = { .runtime = "docker", .container_id = "cccc", .container_name = "three" };
                struct identity c4 = { .runtime = "docker", .container_id = "dddd", .container_name = "four" };
                const struct incident *untrusted, *trusted;

                a.event = &t.r;
                a.identity = &c3;
                a.trust = 0;
                strbuf_reset(&b);
                assert_int_equal(provenance_on_alert(p, &a, &b, &untrusted, &report), 0);
                a.identity = &c4;
                a.trust = 1;
                strbuf_reset(&b);
                assert_int_equal(provenance_on_alert(p, &a, &b, &trusted, &report), 0);
                assert_ptr_not_equal(untrusted, trusted);
                assert_float_equal(trusted->score, untrusted->score * (1 - ALERT_TRUST_SCALE), 1e-9);
                assert_true(report);    /* still reported: trust lowers scores, it silences nothing */
        }
        assert_int_equal(mitre_tactics("T9999"), 0);
        assert_int_equal(mitre_tactics(NULL), 0);
        strbuf_free(&b);
        provenance_free(p);
}

/* Records with missing or odd columns never crash and add nothing bad. */
static void test_bad_input(void **state)
{
        struct provenance *p = new_provenance(64, 64, 0);
        struct trec t;

        trec_init(&t, &process_schema, "exec");
        feed(p, &t);
        trec_init(&t, &process_schema, "fork");
        trec_u64(&t, "pid", UINT64_MAX);
        trec_u64(&t, "ppid", 1);
        feed(p, &t);
        trec_init(&t, &files_schema, "open");
        trec_u64(&t, "pid", 3);
        trec_str(&t, "path", "relative");
        feed(p, &t);
        trec_init(&t, &tcp_schema, "connect");
        trec_u64(&t, "pid", 3);
        feed(p, &t);
        trec_init(&t, &syscalls_schema, "syscall");
        trec_u64(&t, "pid", 3);
        trec_str(&t, "syscall", "chmod");
        trec_str(&t, "path", "/tmp/s");
        feed(p, &t);
        trec_init(&t, &process_schema, NULL);
        t.r.event = "exit";
        feed(p, &t);
        provenance_free(p);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_config_bounds),
                cmocka_unit_test(test_edge_dedup),
                cmocka_unit_test(test_million),
                cmocka_unit_test(test_window_expiry),
                cmocka_unit_test(test_origin),
                cmocka_unit_test(test_story),
                cmocka_unit_test(test_incidents),
                cmocka_unit_test(test_bad_input),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
