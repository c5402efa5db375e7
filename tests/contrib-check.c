/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checks Grafana dashboards (valid JSON, the fields Grafana needs on the dashboard and each panel)
 * and prints every query as "DATASOURCE-TYPE<TAB>EXPR", one a line, for the test to check the
 * metric and label names they use. Exit 1 on the first invalid dashboard. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

static const char *str_of(struct json_object *o, const char *key)
{
        struct json_object *v;

        return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
                json_object_get_string(v) : NULL;
}

static void print_query(const char *type, const char *expr)
{
        /* one query a line */
        printf("%s\t", type);
        for (; *expr; expr++)
                putchar(*expr == '\n' ? ' ' : *expr);
        putchar('\n');
}

static int check_panel(const char *file, struct json_object *p)
{
        static const char *const types[] = { "timeseries", "stat", "bargauge", "nodeGraph", "logs", "table", NULL };
        struct json_object *targets, *grid, *ds;
        const char *type = str_of(p, "type"), *title = str_of(p, "title"), *ds_type;
        bool known = false;

        if (!type || !title) {
                fprintf(stderr, "%s: a panel without type or title\n", file);
                return -1;
        }
        for (size_t i = 0; types[i]; i++)
                known = known || strcmp(types[i], type) == 0;
        if (!known || !json_object_object_get_ex(p, "gridPos", &grid) ||
            !json_object_object_get_ex(p, "datasource", &ds) || !(ds_type = str_of(ds, "type")) ||
            !json_object_object_get_ex(p, "targets", &targets) || json_object_array_length(targets) == 0) {
                fprintf(stderr, "%s: panel '%s': unknown type, or no gridPos, datasource or targets\n", file, title);
                return -1;
        }
        for (size_t i = 0; i < json_object_array_length(targets); i++) {
                struct json_object *t = json_object_array_get_idx(targets, i);
                const char *expr = str_of(t, "expr");

                if (!expr || !str_of(t, "refId")) {
                        fprintf(stderr, "%s: panel '%s': a target without expr or refId\n", file, title);
                        return -1;
                }
                print_query(ds_type, expr);
        }
        return 0;
}

static int check_dashboard(const char *file)
{
        struct json_object *d = json_object_from_file(file), *panels, *templating, *list;
        int r = -1;

        if (!d) {
                fprintf(stderr, "%s: not valid JSON: %s\n", file, json_util_get_last_err());
                return -1;
        }
        if (!str_of(d, "title") || !str_of(d, "uid") || !json_object_object_get_ex(d, "panels", &panels) ||
            !json_object_is_type(panels, json_type_array) || json_object_array_length(panels) == 0) {
                fprintf(stderr, "%s: no title, uid or panels\n", file);
                goto out;
        }
        for (size_t i = 0; i < json_object_array_length(panels); i++)
                if (check_panel(file, json_object_array_get_idx(panels, i)) < 0)
                        goto out;
        if (json_object_object_get_ex(d, "templating", &templating) &&
            json_object_object_get_ex(templating, "list", &list))
                for (size_t i = 0; i < json_object_array_length(list); i++) {
                        struct json_object *v = json_object_array_get_idx(list, i), *ds;
                        const char *def = str_of(v, "definition");

                        if (def && json_object_object_get_ex(v, "datasource", &ds) && str_of(ds, "type"))
                                printf("%s-variable\t%s\n", str_of(ds, "type"), def);
                }
        r = 0;
out:
        json_object_put(d);
        return r;
}

int main(int argc, char *argv[])
{
        for (int i = 1; i < argc; i++)
                if (check_dashboard(argv[i]) < 0)
                        return 1;
        return 0;
}
