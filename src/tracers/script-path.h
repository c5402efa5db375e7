/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The script an exec runs: the file a known interpreter is given as its first non-option
 * argument, and paths made absolute against the working directory. Pure functions of the exec's
 * data (argv is the caller's to choose: every length is bounded, nothing is trusted). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include "shared/argv.h"

#define SCRIPT_PATH_MAX 8192    /* a working directory and a name, each below PATH_MAX */

/* The name of the program an exec runs, for the interpreter table: the executable's basename, or
 * for busybox (by its basename) the applet argv[0] (or argv[1] after "busybox") names. */
const char *script_program_name(const char *exe, size_t exe_len, const struct argv_view *args, size_t *ret_len,
                                size_t *ret_first_arg);

/* What script_argv_index() finds when it is no index. */
enum {
        SCRIPT_FROM_ARGS = -1,  /* code given on the command line: -c, -e, -m, -r... */
        SCRIPT_FROM_STDIN = -2, /* no file and no code on the command line: code from stdin ("-", -s) */
        SCRIPT_NONE = -3,       /* not a known interpreter, or the argument is empty or cut */
};

/* The index in args of the script a known interpreter named name runs (sh, bash, dash, ash, zsh,
 * ksh, mksh, python*, perl, ruby, node, php, lua*): its first argument from first_arg on that is not
 * an option or an option's value; else SCRIPT_FROM_ARGS, SCRIPT_FROM_STDIN or SCRIPT_NONE. */
int script_argv_index(const char *name, size_t name_len, const struct argv_view *args, size_t first_arg);

/* path made absolute against cwd when it is relative (cwd NULL or not absolute: left relative), with
 * "." and ".." components and repeated slashes removed lexically, into buf (SCRIPT_PATH_MAX bytes,
 * NUL-terminated). Returns its length; a result that does not fit is cut (*cut set). */
size_t script_path_absolute(char *buf, const char *cwd, size_t cwd_len, const char *path, size_t path_len,
                            bool *cut);
