/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "origin.h"
#include "shared/macro.h"

/* How far a writer's later images are followed (the fd a shell opened for "> file" is written by
 * the program it execs next) */
#define ORIGIN_MAX_EXEC_CHAIN 4

static const char *const compilers[] = {
        "cc", "c++", "gcc", "g++", "cc1", "cc1plus", "cc1obj", "collect2", "ld", "ld.bfd", "ld.gold",
        "ld.lld", "lld", "mold", "as", "clang", "clang++", "tcc", "go", "compile", "link", "rustc",
        "zig", "ghc", "swiftc",
};

static const char *const package_managers[] = {
        "dpkg", "apt", "apt-get", "aptitude", "unattended-upgrade", "rpm", "dnf", "yum", "microdnf",
        "zypper", "apk", "pacman", "emerge", "snapd", "flatpak",
};

static bool name_in(const char *name, size_t len, const char *const *list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (strlen(list[i]) == len && memcmp(list[i], name, len) == 0)
                        return true;
        return false;
}

/* name without a target triplet prefix ("x86_64-linux-gnu-gcc") and a version suffix ("gcc-12") */
static void strip_decorations(const char **name, size_t *len)
{
        const char *gnu = memmem(*name, *len, "-linux-gnu-", 11);
        size_t i;

        if (gnu) {
                *len -= (size_t) (gnu + 11 - *name);
                *name = gnu + 11;
        }
        for (i = *len; i > 0 && (((*name)[i - 1] >= '0' && (*name)[i - 1] <= '9') || (*name)[i - 1] == '.'); i--)
                ;
        if (i > 1 && i < *len && (*name)[i - 1] == '-')
                *len = i - 1;
}

bool origin_is_compiler(const char *name, size_t len)
{
        if (!name)
                return false;
        strip_decorations(&name, &len);
        return name_in(name, len, compilers, ELEMENTSOF(compilers));
}

bool origin_is_package_manager(const char *name, size_t len)
{
        if (!name)
                return false;
        strip_decorations(&name, &len);
        return name_in(name, len, package_managers, ELEMENTSOF(package_managers));
}

/* Whether the writer, or an image its pid exec'd into afterwards, talked to the network; ret_node:
 * the first that did (else the writer). */
static bool writer_network(const struct graph *g, uint32_t w, uint32_t *ret_node)
{
        *ret_node = w;
        for (int k = 0; k <= ORIGIN_MAX_EXEC_CHAIN && w != GRAPH_NONE; k++) {
                const struct graph_node *n = graph_node(g, w);
                uint32_t next = GRAPH_NONE;

                if (!n)
                        break;
                if (n->flags & GNODE_NETWORK) {
                        *ret_node = w;
                        return true;
                }
                for (uint32_t e = n->out; e != GRAPH_NONE; e = graph_edge(g, e)->next_out)
                        if (graph_edge(g, e)->rel == REL_EXEC) {
                                next = graph_edge(g, e)->dst;
                                break;
                        }
                w = next;
        }
        return false;
}

void origin_of_file(const struct graph *g, uint64_t key, const char *container, struct file_provenance *ret)
{
        uint32_t f = graph_find(g, key), writer = GRAPH_NONE, shown;
        uint64_t last = 0;
        const struct graph_node *fn = graph_node(g, f), *w;

        *ret = (struct file_provenance) { .origin = container ? ORIGIN_IMAGE : ORIGIN_UNKNOWN, .file_node = f,
                                          .writer_node = GRAPH_NONE };
        for (uint32_t e = fn ? fn->in : GRAPH_NONE; e != GRAPH_NONE; e = graph_edge(g, e)->next_in) {
                const struct graph_edge *ed = graph_edge(g, e);

                if ((ed->rel == REL_WRITE || ed->rel == REL_CREATE) && ed->last_ns >= last) {
                        last = ed->last_ns;
                        writer = ed->src;
                }
        }
        if (!(w = graph_node(g, writer)))
                return;
        ret->writer_known = true;
        ret->network = writer_network(g, writer, &shown);
        ret->writer_node = shown;
        w = graph_node(g, shown);
        ret->writer_exe = w->label;
        ret->writer_pid = w->pid;
        ret->writer_uid = graph_node(g, writer)->uid;
        if (w->flags & GNODE_PACKAGER)
                ret->origin = ORIGIN_PACKAGE;
        else if (graph_node(g, writer)->flags & GNODE_COMPILER)
                ret->origin = ORIGIN_BUILD;
        else if (ret->network)
                ret->origin = ORIGIN_DOWNLOAD;
        else
                ret->origin = ORIGIN_UNKNOWN;
}
