/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading rule files, internal to the engine. The loader walks the rule directories and drives
 * the stages: each file is read into sections (rules-sections.c), lists and macros are collected
 * and expanded (rules-expand.c), conditions are lexed and parsed (rules-lexer.c, rules-parser.c)
 * and the [Rule] sections built into rules (rules-build.c), then compiled per event (engine.c). */
#pragma once

#include "engine.h"
#include "rules.h"
#include "rules-sections.h"

/* Lists and macros are expanded on first use; the state catches definitions that use themselves. */
enum definition_state {
        DEFINITION_NEW,
        DEFINITION_BUSY,
        DEFINITION_DONE,
        DEFINITION_FAILED,
};

struct list_def {
        const char *name;
        struct section *section;
        struct strv items;      /* after expansion of named lists */
        enum definition_state state;
};

struct macro_def {
        const char *name;
        struct section *section;
        struct node *ast;
        enum definition_state state;
};

struct loader {
        struct strbuf *errors;
        unsigned n_errors;
        struct strv files;      /* the names positions point to */
        struct section *sections;
        size_t n_sections;
        struct list_def *lists;
        size_t n_lists;
        struct macro_def *macros;
        size_t n_macros;
};

/* Reports an error at a position (also used by the compiler); stops writing after
 * RULES_MAX_ERRORS. */
void loader_error(struct strbuf *errors, unsigned *n_errors, const struct source_pos *pos,
                  const char *fmt, ...) _printf_(4, 5);

#define error_at(ld, pos, ...) loader_error((ld)->errors, &(ld)->n_errors, (pos), __VA_ARGS__)
