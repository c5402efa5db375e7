/* SPDX-License-Identifier: GPL-2.0-or-later */
/* [Rule] sections to rules: keys checked, condition parsed with its exceptions folded in, a rule of
 * an earlier file replaced or amended. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "loader.h"
#include "rules-build.h"
#include "rules-parser.h"
#include "shared/array.h"
#include "shared/macro.h"

/* Event= and Tags= are words separated by blanks or commas */
#define RULES_WORD_SEPARATORS " \t\r,"

static void rule_done(struct rule *r)
{
        free(r->name);
        strv_done(&r->events);
        free(r->mitre);
        free(r->description);
        free(r->message);
        strv_done(&r->tags);
        node_free(r->condition);
        *r = (struct rule) {};
}

static int parse_bool(const char *s)
{
        if (streq(s, "yes") || streq(s, "true") || streq(s, "on") || streq(s, "1"))
                return 1;
        if (streq(s, "no") || streq(s, "false") || streq(s, "off") || streq(s, "0"))
                return 0;
        return -EINVAL;
}

static bool valid_mitre(const char *s)
{
        /* T1234 or T1234.567 */
        if (s[0] != 'T' || strlen(s) < 5)
                return false;
        for (int i = 1; i < 5; i++)
                if (!isdigit((unsigned char) s[i]))
                        return false;
        if (s[5] == '\0')
                return true;
        return s[5] == '.' && isdigit((unsigned char) s[6]) && isdigit((unsigned char) s[7]) &&
               isdigit((unsigned char) s[8]) && s[9] == '\0';
}

static int replace_str(char **p, const char *v)
{
        char *c = strdup(v);

        if (!c)
                return -ENOMEM;
        free(*p);
        *p = c;
        return 0;
}

/* Sets the plain keys of a [Rule] section on r (a new rule, or one being amended). */
static int rule_apply_keys(struct loader *ld, const struct section *s, struct rule *rule)
{
        int ret = 0;

        /* every bad value is reported, not only the first */
        for (size_t i = 0; i < s->n_assignments; i++) {
                const struct assignment *a = &s->assignments[i];
                int r = 0;

                if (streq(a->key, "Severity")) {
                        int sev = alert_severity_from_string(a->value);

                        if (sev < 0) {
                                struct source_pos p = value_pos(a, 0);

                                error_at(ld, &p, "unknown severity '%.32s'; expected critical, error, warning, notice or info",
                                         a->value);
                                ret = -EINVAL;
                                continue;
                        }
                        rule->severity = sev;
                } else if (streq(a->key, "Action")) {
                        int act = response_action_from_string(a->value, false);

                        if (act < 0) {
                                struct source_pos p = value_pos(a, 0);

                                error_at(ld, &p, "unknown action '%.32s'; expected none, freeze, kill, kill-unit or stop",
                                         a->value);
                                return -EINVAL;
                        }
                        rule->action = act;
                } else if (streq(a->key, "Mitre")) {
                        if (!valid_mitre(a->value)) {
                                struct source_pos p = value_pos(a, 0);

                                error_at(ld, &p, "invalid MITRE ATT&CK technique '%.32s'; expected T1234 or T1234.567",
                                         a->value);
                                ret = -EINVAL;
                                continue;
                        }
                        r = replace_str(&rule->mitre, a->value);
                } else if (streq(a->key, "Message")) {
                        r = replace_str(&rule->message, a->value);
                        rule->message_pos = value_pos(a, 0);
                }
                else if (streq(a->key, "Description"))
                        r = replace_str(&rule->description, a->value);
                else if (streq(a->key, "Enabled")) {
                        int b = parse_bool(a->value);

                        if (b < 0) {
                                struct source_pos p = value_pos(a, 0);

                                error_at(ld, &p, "Enabled= takes yes or no, not '%.32s'", a->value);
                                ret = -EINVAL;
                                continue;
                        }
                        rule->enabled = b;
                } else if (streq(a->key, "Tags")) {
                        strv_done(&rule->tags);
                        r = strv_split(&rule->tags, a->value, RULES_WORD_SEPARATORS);
                }
                if (r < 0)
                        return r;
        }
        return ret;
}

/* Adds "and not (exception)" for each Exception= of s to the rule's condition. */
static int rule_add_exceptions(struct loader *ld, const struct section *s, struct rule *rule, size_t *budget)
{
        int ret = 0;

        for (size_t i = 0; i < s->n_assignments; i++) {
                const struct assignment *a = &s->assignments[i];
                struct node *e = NULL, *not, *and;
                int r;

                if (!streq(a->key, "Exception"))
                        continue;
                r = condition_parse(ld, a, 0, budget, &e);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        ret = r;
                        continue;
                }
                not = calloc(1, sizeof(*not));
                and = calloc(1, sizeof(*and));
                if (!not || !and) {
                        free(not);
                        free(and);
                        node_free(e);
                        return -ENOMEM;
                }
                *not = (struct node) { .kind = NODE_NOT, .a = e };
                *and = (struct node) { .kind = NODE_AND, .a = rule->condition, .b = not };
                rule->condition = and;
        }
        return ret;
}

static struct rule *find_rule(struct detect_engine *e, const char *name)
{
        for (size_t i = 0; i < e->n_rules; i++)
                if (streq(e->rules[i].name, name))
                        return &e->rules[i];
        return NULL;
}

int rule_build(struct loader *ld, struct detect_engine *e, const struct section *s)
{
        static const char *const keys[] = {
                "Name", "Event", "Condition", "Severity", "Mitre", "Message", "Exception", "Enabled",
                "Tags", "Description", "Action", NULL,
        };
        const char *name, *event, *message;
        const struct assignment *cond;
        struct rule rule = { .pos = s->pos, .enabled = true, .severity = SEVERITY_WARNING }, *old;
        size_t budget = RULES_MAX_NODES;
        bool missing;
        int r;

        if (!section_check_keys(ld, s, keys, "Name=, Event=, Condition=, Severity=, Mitre=, Message=, Exception=, "
                        "Enabled=, Tags=, Description= or Action=")) {
                r = rule_apply_keys(ld, s, &rule);      /* and the values of the known keys */
                rule_done(&rule);
                return r == -ENOMEM ? r : -EINVAL;
        }
        name = section_require(ld, s, "Name");
        if (!name)
                return -EINVAL;
        if (!section_valid_name(name)) {
                error_at(ld, &section_get(s, "Name")->pos,
                         "invalid rule name '%.64s'; use letters, digits, '_', '-' and '.'", name);
                return -EINVAL;
        }
        cond = section_get(s, "Condition");
        old = find_rule(e, name);
        if (old && old->pos.file == s->pos.file) {
                error_at(ld, &s->pos, "rule '%s' is already defined in this file (line %u)", name, old->pos.line);
                return -EINVAL;
        }
        if (old && !cond) {
                /* amends a rule of an earlier file: Enabled=, Severity=, Exception=... */
                if (section_get(s, "Event")) {
                        error_at(ld, &section_get(s, "Event")->pos,
                                 "Event= cannot be changed without a new Condition=");
                        return -EINVAL;
                }
                r = rule_apply_keys(ld, s, old);
                if (r < 0)
                        return r;
                return rule_add_exceptions(ld, s, old, &budget);
        }
        if (!cond && !section_get(s, "Event")) {
                error_at(ld, &s->pos, "rule '%s' is not defined by an earlier file; a new rule needs Event=, "
                         "Condition=, Severity= and Message=", name);
                r = rule_apply_keys(ld, s, &rule);
                rule_done(&rule);
                return r == -ENOMEM ? r : -EINVAL;
        }
        event = section_require(ld, s, "Event");
        message = section_require(ld, s, "Message");
        missing = !event | !message | !section_require(ld, s, "Condition") | !section_require(ld, s, "Severity");
        if (missing) {
                /* the values that are there are checked too (Severity=loud beside a missing key) */
                r = rule_apply_keys(ld, s, &rule);
                rule_done(&rule);
                return r == -ENOMEM ? r : -EINVAL;
        }
        if (e->n_rules >= RULES_MAX_RULES) {
                error_at(ld, &s->pos, "too many rules (more than %d)", RULES_MAX_RULES);
                return -E2BIG;
        }
        rule.name = strdup(name);
        if (!rule.name)
                return -ENOMEM;
        r = strv_split(&rule.events, event, RULES_WORD_SEPARATORS);
        if (r >= 0) {
                /* report the errors of the condition too, even when a key was wrong */
                int keys_r = rule_apply_keys(ld, s, &rule);

                r = keys_r == -ENOMEM ? keys_r : condition_parse(ld, cond, 0, &budget, &rule.condition);
                if (r != -ENOMEM) {
                        int k = rule_add_exceptions(ld, s, &rule, &budget);

                        r = r < 0 ? r : k < 0 ? k : keys_r;
                }
        }
        if (r < 0) {
                rule_done(&rule);
                return r;
        }
        if (old) {
                /* a later file replaces the rule of the same name */
                rule_done(old);
                *old = rule;
                return 0;
        }
        r = ARRAY_APPEND(e->rules, e->n_rules, rule);
        if (r < 0)
                rule_done(&rule);
        return r;
}

void rule_free_contents(struct rule *r)
{
        rule_done(r);
}
