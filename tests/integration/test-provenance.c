/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The provenance graph on the live kernel, with the default rules: a program built by the real cc
 * and run from /tmp by the same user raises no alert; the same binary downloaded over loopback TCP
 * (a real HTTP server, a real client that writes the file) and run from /tmp raises
 * exec-downloaded-from-tmp, whose story names the writer and its connection; both alerts of a
 * download that then connects out are one incident.
 *
 * Everything happens as the user nobody in a directory of this test under /tmp (removed after);
 * the HTTP server (python3 -m http.server) listens on 127.0.0.1 only and is killed at the end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "rules-test.h"
#include "daemon/manager.h"
#include "graph/provenance.h"

#define NOBODY "65534"

static char dir[64], src[128], built[128], downloaded[128], served[128], url[128];
static pid_t server = -1;
static int port;

static int free_port(void)
{
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(a);
        int fd = socket(AF_INET, SOCK_STREAM, 0), p;

        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *) &a, sizeof(a)), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *) &a, &len), 0);
        p = ntohs(a.sin_port);
        close(fd);
        return p;
}

static bool server_up(void)
{
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        bool up = fd >= 0 && connect(fd, (struct sockaddr *) &a, sizeof(a)) == 0;

        if (fd >= 0)
                close(fd);
        return up;
}

static int setup(void **state)
{
        static const char *const tracers[] = { "process", "files", "tcp", NULL };
        char portstr[16], servedir[96];
        FILE *f;

        tt_require_privileges();
        if (access("/usr/bin/cc", X_OK) < 0 || access("/usr/bin/python3", X_OK) < 0 ||
            access("/usr/bin/setpriv", X_OK) < 0) {
                fprintf(stderr, "SKIP: needs cc, python3 and setpriv\n");
                exit(77);
        }
        snprintf(dir, sizeof(dir), "/tmp/cwatch-prov-XXXXXX");
        assert_non_null(mkdtemp(dir));
        assert_int_equal(chmod(dir, 0777), 0);
        snprintf(src, sizeof(src), "%s/hello.c", dir);
        snprintf(built, sizeof(built), "%s/hello", dir);
        snprintf(downloaded, sizeof(downloaded), "%s/fetched", dir);
        /* what the server serves lives outside /tmp: the download is the only write under /tmp */
        snprintf(servedir, sizeof(servedir), "/run/cwatch-prov-%d", getpid());
        assert_int_equal(mkdir(servedir, 0755), 0);
        snprintf(served, sizeof(served), "%s/tool", servedir);
        f = fopen(src, "we");
        assert_non_null(f);
        /* connects to the server's port, so a download that runs connects out */
        fprintf(f, "#include <arpa/inet.h>\n#include <stdlib.h>\n#include <sys/socket.h>\n#include <unistd.h>\n"
                   "int main(int argc, char **argv) {\n"
                   "  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(argc > 1 ? atoi(argv[1]) : 9),\n"
                   "                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };\n"
                   "  int fd = socket(AF_INET, SOCK_STREAM, 0);\n"
                   "  if (argc > 1) connect(fd, (struct sockaddr *) &a, sizeof(a));\n"
                   "  close(fd);\n  return 0;\n}\n");
        fclose(f);
        assert_int_equal(chmod(src, 0644), 0);

        rt.provenance = true;
        if (rt_setup(tracers) < 0)
                return -1;

        port = free_port();
        snprintf(portstr, sizeof(portstr), "%d", port);
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/tool", port);
        server = fork();
        assert_true(server >= 0);
        if (server == 0) {
                int null = open("/dev/null", O_RDWR);

                dup2(null, 1);
                dup2(null, 2);
                execl("/usr/bin/python3", "python3", "-m", "http.server", "--bind", "127.0.0.1", "--directory",
                      servedir, portstr, (char *) NULL);
                _exit(127);
        }
        for (int i = 0; i < 100 && !server_up(); i++)
                tt_run_for(&rt.tt, 50);
        assert_true(server_up());
        return 0;
}

static int teardown(void **state)
{
        char cmd[256];

        if (server > 0) {
                kill(server, SIGTERM);
                waitpid(server, NULL, 0);
        }
        snprintf(cmd, sizeof(cmd), "rm -rf %s /run/cwatch-prov-%d", dir, getpid());
        (void) system(cmd);
        return rt_teardown();
}

/* Runs argv as nobody (setpriv execs it: the program's own process is the one that runs). */
static pid_t run_as_nobody(const char *const *argv)
{
        char *full[16] = { "/usr/bin/setpriv", "--reuid=" NOBODY, "--regid=" NOBODY, "--clear-groups", "--" };
        size_t n = 5;

        for (size_t i = 0; argv[i] && n < ELEMENTSOF(full) - 1; i++)
                full[n++] = (char *) argv[i];
        full[n] = NULL;
        return rt_run(full, false, -1, -1);
}

static const struct seen *find_rule(const char *rule, const char *exe)
{
        for (size_t i = 0; i < rt.n_alerts; i++)
                if (streq(rt.alerts[i].rule, rule) && streq(rt.alerts[i].exe, exe))
                        return &rt.alerts[i];
        return NULL;
}

static size_t count_exe(const char *exe)
{
        size_t n = 0;

        for (size_t i = 0; i < rt.n_alerts; i++)
                n += streq(rt.alerts[i].exe, exe);
        return n;
}

static bool story_has(const char *story, const char *kind, const char *label)
{
        json_object *o = json_tokener_parse(story), *nodes, *k, *l;
        bool found = false;

        assert_non_null(o);
        assert_true(json_object_object_get_ex(o, "nodes", &nodes));
        for (size_t i = 0; i < json_object_array_length(nodes) && !found; i++) {
                json_object *n = json_object_array_get_idx(nodes, i);

                found = json_object_object_get_ex(n, "k", &k) && streq(json_object_get_string(k), kind) &&
                        json_object_object_get_ex(n, "l", &l) && strstr(json_object_get_string(l), label);
        }
        json_object_put(o);
        return found;
}

/* cc builds into /tmp, the same user runs it: no alert (exec-from-tmp knows it is a build) */
static void test_build_then_run(void **state)
{
        const char *cc[] = { "/usr/bin/cc", "-o", built, src, NULL }, *run[] = { built, NULL };
        struct provenance_stats before, after;
        struct stat st;

        run_as_nobody(cc);
        assert_int_equal(stat(built, &st), 0);
        assert_int_equal(st.st_uid, 65534);
        provenance_get_stats(manager_provenance(rt.tt.m), &before);
        run_as_nobody(run);
        tt_run_for(&rt.tt, 200);
        assert_int_equal(count_exe(built), 0);
        /* because the graph said "build", not by chance */
        provenance_get_stats(manager_provenance(rt.tt.m), &after);
        assert_true(after.origins[ORIGIN_BUILD] > before.origins[ORIGIN_BUILD]);
}

/* the same binary, downloaded into /tmp by a process that connected to get it, then run: one
 * exec-downloaded-from-tmp (error) whose story has the writer and its connection; the program
 * connects out: the story of a later alert on it joins the same incident */
static void test_download_then_run(void **state)
{
        char portarg[16], code[512];
        const char *fetch[] = { "/usr/bin/python3", "-c", code, NULL };
        const char *run[] = { downloaded, portarg, NULL };
        const struct seen *s;
        char cmd[512];

        snprintf(cmd, sizeof(cmd), "cp %s %s && chmod 755 %s", built, served, served);
        assert_int_equal(system(cmd), 0);
        snprintf(portarg, sizeof(portarg), "%d", port);
        snprintf(code, sizeof(code), "import os, urllib.request\n"
                                     "data = urllib.request.urlopen('%s').read()\n"
                                     "with open('%s', 'wb') as f: f.write(data)\n"
                                     "os.chmod('%s', 0o755)\n", url, downloaded, downloaded);
        run_as_nobody(fetch);
        run_as_nobody(run);
        tt_run_for(&rt.tt, 300);

        s = find_rule("exec-downloaded-from-tmp", downloaded);
        assert_non_null(s);
        assert_int_equal(s->severity, SEVERITY_ERROR);
        assert_int_equal(s->uid, 65534);
        assert_non_null(strstr(s->message, "python3"));
        /* exec-from-tmp leaves downloads to it */
        assert_null(find_rule("exec-from-tmp", downloaded));
        assert_int_equal(strlen(s->incident_id), 32);
        assert_true(s->story[0] == '{');
        /* the story: the program, the file it runs, its writer and the writer's connection, the
         * program's own connection */
        assert_true(story_has(s->story, "process", downloaded));
        assert_true(story_has(s->story, "file", downloaded));
        assert_true(story_has(s->story, "process", "/usr/bin/python3"));
        snprintf(cmd, sizeof(cmd), "127.0.0.1:%d", port);
        assert_true(story_has(s->story, "peer", cmd));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_build_then_run),
                cmocka_unit_test(test_download_then_run),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
