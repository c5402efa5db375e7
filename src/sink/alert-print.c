/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>
#include "alert-print.h"
#include "alert/alert-fields.h"
#include "shared/log.h"
#include "shared/timeutil.h"

static void json_alert(struct strbuf *b, const struct alert *a)
{
        struct alert_journal_fields f;
        char ts[40];

        strbuf_printf(b, "{\"time\":\"%s\",\"event\":\"alert\"", format_timestamp_iso(ts, sizeof(ts), a->time_ns));
        if (alert_to_journal_fields(a, &f) < 0) {
                b->oom = true;
                return;
        }
        for (size_t i = 0; i < f.n; i++) {
                const char *eq = strchr(f.items[i], '=');
                const struct alert_field *af = alert_field_by_journal(f.items[i], eq - f.items[i]);

                if (!af || streq(af->key, "time"))
                        continue;
                strbuf_printf(b, ",\"%s\":", af->key);
                if (af->type == 's') {
                        strbuf_putc(b, '"');
                        json_escape(b, eq + 1, strlen(eq + 1));
                        strbuf_putc(b, '"');
                } else
                        strbuf_puts(b, eq + 1);
        }
        alert_journal_fields_done(&f);
        strbuf_puts(b, "}\n");
}

void format_alert(struct strbuf *b, enum output_format format, const struct alert *a)
{
        char ts[32];

        if (format == OUTPUT_JSON) {
                json_alert(b, a);
                return;
        }
        strbuf_printf(b, "[%s] [%s] ALERT ", format_timestamp(ts, sizeof(ts), a->time_ns),
                      alert_severity_to_string(a->severity));
        text_escape(b, a->message ?: a->rule, strlen(a->message ?: a->rule));
        strbuf_putc(b, '\n');
}

int alert_print_send(const struct alert *a, void *userdata)
{
        struct formatter *f = userdata;
        struct strbuf b = {};
        int r = 0;

        if (f->format == OUTPUT_CSV) {
                log_warning("ALERT %s", a->message ?: a->rule);
                return 0;
        }
        format_alert(&b, f->format, a);
        if (b.oom)
                r = -ENOMEM;
        else if (fwrite(b.data, 1, b.len, f->out) != b.len)
                r = -errno;
        strbuf_free(&b);
        return r;
}
