/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <string.h>
#include "alert-format.h"
#include "shared/escape.h"
#include "shared/timeutil.h"

static void json_str_field_cut(struct strbuf *b, const char *key, const char *v, bool cut)
{
        if (!v)
                return;
        strbuf_printf(b, ",\"%s\":\"", key);
        json_escape(b, v, strlen(v));
        if (cut)
                strbuf_puts(b, ESCAPE_CUT_MARKER);
        strbuf_putc(b, '"');
}

static void json_str_field(struct strbuf *b, const char *key, const char *v)
{
        json_str_field_cut(b, key, v, false);
}

/* cmdline (marked and flagged when cut) and, for a process outside cwatchd's pid namespace, pid_scope */
static void json_cmdline_scope(struct strbuf *b, const struct alert_process *p)
{
        json_str_field_cut(b, "cmdline", p->cmdline, p->cmdline_truncated);
        if (p->cmdline && p->cmdline_truncated)
                strbuf_puts(b, ",\"cmdline_truncated\":true");
        if (p->pid_host)
                strbuf_puts(b, ",\"pid_scope\":\"host\"");
}

static void json_process(struct strbuf *b, const struct alert_process *p)
{
        strbuf_printf(b, "{\"pid\":%" PRIu32 ",\"ppid\":%" PRIu32 ",\"uid\":%" PRIu32, p->pid, p->ppid, p->uid);
        json_str_field(b, "comm", p->comm);
        json_str_field(b, "exe", p->exe);
        if (p->exe_truncated)
                strbuf_puts(b, ",\"exe_truncated\":true");
        json_cmdline_scope(b, p);
        strbuf_putc(b, '}');
}

static void format_alert_json(struct strbuf *b, const struct alert *a)
{
        const struct identity *id = a->identity;
        char ts[40];

        strbuf_printf(b, "{\"time\":\"%s\",\"event\":\"alert\"", format_timestamp_iso(ts, sizeof(ts), a->time_ns));
        json_str_field(b, "id", a->id);
        json_str_field(b, "rule", a->rule);
        json_str_field(b, "severity", alert_severity_to_string(a->severity));
        json_str_field(b, "mitre", a->mitre);
        json_str_field(b, "message", a->message);
        strbuf_printf(b, ",\"count\":%" PRIu64 ",\"summary\":%s", a->count, a->event ? "false" : "true");
        strbuf_printf(b, ",\"first_seen\":\"%s\"", format_timestamp_iso(ts, sizeof(ts), a->first_seen_ns));
        strbuf_printf(b, ",\"last_seen\":\"%s\"", format_timestamp_iso(ts, sizeof(ts), a->last_seen_ns));
        strbuf_printf(b, ",\"pid\":%" PRIu32 ",\"ppid\":%" PRIu32 ",\"uid\":%" PRIu32,
                      a->process.pid, a->process.ppid, a->process.uid);
        json_str_field(b, "comm", a->process.comm);
        json_str_field(b, "exe", a->process.exe);
        if (a->process.exe_truncated)
                strbuf_puts(b, ",\"exe_truncated\":true");
        json_cmdline_scope(b, &a->process);
        if (id) {
                json_str_field(b, "container_id", id->container_id);
                json_str_field(b, "container_name", id->container_name);
                json_str_field(b, "runtime", id->runtime);
                json_str_field(b, "image", id->image);
                json_str_field(b, "pod", id->pod);
                json_str_field(b, "namespace", id->pod_namespace);
                if (id->unit) {
                        /* a systemd unit name, escaped by systemd in the same \xNN: kept as it is written */
                        strbuf_puts(b, ",\"unit\":\"");
                        escape_append(b, id->unit, strlen(id->unit), ESCAPE_JSON | ESCAPE_ESCAPED);
                        strbuf_putc(b, '"');
                }
        }
        strbuf_puts(b, ",\"ancestors\":[");
        for (size_t i = 0; i < a->n_ancestors; i++) {
                if (i)
                        strbuf_putc(b, ',');
                json_process(b, &a->ancestors[i]);
        }
        strbuf_putc(b, ']');
        json_str_field(b, "incident_id", a->incident_id);
        /* the provenance graph writes the story as JSON: it nests as it is */
        if (a->story && a->story[0] == '{')
                strbuf_printf(b, ",\"story\":%s", a->story);
        strbuf_puts(b, "}\n");
}

void format_alert(struct strbuf *b, enum output_format format, const struct alert *a)
{
        const char *sev = alert_severity_to_string(a->severity) ?: "warning";
        const struct identity *id = a->identity;
        char ts[40];

        switch (format) {
        case OUTPUT_JSON:
                format_alert_json(b, a);
                break;
        case OUTPUT_CSV:
                strbuf_printf(b, "%s,alert,", format_timestamp_iso(ts, sizeof(ts), a->time_ns));
                csv_escape(b, a->rule ?: "", strlen(a->rule ?: ""));
                strbuf_printf(b, ",%s,", sev);
                csv_escape(b, a->mitre ?: "", strlen(a->mitre ?: ""));
                strbuf_printf(b, ",%" PRIu64 ",%" PRIu32 ",", a->count, a->process.pid);
                csv_escape(b, a->process.exe ?: "", strlen(a->process.exe ?: ""));
                strbuf_putc(b, ',');
                csv_escape(b, a->message ?: "", strlen(a->message ?: ""));
                strbuf_puts(b, "\r\n");
                break;
        case OUTPUT_TABLE:
                strbuf_printf(b, "[%s] [%s] ALERT ", format_timestamp(ts, sizeof(ts), a->time_ns), sev);
                text_escape(b, a->rule ?: "", strlen(a->rule ?: ""));
                if (a->mitre) {
                        strbuf_puts(b, " (");
                        text_escape(b, a->mitre, strlen(a->mitre));
                        strbuf_putc(b, ')');
                }
                strbuf_puts(b, ": ");
                text_escape(b, a->message ?: "", strlen(a->message ?: ""));
                strbuf_printf(b, " [pid %" PRIu32, a->process.pid);
                if (id && id->container_name) {
                        strbuf_puts(b, ", container ");
                        text_escape(b, id->container_name, strlen(id->container_name));
                }
                strbuf_putc(b, ']');
                if (!a->event)
                        strbuf_printf(b, " repeated %" PRIu64 " times since %s", a->count,
                                      format_timestamp(ts, sizeof(ts), a->first_seen_ns));
                strbuf_putc(b, '\n');
                break;
        }
}

int formatter_alert_sink_send(const struct alert *a, void *userdata)
{
        struct formatter *f = userdata;
        struct strbuf b = {};
        int r = 0;

        format_alert(&b, f->format, a);
        if (b.oom)
                r = -ENOMEM;
        else if (fwrite(b.data, 1, b.len, f->out) != b.len)
                r = -EIO;
        strbuf_free(&b);
        return r;
}
