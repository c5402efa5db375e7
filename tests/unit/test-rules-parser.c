/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rule parser on malformed files: each error is precise (file:line:column and what was
 * expected) and nothing crashes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "../common/rules-test-schemas.h"
#include "detect/engine.h"

static struct strbuf errors;

/* Loads text as "t.rules"; returns the errors ("" when it loaded). */
static const char *load(const char *text)
{
        struct detect_engine *e = NULL;
        int r;

        strbuf_reset(&errors);
        r = detect_engine_load_string(&e, "t.rules", text, strlen(text), test_catalog(), &errors);
        if (r == 0) {
                assert_non_null(e);
                assert_int_equal(errors.len, 0);
                detect_engine_free(e);
                return "";
        }
        assert_int_equal(r, -EINVAL);
        assert_null(e);
        assert_true(errors.len > 0);
        return errors.data;
}

static char *rule(const char *condition)
{
        char *s;

        assert_true(asprintf(&s, "[Rule]\nName=r\nEvent=exec\nCondition=%s\nSeverity=warning\nMessage=m\n",
                             condition) > 0);
        return s;
}

static void assert_rule_error(const char *condition, const char *want)
{
        char *text = rule(condition);

        assert_string_equal(load(text), want);
        free(text);
}

static void test_valid(void **state)
{
        assert_string_equal(load(
                "# comment\n; another\n"
                "[List]\nName=shells\nItems=/bin/sh \"/bin/ba sh\" /bin/dash\n"
                "[List]\nName=more\nItems=shells /bin/zsh\n"
                "[Macro]\nName=in_container\nCondition=container.id != \"\"\n"
                "[Rule]\nName=shell-in-container\nEvent=exec\n"
                "Condition=in_container and proc.exe in (more) and not proc.parent.exe in (shells, /x)\n"
                "Severity=warning\nMitre=T1059.004\n"
                "Message=Shell %proc.exe started in container %container.name by %proc.parent.exe; 100%%\n"
                "Exception=container.image glob \"*debug*\"\nException=proc.uid >= 1000 and proc.uid & 0x1\n"
                "Enabled=yes\nTags=a b\n"
                "[Rule]\nName=cont\nEvent=exec fork\nCondition=proc.exe_memfd and \\\n"
                "   proc.name startswith (a, 'b c') or proc.ancestors.name = x\nSeverity=info\nMessage=x\n"), "");
}

static void test_bad_tokens(void **state)
{
        assert_rule_error("proc.exe = /a ! b", "t.rules:4:25: unexpected '!'; did you mean '!=' or 'not'?\n");
        assert_rule_error("proc.exe == /a", "t.rules:4:20: unexpected '=='; the equality operator is '='\n");
        assert_rule_error("proc.exe = \"abc", "t.rules:4:22: unterminated string; expected a closing \"\n");
        assert_rule_error("proc.exe = \"a\\qb\"", "t.rules:4:24: unknown escape sequence '\\q'; expected \\\\ \\\" \\n \\t or \\xHH\n");
        assert_rule_error("proc.exe = \x01", "t.rules:4:22: unexpected character 0x01\n");
        assert_rule_error("proc.exe = /a and", "t.rules:4:28: expected a field, a macro, 'not' or '(', got the end of the condition\n");
        assert_rule_error("proc.exe = /a /b", "t.rules:4:25: expected 'and', 'or' or the end of the condition, got '/b'\n");
        assert_rule_error("(proc.exe = /a", "t.rules:4:25: expected ')' or 'and'/'or', got the end of the condition\n");
        assert_rule_error("proc.exe in (a, b", "t.rules:4:28: expected ',' or ')', got the end of the condition\n");
        assert_rule_error("proc.exe in a", "t.rules:4:23: expected '(' and a list after 'in', got 'a'\n");
        assert_rule_error("proc.exe = and", "t.rules:4:22: expected a value (quote it if it is meant literally), got 'and'\n");
        assert_rule_error("", "t.rules:4:1: Condition= is empty\n");
        assert_rule_error(")", "t.rules:4:11: expected a field, a macro, 'not' or '(', got ')'\n");
}

static void test_unknown_fields_and_macros(void **state)
{
        assert_rule_error("proc.foo = 1", "t.rules:4:11: unknown field 'proc.foo'\n");
        assert_rule_error("foo", "t.rules:4:11: unknown macro or field 'foo'\n");
        assert_rule_error("proc.exe = /a or bar and proc.pid = 1", "t.rules:4:28: unknown macro or field 'bar'\n");
        assert_rule_error("file.path = /etc/shadow",
                          "t.rules:4:11: rule 'r': field file.path is not available for event 'exec' (the event has no such column)\n");
        assert_rule_error("syscall.ret = 0",
                          "t.rules:4:11: rule 'r': field syscall.ret is not available for event 'exec' (the event has no such column)\n");
        assert_string_equal(load("[Rule]\nName=r\nEvent=exec\nCondition=proc.pid = 1\nSeverity=info\nMessage=a %proc.nope b\n"),
                            "t.rules:6:11: rule 'r': unknown field '%proc.nope' in Message=; write %% for a '%'\n");
}

static void test_wrong_types(void **state)
{
        assert_rule_error("proc.pid = abc", "t.rules:4:11: rule 'r': proc.pid is a number; 'abc' is not\n");
        assert_rule_error("proc.exe < 3", "t.rules:4:11: rule 'r': operator '<' cannot be used on proc.exe, which is a string\n");
        assert_rule_error("proc.pid glob \"1*\"", "t.rules:4:11: rule 'r': operator 'glob' cannot be used on proc.pid, which is a number\n");
        assert_rule_error("proc.exe_memfd = maybe", "t.rules:4:11: rule 'r': proc.exe_memfd is a boolean; expected true or false, not 'maybe'\n");
        assert_rule_error("proc.exe", "t.rules:4:11: rule 'r': proc.exe is a string, not a boolean; expected an operator after it\n");
        assert_rule_error("proc.uid in (0, x)", "t.rules:4:11: rule 'r': proc.uid is a number; 'x' is not\n");
}

static void test_deep_nesting(void **state)
{
        char cond[512] = "";

        for (int i = 0; i < 100; i++)
                strcat(cond, "(");
        strcat(cond, "proc.pid = 1");
        for (int i = 0; i < 100; i++)
                strcat(cond, ")");
        /* the 65th '(' is one too many */
        assert_rule_error(cond, "t.rules:4:75: condition nested too deeply (more than 64 levels)\n");

        cond[0] = '\0';
        for (int i = 0; i < 100; i++)
                strcat(cond, "not ");
        strcat(cond, "proc.pid = 1");
        assert_rule_error(cond, "t.rules:4:267: condition nested too deeply (more than 64 levels)\n");
}

static void test_huge_line(void **state)
{
        char *cond = malloc(5001);

        memset(cond, 'a', 5000);
        cond[5000] = '\0';
        assert_rule_error(cond, "t.rules:4:4097: line too long (more than 4096 bytes)\n");
        free(cond);
}

static void test_huge_value(void **state)
{
        struct strbuf b = {};

        strbuf_puts(&b, "[Rule]\nName=r\nEvent=exec\nCondition=proc.pid = 1");
        for (int i = 0; i < 10; i++) {
                strbuf_puts(&b, " \\\n");
                for (int j = 0; j < 200; j++)
                        strbuf_puts(&b, " or proc.pid = 1");
        }
        strbuf_puts(&b, "\nSeverity=info\nMessage=m\n");
        assert_string_equal(load(b.data), "t.rules:4:1: value too long (more than 16384 bytes)\n");
        strbuf_free(&b);
}

static void test_too_many_nodes(void **state)
{
        struct strbuf b = {};

        /* a macro of 400 comparisons used 60 times: 24,000 nodes */
        strbuf_puts(&b, "[Macro]\nName=big\nCondition=proc.pid = 0");
        for (int j = 0; j < 399; j++)
                strbuf_puts(&b, j % 100 == 99 ? " or \\\n proc.pid = 1" : " or proc.pid = 1");
        strbuf_puts(&b, "\n[Rule]\nName=r\nEvent=exec\nCondition=big");
        for (int j = 0; j < 59; j++)
                strbuf_puts(&b, " and big");
        strbuf_puts(&b, "\nSeverity=info\nMessage=m\n");
        assert_non_null(strstr(load(b.data), "condition too large (more than 20000 nodes)"));
        strbuf_free(&b);
}

static void test_macro_cycles(void **state)
{
        assert_string_equal(load("[Macro]\nName=a\nCondition=b or proc.pid = 1\n"
                                 "[Macro]\nName=b\nCondition=proc.pid = 2 and a\n"),
                            "t.rules:6:28: macro 'a' is used in its own definition\n");
        assert_string_equal(load("[Macro]\nName=a\nCondition=a\n"),
                            "t.rules:3:11: macro 'a' is used in its own definition\n");
        assert_string_equal(load("[List]\nName=l\nItems=x l\n"), "t.rules:3:9: list 'l' contains itself\n");
        assert_string_equal(load("[List]\nName=l\nItems=x m\n[List]\nName=m\nItems=l\n"),
                            "t.rules:6:7: list 'l' contains itself\n");
}

static void test_structure_errors(void **state)
{
        assert_string_equal(load("Name=x\n"),
                            "t.rules:1:1: assignment outside of a section; expected [List], [Macro] or [Rule] first\n");
        assert_string_equal(load("[Rules]\n"), "t.rules:1:1: unknown section '[Rules]'; expected [List], [Macro] or [Rule]\n");
        assert_string_equal(load("  [Rule\n"), "t.rules:1:3: missing ']' after the section name\n");
        assert_string_equal(load("[Rule] x\n"), "t.rules:1:8: unexpected text after the section header\n");
        assert_string_equal(load("[Rule]\njunk\n"), "t.rules:2:1: expected 'Key=value', a [Section] or a comment\n");
        assert_string_equal(load("[Rule]\nName=r\nEvent=exec\nCondition=proc.pid = 1\nSeverity=bad\nMessage=m\n"),
                            "t.rules:5:10: unknown severity 'bad'; expected critical, error, warning, notice or info\n");
        assert_string_equal(load("[Rule]\nName=r\nEvent=exec\nCondition=proc.pid = 1\nSeverity=info\nMitre=X1\nMessage=m\n"),
                            "t.rules:6:7: invalid MITRE ATT&CK technique 'X1'; expected T1234 or T1234.567\n");
        assert_string_equal(load("[Rule]\nName=r\nEvent=exec\nCondition=proc.pid = 1\nSeverity=info\n"),
                            "t.rules:1:1: [Rule] needs Message=\n");
        assert_string_equal(load("[Rule]\nName=r\nEvent=exec\nCondition=proc.pid = 1\nSeverity=info\nMessage=m\nColor=red\n"),
                            "t.rules:7:1: unknown key 'Color' in [Rule]; expected Name=, Event=, Condition=, Severity=, "
                            "Mitre=, Message=, Exception=, Enabled=, Tags=, Description= or Action=\n");
        assert_string_equal(load("[Rule]\nName=r\nEvent=exec\nCondition=proc.pid = 1\nSeverity=info\nMessage=m\nAction=thaw\n"),
                            "t.rules:7:8: unknown action 'thaw'; expected none, freeze, kill, kill-unit or stop\n");
        assert_string_equal(load("[Rule]\nName=r\nEvent=exec\nCondition=proc.pid = 1\nSeverity=info\nMessage=m\nAction=freeze\n"),
                            "");
        assert_string_equal(load("[List]\nName=and\nItems=a\n"),
                            "t.rules:2:1: invalid name 'and'; use letters, digits, '_' and '-', not a field or keyword\n");
        assert_string_equal(load("[Rule]\nName=r\nEvent=exec\nCondition=proc.pid = 1\nSeverity=info\nMessage=m\n"
                                 "[Rule]\nName=r\nEvent=exec\nCondition=proc.pid = 2\nSeverity=info\nMessage=m\n"),
                            "t.rules:7:1: rule 'r' is already defined in this file (line 1)\n");
        assert_string_equal(load("[Rule]\nName=r\nEvent=exec\nCondition=proc.pid = 1\nSeverity=info\nMessage=m\nEnabled=perhaps\n"),
                            "t.rules:7:9: Enabled= takes yes or no, not 'perhaps'\n");
}

/* issue 16 item 7: a bad value is reported beside missing keys, and every bad value, not the first */
static void test_bad_values_beside_missing_keys(void **state)
{
        assert_string_equal(load("[Rule]\nName=r\nEvent=exec\nSeverity=loud\n"),
                            "t.rules:1:1: [Rule] needs Message=\n"
                            "t.rules:1:1: [Rule] needs Condition=\n"
                            "t.rules:4:10: unknown severity 'loud'; expected critical, error, warning, notice or info\n");
        assert_string_equal(load("[Rule]\nName=r\nSeverity=loud\nMitre=X1\nEnabled=perhaps\n"),
                            "t.rules:1:1: rule 'r' is not defined by an earlier file; a new rule needs Event=, "
                            "Condition=, Severity= and Message=\n"
                            "t.rules:3:10: unknown severity 'loud'; expected critical, error, warning, notice or info\n"
                            "t.rules:4:7: invalid MITRE ATT&CK technique 'X1'; expected T1234 or T1234.567\n"
                            "t.rules:5:9: Enabled= takes yes or no, not 'perhaps'\n");
        assert_string_equal(load("[Rule]\nName=r\nEvent=exec\nCondition=proc.pid = 1\nSeverity=loud\nMitre=X1\n"
                                 "Message=m\nEnabled=perhaps\n"),
                            "t.rules:5:10: unknown severity 'loud'; expected critical, error, warning, notice or info\n"
                            "t.rules:6:7: invalid MITRE ATT&CK technique 'X1'; expected T1234 or T1234.567\n"
                            "t.rules:8:9: Enabled= takes yes or no, not 'perhaps'\n");
        assert_string_equal(load("[Rule]\nName=r\nEvent=exec\nCondition=proc.pid = 1\nSeverity=loud\nMessage=m\n"
                                 "Color=red\n"),
                            "t.rules:5:10: unknown severity 'loud'; expected critical, error, warning, notice or info\n"
                            "t.rules:7:1: unknown key 'Color' in [Rule]; expected Name=, Event=, Condition=, Severity=, "
                            "Mitre=, Message=, Exception=, Enabled=, Tags=, Description= or Action=\n");
}

/* Errors come in file and line order, whatever stage found them: a macro's error after a rule's
 * in the file is reported after it, and the errors of a second file after the first's. */
static void test_errors_in_file_and_line_order(void **state)
{
        char dir[] = "/tmp/test-rules-order-XXXXXX", a[64], b[64];
        char *files[] = { a, b };
        struct detect_engine *e = NULL;
        _cleanup_free_ char *want = NULL;
        FILE *f;

        assert_non_null(mkdtemp(dir));
        snprintf(a, sizeof(a), "%s/a.rules", dir);
        snprintf(b, sizeof(b), "%s/b.rules", dir);
        assert_non_null(f = fopen(a, "w"));
        fputs("[Rule]\nName=r1\nEvent=exec\nCondition=proc.pid = 1\nSeverity=loud\nMessage=m\n"
              "[Macro]\nName=late\nCondition=proc.name = (\n", f);
        fclose(f);
        assert_non_null(f = fopen(b, "w"));
        fputs("[Macro]\nName=early\nCondition=proc.name = )\n"
              "[Rule]\nName=r2\nEvent=exec\nCondition=proc.pid = 2\nSeverity=info\nMessage=m\nEnabled=perhaps\n", f);
        fclose(f);

        strbuf_reset(&errors);
        assert_int_equal(detect_engine_load_files(&e, files, 2, test_catalog(), &errors), -EINVAL);
        assert_null(e);
        assert_true(asprintf(&want,
                             "%s:5:10: unknown severity 'loud'; expected critical, error, warning, notice or info\n"
                             "%s:9:23: expected a value, got '('\n"
                             "%s:3:23: expected a value, got ')'\n"
                             "%s:10:9: Enabled= takes yes or no, not 'perhaps'\n", a, a, b, b) > 0);
        assert_string_equal(errors.data, want);
        assert_int_equal(unlink(a), 0);
        assert_int_equal(unlink(b), 0);
        assert_int_equal(rmdir(dir), 0);
}

static void test_nul_byte(void **state)
{
        static const char text[] = "[Rule]\nName=r\0x\n";
        struct detect_engine *e = NULL;

        strbuf_reset(&errors);
        assert_int_equal(detect_engine_load_string(&e, "t.rules", text, sizeof(text) - 1, test_catalog(), &errors),
                         -EINVAL);
        assert_string_equal(errors.data, "t.rules:2:7: NUL byte in the file\n");
}

static void test_continuation_positions(void **state)
{
        /* the error is on the second line of a continued value */
        assert_string_equal(load("[Rule]\nName=r\nEvent=exec\nCondition=proc.pid = 1 or \\\n"
                                 "      proc.bogus = 2\nSeverity=info\nMessage=m\n"),
                            "t.rules:5:7: unknown field 'proc.bogus'\n");
}

static void test_unknown_event_inactive(void **state)
{
        struct detect_engine *e = NULL;
        const char *text = "[Rule]\nName=r\nEvent=nosuchevent\nCondition=proc.pid = 1\nSeverity=info\nMessage=m\n";
        const char *const *ev;

        strbuf_reset(&errors);
        assert_int_equal(detect_engine_load_string(&e, "t.rules", text, strlen(text), test_catalog(), &errors), 0);
        assert_int_equal(detect_engine_inactive_events(e, &ev), 1);
        assert_string_equal(ev[0], "nosuchevent");
        detect_engine_free(e);
}

static void test_many_errors_capped(void **state)
{
        struct strbuf b = {};

        for (int i = 0; i < 100; i++)
                strbuf_puts(&b, "junk\n");
        assert_non_null(strstr(load(b.data), "too many errors, giving up\n"));
        strbuf_free(&b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid),
                cmocka_unit_test(test_bad_tokens),
                cmocka_unit_test(test_unknown_fields_and_macros),
                cmocka_unit_test(test_wrong_types),
                cmocka_unit_test(test_deep_nesting),
                cmocka_unit_test(test_huge_line),
                cmocka_unit_test(test_huge_value),
                cmocka_unit_test(test_too_many_nodes),
                cmocka_unit_test(test_macro_cycles),
                cmocka_unit_test(test_structure_errors),
                cmocka_unit_test(test_bad_values_beside_missing_keys),
                cmocka_unit_test(test_errors_in_file_and_line_order),
                cmocka_unit_test(test_nul_byte),
                cmocka_unit_test(test_continuation_positions),
                cmocka_unit_test(test_unknown_event_inactive),
                cmocka_unit_test(test_many_errors_capped),
        };
        int r = cmocka_run_group_tests(tests, NULL, NULL);

        strbuf_free(&errors);
        return r;
}
