/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include "ext-elf.h"
#include "shared/macro.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

static int check_sections(Elf *elf, const GElf_Ehdr *eh, size_t size, struct strbuf *why)
{
        size_t shstrndx, n;
        Elf_Scn *scn = NULL;
        bool btf = false;

        if (elf_getshdrstrndx(elf, &shstrndx) < 0 || elf_getshdrnum(elf, &n) < 0) {
                strbuf_printf(why, "a damaged or truncated ELF file (%s)", elf_errmsg(-1));
                return -EINVAL;
        }
        /* libelf reads what fits of a cut table as fewer sections: the header says how many */
        n = MAX(n, (size_t) eh->e_shnum);
        if (eh->e_shoff == 0 || eh->e_shoff > size || n > (size - eh->e_shoff) / MAX(eh->e_shentsize, 1)) {
                strbuf_printf(why, "a truncated ELF file (%zu bytes; its section headers are missing)", size);
                return -EINVAL;
        }
        while ((scn = elf_nextscn(elf, scn))) {
                GElf_Shdr sh;
                const char *name;

                if (!gelf_getshdr(scn, &sh)) {
                        strbuf_printf(why, "a damaged or truncated ELF file (%s)", elf_errmsg(-1));
                        return -EINVAL;
                }
                if (sh.sh_type != SHT_NOBITS && (sh.sh_offset > size || sh.sh_size > size - sh.sh_offset)) {
                        strbuf_printf(why, "a truncated ELF file (%zu bytes; a section ends at byte %llu)", size,
                                      (unsigned long long) sh.sh_offset + sh.sh_size);
                        return -EINVAL;
                }
                name = elf_strptr(elf, shstrndx, sh.sh_name);
                if (!name) {
                        strbuf_printf(why, "a damaged or truncated ELF file (section names: %s)", elf_errmsg(-1));
                        return -EINVAL;
                }
                if (streq(name, ".BTF")) {
                        /* its data must be inside the file */
                        if (sh.sh_type != SHT_NOBITS && !elf_getdata(scn, NULL)) {
                                strbuf_printf(why, "a damaged or truncated ELF file (.BTF: %s)", elf_errmsg(-1));
                                return -EINVAL;
                        }
                        btf = true;
                }
        }
        if (!btf) {
                strbuf_puts(why, "no BTF in the object (compile it with clang -g)");
                return -EINVAL;
        }
        return 0;
}

int ext_elf_check(const void *data, size_t size, struct strbuf *why)
{
        static const unsigned char magic[] = { 0x7f, 'E', 'L', 'F' };
        Elf *elf;
        GElf_Ehdr eh;
        int r;

        if (size < sizeof(magic) || memcmp(data, magic, sizeof(magic)) != 0) {
                strbuf_puts(why, "not an ELF file (a BPF object compiled with clang -target bpf is)");
                return -EINVAL;
        }
        if (elf_version(EV_CURRENT) == EV_NONE) {
                strbuf_puts(why, "libelf is unusable");
                return -EINVAL;
        }
        elf = elf_memory((char *) data, size);
        if (!elf) {
                strbuf_printf(why, "a damaged or truncated ELF file (%s)", elf_errmsg(-1));
                return -EINVAL;
        }
        if (!gelf_getehdr(elf, &eh)) {
                strbuf_printf(why, "a damaged or truncated ELF file (%s)", elf_errmsg(-1));
                r = -EINVAL;
        } else if (eh.e_machine != EM_BPF) {
                strbuf_printf(why, "not a BPF object (ELF machine %u; compile with clang -target bpf)", eh.e_machine);
                r = -EINVAL;
        } else
                r = check_sections(elf, &eh, size, why);
        elf_end(elf);
        return r;
}
