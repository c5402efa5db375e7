/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Decoders of the tcp and syscalls tracers: errno names, addresses, flag sets, modes, names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "tracers/decode.h"
#include "tracers/syscall-names.h"

static void test_errno_name(void **state)
{
        assert_string_equal(errno_name(ECONNREFUSED), "ECONNREFUSED");
        assert_string_equal(errno_name(ETIMEDOUT), "ETIMEDOUT");
        assert_string_equal(errno_name(EPERM), "EPERM");
        assert_null(errno_name(0));
        assert_null(errno_name(-5));
        assert_null(errno_name(100000));
}

static void assert_addr(uint16_t family, const char *text)
{
        uint8_t addr[16] = {};
        char buf[INET_ADDR_TEXT_MAX];

        assert_int_equal(inet_pton(family, text, addr), 1);
        assert_int_equal(format_inet_addr(buf, family, addr), 0);
        assert_string_equal(buf, text);
}

static void test_format_inet_addr(void **state)
{
        uint8_t v4[16] = { 10, 1, 2, 254 }, any[16] = {};
        char buf[INET_ADDR_TEXT_MAX];

        assert_int_equal(format_inet_addr(buf, AF_INET, v4), 0);
        assert_string_equal(buf, "10.1.2.254");
        assert_addr(AF_INET, "127.0.0.1");
        assert_addr(AF_INET6, "::1");
        assert_addr(AF_INET6, "::ffff:127.0.0.1");
        assert_addr(AF_INET6, "2001:db8::42:1");
        assert_addr(AF_INET6, "fe80::1:2:3:4");
        assert_int_equal(format_inet_addr(buf, AF_INET6, any), 0);
        assert_string_equal(buf, "::");
        assert_int_equal(format_inet_addr(buf, AF_UNIX, any), -EAFNOSUPPORT);
        assert_int_equal(format_inet_addr(buf, 0, any), -EAFNOSUPPORT);
}

static void assert_flags(uint64_t flags, const struct flag_name *names, const char *want)
{
        struct strbuf b = {};

        format_flags(&b, flags, names);
        assert_false(b.oom);
        assert_string_equal(b.data, want);
        strbuf_free(&b);
}

static void test_format_flags(void **state)
{
        assert_flags(0, clone_flag_names, "0");
        assert_flags(0x20000, clone_flag_names, "CLONE_NEWNS");
        assert_flags(0x20000 | 0x20000000 | 0x10000000, clone_flag_names,
                     "CLONE_NEWNS|CLONE_NEWUSER|CLONE_NEWPID");
        /* unknown bits stay visible as one hex number */
        assert_flags(0x40000000 | 0x1 | 0x8, clone_flag_names, "CLONE_NEWNET|0x9");
        assert_flags(0x3, clone_flag_names, "0x3");
        assert_flags((1 << 14) | (1 << 18), mount_flag_names, "MS_REC|MS_PRIVATE");
        assert_flags(0xc0ed0000 | 1, mount_flag_names, "MS_MGC_VAL|MS_RDONLY");
        assert_flags((1 << 18) | (1 << 21), mount_flag_names, "MS_PRIVATE|MS_RELATIME");
        assert_flags(2, umount_flag_names, "MNT_DETACH");
        assert_flags(1 | 2, memfd_flag_names, "MFD_CLOEXEC|MFD_ALLOW_SEALING");
        assert_flags(0x1000, execveat_flag_names, "AT_EMPTY_PATH");
        assert_flags(00004000 | 00001000, delete_module_flag_names, "O_NONBLOCK|O_TRUNC");
        assert_flags(UINT64_C(1) << 63, umount_flag_names, "0x8000000000000000");
}

static void test_format_mode(void **state)
{
        char buf[MODE_TEXT_MAX];

        format_mode(buf, 04755);
        assert_string_equal(buf, "4755");
        format_mode(buf, 02750);
        assert_string_equal(buf, "2750");
        format_mode(buf, 06777);
        assert_string_equal(buf, "6777");
        format_mode(buf, 0644);
        assert_string_equal(buf, "0644");
        format_mode(buf, 0);
        assert_string_equal(buf, "0000");
        /* file type bits are not permission bits */
        format_mode(buf, 0104755);
        assert_string_equal(buf, "4755");
}

static void test_value_names(void **state)
{
        assert_string_equal(value_name(16, ptrace_request_names), "PTRACE_ATTACH");
        assert_string_equal(value_name(0, ptrace_request_names), "PTRACE_TRACEME");
        assert_string_equal(value_name(0x4206, ptrace_request_names), "PTRACE_SEIZE");
        assert_null(value_name(0x7777, ptrace_request_names));
        assert_string_equal(value_name(0, bpf_cmd_names), "BPF_MAP_CREATE");
        assert_string_equal(value_name(5, bpf_cmd_names), "BPF_PROG_LOAD");
        assert_string_equal(value_name(28, bpf_cmd_names), "BPF_LINK_CREATE");
        assert_null(value_name(1000, bpf_cmd_names));
}

static void test_traced_syscalls(void **state)
{
        /* every kind has one entry, and its name */
        for (unsigned k = 1; k < _CW_SC_MAX; k++) {
                const struct traced_syscall *sc = traced_syscall_by_kind(k);

                assert_non_null(sc);
                assert_int_equal(sc->kind, k);
                assert_non_null(sc->name);
                assert_non_null(sc->event);
        }
        assert_null(traced_syscall_by_kind(CW_SC_NONE));
        assert_null(traced_syscall_by_kind(_CW_SC_MAX));
        assert_string_equal(traced_syscall_by_kind(CW_SC_UMOUNT2)->name, "umount2");
        assert_string_equal(traced_syscall_by_kind(CW_SC_UMOUNT2)->event, "umount");
#ifdef __x86_64__
        assert_int_equal(traced_syscall_by_kind(CW_SC_PTRACE)->nr, 101);
        assert_int_equal(traced_syscall_by_kind(CW_SC_FCHMODAT2)->nr, 452);
#endif
}

static void test_file_caps(void **state)
{
        /* setcap cap_setuid+ep: revision 2, effective, permitted bit 7 (as setcap writes it) */
        static const uint8_t v2[20] = { 1, 0, 0, 2, 0x80 };
        /* revision 3 (namespaced): cap_sys_admin (21) and cap_bpf (39) permitted, rootid 1000 */
        static const uint8_t v3[24] = { 0, 0, 0, 3, 0, 0, 0x20, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0,
                                        0xe8, 3, 0, 0 };
        static const uint8_t v1[12] = { 1, 0, 0, 1, 0x01, 0x20, 0, 0, 0x02 };
        struct file_caps c;
        struct strbuf b = {};

        assert_int_equal(parse_file_caps(v2, sizeof(v2), &c), 0);
        assert_int_equal(c.revision, 2);
        assert_true(c.effective);
        assert_int_equal(c.permitted, 1 << 7);
        assert_int_equal(c.inheritable, 0);
        assert_false(c.has_rootid);
        format_caps(&b, c.permitted);
        assert_string_equal(b.data, "cap_setuid");
        strbuf_free(&b);

        assert_int_equal(parse_file_caps(v3, sizeof(v3), &c), 0);
        assert_int_equal(c.revision, 3);
        assert_false(c.effective);
        assert_int_equal(c.permitted, (1ULL << 21) | (1ULL << 39));
        assert_true(c.has_rootid);
        assert_int_equal(c.rootid, 1000);
        format_caps(&b, c.permitted);
        assert_string_equal(b.data, "cap_sys_admin,cap_bpf");
        strbuf_free(&b);

        assert_int_equal(parse_file_caps(v1, sizeof(v1), &c), 0);
        assert_int_equal(c.permitted, 0x2001);
        assert_int_equal(c.inheritable, 2);

        /* unknown capabilities by number; nothing for none */
        format_caps(&b, (1ULL << 0) | (1ULL << 63));
        assert_string_equal(b.data, "cap_chown,cap_63");
        strbuf_free(&b);
        format_caps(&b, 0);
        assert_int_equal(b.len, 0);
        strbuf_free(&b);

        /* bad data: short for its revision, unknown revision, nothing at all */
        assert_int_equal(parse_file_caps(v2, 19, &c), -EBADMSG);
        assert_int_equal(parse_file_caps(v3, 20, &c), -EBADMSG);
        assert_int_equal(parse_file_caps(v2, 3, &c), -EBADMSG);
        assert_int_equal(parse_file_caps(v2, 0, &c), -EBADMSG);
        assert_int_equal(parse_file_caps((const uint8_t[20]) { 0, 0, 0, 9 }, 20, &c), -EBADMSG);
        assert_int_equal(parse_file_caps((const uint8_t[20]) { 0 }, 20, &c), -EBADMSG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_errno_name),
                cmocka_unit_test(test_format_inet_addr),
                cmocka_unit_test(test_format_flags),
                cmocka_unit_test(test_format_mode),
                cmocka_unit_test(test_value_names),
                cmocka_unit_test(test_traced_syscalls),
                cmocka_unit_test(test_file_caps),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
