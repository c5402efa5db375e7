/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An alert's story (CWATCH_STORY=, docs/PROVENANCE.md) for people and tools: an indented tree, a
 * Graphviz DOT graph, or the JSON itself, pretty-printed. */
#pragma once

#include <stdio.h>

enum story_format {
        STORY_TREE,
        STORY_DOT,
        STORY_JSON,
};

/* "tree", "dot", "json"; -EINVAL otherwise. */
int story_format_from_string(const char *s);
/* Prints story; -EINVAL when it is not a story (printed as it is then). */
int ctl_story_print(FILE *f, const char *story, enum story_format format);
