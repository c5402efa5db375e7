/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include "open-flags.h"
#include "shared/macro.h"

/* glibc defines O_LARGEFILE as 0 on 64-bit x86; the kernel's bit is still passed by some callers */
#if defined(__x86_64__) || defined(__i386__)
#define KERNEL_O_LARGEFILE 0100000
#else
#define KERNEL_O_LARGEFILE O_LARGEFILE
#endif

void open_flags_to_string(struct strbuf *b, uint64_t flags)
{
        static const struct {
                uint64_t bits;
                const char *name;
        } names[] = {
                /* composite flags first, so their parts are not named twice */
                { O_TMPFILE, "O_TMPFILE" },
                { O_SYNC, "O_SYNC" },
                { O_CREAT, "O_CREAT" },
                { O_EXCL, "O_EXCL" },
                { O_NOCTTY, "O_NOCTTY" },
                { O_TRUNC, "O_TRUNC" },
                { O_APPEND, "O_APPEND" },
                { O_NONBLOCK, "O_NONBLOCK" },
                { O_DSYNC, "O_DSYNC" },
                { O_ASYNC, "O_ASYNC" },
                { O_DIRECT, "O_DIRECT" },
                { KERNEL_O_LARGEFILE, "O_LARGEFILE" },
                { O_DIRECTORY, "O_DIRECTORY" },
                { O_NOFOLLOW, "O_NOFOLLOW" },
                { O_NOATIME, "O_NOATIME" },
                { O_CLOEXEC, "O_CLOEXEC" },
                { O_PATH, "O_PATH" },
        };
        uint64_t rest = flags & ~(uint64_t) O_ACCMODE;

        switch (flags & O_ACCMODE) {
        case O_RDONLY: strbuf_puts(b, "O_RDONLY"); break;
        case O_WRONLY: strbuf_puts(b, "O_WRONLY"); break;
        case O_RDWR: strbuf_puts(b, "O_RDWR"); break;
        default: strbuf_puts(b, "O_ACCMODE"); break;
        }
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (names[i].bits && (rest & names[i].bits) == names[i].bits) {
                        strbuf_putc(b, '|');
                        strbuf_puts(b, names[i].name);
                        rest &= ~names[i].bits;
                }
        if (rest)
                strbuf_printf(b, "|0x%" PRIx64, rest);
}

bool open_flags_write(uint64_t flags)
{
        return (flags & (O_WRONLY | O_RDWR)) || (flags & O_TRUNC);
}
