/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "decode.h"

const char *errno_name(int err)
{
        if (err <= 0)
                return NULL;
        return strerrorname_np(err);
}

int format_inet_addr(char buf[static INET_ADDR_TEXT_MAX], uint16_t family, const uint8_t addr[static 16])
{
        if (family != AF_INET && family != AF_INET6)
                return -EAFNOSUPPORT;
        if (!inet_ntop(family, addr, buf, INET_ADDR_TEXT_MAX))
                return -errno;
        return 0;
}

void format_flags(struct strbuf *b, uint64_t flags, const struct flag_name *names)
{
        uint64_t rest = flags;
        bool first = true;

        if (flags == 0) {
                strbuf_putc(b, '0');
                return;
        }
        for (const struct flag_name *f = names; f->name; f++) {
                if (f->value == 0 || (rest & f->value) != f->value)
                        continue;
                strbuf_printf(b, "%s%s", first ? "" : "|", f->name);
                rest &= ~f->value;
                first = false;
        }
        if (rest)
                strbuf_printf(b, "%s0x%" PRIx64, first ? "" : "|", rest);
}

const char *value_name(uint64_t value, const struct flag_name *names)
{
        for (const struct flag_name *f = names; f->name; f++)
                if (f->value == value)
                        return f->name;
        return NULL;
}

void format_mode(char buf[static MODE_TEXT_MAX], uint64_t mode)
{
        snprintf(buf, MODE_TEXT_MAX, "%04o", (unsigned) (mode & 07777));
}

/* <linux/capability.h>, as libcap and getcap(8) name them: bit n of a set is capability n */
static const char *const capability_names[64] = {
        "cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid",
        "cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap", "cap_linux_immutable",
        "cap_net_bind_service", "cap_net_broadcast", "cap_net_admin", "cap_net_raw", "cap_ipc_lock",
        "cap_ipc_owner", "cap_sys_module", "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace",
        "cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice", "cap_sys_resource",
        "cap_sys_time", "cap_sys_tty_config", "cap_mknod", "cap_lease", "cap_audit_write",
        "cap_audit_control", "cap_setfcap", "cap_mac_override", "cap_mac_admin", "cap_syslog",
        "cap_wake_alarm", "cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf",
        "cap_checkpoint_restore",
};

void format_caps(struct strbuf *b, uint64_t set)
{
        bool first = true;

        for (unsigned i = 0; i < 64; i++) {
                if (!(set & (UINT64_C(1) << i)))
                        continue;
                if (capability_names[i])
                        strbuf_printf(b, "%s%s", first ? "" : ",", capability_names[i]);
                else
                        strbuf_printf(b, "%scap_%u", first ? "" : ",", i);
                first = false;
        }
}

static uint32_t le32_at(const uint8_t *p)
{
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

int parse_file_caps(const uint8_t *value, size_t len, struct file_caps *ret)
{
        uint32_t magic;
        size_t need;

        if (len < 4)
                return -EBADMSG;
        magic = le32_at(value);
        *ret = (struct file_caps) {
                .revision = magic >> 24,
                .effective = magic & VFS_CAP_FLAGS_EFFECTIVE,
        };
        switch (ret->revision) {
        case 1:
                need = 12;
                break;
        case 2:
                need = 20;
                break;
        case 3:
                need = 24;
                break;
        default:
                return -EBADMSG;
        }
        if (len < need)
                return -EBADMSG;
        ret->permitted = le32_at(value + 4);
        ret->inheritable = le32_at(value + 8);
        if (ret->revision >= 2) {
                ret->permitted |= (uint64_t) le32_at(value + 12) << 32;
                ret->inheritable |= (uint64_t) le32_at(value + 16) << 32;
        }
        if (ret->revision == 3) {
                ret->has_rootid = true;
                ret->rootid = le32_at(value + 20);
        }
        return 0;
}
