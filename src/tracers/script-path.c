/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdint.h>
#include <string.h>
#include "script-path.h"
#include "shared/macro.h"

/* How an interpreter family reads its command line. */
struct interpreter {
        const char *name;
        bool prefix;                    /* any name starting so (python3.11, perl5.36, lua5.4) */
        const char *no_script;          /* short options that make it run no file (code from elsewhere) */
        const char *with_value;         /* short options whose value is the next argument when not joined */
        const char *const *long_value;  /* long options whose value is the next argument */
        const char *const *long_none;   /* long options that make it run no file */
        bool shell_plus;                /* "+o name" is an option too */
};

static const char *const bash_long_value[] = { "--rcfile", "--init-file", NULL };
static const char *const python_long_value[] = { "--check-hash-based-pycs", NULL };
static const char *const node_long_value[] = { "--require", "--import", "--loader",
                                               "--experimental-loader", "--input-type", "--title", NULL };
static const char *const node_long_none[] = { "--eval", "--print", "--interactive", "--test", NULL };
static const char *const none[] = { NULL };

static const struct interpreter interpreters[] = {
        { "sh", false, "cs", "oO", bash_long_value, none, true },
        { "bash", false, "cs", "oO", bash_long_value, none, true },
        { "dash", false, "cs", "o", none, none, true },
        { "ash", false, "cs", "o", none, none, true },
        { "zsh", false, "cs", "o", none, none, true },
        { "ksh", false, "cs", "o", none, none, true },
        { "mksh", false, "cs", "oT", none, none, true },
        { "python", true, "cm", "WXQ", python_long_value, none, false },
        { "perl", true, "eE", "IMmCx", none, none, false },
        { "ruby", true, "e", "IrCEKxT", none, none, false },
        { "node", false, "ep", "r", node_long_value, node_long_none, false },
        { "nodejs", false, "ep", "r", node_long_value, node_long_none, false },
        { "php", true, "r", "cdzf", none, none, false },
        { "lua", true, "e", "l", none, none, false },
        { "luajit", false, "e", "lbj", none, none, false },
};

static bool name_is(const char *s, size_t len, const char *lit)
{
        return len == strlen(lit) && memcmp(s, lit, len) == 0;
}

static bool in_list(const char *s, size_t len, const char *const *list)
{
        for (; *list; list++)
                if (name_is(s, len, *list))
                        return true;
        return false;
}

static const char *basename_of(const char *s, size_t len, size_t *ret_len)
{
        const char *slash = memrchr(s, '/', len);

        *ret_len = slash ? len - (size_t) (slash + 1 - s) : len;
        return slash ? slash + 1 : s;
}

const char *script_program_name(const char *exe, size_t exe_len, const struct argv_view *args, size_t *ret_len,
                                size_t *ret_first_arg)
{
        size_t len, a_len;
        const char *name = basename_of(exe, exe_len, &len), *a;

        *ret_first_arg = 1;
        if (len < 7 || memcmp(name, "busybox", 7) != 0) {
                *ret_len = len;
                return name;
        }
        /* busybox: argv[0] names the applet, or argv[1] after "busybox" */
        for (size_t i = 0; i < 2 && (a = argv_view_get(args, i, &a_len)); i++) {
                if (i == 0 && a_len > 0 && a[0] == '-')
                        a++, a_len--;   /* a login shell */
                a = basename_of(a, a_len, &a_len);
                if (a_len >= 7 && memcmp(a, "busybox", 7) == 0)
                        continue;
                *ret_first_arg = i + 1;
                *ret_len = a_len;
                return a;
        }
        *ret_len = len;
        return name;
}

static const struct interpreter *interpreter_of(const char *name, size_t len)
{
        for (size_t i = 0; i < ELEMENTSOF(interpreters); i++) {
                const struct interpreter *p = &interpreters[i];
                size_t n = strlen(p->name);

                if (name_is(name, len, p->name) ||
                    (p->prefix && len > n && memcmp(name, p->name, n) == 0 &&
                     ((name[n] >= '0' && name[n] <= '9') || name[n] == '.' || name[n] == '-')))
                        return p;
        }
        return NULL;
}

int script_argv_index(const char *name, size_t name_len, const struct argv_view *args, size_t first_arg)
{
        const struct interpreter *p = interpreter_of(name, name_len);
        bool from_stdin;
        const char *a;
        size_t len;

        if (!p)
                return SCRIPT_NONE;
        for (size_t i = first_arg; (a = argv_view_get(args, i, &len)); i++) {
                bool cut = args->truncated && i + 1 == args->argc;

                if (cut)
                        return SCRIPT_NONE;
                if (len == 0)
                        return SCRIPT_NONE;
                if (name_is(a, len, "-"))
                        return SCRIPT_FROM_STDIN;
                if (name_is(a, len, "--")) {
                        a = argv_view_get(args, i + 1, &len);
                        if (!a)
                                return SCRIPT_FROM_STDIN;
                        return len > 0 && !(args->truncated && i + 2 == args->argc) && i + 1 <= INT32_MAX ?
                               (int) i + 1 : SCRIPT_NONE;
                }
                if (a[0] != '-' && !(p->shell_plus && a[0] == '+'))
                        return i <= (size_t) INT32_MAX ? (int) i : SCRIPT_NONE;
                if (a[1] == '-') {
                        /* a long option: "--opt=value" carries its value */
                        if (in_list(a, len, p->long_none))
                                return SCRIPT_FROM_ARGS;
                        if (in_list(a, len, p->long_value))
                                i++;
                        continue;
                }
                /* a cluster of short options: the first that takes a value takes the rest, or the next */
                from_stdin = false;
                for (size_t k = 1; k < len; k++) {
                        /* -s of a shell: the script is its standard input (but -c wins: "-sc") */
                        if (a[0] == '-' && p->shell_plus && a[k] == 's') {
                                from_stdin = true;
                                continue;
                        }
                        if (a[0] == '-' && strchr(p->no_script, a[k]))
                                return SCRIPT_FROM_ARGS;
                        if (strchr(p->with_value, a[k])) {
                                if (k + 1 == len) {
                                        /* php -f FILE names the script */
                                        if (a[k] == 'f' && name_is(p->name, strlen(p->name), "php")) {
                                                a = argv_view_get(args, i + 1, &len);
                                                return a && len > 0 ? (int) i + 1 : SCRIPT_NONE;
                                        }
                                        i++;
                                }
                                break;
                        }
                }
                if (from_stdin)
                        return SCRIPT_FROM_STDIN;
        }
        return SCRIPT_FROM_STDIN;
}

/* Appends the components of s to buf[*len..], resolving "." and ".." lexically. */
static void append_components(char *buf, size_t *len, const char *s, size_t n, bool *cut)
{
        const char *end = s + n;

        while (s < end) {
                const char *slash = memchr(s, '/', end - s), *next = slash ?: end;
                size_t c = next - s;

                if (c == 0 || (c == 1 && s[0] == '.')) {
                        /* nothing */
                } else if (c == 2 && s[0] == '.' && s[1] == '.') {
                        char *up = memrchr(buf, '/', *len);

                        *len = up ? (size_t) (up - buf) : 0;
                } else if (*len + 1 + c < SCRIPT_PATH_MAX) {
                        buf[(*len)++] = '/';
                        memcpy(buf + *len, s, c);
                        *len += c;
                } else {
                        *cut = true;
                        return;
                }
                s = next + (slash ? 1 : 0);
        }
}

size_t script_path_absolute(char *buf, const char *cwd, size_t cwd_len, const char *path, size_t path_len,
                            bool *cut)
{
        size_t len = 0;

        *cut = false;
        if (path_len > 0 && path[0] != '/' && !(cwd && cwd_len > 0 && cwd[0] == '/')) {
                /* no directory to resolve against: left as it is, relative */
                len = MIN(path_len, (size_t) SCRIPT_PATH_MAX - 1);
                *cut = len < path_len;
                memcpy(buf, path, len);
                buf[len] = '\0';
                return len;
        }
        if (path_len > 0 && path[0] != '/')
                append_components(buf, &len, cwd, cwd_len, cut);
        append_components(buf, &len, path, path_len, cut);
        if (len == 0)
                buf[len++] = '/';
        buf[len] = '\0';
        return len;
}
