/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The evaluator and the default rules on synthetic records: operators, absent values, the
 * process table (parents, ancestors, exit grace), drop-in directories, watched paths, and each
 * default rule on files/net/syscall events (whose tracers are tested on the live kernel
 * elsewhere) with a positive and a near miss. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "../common/rules-test-schemas.h"
#include "../common/rules-test-records.h"
#include "detect/engine.h"
#include "detect/proctable.h"
#include "detect/rules.h"
#include "tracers/tracer.h"

static const struct schema *process_schema(void)
{
        return test_catalog()->events[0].schema;
}

static struct strbuf hits;

static int collect(const struct detect_match *m, const struct record *r, void *userdata)
{
        strbuf_printf(&hits, "%s%s", hits.len ? "," : "", m->rule);
        if (userdata)
                snprintf(userdata, 256, "%s", m->message);
        return 0;
}

/* Names of the rules that match, comma-separated ("" for none). */
static const char *eval(const struct detect_engine *e, const struct record *r, const struct proctable *pt)
{
        strbuf_reset(&hits);
        assert_true(detect_engine_eval(e, r, pt, collect, NULL) >= 0);
        return hits.data ?: "";
}

static struct detect_engine *load(const char *text)
{
        struct detect_engine *e = NULL;
        struct strbuf err = {};

        if (detect_engine_load_string(&e, "t.rules", text, strlen(text), test_catalog(), &err) < 0)
                fail_msg("%s", err.data);
        strbuf_free(&err);
        return e;
}

static void exec_rec(struct trec *t, uint32_t pid, uint32_t ppid, const char *exe, const char *argv, size_t argv_len)
{
        trec_init(t, process_schema(), "exec");
        trec_u64(t, "pid", pid);
        trec_u64(t, "ppid", ppid);
        trec_u64(t, "uid", 0);
        trec_str(t, "comm", strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe);
        trec_str(t, "exe", exe);
        trec_strv(t, "args", argv, argv_len);
        trec_bool(t, "exe_memfd", false);
        trec_bool(t, "exe_deleted", false);
        trec_bool(t, "exe_setuid", false);
        trec_str(t, "stdin", "tty");
        trec_str(t, "stdout", "tty");
        trec_str(t, "stderr", "tty");
}

#define EXEC(t, pid, ppid, exe, argv) exec_rec((t), (pid), (ppid), (exe), (argv), sizeof(argv) - 1)

static void test_operators(void **state)
{
        struct detect_engine *e = load(
                "[List]\nName=l\nItems=/bin/a /usr/bin/cat\n"
                "[Rule]\nName=eq\nEvent=exec\nCondition=proc.exe = /usr/bin/cat\nSeverity=info\nMessage=m\n"
                "[Rule]\nName=ne\nEvent=exec\nCondition=proc.exe != /usr/bin/cat\nSeverity=info\nMessage=m\n"
                "[Rule]\nName=in\nEvent=exec\nCondition=proc.exe in (l)\nSeverity=info\nMessage=m\n"
                "[Rule]\nName=glob\nEvent=exec\nCondition=proc.exe glob \"/usr/*/c[a-z]?\"\nSeverity=info\nMessage=m\n"
                "[Rule]\nName=sw\nEvent=exec\nCondition=proc.cmdline startswith \"cat /etc\"\nSeverity=info\nMessage=m\n"
                "[Rule]\nName=ew\nEvent=exec\nCondition=proc.args endswith shadow\nSeverity=info\nMessage=m\n"
                "[Rule]\nName=co\nEvent=exec\nCondition=proc.args contains (xyz, \"/sha\")\nSeverity=info\nMessage=m\n"
                "[Rule]\nName=num\nEvent=exec\nCondition=proc.pid >= 10 and proc.pid < 11 and proc.uid <= 0 and proc.ppid > 0\nSeverity=info\nMessage=m\n"
                "[Rule]\nName=bit\nEvent=exec\nCondition=proc.pid & 0x2\nSeverity=info\nMessage=m\n"
                "[Rule]\nName=bool\nEvent=exec\nCondition=not proc.exe_memfd and proc.exe_setuid = false\nSeverity=info\nMessage=m\n"
                "[Rule]\nName=argv\nEvent=exec\nCondition=proc.argv = /etc/shadow and not proc.argv = nope\nSeverity=info\nMessage=m\n"
                "[Rule]\nName=name\nEvent=exec\nCondition=proc.name = cat and proc.comm = cat\nSeverity=info\nMessage=m\n"
                "[Rule]\nName=absent\nEvent=exec\nCondition=container.id = \"\" and not container.name != \"\"\nSeverity=info\nMessage=m\n"
                "[Rule]\nName=absent-num\nEvent=exec\nCondition=proc.parent.pid = 1 or proc.parent.pid != 1\nSeverity=info\nMessage=m\n"
                "[Rule]\nName=off\nEvent=exec\nCondition=proc.pid = 10\nSeverity=info\nMessage=m\nEnabled=no\n"
                "[Rule]\nName=exc\nEvent=exec\nCondition=proc.pid = 10\nException=proc.name = cat\nSeverity=info\nMessage=m\n");
        struct trec t;

        EXEC(&t, 10, 1, "/usr/bin/cat", "cat\0/etc/shadow\0");
        assert_string_equal(eval(e, &t.r, NULL), "eq,in,glob,sw,ew,co,num,bit,bool,argv,name,absent");
        EXEC(&t, 12, 1, "/bin/ls", "ls\0");
        assert_string_equal(eval(e, &t.r, NULL), "ne,bool,absent");
        /* another event of the same schema has no rules */
        t.r.event = "exit";
        assert_string_equal(eval(e, &t.r, NULL), "");
        detect_engine_free(e);
}

/* The literal prefix and needle only turn texts away early: on random patterns and texts over a
 * small alphabet (wildcards, brackets, escapes included), the answer is always glob_match's. */
static void test_glob_prefilter(void **state)
{
        static const char alphabet[] = "ab/.*?[]!-\\";
        unsigned seed = 21;
        char pattern[12], text[16];

        (void) state;
        for (int round = 0; round < 200000; round++) {
                size_t plen = rand_r(&seed) % (sizeof(pattern) - 1), tlen = rand_r(&seed) % sizeof(text);
                struct literal l = { .str = pattern };

                for (size_t i = 0; i < plen; i++)
                        pattern[i] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
                pattern[plen] = '\0';
                for (size_t i = 0; i < tlen; i++)
                        text[i] = "ab/.[]-"[rand_r(&seed) % 7];
                l.len = plen;
                glob_literal_prepare(&l);
                if (glob_literal_match(&l, text, tlen) != glob_match(pattern, text, tlen))
                        fail_msg("pattern '%s' text '%.*s': prefilter says %d", pattern, (int) tlen, text,
                                 glob_literal_match(&l, text, tlen));
        }
}

static void test_message(void **state)
{
        struct detect_engine *e = load(
                "[Rule]\nName=m\nEvent=exec\nCondition=proc.pid = 10\nSeverity=info\n"
                "Message=%proc.name (%proc.pid) ran %proc.cmdline as %proc.uid in %container.name; 100%% sure, "
                "memfd=%proc.exe_memfd parent=%proc.parent.exe.\n");
        char msg[256];
        struct trec t;

        EXEC(&t, 10, 1, "/usr/bin/cat", "cat\0-n\0a\nb\0");
        strbuf_reset(&hits);
        assert_int_equal(detect_engine_eval(e, &t.r, NULL, collect, msg), 1);
        /* values as they are: the outputs escape the whole message */
        assert_string_equal(msg, "cat (10) ran cat -n a\nb as 0 in -; 100% sure, memfd=false parent=-.");
        /* a command line the kernel cut is marked */
        trec_col_typed(&t, "args", VALUE_STRV)->truncated = true;
        assert_int_equal(detect_engine_eval(e, &t.r, NULL, collect, msg), 1);
        assert_string_equal(msg, "cat (10) ran cat -n a\nb... as 0 in -; 100% sure, memfd=false parent=-.");
        detect_engine_free(e);
}

static void test_proctable(void **state)
{
        struct detect_engine *e = load(
                "[Rule]\nName=p\nEvent=exec\nCondition=proc.parent.exe = /usr/bin/bash and proc.parent.name = bash "
                "and proc.ancestors.name = sshd and proc.ancestors = /sbin/init and proc.parent.cmdline = \"bash -l\"\n"
                "Severity=info\nMessage=%proc.ancestors\n"
                "[Rule]\nName=f\nEvent=fork\nCondition=proc.exe = /usr/bin/bash and proc.cmdline = \"bash -l\" "
                "and proc.stdin = tty\nSeverity=info\nMessage=m\n"
                "[Rule]\nName=x\nEvent=exit\nCondition=proc.exe = /usr/bin/cat\nSeverity=info\nMessage=m\n");
        struct proctable *pt;
        struct trec t;
        char msg[256];

        assert_int_equal(proctable_new(&pt, 16), 0);
        EXEC(&t, 1, 0, "/sbin/init", "init\0");
        proctable_update(pt, &t.r, 0);
        EXEC(&t, 100, 1, "/usr/sbin/sshd", "sshd\0");
        proctable_update(pt, &t.r, 0);
        EXEC(&t, 200, 100, "/usr/bin/bash", "bash\0-l\0");
        proctable_update(pt, &t.r, 0);
        /* bash forks 300: the child starts as a copy of bash */
        trec_init(&t, process_schema(), "fork");
        trec_u64(&t, "pid", 300);
        trec_u64(&t, "ppid", 200);
        proctable_update(pt, &t.r, 0);
        assert_string_equal(eval(e, &t.r, pt), "f");
        EXEC(&t, 300, 200, "/usr/bin/cat", "cat\0");
        proctable_update(pt, &t.r, 0);
        strbuf_reset(&hits);
        assert_int_equal(detect_engine_eval(e, &t.r, pt, collect, msg), 1);
        assert_string_equal(hits.data, "p");
        assert_string_equal(msg, "/usr/bin/bash < /usr/sbin/sshd < /sbin/init");

        /* exit: the process stays for the grace, so its late events resolve */
        trec_init(&t, process_schema(), "exit");
        trec_u64(&t, "pid", 300);
        proctable_update(pt, &t.r, 1000);
        assert_string_equal(eval(e, &t.r, pt), "x");
        proctable_expire(pt, 1000 + PROCTABLE_EXIT_GRACE_NS - 1);
        assert_non_null(proctable_get(pt, 300));
        proctable_expire(pt, 1000 + PROCTABLE_EXIT_GRACE_NS);
        assert_null(proctable_get(pt, 300));
        assert_non_null(proctable_get(pt, 200));

        /* bounded: 16 entries, then new processes are counted as untracked */
        for (uint32_t pid = 1000; pid < 1100; pid++) {
                EXEC(&t, pid, 1, "/bin/true", "true\0");
                proctable_update(pt, &t.r, 0);
        }
        {
                struct proctable_stats st;

                proctable_get_stats(pt, &st);
                assert_int_equal(st.entries, 16);
                assert_true(st.full > 0);
        }
        proctable_free(pt);
        detect_engine_free(e);
}

/* proc.name: the executable's basename, or the applet of a multi-call binary from argv[0]. */
static void test_proc_name(void **state)
{
        static const struct {
                const char *exe, *argv;
                size_t argv_len;
                const char *name;
        } cases[] = {
#define NAME_CASE(exe, argv, name) { exe, argv, sizeof(argv) - 1, name }
                /* busybox through a symlink (/bin/nc -> busybox) or /proc/self/exe: the kernel reports
                 * the real executable, argv[0] the applet */
                NAME_CASE("/bin/busybox", "nc\0-l\0-p\0""4444\0", "nc"),
                NAME_CASE("/bin/busybox", "/usr/bin/nsenter\0-t\0""1\0", "nsenter"),
                NAME_CASE("/usr/bin/busybox.static", "wget\0http://x/\0", "wget"),
                NAME_CASE("/opt/busybox-x86_64", "unshare\0-r\0", "unshare"),
                NAME_CASE("/bin/busybox-extras", "telnet\0", "telnet"),
                NAME_CASE("/system/bin/toybox", "ls\0", "ls"),
                NAME_CASE("/bin/toybox-x86_64", "toybox\0nc\0", "nc"),
                /* a login shell */
                NAME_CASE("/bin/busybox", "-sh\0", "sh"),
                NAME_CASE("/bin/busybox", "-/bin/ash\0", "ash"),
                /* the multiplexer named itself: the applet is the next argument, as busybox does it */
                NAME_CASE("/bin/busybox", "busybox\0nc\0-l\0", "nc"),
                NAME_CASE("/bin/busybox", "/bin/busybox\0busybox\0sh\0-c\0id\0", "sh"),
                NAME_CASE("/bin/busybox", "busybox.static\0/usr/sbin/dpkg\0", "dpkg"),
                NAME_CASE("/bin/busybox", "busybox\0--list\0", "busybox"),
                NAME_CASE("/bin/busybox", "busybox\0", "busybox"),
                NAME_CASE("/bin/busybox.static", "busybox\0", "busybox.static"),
                /* nothing usable in argv[0]: the executable's name */
                NAME_CASE("/bin/busybox", "\0", "busybox"),
                NAME_CASE("/bin/busybox", "", "busybox"),
                NAME_CASE("/bin/busybox", "-\0", "busybox"),
                NAME_CASE("/bin/busybox", "nc/\0", "busybox"),
                /* any other executable keeps its own name, whatever argv[0] claims */
                NAME_CASE("/usr/bin/curl", "nsenter\0", "curl"),
                NAME_CASE("/bin/bash", "-bash\0", "bash"),
                NAME_CASE("/opt/busyboxer", "nc\0", "busyboxer"),
                NAME_CASE("/opt/mybusybox", "nc\0", "mybusybox"),
                NAME_CASE("/tmp/busybox (deleted)", "nc\0", "busybox (deleted)"),
                NAME_CASE("/usr/bin/cat", "cat\0/etc/shadow\0", "cat"),
                NAME_CASE("cat", "cat\0", "cat"),
#undef NAME_CASE
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                size_t len;
                const char *name = proc_name(cases[i].exe, strlen(cases[i].exe), cases[i].argv,
                                             cases[i].argv_len, &len);

                print_message("%s %s\n", cases[i].exe, cases[i].argv);
                assert_int_equal(len, strlen(cases[i].name));
                assert_memory_equal(name, cases[i].name, len);
        }
        /* unknown argv */
        {
                size_t len;
                const char *name = proc_name("/bin/busybox", 12, NULL, 0, &len);

                assert_int_equal(len, 7);
                assert_memory_equal(name, "busybox", 7);
        }
}

/* The name in rules: from the exec record, else the process table (parent, ancestors, later events);
 * proc.comm ("exe" after an exec of /proc/self/exe) and proc.exe stay what the kernel says. */
static void test_proc_name_in_rules(void **state)
{
        struct detect_engine *e = load(
                "[Rule]\nName=applet\nEvent=exec\nCondition=proc.name = nc and proc.exe = /bin/busybox "
                "and proc.comm = exe and proc.parent.name = sh and proc.ancestors.name = sh\n"
                "Severity=info\nMessage=%proc.name by %proc.parent.name\n"
                "[Rule]\nName=fork\nEvent=fork\nCondition=proc.name = nc\nSeverity=info\nMessage=m\n"
                "[Rule]\nName=liar\nEvent=exec\n"
                "Condition=proc.exe = /usr/bin/curl and (proc.name = nc or proc.parent.name = sh)\n"
                "Severity=info\nMessage=m\n");
        struct proctable *pt;
        struct trec t;
        char msg[256];

        assert_int_equal(proctable_new(&pt, 16), 0);
        EXEC(&t, 1, 0, "/sbin/init", "init\0");
        proctable_update(pt, &t.r, 0);
        /* a busybox shell, logged in */
        EXEC(&t, 200, 1, "/bin/busybox", "-sh\0");
        proctable_update(pt, &t.r, 0);
        /* its applet run through /proc/self/exe: comm "exe" */
        EXEC(&t, 300, 200, "/bin/busybox", "nc\0-l\0");
        trec_str(&t, "comm", "exe");
        proctable_update(pt, &t.r, 0);
        strbuf_reset(&hits);
        assert_int_equal(detect_engine_eval(e, &t.r, pt, collect, msg), 1);
        assert_string_equal(hits.data, "applet");
        assert_string_equal(msg, "nc by sh");
        assert_string_equal(proctable_get(pt, 300)->applet, "nc");
        /* a child of nc (no exec yet) is a copy of it */
        trec_init(&t, process_schema(), "fork");
        trec_u64(&t, "pid", 301);
        trec_u64(&t, "ppid", 300);
        proctable_update(pt, &t.r, 0);
        assert_string_equal(eval(e, &t.r, pt), "fork");
        /* an exec of something else replaces the applet */
        EXEC(&t, 301, 300, "/usr/bin/cat", "nc\0");
        proctable_update(pt, &t.r, 0);
        assert_null(proctable_get(pt, 301)->applet);
        assert_string_equal(eval(e, &t.r, pt), "");
        /* a shell that is not busybox but says "-sh": its child's parent is "dash" */
        EXEC(&t, 400, 1, "/bin/dash", "-sh\0");
        proctable_update(pt, &t.r, 0);
        EXEC(&t, 401, 400, "/usr/bin/curl", "nc\0");
        proctable_update(pt, &t.r, 0);
        assert_string_equal(eval(e, &t.r, pt), "");
        proctable_free(pt);
        detect_engine_free(e);
}

static void test_proctable_scan(void **state)
{
        struct proctable *pt;
        const struct proc_entry *self;
        char exe[4096];
        ssize_t n;

        assert_int_equal(proctable_new(&pt, 0), 0);
        assert_int_equal(proctable_scan(pt, "/proc"), 0);
        self = proctable_get(pt, getpid());
        assert_non_null(self);
        assert_int_equal(self->ppid, getppid());
        n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        assert_true(n > 0);
        exe[n] = '\0';
        assert_string_equal(self->exe, exe);
        assert_non_null(strstr(self->cmdline, "test-rules-eval"));
        proctable_free(pt);
}

/* ---- the default rules ---- */

static struct detect_engine *defaults;
static struct proctable *procs;

static void add_argv_proc(uint32_t pid, uint32_t ppid, const char *exe, const char *argv, size_t len)
{
        struct trec t;

        exec_rec(&t, pid, ppid, exe, argv, len);
        proctable_update(procs, &t.r, 0);
}

static void add_proc(uint32_t pid, uint32_t ppid, const char *exe)
{
        struct trec t;
        const char *name = strrchr(exe, '/') + 1;

        exec_rec(&t, pid, ppid, exe, name, strlen(name) + 1);
        proctable_update(procs, &t.r, 0);
}

enum { P_INIT = 1, P_SSHD = 100, P_BASH = 200, P_CAT = 300, P_PASSWD = 301, P_CP = 302, P_SSH = 303, P_PS = 304,
       P_AWS = 305, P_CRONTAB = 306, P_SYSTEMCTL = 307, P_SYSCTL = 308, P_GDB = 309, P_MODPROBE = 310,
       P_DPKG = 400, P_DPKG_SH = 401, P_DPKG_CP = 402,
       P_GENERATOR = 500, P_TMPFILES = 501,
       P_SYSTEMD = 600, P_WEBAPP = 601, P_CRON = 602, P_RUNC = 603, P_SCRIPT = 604,
       P_VIM = 700, P_USERADD = 701, P_VISUDO = 702, P_VISUDO_VIM = 703, P_PYTHON = 704, P_PIP = 705, P_PIP_M = 706,
       P_ADDUSER = 707, P_ADDUSER_USERADD = 708, P_ATD = 709 };

static int setup_defaults(void **state)
{
        const char *dirs[] = { RULES_SOURCE_DIR };
        struct rules_paths paths = { dirs, 1 };
        struct strbuf err = {};
        const char *const *ev;

        if (detect_engine_load(&defaults, &paths, test_catalog(), &err) < 0) {
                fprintf(stderr, "%s", err.data);
                return -1;
        }
        strbuf_free(&err);
        /* every event the default rules name has a schema here: all fields were checked */
        if (detect_engine_inactive_events(defaults, &ev) != 0)
                return -1;
        assert_int_equal(proctable_new(&procs, 0), 0);
        add_proc(P_INIT, 0, "/sbin/init");
        add_proc(P_SSHD, P_INIT, "/usr/sbin/sshd");
        add_proc(P_BASH, P_SSHD, "/usr/bin/bash");
        add_proc(P_CAT, P_BASH, "/usr/bin/cat");
        add_proc(P_PASSWD, P_BASH, "/usr/bin/passwd");
        add_proc(P_CP, P_BASH, "/usr/bin/cp");
        add_proc(P_SSH, P_BASH, "/usr/bin/ssh");
        add_proc(P_PS, P_BASH, "/usr/bin/ps");
        add_proc(P_AWS, P_BASH, "/usr/local/bin/aws");
        add_proc(P_CRONTAB, P_BASH, "/usr/bin/crontab");
        add_proc(P_SYSTEMCTL, P_BASH, "/usr/bin/systemctl");
        add_proc(P_SYSCTL, P_BASH, "/usr/sbin/sysctl");
        add_proc(P_GDB, P_BASH, "/usr/bin/gdb");
        add_proc(P_MODPROBE, P_BASH, "/usr/sbin/modprobe");
        add_proc(P_DPKG, P_BASH, "/usr/bin/dpkg");
        add_proc(P_DPKG_SH, P_DPKG, "/usr/bin/dash");
        add_proc(P_DPKG_CP, P_DPKG_SH, "/usr/bin/cp");
        add_proc(P_GENERATOR, P_INIT, "/usr/lib/systemd/system-generators/systemd-getty-generator");
        add_proc(P_TMPFILES, P_INIT, "/usr/bin/systemd-tmpfiles");
        add_proc(P_SYSTEMD, P_INIT, "/usr/lib/systemd/systemd");
        add_proc(P_WEBAPP, P_SYSTEMD, "/usr/bin/python3.11");
        add_proc(P_CRON, P_SYSTEMD, "/usr/sbin/cron");
        add_proc(P_RUNC, P_INIT, "/usr/bin/runc");
        add_proc(P_SCRIPT, P_SYSTEMD, "/usr/bin/bash");
        add_proc(P_VIM, P_BASH, "/usr/bin/vim.basic");
        add_proc(P_USERADD, P_BASH, "/usr/sbin/useradd");
        add_proc(P_VISUDO, P_BASH, "/usr/sbin/visudo");
        add_proc(P_VISUDO_VIM, P_VISUDO, "/usr/bin/vim.basic");
        add_proc(P_PYTHON, P_BASH, "/usr/bin/python3.11");
        add_argv_proc(P_PIP, P_BASH, "/usr/bin/python3.11", "/usr/bin/python3\0/usr/bin/pip\0install\0x\0", 40);
        add_argv_proc(P_PIP_M, P_BASH, "/usr/bin/python3.11", "python3\0-m\0pip\0install\0x\0", 25);
        add_argv_proc(P_ADDUSER, P_BASH, "/usr/bin/perl", "/usr/bin/perl\0/usr/sbin/adduser\0ann\0", 36);
        add_argv_proc(P_ADDUSER_USERADD, P_ADDUSER, "/usr/sbin/useradd", "/usr/sbin/useradd\0ann\0", 22);
        add_proc(P_ATD, P_INIT, "/usr/sbin/atd");
        return 0;
}

static int teardown_defaults(void **state)
{
        defaults = detect_engine_free(defaults);
        procs = proctable_free(procs);
        strbuf_free(&hits);
        return 0;
}

static const char *open_hits_as(uint32_t pid, uint32_t uid, const char *path, bool write, uint64_t flags,
                                bool created, const char *container)
{
        struct trec t;

        trec_init(&t, test_tracer_schema("files"), "open");
        trec_u64(&t, "pid", pid);
        trec_u64(&t, "uid", uid);
        trec_bool(&t, "created", created);
        trec_str(&t, "path", path);
        trec_bool(&t, "write", write);
        trec_u64(&t, "flags", flags);
        if (container)
                trec_str(&t, "container_id", container);
        return eval(defaults, &t.r, procs);
}

static const char *open_hits(uint32_t pid, const char *path, bool write, uint64_t flags, const char *container)
{
        return open_hits_as(pid, 0, path, write, flags, false, container);
}

/* The rules of issue 20 on opens: persistence in startup files, accounts, history, at. */
static void test_default_file_rules_persistence(void **state)
{
        assert_string_equal(open_hits(P_CP, "/etc/ld.so.preload", true, 0x241, NULL), "write-ld-so-preload");
        assert_string_equal(open_hits(P_CAT, "/etc/ld.so.preload", false, 0, NULL), "");
        assert_string_equal(open_hits(P_DPKG_CP, "/etc/ld.so.preload", true, 0x241, NULL), "");
        assert_string_equal(open_hits(P_CP, "/etc/ld.so.preload.tmp", true, 0xc1, NULL), "write-ld-so-preload");
        assert_string_equal(open_hits(P_DPKG, "/etc/ld.so.preload.dpkg-new", true, 0xc1, NULL), "");

        assert_string_equal(open_hits(P_CP, "/root/.bashrc", true, 0x441, NULL), "write-shell-startup");
        assert_string_equal(open_hits(P_CP, "/home/ann/.profile", true, 0x441, NULL), "write-shell-startup");
        assert_string_equal(open_hits(P_CP, "/etc/profile.d/evil.sh", true, 0x241, NULL), "write-shell-startup");
        assert_string_equal(open_hits(P_CP, "/etc/bash.bashrc", true, 0x241, NULL), "write-shell-startup");
        assert_string_equal(open_hits(P_CAT, "/root/.bashrc", false, 0, NULL), "");
        assert_string_equal(open_hits(P_CP, "/root/.bashrc.bak", true, 0x241, NULL), "");
        assert_string_equal(open_hits(P_DPKG_CP, "/etc/profile.d/x.sh", true, 0x241, NULL), "");
        assert_string_equal(open_hits(P_USERADD, "/home/ann/.bashrc", true, 0xc1, NULL), "");
        assert_string_equal(open_hits(P_ADDUSER, "/home/ann/.bashrc", true, 0xc1, NULL), "");
        /* editors: a user in their home, root in root's and the system's; not root in a user's home */
        assert_string_equal(open_hits_as(P_VIM, 1000, "/home/ann/.bashrc", true, 0x241, false, NULL), "");
        assert_string_equal(open_hits(P_VIM, "/root/.bashrc", true, 0x241, NULL), "");
        assert_string_equal(open_hits(P_VIM, "/etc/profile", true, 0x241, NULL), "");
        assert_string_equal(open_hits(P_VIM, "/home/ann/.bashrc", true, 0x241, NULL), "write-shell-startup");

        assert_string_equal(open_hits(P_PYTHON, "/usr/lib/python3/dist-packages/evil.pth", true, 0x241, NULL),
                            "write-python-startup-hook");
        assert_string_equal(open_hits(P_CP, "/usr/local/lib/python3.11/dist-packages/sitecustomize.py", true, 0x241,
                                      NULL), "write-python-startup-hook");
        assert_string_equal(open_hits(P_CP, "/home/ann/.local/lib/python3.11/site-packages/x.pth", true, 0x241, NULL),
                            "write-python-startup-hook");
        assert_string_equal(open_hits(P_CP, "/root/.local/lib/python3.11/site-packages/usercustomize.py", true, 0x241,
                                      NULL), "write-python-startup-hook");
        assert_string_equal(open_hits(P_PYTHON, "/usr/lib/python3/dist-packages/evil.py", true, 0x241, NULL),
                            "write-below-binary-dir");
        assert_string_equal(open_hits(P_CAT, "/usr/lib/python3/dist-packages/x.pth", false, 0, NULL), "");
        assert_string_equal(open_hits(P_PIP, "/usr/local/lib/python3.11/dist-packages/x.pth", true, 0x241, NULL), "");
        assert_string_equal(open_hits(P_PIP_M, "/home/ann/.local/lib/python3.11/site-packages/x.pth", true, 0x241,
                                      NULL), "");

        assert_string_equal(open_hits(P_CP, "/etc/passwd", true, 0x441, NULL), "write-account-database");
        assert_string_equal(open_hits(P_CP, "/etc/shadow", true, 0x2, NULL), "write-account-database");
        assert_string_equal(open_hits(P_CP, "/etc/gshadow", true, 0x1, NULL), "write-account-database");
        assert_string_equal(open_hits(P_USERADD, "/etc/passwd+", true, 0xc1, NULL), "");
        assert_string_equal(open_hits(P_USERADD, "/etc/shadow", false, 0, NULL), "");
        assert_string_equal(open_hits(P_DPKG_CP, "/etc/group", true, 0x241, NULL), "");
        assert_string_equal(open_hits(P_CP, "/etc/sudoers.d/evil", true, 0x241, NULL), "write-sudoers");
        assert_string_equal(open_hits(P_CP, "/etc/sudoers", true, 0x401, NULL), "write-sudoers");
        assert_string_equal(open_hits(P_VISUDO, "/etc/sudoers.tmp", true, 0xc1, NULL), "");
        assert_string_equal(open_hits(P_VISUDO_VIM, "/etc/sudoers.tmp", true, 0x241, NULL), "");
        assert_string_equal(open_hits(P_VIM, "/etc/sudoers", true, 0x241, NULL), "write-sudoers");

        assert_string_equal(open_hits(P_BASH, "/root/.bash_history", true, 0x241, NULL), "history-file-truncated");
        assert_string_equal(open_hits(P_CP, "/home/ann/.python_history", true, 0x201, NULL), "history-file-truncated");
        assert_string_equal(open_hits(P_BASH, "/root/.bash_history", true, 0x401, NULL), "");
        assert_string_equal(open_hits_as(P_BASH, 0, "/root/.bash_history", true, 0x241, true, NULL), "");
        assert_string_equal(open_hits(P_BASH, "/root/.bash_history-42.tmp", true, 0x241, NULL), "");

        assert_string_equal(open_hits(P_CP, "/var/spool/cron/atjobs/a0001", true, 0x241, NULL), "write-at-job");
        assert_string_equal(open_hits(P_ATD, "/var/spool/cron/atjobs/a0001", true, 0x241, NULL), "");
}

static void test_default_file_rules(void **state)
{
        const char *c = "0123456789ab";

        assert_string_equal(open_hits(P_CAT, "/etc/shadow", false, 0, NULL), "read-shadow");
        assert_string_equal(open_hits(P_PASSWD, "/etc/shadow", true, 1, NULL), "");
        assert_string_equal(open_hits(P_CAT, "/etc/passwd", false, 0, NULL), "");

        assert_string_equal(open_hits(P_CAT, "/root/.ssh/id_ed25519", false, 0, NULL), "read-ssh-private-key");
        assert_string_equal(open_hits(P_CAT, "/home/ann/.ssh/id_rsa", false, 0, NULL), "read-ssh-private-key");
        assert_string_equal(open_hits(P_CAT, "/root/.ssh/id_ed25519.pub", false, 0, NULL), "");
        assert_string_equal(open_hits(P_SSH, "/root/.ssh/id_ed25519", false, 0, NULL), "");

        assert_string_equal(open_hits(P_CAT, "/proc/4242/environ", false, 0, NULL), "read-proc-environ");
        assert_string_equal(open_hits(P_PS, "/proc/4242/environ", false, 0, NULL), "");
        assert_string_equal(open_hits(P_GENERATOR, "/proc/1/environ", false, 0, NULL), "");
        assert_string_equal(open_hits(P_CAT, "/proc/4242/status", false, 0, NULL), "");

        assert_string_equal(open_hits(P_CAT, "/root/.aws/credentials", false, 0, NULL), "read-cloud-credentials");
        assert_string_equal(open_hits(P_CAT, "/home/ann/.kube/config", false, 0, NULL), "read-cloud-credentials");
        assert_string_equal(open_hits(P_AWS, "/root/.aws/credentials", false, 0, NULL), "");
        assert_string_equal(open_hits(P_CAT, "/root/.aws/config", false, 0, NULL), "");

        assert_string_equal(open_hits(P_CP, "/etc/hosts", true, 1, NULL), "write-below-etc");
        assert_string_equal(open_hits(P_CP, "/etc/hosts", false, 0, NULL), "");
        assert_string_equal(open_hits(P_DPKG_CP, "/etc/hosts", true, 1, NULL), "");

        assert_string_equal(open_hits(P_CP, "/usr/bin/evil", true, 0x241, NULL), "write-below-binary-dir");
        assert_string_equal(open_hits(P_DPKG_CP, "/usr/bin/evil", true, 0x241, NULL), "");
        assert_string_equal(open_hits(P_CP, "/usr/lib/python3/__pycache__/x.pyc", true, 0x241, NULL), "");

        assert_string_equal(open_hits(P_CP, "/etc/cron.d/evil", true, 0x241, NULL), "write-cron");
        assert_string_equal(open_hits(P_CP, "/var/spool/cron/crontabs/root", true, 0x241, NULL), "write-cron");
        assert_string_equal(open_hits(P_CRONTAB, "/var/spool/cron/crontabs/root", true, 0x241, NULL), "");

        assert_string_equal(open_hits(P_CP, "/etc/systemd/system/evil.service", true, 0x241, NULL), "write-systemd-unit");
        assert_string_equal(open_hits(P_CP, "/home/ann/.config/systemd/user/evil.service", true, 0x241, NULL),
                            "write-systemd-unit");
        assert_string_equal(open_hits(P_CP, "/root/.config/systemd/user.conf", true, 0x241, NULL), "");
        assert_string_equal(open_hits(P_SYSTEMCTL, "/etc/systemd/system/x.service", true, 0x241, NULL), "");

        assert_string_equal(open_hits(P_CP, "/root/.ssh/authorized_keys", true, 0x441, NULL), "write-authorized-keys");
        assert_string_equal(open_hits(P_CAT, "/root/.ssh/authorized_keys", false, 0, NULL), "");

        assert_string_equal(open_hits(P_CAT, "/run/docker.sock", false, 0, c), "container-runtime-socket");
        assert_string_equal(open_hits(P_CAT, "/run/docker.sock", false, 0, NULL), "");

        assert_string_equal(open_hits(P_CAT, "/proc/1/root/etc/passwd", false, 0, c), "container-host-root-access");
        assert_string_equal(open_hits(P_CAT, "/proc/1/status", false, 0, c), "");

        assert_string_equal(open_hits(P_CP, "/sys/fs/cgroup/rdma/release_agent", true, 1, NULL), "write-release-agent");
        assert_string_equal(open_hits(P_CAT, "/sys/fs/cgroup/rdma/release_agent", false, 0, NULL), "");

        assert_string_equal(open_hits(P_CP, "/proc/sys/kernel/core_pattern", true, 1, NULL), "write-core-pattern");
        assert_string_equal(open_hits(P_SYSCTL, "/proc/sys/kernel/core_pattern", true, 1, NULL), "");

        assert_string_equal(open_hits(P_CP, "/var/log/auth.log", true, 0x201, NULL), "log-file-truncated");
        assert_string_equal(open_hits(P_CP, "/var/log/auth.log", true, 0x401, NULL), "");
}

/* The schemas the fuzzer, bench/rules and cwatchctl link without BPF are those of the tracers
 * cwatchd runs, and every column of one has its own name. */
static void test_schema_registry_matches_tracers(void **state)
{
        assert_int_equal(tracer_infos_size, tracer_registry_size);
        for (size_t i = 0; i < tracer_infos_size; i++) {
                const struct schema *s = tracer_infos[i]->schema;

                assert_ptr_equal(tracer_registry[i]->info, tracer_infos[i]);
                assert_non_null(tracer_infos[i]->events);
                assert_non_null(tracer_infos[i]->events[0]);
                for (size_t j = 0; j < s->n_columns; j++)
                        if (schema_find_column(s, s->columns[j].name) != (int) j)
                                fail_msg("%s: column %s twice", tracer_infos[i]->name, s->columns[j].name);
        }
}

static const char *connect_hits(const char *daddr, uint64_t dport)
{
        struct trec t;

        trec_init(&t, test_tracer_schema("tcp"), "connect");
        trec_u64(&t, "pid", P_CAT);
        trec_str(&t, "direction", "out");
        trec_str(&t, "daddr", daddr);
        trec_u64(&t, "dport", dport);
        return eval(defaults, &t.r, procs);
}

static void test_default_net_rules(void **state)
{
        assert_string_equal(connect_hits("203.0.113.5", 3333), "mining-pool-connection");
        assert_string_equal(connect_hits("203.0.113.5", 14444), "mining-pool-connection");
        assert_string_equal(connect_hits("203.0.113.5", 443), "");
        assert_string_equal(connect_hits("127.0.0.1", 3333), "");
}

static const char *syscall_hits(uint32_t pid, const char *name, const char *request, uint64_t mode, int64_t ret,
                                const char *container)
{
        struct trec t;

        trec_init(&t, test_tracer_schema("syscalls"), "syscall");
        trec_u64(&t, "pid", pid);
        trec_str(&t, "syscall", name);
        if (request)
                trec_str(&t, "request", request);
        trec_u64(&t, "mode", mode);
        trec_s64(&t, "ret", ret);
        trec_u64(&t, "target_pid", 1);
        if (container)
                trec_str(&t, "container_id", container);
        return eval(defaults, &t.r, procs);
}

static const char *vm_hits(uint32_t pid, const char *name, bool self)
{
        struct trec t;

        trec_init(&t, test_tracer_schema("syscalls"), "syscall");
        trec_u64(&t, "pid", pid);
        trec_str(&t, "syscall", name);
        trec_s64(&t, "ret", 64);
        trec_u64(&t, "target_pid", 1234);
        trec_bool(&t, "target_self", self);
        return eval(defaults, &t.r, procs);
}

/* caps NULL: a value that is no capability set (the caps column absent) */
static const char *xattr_call_hits(uint32_t pid, const char *name, const char *xattr, const char *caps)
{
        struct trec t;

        trec_init(&t, test_tracer_schema("syscalls"), "syscall");
        trec_u64(&t, "pid", pid);
        trec_str(&t, "syscall", name);
        trec_s64(&t, "ret", 0);
        trec_str(&t, "path", "/tmp/x");
        trec_str(&t, "xattr", xattr);
        if (caps)
                trec_str(&t, "caps", caps);
        return eval(defaults, &t.r, procs);
}

static const char *xattr_hits(uint32_t pid, const char *xattr, const char *caps)
{
        return xattr_call_hits(pid, "setxattr", xattr, caps);
}

static void test_default_syscall_rules_memory_and_caps(void **state)
{
        assert_string_equal(vm_hits(P_CAT, "process_vm_readv", false), "process-memory-read");
        assert_string_equal(vm_hits(P_CAT, "process_vm_writev", false), "process-memory-write");
        assert_string_equal(vm_hits(P_CAT, "process_vm_readv", true), "");
        assert_string_equal(vm_hits(P_GDB, "process_vm_readv", false), "");

        assert_string_equal(xattr_hits(P_BASH, "security.capability", "cap_setuid"), "file-capability-privileged");
        assert_string_equal(xattr_hits(P_BASH, "security.capability", "cap_net_raw,cap_sys_admin"),
                            "file-capability-privileged");
        assert_string_equal(xattr_hits(P_BASH, "security.capability", "cap_net_bind_service"), "file-capability-set");
        assert_string_equal(xattr_hits(P_BASH, "security.capability", NULL), "file-capability-set");
        assert_string_equal(xattr_hits(P_BASH, "security.selinux", NULL), "");
        assert_string_equal(xattr_hits(P_DPKG_CP, "security.capability", "cap_setuid"), "");
        assert_string_equal(xattr_hits(P_DPKG, "security.capability", "cap_net_raw"), "");
        assert_string_equal(xattr_call_hits(P_BASH, "setxattrat", "security.capability", "cap_sys_admin"),
                            "file-capability-privileged");
        assert_string_equal(xattr_call_hits(P_BASH, "fsetxattr", "security.capability", "cap_setuid"),
                            "file-capability-privileged");
}

static void test_default_syscall_rules(void **state)
{
        const char *c = "0123456789ab";

        assert_string_equal(syscall_hits(P_CAT, "ptrace", "PTRACE_ATTACH", 0, 0, NULL), "ptrace-attach");
        assert_string_equal(syscall_hits(P_CAT, "ptrace", "PTRACE_POKEDATA", 0, 0, NULL), "ptrace-attach");
        assert_string_equal(syscall_hits(P_GDB, "ptrace", "PTRACE_ATTACH", 0, 0, NULL), "");
        assert_string_equal(syscall_hits(P_CAT, "ptrace", "PTRACE_TRACEME", 0, 0, NULL), "");

        assert_string_equal(syscall_hits(P_BASH, "setns", NULL, 0, 0, c), "container-namespace-change");
        assert_string_equal(syscall_hits(P_BASH, "unshare", NULL, 0, 0, c), "container-namespace-change");
        assert_string_equal(syscall_hits(P_BASH, "setns", NULL, 0, 0, NULL), "");
        assert_string_equal(syscall_hits(P_BASH, "setns", NULL, 0, -1, c), "");

        assert_string_equal(syscall_hits(P_BASH, "mount", NULL, 0, 0, c), "container-mount");
        assert_string_equal(syscall_hits(P_BASH, "umount2", NULL, 0, 0, c), "");

        assert_string_equal(syscall_hits(P_BASH, "finit_module", NULL, 0, 0, NULL), "kernel-module-load");
        assert_string_equal(syscall_hits(P_MODPROBE, "finit_module", NULL, 0, 0, c), "kernel-module-load");
        assert_string_equal(syscall_hits(P_MODPROBE, "finit_module", NULL, 0, 0, NULL), "");
        assert_string_equal(syscall_hits(P_BASH, "init_module", NULL, 0, -38, NULL), "kernel-module-load");
        assert_string_equal(syscall_hits(P_BASH, "delete_module", NULL, 0, -38, NULL), "kernel-module-unload");
        assert_string_equal(syscall_hits(P_MODPROBE, "delete_module", NULL, 0, 0, NULL), "");

        assert_string_equal(syscall_hits(P_BASH, "bpf", NULL, 0, 0, c), "container-bpf");
        assert_string_equal(syscall_hits(P_BASH, "bpf", NULL, 0, 0, NULL), "");

        assert_string_equal(syscall_hits(P_CP, "fchmodat", NULL, 04755, 0, NULL), "setuid-bit-set");
        assert_string_equal(syscall_hits(P_CP, "chmod", NULL, 02755, 0, NULL), "setuid-bit-set");
        assert_string_equal(syscall_hits(P_CP, "chmod", NULL, 0755, 0, NULL), "");
        assert_string_equal(syscall_hits(P_DPKG_CP, "chmod", NULL, 04755, 0, NULL), "");
        assert_string_equal(syscall_hits(P_TMPFILES, "chmod", NULL, 02755, 0, NULL), "");
}

static const char *exec_hits(const char *exe, const char *argv, size_t len, const char *container)
{
        struct trec t;

        exec_rec(&t, 500, P_BASH, exe, argv, len);
        if (container)
                trec_str(&t, "container_id", container);
        return eval(defaults, &t.r, procs);
}

#define EXEC_HITS(exe, argv, c) exec_hits((exe), (argv), sizeof(argv) - 1, (c))

/* Container rules on exec, synthetically (the integration test runs them in a real cgroup). */
static void test_default_exec_rules(void **state)
{
        const char *c = "0123456789ab";

        assert_string_equal(EXEC_HITS("/bin/dash", "sh\0-c\0id\0", c), "container-shell-oneliner");
        assert_string_equal(EXEC_HITS("/bin/dash", "sh\0-c\0id\0", NULL), "");
        assert_string_equal(EXEC_HITS("/bin/dash", "sh\0/entrypoint.sh\0", c), "");

        assert_string_equal(EXEC_HITS("/usr/bin/python3.11", "python3\0-c\0import os\0", c), "container-interpreter-oneliner");
        assert_string_equal(EXEC_HITS("/usr/bin/perl", "perl\0-e\0print 1\0", c), "container-interpreter-oneliner");
        assert_string_equal(EXEC_HITS("/usr/bin/python3.11", "python3\0app.py\0", c), "");

        assert_string_equal(EXEC_HITS("/usr/bin/apt-get", "apt-get\0install\0nmap\0", c), "container-package-manager");
        assert_string_equal(EXEC_HITS("/usr/bin/apt-get", "apt-get\0install\0nmap\0", NULL), "");

        assert_string_equal(EXEC_HITS("/usr/bin/nc", "nc\0-l\0-p\0""4444\0", c), "container-network-tool");
        assert_string_equal(EXEC_HITS("/usr/bin/nc", "nc\0-l\0", NULL), "");

        assert_string_equal(EXEC_HITS("/usr/bin/nsenter", "nsenter\0-t\0""1\0-a\0", c), "container-namespace-tool");
        assert_string_equal(EXEC_HITS("/usr/bin/nsenter", "nsenter\0-t\0""1\0", NULL), "");

        assert_string_equal(EXEC_HITS("/opt/xmrig", "xmrig\0", NULL), "crypto-miner");
        assert_string_equal(EXEC_HITS("/opt/x", "x\0-o\0stratum+tcp://pool:3333\0", NULL), "crypto-miner");
        assert_string_equal(EXEC_HITS("/bin/echo", "echo\0stratum mining\0", NULL), "");

        assert_string_equal(EXEC_HITS("/usr/bin/truncate", "truncate\0-s0\0/var/log/syslog\0", NULL),
                            "log-truncation-command");
        assert_string_equal(EXEC_HITS("/usr/bin/truncate", "truncate\0-s0\0/tmp/x\0", NULL), "");

        /* busybox applets by their names; a lying argv[0] of another program changes nothing */
        assert_string_equal(EXEC_HITS("/bin/busybox", "nsenter\0-t\0""1\0", c), "container-namespace-tool");
        assert_string_equal(EXEC_HITS("/bin/busybox", "nc\0-l\0-p\0""4444\0", c), "container-network-tool");
        assert_string_equal(EXEC_HITS("/bin/busybox", "busybox\0unshare\0-r\0", c),
                            "container-namespace-tool");
        assert_string_equal(EXEC_HITS("/bin/busybox", "apk\0add\0curl\0", c), "container-package-manager");
        assert_string_equal(EXEC_HITS("/bin/busybox", "sh\0-c\0id\0", c), "container-shell-oneliner");
        assert_string_equal(EXEC_HITS("/bin/busybox", "ls\0-l\0", c), "");
        assert_string_equal(EXEC_HITS("/usr/bin/curl", "nc\0-l\0", c), "");
}

/* The rules of issue 20 that need captures: proc.script, proc.env.*, the pipe's other end, and
 * file.proc_pid / file.proc_other. */
static void test_default_capture_rules(void **state)
{
        struct proctable *pt;
        struct trec t;
        char msg[256];

        /* scripts: the column the tracer fills (#! or an interpreter's argument, made absolute) */
        exec_rec(&t, 900, 1, "/usr/bin/dash", "/bin/sh\0/tmp/x.sh\0", 18);
        trec_str(&t, "script", "/tmp/x.sh");
        assert_string_equal(eval(defaults, &t.r, procs), "script-from-tmp");
        exec_rec(&t, 901, 1, "/usr/bin/bash", "bash\0.x\0", 8);
        trec_str(&t, "script", "/home/ann/.x");
        assert_string_equal(eval(defaults, &t.r, procs), "hidden-script");
        exec_rec(&t, 902, 1, "/usr/bin/dash", "/bin/sh\0./build.sh\0", 19);
        trec_str(&t, "script", "/home/ann/build.sh");
        assert_string_equal(eval(defaults, &t.r, procs), "");
        exec_rec(&t, 904, P_PIP, "/usr/bin/python3.11", "python3\0/tmp/pip-build-x/setup.py\0", 34);
        trec_str(&t, "script", "/tmp/pip-build-x/setup.py");
        assert_string_equal(eval(defaults, &t.r, procs), "");
        /* a dpkg maintainer script in /tmp is package management's */
        exec_rec(&t, 903, P_DPKG, "/usr/bin/dash", "/bin/sh\0/tmp/x.sh\0", 18);
        trec_str(&t, "script", "/tmp/x.sh");
        assert_string_equal(eval(defaults, &t.r, procs), "");

        /* the environment: values of the captured variables; a name that only starts like one is not */
        exec_rec(&t, 910, 1, "/usr/bin/true", "true\0", 5);
        trec_strv(&t, "env", "LD_PRELOAD=/dev/shm/.l.so\0", 26);
        assert_string_equal(eval(defaults, &t.r, procs), "library-preload-from-writable-dir");
        exec_rec(&t, 911, 1, "/usr/bin/true", "true\0", 5);
        trec_strv(&t, "env", "LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu\0HISTFILE=/dev/null\0", 61);
        assert_string_equal(eval(defaults, &t.r, procs), "");
        exec_rec(&t, 912, 1, "/usr/bin/true", "true\0", 5);
        trec_bool(&t, "env_truncated", true);
        assert_string_equal(eval(defaults, &t.r, procs), "library-preload-from-writable-dir");
        exec_rec(&t, 913, 1, "/usr/bin/bash", "bash\0", 5);
        trec_strv(&t, "env", "HISTFILE=\0", 10);
        assert_string_equal(eval(defaults, &t.r, procs), "shell-history-disabled");
        /* raised where the variable appears, not again in every program its shell starts */
        proctable_update(procs, &t.r, 0);
        exec_rec(&t, 915, 913, "/usr/bin/dash", "sh\0", 3);
        trec_strv(&t, "env", "HISTFILE=\0", 10);
        assert_string_equal(eval(defaults, &t.r, procs), "");
        exec_rec(&t, 916, 913, "/usr/bin/dash", "sh\0", 3);
        /* one entry new: another environment than the parent's, for every rule */
        trec_strv(&t, "env", "HISTFILE=\0LD_PRELOAD=/tmp/l.so\0", 32);
        assert_string_equal(eval(defaults, &t.r, procs),
                            "library-preload-from-writable-dir,shell-history-disabled");
        exec_rec(&t, 914, 1, "/usr/bin/bash", "bash\0", 5);
        trec_strv(&t, "env", "HISTSIZE=01\0HISTFILE=/root/.h\0", 30);
        assert_string_equal(eval(defaults, &t.r, procs), "");

        /* pipes: the writer exec'd first (the shell raises), then the reader first (the decoder raises) */
        assert_int_equal(proctable_new(&pt, 64), 0);
        exec_rec(&t, 920, 1, "/usr/bin/base64", "base64\0-d\0", 10);
        trec_u64(&t, "stdout_pipe", 77);
        proctable_update(pt, &t.r, 0);
        assert_string_equal(eval(defaults, &t.r, pt), "");
        exec_rec(&t, 921, 1, "/usr/bin/dash", "sh\0", 3);
        trec_u64(&t, "stdin_pipe", 77);
        trec_bool(&t, "stdin_code", true);
        proctable_update(pt, &t.r, 0);
        strbuf_reset(&hits);
        assert_int_equal(detect_engine_eval(defaults, &t.r, pt, collect, msg), 1);
        assert_string_equal(hits.data, "decoded-payload-into-shell");
        assert_string_equal(msg, "Decoded payload piped into a shell: base64 -d | sh | -");
        exec_rec(&t, 930, 1, "/usr/bin/dash", "sh\0", 3);
        trec_u64(&t, "stdin_pipe", 78);
        trec_bool(&t, "stdin_code", true);
        proctable_update(pt, &t.r, 0);
        assert_string_equal(eval(defaults, &t.r, pt), "");
        exec_rec(&t, 931, 1, "/usr/bin/wget", "wget\0-O-\0http://x/\0", 19);
        trec_u64(&t, "stdout_pipe", 78);
        proctable_update(pt, &t.r, 0);
        assert_string_equal(eval(defaults, &t.r, pt), "download-piped-into-shell");
        /* through a pass-through stage that execs last: base64 -d | cat | sh */
        exec_rec(&t, 960, 1, "/usr/bin/base64", "base64\0-d\0", 10);
        trec_u64(&t, "stdout_pipe", 90);
        proctable_update(pt, &t.r, 0);
        exec_rec(&t, 962, 1, "/usr/bin/dash", "sh\0", 3);
        trec_u64(&t, "stdin_pipe", 91);
        trec_bool(&t, "stdin_code", true);
        proctable_update(pt, &t.r, 0);
        assert_string_equal(eval(defaults, &t.r, pt), "");
        exec_rec(&t, 961, 1, "/usr/bin/cat", "cat\0", 4);
        trec_u64(&t, "stdin_pipe", 90);
        trec_u64(&t, "stdout_pipe", 91);
        proctable_update(pt, &t.r, 0);
        strbuf_reset(&hits);
        assert_int_equal(detect_engine_eval(defaults, &t.r, pt, collect, msg), 1);
        assert_string_equal(msg, "Decoded payload piped into a shell: base64 -d | cat | sh");
        /* cat is no decoder; a shell that exec'd since on another stdin is no reader any more */
        exec_rec(&t, 940, 1, "/usr/bin/cat", "cat\0x\0", 6);
        trec_u64(&t, "stdout_pipe", 79);
        proctable_update(pt, &t.r, 0);
        exec_rec(&t, 941, 1, "/usr/bin/dash", "sh\0", 3);
        trec_u64(&t, "stdin_pipe", 79);
        trec_bool(&t, "stdin_code", true);
        proctable_update(pt, &t.r, 0);
        assert_string_equal(eval(defaults, &t.r, pt), "");
        /* an interpreter given its code (python3 -c) reads data from the pipe */
        exec_rec(&t, 942, 1, "/usr/bin/python3.11", "python3\0-c\0import sys\0", 22);
        trec_u64(&t, "stdin_pipe", 80);
        trec_bool(&t, "stdin_code", false);
        proctable_update(pt, &t.r, 0);
        exec_rec(&t, 943, 1, "/usr/bin/curl", "curl\0-s\0http://x/\0", 18);
        trec_u64(&t, "stdout_pipe", 80);
        proctable_update(pt, &t.r, 0);
        assert_string_equal(eval(defaults, &t.r, pt), "");
        exec_rec(&t, 930, 1, "/usr/bin/dash", "sh\0", 3);
        proctable_update(pt, &t.r, 0);
        exec_rec(&t, 950, 1, "/usr/bin/base64", "base64\0-d\0", 10);
        trec_u64(&t, "stdout_pipe", 78);
        proctable_update(pt, &t.r, 0);
        assert_string_equal(eval(defaults, &t.r, pt), "");
        proctable_free(pt);

        /* /proc/PID/mem of another process; its own; ps on stat */
        assert_string_equal(open_hits(P_CAT, "/proc/4242/mem", false, 0, NULL), "read-other-process-memory");
        assert_string_equal(open_hits(P_CAT, "/proc/4242/task/4243/mem", true, 1, NULL),
                            "write-other-process-memory");
        assert_string_equal(open_hits(P_CAT, "/proc/self/mem", false, 0, NULL), "");
        {
                char own[32];

                snprintf(own, sizeof(own), "/proc/%d/mem", P_CAT);
                assert_string_equal(open_hits(P_CAT, own, false, 0, NULL), "");
                /* /proc/thread-self/mem, as the kernel's path walk names it */
                snprintf(own, sizeof(own), "/proc/%d/task/%d/mem", P_CAT, P_CAT + 1);
                assert_string_equal(open_hits(P_CAT, own, true, 1, NULL), "");
        }
        assert_string_equal(open_hits(P_PS, "/proc/4242/stat", false, 0, NULL), "");
        assert_string_equal(open_hits(P_CAT, "/proc/04242/mem", false, 0, NULL), "");
        assert_string_equal(open_hits(P_CAT, "/proc/99999999999/mem", false, 0, NULL), "");
}

/* The exec rules of issue 20: accounts, history, scheduled work. */
static void test_default_exec_rules_persistence(void **state)
{
        struct trec t;

        assert_string_equal(EXEC_HITS("/usr/sbin/useradd", "useradd\0-m\0eve\0", NULL), "account-created");
        assert_string_equal(EXEC_HITS("/usr/bin/perl", "/usr/bin/perl\0/usr/sbin/adduser\0eve\0", NULL),
                            "account-created");
        assert_string_equal(EXEC_HITS("/usr/sbin/groupadd", "groupadd\0eve\0", NULL), "account-created");
        /* useradd run by adduser, and by a package's maintainer script */
        exec_rec(&t, 700, P_ADDUSER, "/usr/sbin/useradd", "useradd\0eve\0", 12);
        assert_string_equal(eval(defaults, &t.r, procs), "");
        exec_rec(&t, 701, P_DPKG_SH, "/usr/sbin/useradd", "useradd\0--system\0svc\0", 21);
        assert_string_equal(eval(defaults, &t.r, procs), "");

        assert_string_equal(EXEC_HITS("/usr/sbin/usermod", "usermod\0-aG\0sudo\0eve\0", NULL), "account-changed");
        assert_string_equal(EXEC_HITS("/usr/sbin/chpasswd", "chpasswd\0", NULL), "account-changed");
        assert_string_equal(EXEC_HITS("/usr/bin/passwd", "passwd\0eve\0", NULL), "account-changed");
        assert_string_equal(EXEC_HITS("/usr/bin/passwd", "passwd\0", NULL), "");
        assert_string_equal(EXEC_HITS("/usr/bin/passwd", "passwd\0-S\0eve\0", NULL), "");
        assert_string_equal(EXEC_HITS("/usr/bin/chage", "chage\0-l\0eve\0", NULL), "");

        assert_string_equal(EXEC_HITS("/usr/bin/ln", "ln\0-sf\0/dev/null\0/root/.bash_history\0", NULL),
                            "history-file-removed-command");
        assert_string_equal(EXEC_HITS("/usr/bin/rm", "rm\0-f\0.zsh_history\0", NULL), "history-file-removed-command");
        assert_string_equal(EXEC_HITS("/usr/bin/ln", "ln\0-s\0/dev/null\0/root/notes\0", NULL), "");
        assert_string_equal(EXEC_HITS("/usr/bin/cat", "cat\0/root/.bash_history\0", NULL), "");

        assert_string_equal(EXEC_HITS("/usr/bin/systemd-run", "systemd-run\0--on-calendar=*:0/5\0/tmp/x\0", NULL),
                            "systemd-run-timer");
        assert_string_equal(EXEC_HITS("/usr/bin/systemd-run", "systemd-run\0--on-boot\0""30\0/tmp/x\0", NULL),
                            "systemd-run-timer");
        assert_string_equal(EXEC_HITS("/usr/bin/systemd-run", "systemd-run\0--scope\0/bin/true\0", NULL), "");

        assert_string_equal(EXEC_HITS("/usr/bin/systemctl", "systemctl\0link\0/opt/x/evil.service\0", NULL),
                            "systemd-unit-linked-from-outside");
        assert_string_equal(EXEC_HITS("/usr/bin/systemctl", "systemctl\0enable\0--now\0/tmp/evil.timer\0", NULL),
                            "systemd-unit-linked-from-outside");
        assert_string_equal(EXEC_HITS("/usr/bin/systemctl", "systemctl\0enable\0ssh.service\0", NULL), "");
        assert_string_equal(EXEC_HITS("/usr/bin/systemctl",
                                      "systemctl\0enable\0/etc/systemd/system/x.service\0", NULL), "");

        assert_string_equal(EXEC_HITS("/usr/bin/crontab", "crontab\0-\0", NULL), "crontab-installed");
        assert_string_equal(EXEC_HITS("/usr/bin/crontab", "crontab\0-u\0www-data\0/tmp/c\0", NULL),
                            "crontab-installed");
        assert_string_equal(EXEC_HITS("/usr/bin/crontab", "crontab\0-l\0", NULL), "");
        assert_string_equal(EXEC_HITS("/usr/bin/crontab", "crontab\0-u\0www-data\0-e\0", NULL), "");

        assert_string_equal(EXEC_HITS("/usr/bin/at", "at\0now\0+\0""1\0minute\0", NULL), "at-job-scheduled");
        assert_string_equal(EXEC_HITS("/usr/bin/at", "at\0-l\0", NULL), "");
}

static void test_watched_paths(void **state)
{
        struct detect_engine *e;
        struct strv p = {};
        struct strbuf all = {};

        assert_int_equal(detect_engine_watched_paths(defaults, &detect_path_filter_open, &p), 0);
        for (size_t i = 0; i < p.n; i++)
                strbuf_printf(&all, "%s\n", p.items[i]);
        strv_done(&p);
        assert_string_equal(all.data,
                            "/etc/gshadow\n/etc/security/opasswd\n/etc/shadow\n/etc/ssh/ssh_host_\n/home/\n"
                            "/proc/\n/root/.aws/credentials\n/root/.azure/\n/root/.config/gcloud/\n"
                            "/root/.kube/config\n/root/.ssh/id_\n/run/containerd/containerd.sock\n"
                            "/run/crio/crio.sock\n/run/docker.sock\n/run/podman/podman.sock\n"
                            "/var/run/containerd/containerd.sock\n/var/run/docker.sock\nwrite:/bin/\n"
                            "write:/boot/\nwrite:/etc/\nwrite:/lib/\nwrite:/root/.ash_history\n"
                            "write:/root/.bash_history\nwrite:/root/.bash_login\nwrite:/root/.bash_logout\n"
                            "write:/root/.bash_profile\nwrite:/root/.bashrc\nwrite:/root/.config/systemd/user/\n"
                            "write:/root/.kshrc\nwrite:/root/.local/lib/python3\n"
                            "write:/root/.local/share/systemd/user/\nwrite:/root/.mysql_history\n"
                            "write:/root/.node_repl_history\nwrite:/root/.profile\nwrite:/root/.psql_history\n"
                            "write:/root/.python_history\nwrite:/root/.sh_history\nwrite:/root/.shrc\n"
                            "write:/root/.ssh/authorized_keys\nwrite:/root/.zlogin\nwrite:/root/.zprofile\n"
                            "write:/root/.zsh_history\nwrite:/root/.zshenv\nwrite:/root/.zshrc\n"
                            "write:/run/systemd/system/\nwrite:/run/systemd/user/\nwrite:/sbin/\n"
                            "write:/sys/fs/cgroup/\nwrite:/usr/bin/\nwrite:/usr/lib/\nwrite:/usr/libexec/\n"
                            "write:/usr/local/bin/\nwrite:/usr/local/lib/python3\nwrite:/usr/local/lib/systemd/\n"
                            "write:/usr/local/sbin/\nwrite:/usr/sbin/\nwrite:/var/log/\nwrite:/var/spool/at/\n"
                            "write:/var/spool/cron/\n");
        strbuf_free(&all);

        /* a rule that can match any path makes the whole tree watched */
        e = load("[Rule]\nName=a\nEvent=open\nCondition=file.path startswith /etc/ or file.name = x\n"
                 "Severity=info\nMessage=m\n");
        assert_int_equal(detect_engine_watched_paths(e, &detect_path_filter_open, &p), 0);
        assert_int_equal(p.n, 1);
        assert_string_equal(p.items[0], "/");
        strv_done(&p);
        detect_engine_free(e);

        /* file.write in a conjunction: only opens for writing; a disjunction needs it on both sides;
         * a write-only pattern another pattern covers goes */
        e = load("[Rule]\nName=a\nEvent=open\nCondition=file.write and file.path startswith (/w/, /x/y)\n"
                 "Severity=info\nMessage=m\n"
                 "[Rule]\nName=b\nEvent=open\nCondition=(file.write = true and file.path = /m/a) or "
                 "(file.write and file.path = /m/b)\nSeverity=info\nMessage=m\n"
                 "[Rule]\nName=c\nEvent=open\nCondition=(file.write and file.path = /n/a) or file.path = /n/b\n"
                 "Severity=info\nMessage=m\n"
                 "[Rule]\nName=d\nEvent=open\nCondition=file.path startswith /x/ and not file.write\n"
                 "Severity=info\nMessage=m\n");
        assert_int_equal(detect_engine_watched_paths(e, &detect_path_filter_open, &p), 0);
        for (size_t i = 0; i < p.n; i++)
                strbuf_printf(&all, "%s ", p.items[i]);
        strv_done(&p);
        assert_string_equal(all.data, "/n/a /n/b /x/ write:/m/a write:/m/b write:/w/ ");
        strbuf_reset(&all);
        detect_engine_free(e);
        /* writes anywhere: every open for writing, not every open */
        e = load("[Rule]\nName=a\nEvent=open\nCondition=file.write and file.name = x\nSeverity=info\nMessage=m\n"
                 "[Rule]\nName=b\nEvent=open\nCondition=file.write and file.path = /etc/x\nSeverity=info\nMessage=m\n"
                 "[Rule]\nName=c\nEvent=open\nCondition=file.path = /etc/y\nSeverity=info\nMessage=m\n");
        assert_int_equal(detect_engine_watched_paths(e, &detect_path_filter_open, &p), 0);
        for (size_t i = 0; i < p.n; i++)
                strbuf_printf(&all, "%s ", p.items[i]);
        strv_done(&p);
        assert_string_equal(all.data, "/etc/y write:/ ");
        strbuf_free(&all);
        detect_engine_free(e);

        /* and + not: the positive side bounds it */
        e = load("[Rule]\nName=a\nEvent=open\nCondition=file.path in (/a/b, /a/c) and not file.path = /x\n"
                 "Exception=file.name = y\nSeverity=info\nMessage=m\n"
                 "[Rule]\nName=b\nEvent=open\nCondition=file.path = /a/b/c\nSeverity=info\nMessage=m\n");
        assert_int_equal(detect_engine_watched_paths(e, &detect_path_filter_open, &p), 0);
        assert_int_equal(p.n, 2);
        assert_string_equal(p.items[0], "/a/b");
        assert_string_equal(p.items[1], "/a/c");
        strv_done(&p);
        detect_engine_free(e);
}

static void test_watched_unix_paths(void **state)
{
        struct detect_engine *e;
        struct strv p = {};
        struct strbuf all = {};

        /* the default rules: the runtimes' sockets, by net.path or net.peer_path */
        assert_int_equal(detect_engine_watched_paths(defaults, &detect_path_filter_unix_connect, &p), 0);
        for (size_t i = 0; i < p.n; i++)
                strbuf_printf(&all, "%s\n", p.items[i]);
        strv_done(&p);
        assert_string_equal(all.data,
                            "/run/containerd/containerd.sock\n/run/crio/crio.sock\n/run/docker.sock\n"
                            "/run/podman/podman.sock\n/run/user/\n/var/run/containerd/containerd.sock\n"
                            "/var/run/crio/crio.sock\n/var/run/docker.sock\n/var/run/podman/podman.sock\n");
        strbuf_free(&all);

        /* either field bounds it; abstract names too; file.path rules do not count */
        e = load("[Rule]\nName=a\nEvent=unix_connect\n"
                 "Condition=net.path = /a or net.peer_path startswith @b\n"
                 "Severity=info\nMessage=m\n"
                 "[Rule]\nName=b\nEvent=unix_connect\n"
                 "Condition=net.peer_path glob \"/c/*/d\" and proc.name = x\n"
                 "Severity=info\nMessage=m\n"
                 "[Rule]\nName=c\nEvent=open\nCondition=file.path startswith /e\nSeverity=info\nMessage=m\n");
        assert_int_equal(detect_engine_watched_paths(e, &detect_path_filter_unix_connect, &p), 0);
        assert_int_equal(p.n, 3);
        assert_string_equal(p.items[0], "/a");
        assert_string_equal(p.items[1], "/c/");
        assert_string_equal(p.items[2], "@b");
        strv_done(&p);
        /* an abstract name is no file path */
        assert_int_equal(detect_engine_watched_paths(e, &detect_path_filter_open, &p), 0);
        assert_int_equal(p.n, 1);
        assert_string_equal(p.items[0], "/e");
        strv_done(&p);
        detect_engine_free(e);

        /* a relative path, or a rule that looks at other fields only: every address */
        e = load("[Rule]\nName=a\nEvent=unix_connect\nCondition=net.path = /a or net.path = relative.sock\n"
                 "Severity=info\nMessage=m\n");
        assert_int_equal(detect_engine_watched_paths(e, &detect_path_filter_unix_connect, &p), 0);
        assert_int_equal(p.n, 1);
        assert_string_equal(p.items[0], "/");
        strv_done(&p);
        detect_engine_free(e);
        e = load("[Rule]\nName=a\nEvent=unix_connect\nCondition=proc.name = x\nSeverity=info\nMessage=m\n");
        assert_int_equal(detect_engine_watched_paths(e, &detect_path_filter_unix_connect, &p), 0);
        assert_int_equal(p.n, 1);
        assert_string_equal(p.items[0], "/");
        strv_done(&p);
        detect_engine_free(e);
}

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static void test_dropin_dirs(void **state)
{
        char base[] = "/tmp/cwatch-rules-XXXXXX", vendor[64], admin[64], path[128];
        const char *dirs[2];
        struct rules_paths paths = { dirs, 2 };
        struct detect_engine *e = NULL;
        struct detect_rule_info info[8];
        struct strbuf err = {};
        struct trec t;

        assert_non_null(mkdtemp(base));
        snprintf(vendor, sizeof(vendor), "%s/usr", base);
        snprintf(admin, sizeof(admin), "%s/etc", base);
        assert_int_equal(mkdir(vendor, 0755), 0);
        assert_int_equal(mkdir(admin, 0755), 0);
        dirs[0] = admin;
        dirs[1] = vendor;
#define RULE(name, pid) "[Rule]\nName=" name "\nEvent=exec\nCondition=proc.pid = " pid "\nSeverity=info\nMessage=m\n"
        snprintf(path, sizeof(path), "%s/a.rules", vendor);
        write_file(path, RULE("vendor-a", "1"));
        snprintf(path, sizeof(path), "%s/b.rules", vendor);
        write_file(path, RULE("vendor-b", "1"));
        snprintf(path, sizeof(path), "%s/c.rules", vendor);
        write_file(path, RULE("vendor-c", "1") RULE("vendor-c2", "1"));
        snprintf(path, sizeof(path), "%s/z.rules", vendor);
        write_file(path, "[Rule]\nName=vendor-c2\nEnabled=no\n");
        snprintf(path, sizeof(path), "%s/not-rules.txt", vendor);
        write_file(path, "garbage");
        snprintf(path, sizeof(path), "%s/a.rules", admin);
        write_file(path, RULE("admin-a", "1"));
        snprintf(path, sizeof(path), "%s/b.rules", admin);
        write_file(path, "");
        assert_int_equal(detect_engine_load(&e, &paths, test_catalog(), &err), 0);
        /* a.rules from /etc, b.rules masked, c.rules from /usr with vendor-c2 disabled by z.rules */
        assert_int_equal(detect_engine_rules(e, info, 8), 3);
        assert_string_equal(info[0].name, "admin-a");
        assert_string_equal(info[1].name, "vendor-c");
        assert_string_equal(info[2].name, "vendor-c2");
        assert_false(info[2].enabled);
        EXEC(&t, 1, 0, "/sbin/init", "init\0");
        assert_string_equal(eval(e, &t.r, NULL), "admin-a,vendor-c");
        e = detect_engine_free(e);

        /* a symlink to /dev/null masks too; a broken file fails the load with its position */
        snprintf(path, sizeof(path), "%s/c.rules", admin);
        assert_int_equal(symlink("/dev/null", path), 0);
        snprintf(path, sizeof(path), "%s/d.rules", admin);
        write_file(path, "[Rule]\nName=x\nEvent=exec\nCondition=proc.pid = \nSeverity=info\nMessage=m\n");
        strbuf_reset(&err);
        assert_int_equal(detect_engine_load(&e, &paths, test_catalog(), &err), -EINVAL);
        assert_null(e);
        assert_non_null(strstr(err.data, "/etc/d.rules:4:21: expected a value, got the end of the condition\n"));
        assert_int_equal(unlink(path), 0);
        /* z.rules amends vendor-c2, which is masked now */
        strbuf_reset(&err);
        assert_int_equal(detect_engine_load(&e, &paths, test_catalog(), &err), -EINVAL);
        assert_non_null(strstr(err.data, "/usr/z.rules:1:1: rule 'vendor-c2' is not defined by an earlier file"));
        snprintf(path, sizeof(path), "%s/z.rules", vendor);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(detect_engine_load(&e, &paths, test_catalog(), &err), 0);
        assert_int_equal(detect_engine_n_rules(e), 1);
        e = detect_engine_free(e);

        strbuf_free(&err);
        snprintf(path, sizeof(path), "rm -rf %s", base);
        assert_int_equal(system(path), 0);
}

/* An exec of exe (argv) by ppid in unit (or container), through engine e. */
static const char *shell_hits(const struct detect_engine *e, uint32_t ppid, const char *exe, const char *argv,
                              size_t len, const char *unit, const char *container)
{
        struct trec t;

        exec_rec(&t, 700, ppid, exe, argv, len);
        if (unit)
                trec_str(&t, "unit", unit);
        if (container)
                trec_str(&t, "container_id", container);
        return eval(e, &t.r, procs);
}

#define SHELL_HITS(ppid, exe, argv, unit, c) shell_hits(defaults, (ppid), (exe), (argv), sizeof(argv) - 1, (unit), (c))

/* A service or a container's application that starts a shell, and the units and parents whose
 * job that is. */
static void test_default_service_shell_rules(void **state)
{
        char base[] = "/tmp/cwatch-rules-XXXXXX", path[128];
        const char *dirs[2] = { base, RULES_SOURCE_DIR };
        struct rules_paths paths = { dirs, 2 };
        struct detect_engine *e = NULL;
        struct strbuf err = {};
        const char *c = "0123456789ab";

        assert_string_equal(SHELL_HITS(P_WEBAPP, "/usr/bin/dash", "sh\0-c\0id; cat /etc/passwd\0", "webapp.service", NULL),
                            "service-spawned-shell");
        assert_string_equal(SHELL_HITS(P_WEBAPP, "/usr/bin/bash", "bash\0-i\0", "nginx.service", NULL),
                            "service-spawned-shell");
        /* units whose job is to run shells: systemd-run's transients, cron, sessions, getty, runners */
        assert_string_equal(SHELL_HITS(P_WEBAPP, "/usr/bin/dash", "sh\0-c\0id\0", "run-u42.service", NULL), "");
        assert_string_equal(SHELL_HITS(P_WEBAPP, "/usr/bin/dash", "sh\0-c\0id\0", "run-r1d2.scope", NULL), "");
        assert_string_equal(SHELL_HITS(P_WEBAPP, "/usr/bin/dash", "sh\0-c\0id\0", "session-3.scope", NULL), "");
        assert_string_equal(SHELL_HITS(P_WEBAPP, "/usr/bin/dash", "sh\0-c\0id\0", "user@1000.service", NULL), "");
        assert_string_equal(SHELL_HITS(P_WEBAPP, "/usr/bin/dash", "sh\0-c\0id\0", "getty@tty1.service", NULL), "");
        assert_string_equal(SHELL_HITS(P_WEBAPP, "/usr/bin/dash", "sh\0-c\0id\0", "gitlab-runner.service", NULL), "");
        assert_string_equal(SHELL_HITS(P_WEBAPP, "/usr/bin/dash", "sh\0-c\0make\0",
                                       "actions.runner.org-repo.host1.service", NULL), "");
        assert_string_equal(SHELL_HITS(P_CRON, "/usr/bin/dash", "sh\0-c\0run-parts\0", "cron.service", NULL), "");
        /* parents whose job it is: systemd (ExecStart= is a script), a shell script, package management */
        assert_string_equal(SHELL_HITS(P_SYSTEMD, "/usr/bin/bash", "bash\0/usr/lib/app/start.sh\0", "webapp.service",
                                       NULL), "");
        assert_string_equal(SHELL_HITS(P_SCRIPT, "/usr/bin/dash", "sh\0-c\0date\0", "webapp.service", NULL), "");
        assert_string_equal(SHELL_HITS(P_DPKG, "/usr/bin/dash", "sh\0/var/lib/dpkg/info/x.postinst\0",
                                       "webapp.service", NULL), "");
        /* a shell of a service writes to the journal's stream socket: no reverse shell, unless
         * its commands come from a socket too */
        {
                struct trec t;

                exec_rec(&t, 700, P_WEBAPP, "/usr/bin/dash", "sh\0-c\0id\0", 9);
                trec_str(&t, "unit", "webapp.service");
                trec_str(&t, "stdin", "other");
                trec_str(&t, "stdout", "socket");
                assert_string_equal(eval(defaults, &t.r, procs), "service-spawned-shell");
                trec_str(&t, "stdin", "socket");
                assert_string_equal(eval(defaults, &t.r, procs), "reverse-shell,service-spawned-shell");
                trec_str(&t, "unit", "session-1.scope");
                trec_str(&t, "stdin", "other");
                assert_string_equal(eval(defaults, &t.r, procs), "reverse-shell");
        }
        /* a parent the process table does not know may be systemd itself: no claim then */
        assert_string_equal(SHELL_HITS(9999, "/usr/bin/dash", "sh\0-c\0id\0", "webapp.service", NULL), "");
        assert_string_equal(SHELL_HITS(9999, "/bin/dash", "sh\0", "docker-x.scope", "0123456789ab"), "");
        /* no unit (a cgroup outside systemd), and a program that is no shell */
        assert_string_equal(SHELL_HITS(P_WEBAPP, "/usr/bin/dash", "sh\0-c\0id\0", NULL, NULL), "");
        assert_string_equal(SHELL_HITS(P_WEBAPP, "/usr/bin/id", "id\0", "webapp.service", NULL), "");

        /* in a container: a shell without -c from the application, -c is the one-liner rule's */
        assert_string_equal(SHELL_HITS(P_WEBAPP, "/bin/dash", "sh\0", "docker-x.scope", c), "container-app-shell");
        assert_string_equal(SHELL_HITS(P_WEBAPP, "/bin/dash", "sh\0-c\0id\0", "docker-x.scope", c),
                            "container-shell-oneliner");
        assert_string_equal(SHELL_HITS(P_WEBAPP, "/bin/bash", "bash\0-i\0", "docker-x.scope", c), "container-app-shell");
        /* a script the application runs, docker exec, and an entrypoint script that starts a shell */
        assert_string_equal(SHELL_HITS(P_WEBAPP, "/bin/dash", "sh\0/app/hooks/deploy.sh\0", "docker-x.scope", c), "");
        assert_string_equal(SHELL_HITS(P_RUNC, "/bin/dash", "sh\0", "docker-x.scope", c), "");
        assert_string_equal(SHELL_HITS(P_SCRIPT, "/bin/dash", "sh\0", "docker-x.scope", c), "");

        /* the operator's own units, from a file that keeps the defaults */
        assert_non_null(mkdtemp(base));
        snprintf(path, sizeof(path), "%s/50-local.rules", base);
        write_file(path, "[List]\nName=service_shell_local_units\nItems=myci-*.service\n");
        assert_int_equal(detect_engine_load(&e, &paths, test_catalog(), &err), 0);
        assert_string_equal(shell_hits(e, P_WEBAPP, "/usr/bin/dash", "sh\0-c\0id\0", 8, "myci-agent.service", NULL), "");
        assert_string_equal(shell_hits(e, P_WEBAPP, "/usr/bin/dash", "sh\0-c\0id\0", 8, "cron.service", NULL), "");
        assert_string_equal(shell_hits(e, P_WEBAPP, "/usr/bin/dash", "sh\0-c\0id\0", 8, "webapp.service", NULL),
                            "service-spawned-shell");
        detect_engine_free(e);
        strbuf_free(&err);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(rmdir(base), 0);
}

static void test_glob(void **state)
{
        assert_true(glob_match("/proc/*/environ", "/proc/12/environ", 16));
        assert_false(glob_match("/proc/*/environ", "/proc/12/environ2", 17));
        assert_true(glob_match("*", "", 0));
        assert_true(glob_match("a*b*c", "aXbYbZc", 7));
        assert_false(glob_match("a*b*c", "aXbYbZ", 6));
        assert_true(glob_match("[!a-c]x", "dx", 2));
        assert_false(glob_match("[!a-c]x", "bx", 2));
        assert_true(glob_match("\\*", "*", 1));
        assert_true(glob_match("[abc", "[abc", 4));
        assert_true(glob_match("?", "\xff", 1));
}

static bool fake_origin(const struct record *r, struct detect_file_origin *ret, void *userdata)
{
        *ret = *(const struct detect_file_origin *) userdata;
        return ret->origin != NULL;
}

/* Names of the rules of e that match r when the graph answers o (o->origin NULL: nothing known). */
static const char *eval_origin(const struct detect_engine *e, const struct record *r, struct detect_file_origin *o,
                               char *msg)
{
        struct detect_lookup lookup = { fake_origin, o };

        strbuf_reset(&hits);
        assert_true(detect_engine_eval_with(e, r, NULL, &lookup, collect, msg) >= 0);
        return hits.data ?: "";
}

static void test_file_origin(void **state)
{
        struct detect_engine *e = load(
                "[Rule]\nName=dl\nEvent=exec\nCondition=file.origin = download and file.writer.network\n"
                "Severity=error\nMessage=%file.writer.exe wrote %proc.exe (%file.origin, same user "
                "%file.writer.same_user)\n"
                "[Rule]\nName=build\nEvent=exec\nCondition=file.origin = build and file.writer.same_user\n"
                "Severity=info\nMessage=m\n");
        static const char bad_rule[] = "[Rule]\nName=b\nEvent=connect\nCondition=file.origin = download\n"
                                       "Severity=info\nMessage=m\n";
        struct detect_engine *bad = NULL;
        struct detect_file_origin o = { "download", "/usr/bin/wget", true, false };
        struct strbuf err = {};
        const char *dirs[] = { RULES_SOURCE_DIR };
        struct rules_paths paths = { dirs, 1 };
        struct detect_engine *defaults_e = NULL;
        char msg[256];
        struct trec t;

        EXEC(&t, 10, 1, "/tmp/x", "x\0");
        assert_string_equal(eval_origin(e, &t.r, &o, msg), "dl");
        assert_string_equal(msg, "/usr/bin/wget wrote /tmp/x (download, same user false)");
        o = (struct detect_file_origin) { "build", "/usr/bin/ld", false, true };
        assert_string_equal(eval_origin(e, &t.r, &o, msg), "build");
        /* without the graph the fields are absent: nothing matches */
        assert_string_equal(eval(e, &t.r, NULL), "");
        o = (struct detect_file_origin) {};
        assert_string_equal(eval_origin(e, &t.r, &o, msg), "");
        /* an event that runs no file has no file.origin */
        assert_int_equal(detect_engine_load_string(&bad, "b.rules", bad_rule, strlen(bad_rule), test_catalog(),
                                                   &err), -EINVAL);
        strbuf_free(&err);
        detect_engine_free(e);

        /* the default rules: a download from /tmp is exec-downloaded-from-tmp, a build of the same
         * user nothing, another user's build exec-from-tmp */
        assert_int_equal(detect_engine_load(&defaults_e, &paths, test_catalog(), &err), 0);
        o = (struct detect_file_origin) { "download", "/usr/bin/wget", true, true };
        assert_string_equal(eval_origin(defaults_e, &t.r, &o, msg), "exec-downloaded-from-tmp");
        o = (struct detect_file_origin) { "build", "/usr/bin/ld", false, true };
        assert_string_equal(eval_origin(defaults_e, &t.r, &o, msg), "");
        o = (struct detect_file_origin) { "build", "/usr/bin/ld", false, false };
        assert_string_equal(eval_origin(defaults_e, &t.r, &o, msg), "exec-from-tmp");
        o = (struct detect_file_origin) { "unknown", NULL, false, false };
        assert_string_equal(eval_origin(defaults_e, &t.r, &o, msg), "exec-from-tmp");
        detect_engine_free(defaults_e);
        strbuf_free(&err);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_schema_registry_matches_tracers),
                cmocka_unit_test(test_glob),
                cmocka_unit_test(test_operators),
                cmocka_unit_test(test_glob_prefilter),
                cmocka_unit_test(test_message),
                cmocka_unit_test(test_proctable),
                cmocka_unit_test(test_proc_name),
                cmocka_unit_test(test_proc_name_in_rules),
                cmocka_unit_test(test_proctable_scan),
                cmocka_unit_test(test_default_file_rules),
                cmocka_unit_test(test_default_file_rules_persistence),
                cmocka_unit_test(test_default_net_rules),
                cmocka_unit_test(test_default_syscall_rules),
                cmocka_unit_test(test_default_syscall_rules_memory_and_caps),
                cmocka_unit_test(test_default_exec_rules),
                cmocka_unit_test(test_default_exec_rules_persistence),
                cmocka_unit_test(test_default_capture_rules),
                cmocka_unit_test(test_default_service_shell_rules),
                cmocka_unit_test(test_watched_paths),
                cmocka_unit_test(test_watched_unix_paths),
                cmocka_unit_test(test_dropin_dirs),
                cmocka_unit_test(test_file_origin),
        };

        return cmocka_run_group_tests(tests, setup_defaults, teardown_defaults);
}
