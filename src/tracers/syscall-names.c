/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Values are the kernel's ABI, written out so that the tables do not depend on the age of the
 * installed headers. */
#include <sys/syscall.h>
#include "syscall-names.h"
#include "shared/macro.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452       /* the same on every architecture */
#endif
#ifndef SYS_setxattrat
#define SYS_setxattrat 463      /* the same on every architecture */
#endif

#define NR(x) SYS_##x
const struct traced_syscall traced_syscalls[] = {
        { CW_SC_PTRACE, "ptrace", "ptrace", NR(ptrace) },
        { CW_SC_SETNS, "setns", "setns", NR(setns) },
        { CW_SC_UNSHARE, "unshare", "unshare", NR(unshare) },
        { CW_SC_MOUNT, "mount", "mount", NR(mount) },
        { CW_SC_UMOUNT2, "umount2", "umount", NR(umount2) },
        { CW_SC_INIT_MODULE, "init_module", "init_module", NR(init_module) },
        { CW_SC_FINIT_MODULE, "finit_module", "finit_module", NR(finit_module) },
        { CW_SC_DELETE_MODULE, "delete_module", "delete_module", NR(delete_module) },
        { CW_SC_BPF, "bpf", "bpf", NR(bpf) },
        { CW_SC_SETUID, "setuid", "setuid", NR(setuid) },
        { CW_SC_SETGID, "setgid", "setgid", NR(setgid) },
        { CW_SC_SETREUID, "setreuid", "setreuid", NR(setreuid) },
        { CW_SC_SETREGID, "setregid", "setregid", NR(setregid) },
        { CW_SC_SETRESUID, "setresuid", "setresuid", NR(setresuid) },
        { CW_SC_SETRESGID, "setresgid", "setresgid", NR(setresgid) },
        { CW_SC_MEMFD_CREATE, "memfd_create", "memfd_create", NR(memfd_create) },
        { CW_SC_EXECVEAT, "execveat", "execveat", NR(execveat) },
#ifdef SYS_chmod
        { CW_SC_CHMOD, "chmod", "chmod", NR(chmod) },
#else
        { CW_SC_CHMOD, "chmod", "chmod", -1 },
#endif
        { CW_SC_FCHMOD, "fchmod", "fchmod", NR(fchmod) },
        { CW_SC_FCHMODAT, "fchmodat", "fchmodat", NR(fchmodat) },
        { CW_SC_FCHMODAT2, "fchmodat2", "fchmodat2", NR(fchmodat2) },
        { CW_SC_PROCESS_VM_READV, "process_vm_readv", "process_vm_readv", NR(process_vm_readv) },
        { CW_SC_PROCESS_VM_WRITEV, "process_vm_writev", "process_vm_writev", NR(process_vm_writev) },
        { CW_SC_SETXATTR, "setxattr", "setxattr", NR(setxattr) },
        { CW_SC_LSETXATTR, "lsetxattr", "lsetxattr", NR(lsetxattr) },
        { CW_SC_FSETXATTR, "fsetxattr", "fsetxattr", NR(fsetxattr) },
        { CW_SC_SETXATTRAT, "setxattrat", "setxattrat", NR(setxattrat) },
};
const size_t n_traced_syscalls = ELEMENTSOF(traced_syscalls);

_Static_assert(ELEMENTSOF(traced_syscalls) == _CW_SC_MAX - 1, "one entry per enum cw_syscall_kind");

const struct traced_syscall *traced_syscall_by_kind(unsigned kind)
{
        for (size_t i = 0; i < n_traced_syscalls; i++)
                if (traced_syscalls[i].kind == kind)
                        return &traced_syscalls[i];
        return NULL;
}

const struct flag_name clone_flag_names[] = {
        { 0x00000080, "CLONE_NEWTIME" },
        { 0x00020000, "CLONE_NEWNS" },
        { 0x02000000, "CLONE_NEWCGROUP" },
        { 0x04000000, "CLONE_NEWUTS" },
        { 0x08000000, "CLONE_NEWIPC" },
        { 0x10000000, "CLONE_NEWUSER" },
        { 0x20000000, "CLONE_NEWPID" },
        { 0x40000000, "CLONE_NEWNET" },
        { 0x00000100, "CLONE_VM" },
        { 0x00000200, "CLONE_FS" },
        { 0x00000400, "CLONE_FILES" },
        { 0x00000800, "CLONE_SIGHAND" },
        { 0x00010000, "CLONE_THREAD" },
        { 0x00040000, "CLONE_SYSVSEM" },
        { 0, NULL },
};

const struct flag_name mount_flag_names[] = {
        /* the old magic in the upper 16 bits, first: it overlaps flag bits */
        { 0xc0ed0000, "MS_MGC_VAL" },
        { 1 << 0, "MS_RDONLY" },
        { 1 << 1, "MS_NOSUID" },
        { 1 << 2, "MS_NODEV" },
        { 1 << 3, "MS_NOEXEC" },
        { 1 << 4, "MS_SYNCHRONOUS" },
        { 1 << 5, "MS_REMOUNT" },
        { 1 << 6, "MS_MANDLOCK" },
        { 1 << 7, "MS_DIRSYNC" },
        { 1 << 8, "MS_NOSYMFOLLOW" },
        { 1 << 10, "MS_NOATIME" },
        { 1 << 11, "MS_NODIRATIME" },
        { 1 << 12, "MS_BIND" },
        { 1 << 13, "MS_MOVE" },
        { 1 << 14, "MS_REC" },
        { 1 << 15, "MS_SILENT" },
        { 1 << 16, "MS_POSIXACL" },
        { 1 << 17, "MS_UNBINDABLE" },
        { 1 << 18, "MS_PRIVATE" },
        { 1 << 19, "MS_SLAVE" },
        { 1 << 20, "MS_SHARED" },
        { 1 << 21, "MS_RELATIME" },
        { 1 << 22, "MS_KERNMOUNT" },
        { 1 << 23, "MS_I_VERSION" },
        { 1 << 24, "MS_STRICTATIME" },
        { 1 << 25, "MS_LAZYTIME" },
        { 0, NULL },
};

const struct flag_name umount_flag_names[] = {
        { 1, "MNT_FORCE" },
        { 2, "MNT_DETACH" },
        { 4, "MNT_EXPIRE" },
        { 8, "UMOUNT_NOFOLLOW" },
        { 0, NULL },
};

const struct flag_name memfd_flag_names[] = {
        { 0x01, "MFD_CLOEXEC" },
        { 0x02, "MFD_ALLOW_SEALING" },
        { 0x04, "MFD_HUGETLB" },
        { 0x08, "MFD_NOEXEC_SEAL" },
        { 0x10, "MFD_EXEC" },
        { 0, NULL },
};

const struct flag_name execveat_flag_names[] = {
        { 0x100, "AT_SYMLINK_NOFOLLOW" },
        { 0x1000, "AT_EMPTY_PATH" },
        { 0, NULL },
};

const struct flag_name finit_module_flag_names[] = {
        { 1, "MODULE_INIT_IGNORE_MODVERSIONS" },
        { 2, "MODULE_INIT_IGNORE_VERMAGIC" },
        { 4, "MODULE_INIT_COMPRESSED_FILE" },
        { 0, NULL },
};

const struct flag_name delete_module_flag_names[] = {
        { 00004000, "O_NONBLOCK" },
        { 00001000, "O_TRUNC" },
        { 0, NULL },
};

const struct flag_name xattr_flag_names[] = {
        { 1, "XATTR_CREATE" },
        { 2, "XATTR_REPLACE" },
        { 0, NULL },
};

const struct flag_name ptrace_request_names[] = {
        { 0, "PTRACE_TRACEME" },
        { 1, "PTRACE_PEEKTEXT" },
        { 2, "PTRACE_PEEKDATA" },
        { 3, "PTRACE_PEEKUSER" },
        { 4, "PTRACE_POKETEXT" },
        { 5, "PTRACE_POKEDATA" },
        { 6, "PTRACE_POKEUSER" },
        { 7, "PTRACE_CONT" },
        { 8, "PTRACE_KILL" },
        { 9, "PTRACE_SINGLESTEP" },
#if defined(__x86_64__) || defined(__i386__)
        { 12, "PTRACE_GETREGS" },
        { 13, "PTRACE_SETREGS" },
        { 14, "PTRACE_GETFPREGS" },
        { 15, "PTRACE_SETFPREGS" },
        { 18, "PTRACE_GETFPXREGS" },
        { 19, "PTRACE_SETFPXREGS" },
        { 25, "PTRACE_GET_THREAD_AREA" },
        { 26, "PTRACE_SET_THREAD_AREA" },
        { 30, "PTRACE_ARCH_PRCTL" },
        { 31, "PTRACE_SYSEMU" },
        { 32, "PTRACE_SYSEMU_SINGLESTEP" },
        { 33, "PTRACE_SINGLEBLOCK" },
#endif
        { 16, "PTRACE_ATTACH" },
        { 17, "PTRACE_DETACH" },
        { 24, "PTRACE_SYSCALL" },
        { 0x4200, "PTRACE_SETOPTIONS" },
        { 0x4201, "PTRACE_GETEVENTMSG" },
        { 0x4202, "PTRACE_GETSIGINFO" },
        { 0x4203, "PTRACE_SETSIGINFO" },
        { 0x4204, "PTRACE_GETREGSET" },
        { 0x4205, "PTRACE_SETREGSET" },
        { 0x4206, "PTRACE_SEIZE" },
        { 0x4207, "PTRACE_INTERRUPT" },
        { 0x4208, "PTRACE_LISTEN" },
        { 0x4209, "PTRACE_PEEKSIGINFO" },
        { 0x420a, "PTRACE_GETSIGMASK" },
        { 0x420b, "PTRACE_SETSIGMASK" },
        { 0x420c, "PTRACE_SECCOMP_GET_FILTER" },
        { 0x420d, "PTRACE_SECCOMP_GET_METADATA" },
        { 0x420e, "PTRACE_GET_SYSCALL_INFO" },
        { 0x420f, "PTRACE_GET_RSEQ_CONFIGURATION" },
        { 0x4210, "PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG" },
        { 0x4211, "PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG" },
        { 0, NULL },
};

const struct flag_name bpf_cmd_names[] = {
        { 0, "BPF_MAP_CREATE" },
        { 1, "BPF_MAP_LOOKUP_ELEM" },
        { 2, "BPF_MAP_UPDATE_ELEM" },
        { 3, "BPF_MAP_DELETE_ELEM" },
        { 4, "BPF_MAP_GET_NEXT_KEY" },
        { 5, "BPF_PROG_LOAD" },
        { 6, "BPF_OBJ_PIN" },
        { 7, "BPF_OBJ_GET" },
        { 8, "BPF_PROG_ATTACH" },
        { 9, "BPF_PROG_DETACH" },
        { 10, "BPF_PROG_TEST_RUN" },
        { 11, "BPF_PROG_GET_NEXT_ID" },
        { 12, "BPF_MAP_GET_NEXT_ID" },
        { 13, "BPF_PROG_GET_FD_BY_ID" },
        { 14, "BPF_MAP_GET_FD_BY_ID" },
        { 15, "BPF_OBJ_GET_INFO_BY_FD" },
        { 16, "BPF_PROG_QUERY" },
        { 17, "BPF_RAW_TRACEPOINT_OPEN" },
        { 18, "BPF_BTF_LOAD" },
        { 19, "BPF_BTF_GET_FD_BY_ID" },
        { 20, "BPF_TASK_FD_QUERY" },
        { 21, "BPF_MAP_LOOKUP_AND_DELETE_ELEM" },
        { 22, "BPF_MAP_FREEZE" },
        { 23, "BPF_BTF_GET_NEXT_ID" },
        { 24, "BPF_MAP_LOOKUP_BATCH" },
        { 25, "BPF_MAP_LOOKUP_AND_DELETE_BATCH" },
        { 26, "BPF_MAP_UPDATE_BATCH" },
        { 27, "BPF_MAP_DELETE_BATCH" },
        { 28, "BPF_LINK_CREATE" },
        { 29, "BPF_LINK_UPDATE" },
        { 30, "BPF_LINK_GET_FD_BY_ID" },
        { 31, "BPF_LINK_GET_NEXT_ID" },
        { 32, "BPF_ENABLE_STATS" },
        { 33, "BPF_ITER_CREATE" },
        { 34, "BPF_LINK_DETACH" },
        { 35, "BPF_PROG_BIND_MAP" },
        { 36, "BPF_TOKEN_CREATE" },
        { 37, "BPF_PROG_STREAM_READ_BY_FD" },
        { 0, NULL },
};
