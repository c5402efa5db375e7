/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The response engine (src/respond/response.c) with an executor that records what it is asked, and
 * cwatchd.conf's [Response]: which action an alert gets, the guard rails (protected units, slices,
 * cwatchd's own unit, the rate limit, dry run), the log and the frozen units, incidents acted on once. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "daemon/config.h"
#include "identity/cgroup-path.h"
#include "respond/response.h"
#include "respond/unit-control.h"

struct recorder {
        struct response *r;
        unsigned executed, notified;
        enum response_action last_action;
        char last_unit[256], last_cgroup[256];
        uint32_t last_pid;
        enum response_result last_result;
        char last_reason[256];
        uint64_t pending_seq;
        bool answer_later;
};

static int execute(const struct response_entry *e, const struct response_target *t, void *userdata)
{
        struct recorder *rec = userdata;

        rec->executed++;
        rec->last_action = e->action;
        snprintf(rec->last_unit, sizeof(rec->last_unit), "%s", t->unit ?: "");
        snprintf(rec->last_cgroup, sizeof(rec->last_cgroup), "%s", t->cgroup ?: "");
        rec->last_pid = t->pid;
        if (rec->answer_later)
                rec->pending_seq = e->seq;
        else
                response_complete(rec->r, e->seq, 0, "ok");
        return 0;
}

static void notify(const struct response_entry *e, void *userdata)
{
        struct recorder *rec = userdata;

        assert_int_not_equal(e->result, RESPONSE_PENDING);
        rec->notified++;
        rec->last_result = e->result;
        snprintf(rec->last_reason, sizeof(rec->last_reason), "%s", e->reason ?: "");
}

static void setup_config(struct config *c, const char *text)
{
        struct conf_error err = {};

        assert_int_equal(config_init_default(c), 0);
        assert_int_equal(config_load_string(c, "test.conf", text, strlen(text), &err), 0);
}

static struct alert alert_in(const struct identity *id, const char *rule, enum alert_severity sev,
                             enum response_action action)
{
        return (struct alert) {
                .id = "0123456789abcdef0123456789abcdef", .rule = rule, .severity = sev, .action = action,
                .identity = id, .process = { .pid = 4242, .comm = "sh", .cmdline = "sh -i" },
        };
}

static const struct identity web = {
        .runtime = "nspawn", .container_id = "web", .container_name = "web", .unit = "machine-web.scope",
        .cgroup_path = "/machine.slice/machine-web.scope/payload",
};

static void test_unit_cgroup(void **state)
{
        char *s;

        s = cgroup_path_unit_dir("/machine.slice/machine-web.scope/payload", "machine-web.scope");
        assert_string_equal(s, "/machine.slice/machine-web.scope");
        free(s);
        s = cgroup_path_unit_dir("/system.slice/foo.service", "foo.service");
        assert_string_equal(s, "/system.slice/foo.service");
        free(s);
        /* a component that only starts with the name is not it */
        assert_null(cgroup_path_unit_dir("/system.slice/foo.service2/x", "foo.service"));
        assert_null(cgroup_path_unit_dir("/", "foo.service"));
        assert_null(cgroup_path_unit_dir(NULL, "foo.service"));
}

static void test_config(void **state)
{
        struct config c;
        struct conf_error err = {};
        static const char *const bad[] = {
                "[Response]\nSeverityAction=critical\n", "[Response]\nSeverityAction=fatal:freeze\n",
                "[Response]\nSeverityAction=critical:thaw\n", "[Response]\nRuleAction=x:explode\n",
                "[Response]\nRuleAction=:freeze\n", "[Response]\nMaxActionsPerMinute=0\n",
                "[Response]\nMaxActionsPerMinute=1001\n", "[Response]\nIncidentScore=-1\n",
                "[Response]\nIncidentAction=thaw\n", "[Response]\nProtected=a/b.service\n",
                "[Response]\nEnable=maybe\n",
        };

        assert_int_equal(config_init_default(&c), 0);
        assert_false(c.response.enable);
        assert_false(c.response.dry_run);
        assert_true(strv_contains(&c.response.protected_units, "cwatchd.service"));
        assert_true(strv_contains(&c.response.protected_units, "machine.slice"));
        assert_int_equal(c.response.max_per_minute, RESPONSE_DEFAULT_MAX_PER_MINUTE);
        config_done(&c);

        setup_config(&c, "[Response]\nEnable=yes\nSeverityAction=critical:freeze error:kill-unit\n"
                         "RuleAction=r1:stop r2:kill\nRuleAction=r1:none\nIncidentScore=20\nIncidentAction=freeze\n"
                         "Protected=\nProtected=app-*.service\n");
        assert_int_equal(response_config_alert_action(&c.response, "other", SEVERITY_CRITICAL), RESPONSE_ACTION_FREEZE);
        assert_int_equal(response_config_alert_action(&c.response, "other", SEVERITY_ERROR), RESPONSE_ACTION_KILL_UNIT);
        assert_int_equal(response_config_alert_action(&c.response, "other", SEVERITY_WARNING), RESPONSE_ACTION_NONE);
        /* the last RuleAction= of a rule wins over the severity's */
        assert_int_equal(response_config_alert_action(&c.response, "r1", SEVERITY_CRITICAL), RESPONSE_ACTION_NONE);
        assert_int_equal(response_config_alert_action(&c.response, "r2", SEVERITY_INFO), RESPONSE_ACTION_KILL);
        assert_int_equal(c.response.protected_units.n, 1);
        assert_true(c.response.incident_score == 20);
        config_done(&c);

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_int_equal(config_init_default(&c), 0);
                assert_int_equal(config_load_string(&c, "test.conf", bad[i], strlen(bad[i]), &err), -EINVAL);
                assert_non_null(strstr(err.text, "test.conf:2:"));
                config_done(&c);
        }
}

static void test_actions_and_guard_rails(void **state)
{
        struct recorder rec = {};
        struct config c;
        struct alert a;
        const struct identity sshd = { .unit = "sshd.service", .cgroup_path = "/system.slice/sshd.service" };
        const struct identity slice = { .unit = "user-1000.slice", .cgroup_path = "/user.slice/user-1000.slice" };
        const struct identity own = { .unit = "cwatchd.service", .cgroup_path = "/system.slice/cwatchd.service" };
        const struct identity app = { .unit = "app.service", .cgroup_path = "/system.slice/app.service" };

        /* off: nothing, whatever the rule says */
        setup_config(&c, "");
        assert_int_equal(response_new(&rec.r, &c.response, execute, notify, &rec), 0);
        a = alert_in(&web, "reverse-shell", SEVERITY_CRITICAL, RESPONSE_ACTION_FREEZE);
        response_on_alert(rec.r, &a, 0);
        assert_int_equal(rec.notified, 0);
        assert_int_equal(response_n_entries(rec.r), 0);
        config_done(&c);

        setup_config(&c, "[Response]\nEnable=yes\nMaxActionsPerMinute=3\nProtected=app.service\n");
        assert_int_equal(response_set_config(rec.r, &c.response), 0);
        assert_int_equal(response_set_own_unit(rec.r, "cwatchd-test.service"), 0);

        /* the rule's freeze: the container's scope, its own cgroup */
        response_on_alert(rec.r, &a, 0);
        assert_int_equal(rec.executed, 1);
        assert_int_equal(rec.last_action, RESPONSE_ACTION_FREEZE);
        assert_string_equal(rec.last_unit, "machine-web.scope");
        assert_string_equal(rec.last_cgroup, "/machine.slice/machine-web.scope");
        assert_int_equal(rec.last_result, RESPONSE_DONE);
        assert_int_equal(response_frozen_units(rec.r)->n, 1);
        assert_string_equal(response_entry(rec.r, 0)->alert_id, a.id);
        assert_string_equal(response_entry(rec.r, 0)->rule, "reverse-shell");
        /* frozen already: not again */
        response_on_alert(rec.r, &a, 0);
        assert_int_equal(rec.executed, 1);
        assert_int_equal(rec.last_result, RESPONSE_REFUSED);

        /* protected by default, by Protected=, a slice, our own unit: refused, never executed, not counted */
        a = alert_in(&sshd, "x", SEVERITY_INFO, RESPONSE_ACTION_KILL_UNIT);
        response_on_alert(rec.r, &a, 0);
        assert_int_equal(rec.last_result, RESPONSE_REFUSED);
        a = alert_in(&app, "x", SEVERITY_INFO, RESPONSE_ACTION_STOP);
        response_on_alert(rec.r, &a, 0);
        assert_int_equal(rec.last_result, RESPONSE_REFUSED);
        assert_non_null(strstr(rec.last_reason, "Protected="));
        a = alert_in(&slice, "x", SEVERITY_INFO, RESPONSE_ACTION_STOP);
        response_on_alert(rec.r, &a, 0);
        assert_int_equal(rec.last_result, RESPONSE_REFUSED);
        assert_non_null(strstr(rec.last_reason, "slice"));
        a = alert_in(&own, "x", SEVERITY_INFO, RESPONSE_ACTION_STOP);
        response_on_alert(rec.r, &a, 0);
        assert_int_equal(rec.last_result, RESPONSE_REFUSED);
        a = alert_in(NULL, "x", SEVERITY_INFO, RESPONSE_ACTION_STOP);
        response_on_alert(rec.r, &a, 0);
        assert_int_equal(rec.last_result, RESPONSE_REFUSED);
        assert_int_equal(rec.executed, 1);

        /* the rate limit: the freeze was one of three; two more, then held back */
        {
                const struct identity u1 = { .unit = "a.service", .cgroup_path = "/system.slice/a.service" };

                a = alert_in(&u1, "x", SEVERITY_INFO, RESPONSE_ACTION_KILL);
                response_on_alert(rec.r, &a, 0);
                assert_int_equal(rec.last_result, RESPONSE_DONE);
                assert_int_equal(rec.last_pid, 4242);
                response_on_alert(rec.r, &a, 0);
                assert_int_equal(rec.last_result, RESPONSE_DONE);
                response_on_alert(rec.r, &a, 0);
                assert_int_equal(rec.last_result, RESPONSE_HELD_BACK);
                assert_non_null(strstr(rec.last_reason, "MaxActionsPerMinute="));
                assert_int_equal(rec.executed, 3);
        }

        /* by hand: not rate limited, thaw takes it off the frozen list; protected still refused */
        assert_int_equal(response_request(rec.r, RESPONSE_ACTION_THAW, &(struct response_target) {
                .unit = "machine-web.scope", .cgroup = "/machine.slice/machine-web.scope" }, SIGKILL, "uid 0")->result,
                RESPONSE_DONE);
        assert_int_equal(response_frozen_units(rec.r)->n, 0);
        assert_int_equal(response_request(rec.r, RESPONSE_ACTION_FREEZE, &(struct response_target) {
                .unit = "systemd-journald.service" }, SIGKILL, "uid 0")->result, RESPONSE_REFUSED);
        assert_int_equal(rec.executed, 4);
        response_free(rec.r);
        config_done(&c);
}

static void test_dry_run_incident_and_failure(void **state)
{
        struct recorder rec = { .answer_later = true };
        const struct identity app = { .unit = "app.service", .cgroup_path = "/system.slice/app.service" };
        struct config c;
        struct alert a;

        setup_config(&c, "[Response]\nEnable=yes\nDryRun=yes\nSeverityAction=critical:stop\n");
        assert_int_equal(response_new(&rec.r, &c.response, execute, notify, &rec), 0);
        a = alert_in(&app, "x", SEVERITY_CRITICAL, RESPONSE_ACTION_NONE);
        response_on_alert(rec.r, &a, 0);
        assert_int_equal(rec.executed, 0);
        assert_int_equal(rec.last_result, RESPONSE_DRY_RUN);
        assert_int_equal(response_entry(rec.r, 0)->origin, RESPONSE_ORIGIN_CONFIG);
        config_done(&c);

        /* an incident past IncidentScore=: its action once, however many alerts follow */
        setup_config(&c, "[Response]\nEnable=yes\nIncidentScore=10\nIncidentAction=freeze\n");
        assert_int_equal(response_set_config(rec.r, &c.response), 0);
        a = alert_in(&app, "x", SEVERITY_WARNING, RESPONSE_ACTION_NONE);
        a.incident_id = "fedcba9876543210fedcba9876543210";
        response_on_alert(rec.r, &a, 5);
        assert_int_equal(rec.executed, 0);
        response_on_alert(rec.r, &a, 12);
        assert_int_equal(rec.executed, 1);
        response_on_alert(rec.r, &a, 30);
        assert_int_equal(rec.executed, 1);
        /* pending until the executor answers: then failed, and not frozen */
        assert_int_equal(response_entry(rec.r, response_n_entries(rec.r) - 1)->result, RESPONSE_PENDING);
        assert_int_equal(response_entry(rec.r, response_n_entries(rec.r) - 1)->origin, RESPONSE_ORIGIN_INCIDENT);
        response_complete(rec.r, rec.pending_seq, -EPERM, "systemd refused: no");
        assert_int_equal(rec.last_result, RESPONSE_FAILED);
        assert_string_equal(rec.last_reason, "systemd refused: no");
        assert_int_equal(response_frozen_units(rec.r)->n, 0);
        /* an answer for what is no longer pending changes nothing */
        response_complete(rec.r, rec.pending_seq, 0, "late");
        assert_int_equal(rec.last_result, RESPONSE_FAILED);

        /* the log keeps the last RESPONSE_MAX_ENTRIES */
        for (unsigned i = 0; i < RESPONSE_MAX_ENTRIES + 10; i++)
                (void) response_request(rec.r, RESPONSE_ACTION_FREEZE, &(struct response_target) { .unit = "-.slice" },
                                        SIGKILL, NULL);
        assert_int_equal(response_n_entries(rec.r), RESPONSE_MAX_ENTRIES);
        response_free(rec.r);
        config_done(&c);
}

/* A pidfd on a process only when it is still in the unit's cgroup and has the alert's name. */
static void test_open_process(void **state)
{
        char cgroup[4096] = "", line[4096], comm[32], why[400];
        FILE *f = fopen("/proc/self/cgroup", "re");
        struct response_target t;
        int fd, status;
        pid_t child;

        assert_non_null(f);
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, "0::", 3) == 0) {
                        line[strcspn(line, "\n")] = 0;
                        snprintf(cgroup, sizeof(cgroup), "%s", line + 3);
                }
        fclose(f);
        if (!cgroup[0])
                skip();
        child = fork();
        assert_true(child >= 0);
        if (child == 0) {
                prctl(PR_SET_NAME, "cwresp-child");
                pause();
                _exit(0);
        }
        for (int i = 0; i < 100; i++) {
                char path[64];

                snprintf(path, sizeof(path), "/proc/%d/comm", (int) child);
                f = fopen(path, "re");
                if (f && fgets(comm, sizeof(comm), f) && strncmp(comm, "cwresp-child", 12) == 0) {
                        fclose(f);
                        break;
                }
                if (f)
                        fclose(f);
                usleep(10000);
        }
        t = (struct response_target) { .unit = "x.service", .cgroup = cgroup, .pid = child, .comm = "cwresp-child" };
        fd = unit_control_open_process("/sys/fs/cgroup", &t, why, sizeof(why));
        assert_true(fd >= 0);
        close(fd);
        /* another name: not the alert's process */
        t.comm = "other";
        assert_int_equal(unit_control_open_process("/sys/fs/cgroup", &t, why, sizeof(why)), -ESRCH);
        assert_non_null(strstr(why, "no longer the one of the alert"));
        /* another unit's cgroup */
        t.comm = "cwresp-child";
        t.cgroup = "/cwresp-nowhere.scope";
        assert_int_equal(unit_control_open_process("/sys/fs/cgroup", &t, why, sizeof(why)), -ESRCH);
        /* no cgroup known: refused */
        t.cgroup = NULL;
        assert_int_equal(unit_control_open_process("/sys/fs/cgroup", &t, why, sizeof(why)), -ENOENT);
        kill(child, SIGKILL);
        assert_int_equal(waitpid(child, &status, 0), child);
        /* gone */
        t.cgroup = cgroup;
        assert_true(unit_control_open_process("/sys/fs/cgroup", &t, why, sizeof(why)) < 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_unit_cgroup),
                cmocka_unit_test(test_config),
                cmocka_unit_test(test_actions_and_guard_rails),
                cmocka_unit_test(test_dry_run_incident_and_failure),
                cmocka_unit_test(test_open_process),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
