/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fields rules may name, and how each is found in an event of a given schema. */
#include <string.h>
#include "rules.h"
#include "shared/macro.h"

static const struct field_def fields[] = {
        /* the process: from the event's columns where it has them, else the process table */
        { "proc.pid", FIELD_PROC_PID, "pid", FT_NUM },
        { "proc.ppid", FIELD_PROC_PPID, "ppid", FT_NUM },
        { "proc.uid", FIELD_PROC_UID, "uid", FT_NUM },
        { "proc.comm", FIELD_PROC_COMM, "comm", FT_STR },
        { "proc.exe", FIELD_PROC_EXE, "exe", FT_STR },
        /* the program asked for: the executable's basename, a multi-call binary's applet (proc_name) */
        { "proc.name", FIELD_PROC_NAME, "exe", FT_STR },
        { "proc.cmdline", FIELD_PROC_CMDLINE, "args", FT_STR },
        { "proc.args", FIELD_PROC_ARGS, "args", FT_STR },
        { "proc.argv", FIELD_PROC_ARGV, "args", FT_STRSET },
        { "proc.stdin", FIELD_PROC_STDIN, "stdin", FT_STR },
        { "proc.stdout", FIELD_PROC_STDOUT, "stdout", FT_STR },
        { "proc.stderr", FIELD_PROC_STDERR, "stderr", FT_STR },
        { "proc.exe_memfd", FIELD_PROC_EXE_MEMFD, "exe_memfd", FT_BOOL },
        { "proc.exe_deleted", FIELD_PROC_EXE_DELETED, "exe_deleted", FT_BOOL },
        { "proc.exe_setuid", FIELD_PROC_EXE_SETUID, "exe_setuid", FT_BOOL },
        /* the script an interpreter runs (#! or its first non-option argument), absolute */
        { "proc.script", FIELD_PROC_SCRIPT, "script", FT_STR },
        { "proc.script_name", FIELD_BASENAME, "script", FT_STR },
        /* the environment at exec: the few variables the kernel captures (exec only) */
        { "proc.env", FIELD_COLUMN, "env" },
        { "proc.env_truncated", FIELD_COLUMN, "env_truncated" },
        { "proc.env.ld_preload", FIELD_ENV_LD_PRELOAD, "env", FT_STR },
        { "proc.env.ld_library_path", FIELD_ENV_LD_LIBRARY_PATH, "env", FT_STR },
        { "proc.env.histfile", FIELD_ENV_HISTFILE, "env", FT_STR },
        { "proc.env.histsize", FIELD_ENV_HISTSIZE, "env", FT_STR },
        { "proc.env.histfilesize", FIELD_ENV_HISTFILESIZE, "env", FT_STR },
        { "proc.env_inherited", FIELD_ENV_INHERITED, "env", FT_BOOL },
        /* the other end of a pipe on stdin or stdout: the process table, by the pipe's inode */
        { "proc.stdin_writer.pid", FIELD_STDIN_WRITER_PID, "stdin_pipe", FT_NUM },
        { "proc.stdin_writer.exe", FIELD_STDIN_WRITER_EXE, "stdin_pipe", FT_STR },
        { "proc.stdin_writer.name", FIELD_STDIN_WRITER_NAME, "stdin_pipe", FT_STR },
        { "proc.stdin_writer.cmdline", FIELD_STDIN_WRITER_CMDLINE, "stdin_pipe", FT_STR },
        { "proc.stdout_reader.pid", FIELD_STDOUT_READER_PID, "stdout_pipe", FT_NUM },
        { "proc.stdout_reader.exe", FIELD_STDOUT_READER_EXE, "stdout_pipe", FT_STR },
        { "proc.stdout_reader.name", FIELD_STDOUT_READER_NAME, "stdout_pipe", FT_STR },
        { "proc.stdout_reader.cmdline", FIELD_STDOUT_READER_CMDLINE, "stdout_pipe", FT_STR },
        { "proc.stdout_reader.stdin_code", FIELD_STDOUT_READER_STDIN_CODE, "stdout_pipe", FT_BOOL },
        /* the whole pipeline: up through each writer's stdin pipe, down through each reader's stdout */
        { "proc.stdin_writers.name", FIELD_STDIN_WRITERS_NAME, "stdin_pipe", FT_STRSET },
        { "proc.stdout_readers.name", FIELD_STDOUT_READERS_NAME, "stdout_pipe", FT_STRSET },
        { "proc.stdin_writers.cmdline", FIELD_STDIN_WRITERS_CMDLINE, "stdin_pipe", FT_STRSET },
        { "proc.stdout_readers.cmdline", FIELD_STDOUT_READERS_CMDLINE, "stdout_pipe", FT_STRSET },
        { "proc.stdout_readers.stdin_code", FIELD_STDOUT_READERS_STDIN_CODE, "stdout_pipe", FT_BOOL },
        /* an interpreter that reads its code from stdin: no script, no -c/-e, or -s or "-" */
        { "proc.stdin_code", FIELD_PROC_STDIN_CODE, "stdin_code", FT_BOOL },
        /* the parent and the ancestors: always the process table */
        { "proc.parent.pid", FIELD_PARENT_PID, NULL, FT_NUM },
        { "proc.parent.exe", FIELD_PARENT_EXE, NULL, FT_STR },
        { "proc.parent.name", FIELD_PARENT_NAME, NULL, FT_STR },
        { "proc.parent.cmdline", FIELD_PARENT_CMDLINE, NULL, FT_STR },
        { "proc.parent.comm", FIELD_PARENT_COMM, NULL, FT_STR },
        { "proc.ancestors", FIELD_ANCESTORS, NULL, FT_STRSET },
        { "proc.ancestors.name", FIELD_ANCESTORS_NAME, NULL, FT_STRSET },
        /* identity: columns the manager fills */
        { "container.id", FIELD_COLUMN, "container_id" },
        { "container.name", FIELD_COLUMN, "container_name" },
        { "container.image", FIELD_COLUMN, "image" },
        { "container.runtime", FIELD_COLUMN, "runtime" },
        { "pod.name", FIELD_COLUMN, "pod" },
        { "pod.namespace", FIELD_COLUMN, "namespace" },
        { "unit", FIELD_COLUMN, "unit" },
        /* files */
        { "file.path", FIELD_COLUMN, "path" },
        { "file.name", FIELD_BASENAME, "path", FT_STR },
        { "file.write", FIELD_COLUMN, "write" },
        { "file.flags", FIELD_COLUMN, "flags" },
        { "file.flags_text", FIELD_COLUMN, "flags_text" },
        { "file.result", FIELD_COLUMN, "result" },
        { "file.created", FIELD_COLUMN, "created" },
        /* the provenance of the file an exec runs: the graph answers (struct detect_lookup) */
        { "file.origin", FIELD_FILE_ORIGIN, NULL, FT_STR },
        { "file.writer.exe", FIELD_FILE_WRITER_EXE, NULL, FT_STR },
        { "file.writer.network", FIELD_FILE_WRITER_NETWORK, NULL, FT_BOOL },
        { "file.writer.same_user", FIELD_FILE_WRITER_SAME_USER, NULL, FT_BOOL },
        { "file.proc_pid", FIELD_FILE_PROC_PID, "path", FT_NUM },
        { "file.proc_other", FIELD_FILE_PROC_OTHER, "path", FT_BOOL },
        /* syscalls: syscall.name is the column "syscall"; the others are columns as named */
        { "syscall.name", FIELD_COLUMN, "syscall" },
        { "syscall.", FIELD_COLUMN, NULL, .prefix = true },
        { "net.", FIELD_COLUMN, NULL, .prefix = true },
        /* any column of the event */
        { "event.", FIELD_COLUMN, NULL, .prefix = true },
};

static bool valid_field_name(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '.'))
                        return false;
        return true;
}

const struct field_def *field_lookup(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                const struct field_def *f = &fields[i];

                if (!f->prefix && streq(f->name, name))
                        return f;
                if (f->prefix && strneq(f->name, name, strlen(f->name)) &&
                    valid_field_name(name + strlen(f->name)) &&
                    /* event.a.b: a nested field of an external tracer's struct */
                    (!strchr(name + strlen(f->name), '.') || streq(f->name, "event.")))
                        return f;
        }
        return NULL;
}

static enum field_type column_type(enum value_type t)
{
        switch (t) {
        case VALUE_U64:
        case VALUE_S64:
                return FT_NUM;
        case VALUE_BOOL:
                return FT_BOOL;
        case VALUE_STRV:
                return FT_STRSET;
        case VALUE_STR:
        default:
                return FT_STR;
        }
}

int field_resolve(const struct field_def *def, const char *name, const struct schema *schema,
                  struct field_ref *ret, const char **why)
{
        const char *column = def->column ?: name + strlen(def->name);
        int pid = schema_find_column(schema, "pid");
        int c = column ? schema_find_column(schema, column) : -1;

        *ret = (struct field_ref) { .id = def->id, .type = def->type, .column = -1, .pid_column = pid,
                                    .ppid_column = schema_find_column(schema, "ppid"), .argv_column = -1 };
        switch (def->id) {
        case FIELD_COLUMN:
                if (c < 0) {
                        *why = "the event has no such column";
                        return -ENOENT;
                }
                ret->column = c;
                ret->type = column_type(schema->columns[c].type);
                return 0;
        case FIELD_BASENAME:
        case FIELD_FILE_PROC_PID:
        case FIELD_FILE_PROC_OTHER:
                if (c < 0 || schema->columns[c].type != VALUE_STR) {
                        *why = "the event has no such column";
                        return -ENOENT;
                }
                ret->column = c;
                return 0;
        case FIELD_FILE_ORIGIN:
        case FIELD_FILE_WRITER_EXE:
        case FIELD_FILE_WRITER_NETWORK:
        case FIELD_FILE_WRITER_SAME_USER:
                if (schema_find_column(schema, "exe") < 0) {
                        *why = "only exec events run a file";
                        return -ENOENT;
                }
                return 0;
        case FIELD_PROC_PID:
                if (c < 0) {
                        *why = "the event has no pid";
                        return -ENOENT;
                }
                ret->column = c;
                return 0;
        case FIELD_ENV_LD_PRELOAD:
        case FIELD_ENV_LD_LIBRARY_PATH:
        case FIELD_ENV_HISTFILE:
        case FIELD_ENV_HISTSIZE:
        case FIELD_ENV_HISTFILESIZE:
        case FIELD_ENV_INHERITED:
                if (c < 0 || schema->columns[c].type != VALUE_STRV) {
                        *why = "the event has no environment (exec only)";
                        return -ENOENT;
                }
                ret->column = c;
                return 0;
        case FIELD_STDIN_WRITER_PID:
        case FIELD_STDIN_WRITER_EXE:
        case FIELD_STDIN_WRITER_NAME:
        case FIELD_STDIN_WRITER_CMDLINE:
        case FIELD_STDOUT_READER_PID:
        case FIELD_STDOUT_READER_EXE:
        case FIELD_STDOUT_READER_NAME:
        case FIELD_STDOUT_READER_CMDLINE:
        case FIELD_STDOUT_READER_STDIN_CODE:
        case FIELD_STDIN_WRITERS_NAME:
        case FIELD_STDOUT_READERS_NAME:
        case FIELD_STDOUT_READERS_STDIN_CODE:
        case FIELD_STDIN_WRITERS_CMDLINE:
        case FIELD_STDOUT_READERS_CMDLINE:
                /* the pipe's inode from the event (exec), else from the process table */
                if (c < 0 && pid < 0) {
                        *why = "the event has no pid to find the process by";
                        return -ENOENT;
                }
                ret->column = c;
                return 0;
        default:
                /* the event's own column if it has one of the right type, else the process table */
                if (c >= 0 && (column_type(schema->columns[c].type) == def->type ||
                               (def->id == FIELD_PROC_CMDLINE || def->id == FIELD_PROC_ARGS ||
                                def->id == FIELD_PROC_NAME))) {
                        ret->column = c;
                        if (def->id == FIELD_PROC_NAME)
                                ret->argv_column = schema_find_column(schema, "args");
                } else if (pid < 0) {
                        *why = "the event has no pid to find the process by";
                        return -ENOENT;
                }
                return 0;
        }
}

const char *field_type_name(enum field_type t)
{
        static const char *const names[] = {
                [FT_STR] = "string", [FT_NUM] = "number", [FT_BOOL] = "boolean", [FT_STRSET] = "string list",
        };

        return names[t];
}

const char *cmp_op_name(enum cmp_op op)
{
        static const char *const names[_OP_MAX] = {
                [OP_EQ] = "=", [OP_NE] = "!=", [OP_LT] = "<", [OP_LE] = "<=", [OP_GT] = ">", [OP_GE] = ">=",
                [OP_IN] = "in", [OP_GLOB] = "glob", [OP_STARTSWITH] = "startswith",
                [OP_ENDSWITH] = "endswith", [OP_CONTAINS] = "contains", [OP_BITAND] = "&",
                [OP_TRUE] = "(boolean)",
        };

        return names[op];
}
