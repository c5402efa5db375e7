/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "response-config.h"
#include "shared/conf-parser.h"
#include "shared/macro.h"

int response_config_init_default(struct response_config *c)
{
        static const char *const protected_units[] = { RESPONSE_DEFAULT_PROTECTED };
        int r = 0;

        *c = (struct response_config) { .max_per_minute = RESPONSE_DEFAULT_MAX_PER_MINUTE };
        for (size_t i = 0; i < ELEMENTSOF(protected_units) && r >= 0; i++)
                r = strv_add(&c->protected_units, protected_units[i]);
        if (r < 0)
                response_config_done(c);
        return r;
}

void response_config_done(struct response_config *c)
{
        strv_done(&c->protected_units);
        strv_done(&c->rule_actions);
}

int response_config_copy(struct response_config *dst, const struct response_config *src)
{
        int r;

        response_config_done(dst);
        *dst = *src;
        dst->protected_units = (struct strv) {};
        dst->rule_actions = (struct strv) {};
        r = strv_copy(&dst->protected_units, &src->protected_units);
        if (r >= 0)
                r = strv_copy(&dst->rule_actions, &src->rule_actions);
        if (r < 0)
                response_config_done(dst);
        return r;
}

enum response_action response_config_alert_action(const struct response_config *c, const char *rule,
                                                  enum alert_severity severity)
{
        size_t n = rule ? strlen(rule) : 0;

        /* the last RuleAction= of a rule wins, as with every other key */
        for (size_t i = c->rule_actions.n; rule && i > 0; i--) {
                const char *item = c->rule_actions.items[i - 1];

                if (strneq(item, rule, n) && item[n] == ':')
                        return response_action_from_string(item + n + 1, false);
        }
        return severity < _SEVERITY_MAX ? c->on_severity[severity] : RESPONSE_ACTION_NONE;
}

static bool valid_unit_pattern(const char *s)
{
        size_t n = strlen(s);

        return n > 0 && n <= 256 && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                              ":-_.\\@*?[]") == n;
}

int response_parse_protected(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        struct strv *v = ptr;
        size_t before = v->n;
        int r;

        r = conf_parse_strv(value, ptr, arg, err, err_size);
        if (r < 0)
                return r;
        for (size_t i = *value ? before : v->n; i < v->n; i++)
                if (!valid_unit_pattern(v->items[i])) {
                        snprintf(err, err_size, "'%.64s' is not a unit name or glob pattern", v->items[i]);
                        return -EINVAL;
                }
        return 0;
}

/* "NAME:ACTION" with NAME made of name_chars; returns the action or -EINVAL. */
static int parse_pair(const char *item, const char *name_chars, size_t *ret_name_len)
{
        const char *colon = strrchr(item, ':');
        size_t n = colon ? (size_t) (colon - item) : 0;

        if (!colon || n == 0 || n > 128 || strspn(item, name_chars) < n)
                return -EINVAL;
        *ret_name_len = n;
        return response_action_from_string(colon + 1, false);
}

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-."

int response_parse_severity_actions(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        enum response_action *actions = ptr, parsed[_SEVERITY_MAX] = {};
        struct strv items = {};
        int r;

        /* each assignment names the whole mapping: a drop-in replaces it, an empty one clears it */
        r = strv_split(&items, value, " \t,");
        for (size_t i = 0; i < items.n && r >= 0; i++) {
                size_t n = 0;
                int act = parse_pair(items.items[i], NAME_CHARS, &n), sev = -EINVAL;

                if (act >= 0) {
                        items.items[i][n] = 0;
                        sev = alert_severity_from_string(items.items[i]);
                }
                if (sev < 0) {
                        snprintf(err, err_size, "expected SEVERITY:ACTION pairs such as critical:freeze (severities "
                                 "critical, error, warning, notice, info; actions none, freeze, kill, kill-unit, stop)");
                        r = -EINVAL;
                } else
                        parsed[sev] = act;
        }
        strv_done(&items);
        if (r == -ENOMEM)
                return r;
        if (r >= 0)
                memcpy(actions, parsed, sizeof(parsed));
        return r;
}

int response_parse_rule_actions(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        struct strv *v = ptr;
        size_t before = v->n;
        int r;

        r = conf_parse_strv(value, ptr, arg, err, err_size);
        if (r < 0)
                return r;
        for (size_t i = *value ? before : v->n; i < v->n; i++) {
                size_t n;

                if (parse_pair(v->items[i], NAME_CHARS, &n) < 0) {
                        snprintf(err, err_size, "'%.64s' is not RULE:ACTION (actions none, freeze, kill, kill-unit, stop)",
                                 v->items[i]);
                        return -EINVAL;
                }
        }
        return 0;
}

int response_parse_action(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        int a = response_action_from_string(value, false);

        if (a < 0) {
                snprintf(err, err_size, "expected an action: none, freeze, kill, kill-unit or stop");
                return -EINVAL;
        }
        *(enum response_action *) ptr = a;
        return 0;
}

int response_parse_incident_score(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        double v;
        char *end;

        errno = 0;
        v = strtod(value, &end);
        if (errno || end == value || *end || !(v >= 0 && v <= 100000)) {
                snprintf(err, err_size, "expected 0 (off) or an incident score up to 100000, such as 20");
                return -EINVAL;
        }
        *(double *) ptr = v;
        return 0;
}

int response_parse_max_per_minute(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        unsigned long long v;
        char *end;

        errno = 0;
        v = strtoull(value, &end, 10);
        if (errno || end == value || *end || *value == '-' || v < 1 || v > RESPONSE_MAX_PER_MINUTE_LIMIT) {
                snprintf(err, err_size, "expected a whole number of actions from 1 to %d", RESPONSE_MAX_PER_MINUTE_LIMIT);
                return -EINVAL;
        }
        *(uint64_t *) ptr = v;
        return 0;
}
