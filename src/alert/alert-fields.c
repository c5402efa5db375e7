/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "alert-fields.h"
#include "shared/macro.h"

const struct alert_field alert_fields[] = {
        { "MESSAGE", "message", 's' },
        { "MESSAGE_ID", "message_id", 's' },
        { "CWATCH_TIME_USEC", "time", 't' },
        { "CWATCH_ALERT_ID", "alert_id", 's' },
        { "CWATCH_RULE", "rule", 's' },
        { "CWATCH_SEVERITY", "severity", 's' },
        { "CWATCH_SCORE", "score", 'd' },
        { "CWATCH_PID", "pid", 'u' },
        { "CWATCH_PPID", "ppid", 'u' },
        { "CWATCH_UID", "uid", 'u' },
        { "CWATCH_COMM", "comm", 's' },
        { "CWATCH_EXE", "exe", 's' },
        { "CWATCH_EXE_TRUNCATED", "exe_truncated", 'u' },
        { "CWATCH_CMDLINE", "cmdline", 's' },
        { "CWATCH_CONTAINER_ID", "container_id", 's' },
        { "CWATCH_CONTAINER_NAME", "container_name", 's' },
        { "CWATCH_CONTAINER_RUNTIME", "container_runtime", 's' },
        { "CWATCH_POD", "pod", 's' },
        { "CWATCH_NAMESPACE", "namespace", 's' },
        { "CWATCH_UNIT", "unit", 's' },
        { "CWATCH_MITRE", "mitre", 's' },
        { "CWATCH_COUNT", "count", 't' },
        { "CWATCH_INCIDENT_ID", "incident_id", 's' },
        { "CWATCH_STORY", "story", 's' },
        { "CWATCH_ANOMALY", "anomaly", 's' },
        { "CWATCH_TRUST", "trust", 'd' },
        { "CWATCH_SHA256", "sha256", 's' },
};

const size_t alert_fields_size = ELEMENTSOF(alert_fields);

const struct alert_field *alert_field_by_journal(const char *name, size_t len)
{
        for (size_t i = 0; i < alert_fields_size; i++)
                if (strlen(alert_fields[i].journal) == len && memcmp(alert_fields[i].journal, name, len) == 0)
                        return &alert_fields[i];
        return NULL;
}

const struct alert_field *alert_field_by_key(const char *key)
{
        for (size_t i = 0; i < alert_fields_size; i++)
                if (streq(alert_fields[i].key, key))
                        return &alert_fields[i];
        return NULL;
}

static int add(struct alert_journal_fields *f, const char *fmt, ...) _printf_(2, 3);

static int add(struct alert_journal_fields *f, const char *fmt, ...)
{
        va_list ap;
        char *s;
        int r;

        if (f->n >= ALERT_JOURNAL_FIELDS_MAX)
                return -E2BIG;
        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        f->items[f->n++] = s;
        return 0;
}

static int add_str(struct alert_journal_fields *f, const char *name, const char *value)
{
        return value && *value ? add(f, "%s=%s", name, value) : 0;
}

int alert_to_journal_fields(const struct alert *a, struct alert_journal_fields *f)
{
        const struct identity *id = a->identity;
        int r = 0;

        *f = (struct alert_journal_fields) {};
        r = r ?: add(f, "MESSAGE=%s", a->message ?: a->rule ?: "alert");
        r = r ?: add_str(f, "MESSAGE_ID", a->message_id);
        r = r ?: add(f, "PRIORITY=%d", alert_severity_to_priority(a->severity));
        r = r ?: add(f, "SYSLOG_IDENTIFIER=cwatch");
        if (a->process.pid > 0)
                r = r ?: add(f, "OBJECT_PID=%" PRIu32, a->process.pid);
        if (a->time_ns > 0)
                r = r ?: add(f, "CWATCH_TIME_USEC=%" PRIu64, a->time_ns / 1000);
        r = r ?: add_str(f, "CWATCH_ALERT_ID", a->id);
        r = r ?: add_str(f, "CWATCH_RULE", a->rule);
        r = r ?: add_str(f, "CWATCH_SEVERITY", alert_severity_to_string(a->severity));
        r = r ?: add(f, "CWATCH_SCORE=%.1f", a->score);
        if (a->process.pid > 0) {
                r = r ?: add(f, "CWATCH_PID=%" PRIu32, a->process.pid);
                r = r ?: add(f, "CWATCH_PPID=%" PRIu32, a->process.ppid);
                r = r ?: add(f, "CWATCH_UID=%" PRIu32, a->process.uid);
        }
        r = r ?: add_str(f, "CWATCH_COMM", a->process.comm);
        r = r ?: add_str(f, "CWATCH_EXE", a->process.exe);
        /* the path was cut (it says where, "/.../"): longer than PATH_MAX or deeper than walked */
        if (a->process.exe && a->process.exe_truncated)
                r = r ?: add(f, "CWATCH_EXE_TRUNCATED=1");
        r = r ?: add_str(f, "CWATCH_CMDLINE", a->process.cmdline);
        if (id) {
                r = r ?: add_str(f, "CWATCH_CONTAINER_ID", id->container_id);
                r = r ?: add_str(f, "CWATCH_CONTAINER_NAME", id->container_name);
                r = r ?: add_str(f, "CWATCH_CONTAINER_RUNTIME", id->runtime);
                r = r ?: add_str(f, "CWATCH_POD", id->pod);
                r = r ?: add_str(f, "CWATCH_NAMESPACE", id->pod_namespace);
                r = r ?: add_str(f, "CWATCH_UNIT", id->unit);
        }
        r = r ?: add_str(f, "CWATCH_MITRE", a->mitre);
        r = r ?: add(f, "CWATCH_COUNT=%" PRIu64, a->count ?: 1);
        r = r ?: add_str(f, "CWATCH_INCIDENT_ID", a->incident_id);
        r = r ?: add_str(f, "CWATCH_STORY", a->story);
        r = r ?: add_str(f, "CWATCH_ANOMALY", a->anomaly);
        if (a->program_sha256) {
                r = r ?: add(f, "CWATCH_TRUST=%.2f", a->trust);
                r = r ?: add_str(f, "CWATCH_SHA256", a->program_sha256);
        }
        if (r < 0)
                alert_journal_fields_done(f);
        return r;
}

void alert_journal_fields_done(struct alert_journal_fields *f)
{
        for (size_t i = 0; i < f->n; i++)
                free(f->items[i]);
        f->n = 0;
}

const char *alert_journal_fields_get(const struct alert_journal_fields *f, const char *name)
{
        size_t l = strlen(name);

        for (size_t i = 0; i < f->n; i++)
                if (strneq(f->items[i], name, l) && f->items[i][l] == '=')
                        return f->items[i] + l + 1;
        return NULL;
}
