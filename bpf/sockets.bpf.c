// SPDX-License-Identifier: GPL-2.0-or-later
/* The sockets tracer: connect() to Unix sockets with their path, listen() on TCP sockets with
 * the local address and port, and the creation of packet (AF_PACKET) and raw (SOCK_RAW) sockets.
 *
 * Each is a pair of programs on the system call's trace events (tp/syscalls/sys_{enter,exit}_NAME):
 * they run only for connect, listen and socket, so no other system call pays anything. Enter
 * filters in the kernel (a Unix address; a TCP socket; a packet or raw socket) and keeps what the
 * exit needs per thread; exit adds the result and sends one event. Calls that do not pass the
 * filter cost a trace event and no ring-buffer space.
 *
 * Unix connects are frequent (databases, D-Bus, journald, PHP-FPM), and the rules want a few
 * addresses: exit sends one only when the address as passed or, once connected, the address the
 * server bound starts with a watched prefix (unix_watched, set by user space from the rules), so a
 * socket reached through a link or a bind mount under another name is still seen. The others
 * are counted (sockets_counters) and cost no ring-buffer space.
 *
 * No tracepoint gives the Unix path of a connect, and the state change to TCP_LISTEN
 * (inet_sock_set_state) comes before the port of an unbound socket is chosen and without the
 * backlog or the result, hence the system calls. */
#include "common.bpf.h"
#include "sockets.h"

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_NETLINK 16
#define AF_PACKET 17
/* socket()'s type argument carries SOCK_NONBLOCK and SOCK_CLOEXEC above the type */
#define CW_SOCK_TYPE_MASK 0xf
#define CW_S_IFMT 0170000
#define CW_S_IFSOCK 0140000
/* offsetof(struct sockaddr_un, sun_path) */
#define CW_SUN_PATH_OFFSET 2

/* Per thread: the event of its call in progress, header and result still to fill (hdr.type 0:
 * none). Task storage, not a hash by thread id: the exit of every connect() looks here, and the
 * task's storage is a pointer away where a hash costs a lookup; it is freed with the thread. */
struct {
        __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, int);
        __type(value, struct cw_sockets_event);
} inflight SEC(".maps");

/* Watched address prefixes (user space fills it: sockets.c). */
struct {
        __uint(type, BPF_MAP_TYPE_LPM_TRIE);
        __uint(max_entries, CW_UNIX_WATCH_MAX);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, struct cw_unix_watch_key);
        __type(value, uint32_t);
} unix_watched SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, _CW_SOCKETS_CNT_MAX);
        __type(key, uint32_t);
        __type(value, uint64_t);
} sockets_counters SEC(".maps");

static __always_inline void count(uint32_t which)
{
        uint64_t *n = bpf_map_lookup_elem(&sockets_counters, &which);

        if (n)
                *n += 1;
}

/* The socket behind file descriptor fd of the current task, or NULL when fd is not a socket.
 * Plain loads through BTF pointers where a helper call would cost one per field: every Unix
 * connect comes here (bench numbers in docs/HACKING.md). */
static __always_inline struct socket *fd_to_socket(int fd)
{
        struct task_struct *task = bpf_get_current_task_btf();
        struct fdtable *fdt = task->files->fdt;
        struct file *file = NULL;
        struct kiocb *slot;

        if (fd < 0 || (unsigned int) fd >= fdt->max_fds)
                return NULL;
        /* fdt->fd is an array of pointers, which BTF loads cannot index: its slot is read as the
         * first member of a struct that starts with a struct file * (as files.bpf.c does) */
        if (bpf_core_field_offset(struct kiocb, ki_filp) == 0) {
                slot = bpf_rdonly_cast((void *) &fdt->fd[fd], bpf_core_type_id_kernel(struct kiocb));
                file = slot->ki_filp;
        } else {
                bpf_probe_read_kernel(&file, sizeof(file), &fdt->fd[fd]);
                file = bpf_rdonly_cast(file, bpf_core_type_id_kernel(struct file));
        }
        if (!file)
                return NULL;
        /* private_data is a struct socket only for a socket's file */
        if ((file->f_inode->i_mode & CW_S_IFMT) != CW_S_IFSOCK)
                return NULL;
        return bpf_rdonly_cast(file->private_data, bpf_core_type_id_kernel(struct socket));
}

/* This thread's event for the call being entered, zeroed, of event type type; NULL when the
 * storage cannot be had (no memory). */
static __always_inline struct cw_sockets_event *inflight_new(uint16_t type)
{
        struct cw_sockets_event *e = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), NULL,
                                                          BPF_LOCAL_STORAGE_GET_F_CREATE);

        if (!e)
                return NULL;
        __builtin_memset(e, 0, sizeof(*e));
        e->hdr.type = type;
        return e;
}

/* This thread's kept event of a call of event type type, or NULL. Another type is a leftover of
 * an enter without its exit: dropped, never reported as this call. */
static __always_inline struct cw_sockets_event *inflight_take(uint16_t type)
{
        struct cw_sockets_event *e = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), NULL, 0);

        if (!e || e->hdr.type == 0)
                return NULL;
        if (e->hdr.type != type) {
                e->hdr.type = 0;
                return NULL;
        }
        return e;
}

/* Completes a taken event with the header and the call's result, sends it and marks it done
 * (the thread's next call finds none). */
static __always_inline void inflight_send(struct cw_sockets_event *e, uint16_t type, long ret)
{
        struct task_struct *task = bpf_get_current_task_btf();

        cw_fill_header(&e->hdr, type, sizeof(*e));
        e->ppid = cw_task_ppid(task);
        e->result = ret;
        cw_output(e, sizeof(*e));
        e->hdr.type = 0;
}

static __always_inline int inflight_emit(uint16_t type, long ret)
{
        struct cw_sockets_event *e = inflight_take(type);

        if (e)
                inflight_send(e, type, ret);
        return 0;
}

SEC("tp/syscalls/sys_enter_connect")
int handle_connect_enter(struct trace_event_raw_sys_enter *ctx)
{
        const char *uaddr = (const char *) ctx->args[1];
        int addrlen = (int) ctx->args[2];
        struct cw_sockets_event *e;
        uint16_t family = 0;
        uint32_t len;

        if (!cw_cgroup_allowed())
                return 0;
        if (!uaddr || addrlen <= CW_SUN_PATH_OFFSET)
                return 0;
        if (bpf_probe_read_user(&family, sizeof(family), uaddr) < 0 || family != AF_UNIX)
                return 0;

        e = inflight_new(CW_EV_UNIX_CONNECT);
        if (!e)
                return 0;
        e->family = AF_UNIX;
        e->fd = (int) ctx->args[0];
        len = addrlen - CW_SUN_PATH_OFFSET;
        if (len > CW_UNIX_PATH_MAX)
                len = CW_UNIX_PATH_MAX;
        /* exactly what was passed: an abstract name is not NUL-terminated and may end at a page */
        if (bpf_probe_read_user(e->path, cw_bound(len, CW_UNIX_PATH_BUF - 1),
                                uaddr + CW_SUN_PATH_OFFSET) == 0)
                e->path_len = len;
        return 0;
}

/* After a connect that worked: the address the server bound, from the peer (a stream connect's
 * peer is the server's new socket, which shares the listener's address). */
static __always_inline void connect_fill_peer(struct cw_sockets_event *e, struct socket *sock)
{
        struct unix_sock *usk, *peer;
        struct unix_address *addr;
        int len;

        if (!sock || !sock->sk)
                return;
        usk = bpf_rdonly_cast(sock->sk, bpf_core_type_id_kernel(struct unix_sock));
        if (!usk->peer)
                return;
        peer = bpf_rdonly_cast(usk->peer, bpf_core_type_id_kernel(struct unix_sock));
        addr = peer->addr;
        if (!addr)
                return;
        len = addr->len - CW_SUN_PATH_OFFSET;
        if (len <= 0)
                return;
        if (len > CW_UNIX_PATH_MAX)
                len = CW_UNIX_PATH_MAX;
        if (bpf_probe_read_kernel(e->peer_path, cw_bound(len, CW_UNIX_PATH_BUF - 1),
                                  (const char *) addr + bpf_core_field_offset(struct unix_address, name) +
                                  CW_SUN_PATH_OFFSET) == 0)
                e->peer_path_len = len;
}

/* The lookup key of a Unix address; slack: the verifier's view of key.data and the masked sizes,
 * and the NUL bpf_probe_read_kernel_str() adds. */
struct unix_key_buf {
        struct cw_unix_watch_key key;
        char slack[CW_UNIX_PATH_BUF + 1 - CW_UNIX_PATH_MAX];
};

/* Whether len bytes of a Unix address start with a watched prefix. The key is the address as it
 * is shown, without a loop (a loop over the bytes costs the verifier 200 ms at load): a path up to
 * its NUL; an abstract name with "@" for its first byte and its other NULs kept (user space cuts
 * a pattern before any further "@", which stands for a NUL or for itself). An empty address
 * matches only the entry that watches every address. */
static __noinline bool unix_address_watched(const char *addr, uint32_t len)
{
        struct unix_key_buf b;
        long n;

        __builtin_memset(&b, 0, sizeof(b));
        if (len > CW_UNIX_PATH_MAX)
                len = CW_UNIX_PATH_MAX;
        if (len > 0 && addr[0] == '\0') {
                if (bpf_probe_read_kernel(b.key.data, cw_bound(len, CW_UNIX_PATH_BUF - 1), addr) < 0)
                        return false;
                b.key.data[0] = '@';
                b.key.prefixlen = len * 8;
        } else if (len > 0) {
                n = bpf_probe_read_kernel_str(b.key.data, cw_bound(len, CW_UNIX_PATH_BUF - 1) + 1, addr);
                if (n <= 0)
                        return false;
                b.key.prefixlen = (n - 1) * 8;
        }
        return bpf_map_lookup_elem(&unix_watched, &b.key) != NULL;
}

SEC("tp/syscalls/sys_exit_connect")
int handle_connect_exit(struct trace_event_raw_sys_exit *ctx)
{
        struct cw_sockets_event *e = inflight_take(CW_EV_UNIX_CONNECT);
        struct socket *sock;

        if (!e)
                return 0;
        sock = fd_to_socket(e->fd);
        if (ctx->ret == 0)
                connect_fill_peer(e, sock);
        count(CW_SOCKETS_CNT_CONNECTS_CHECKED);
        if (!unix_address_watched(e->path, e->path_len) &&
            (e->peer_path_len == 0 || !unix_address_watched(e->peer_path, e->peer_path_len))) {
                count(CW_SOCKETS_CNT_CONNECTS_UNMATCHED);
                e->hdr.type = 0;
                return 0;
        }
        /* the type of a socket connect() did not find stays 0 (ENOTSOCK, EBADF) */
        if (sock)
                e->type = sock->type;
        inflight_send(e, CW_EV_UNIX_CONNECT, ctx->ret);
        return 0;
}

SEC("tp/syscalls/sys_enter_listen")
int handle_listen_enter(struct trace_event_raw_sys_enter *ctx)
{
        int fd = (int) ctx->args[0];
        struct cw_sockets_event *e;
        struct socket *sock;
        struct sock *sk;
        uint16_t family, protocol;

        if (!cw_cgroup_allowed())
                return 0;
        sock = fd_to_socket(fd);
        if (!sock)
                return 0;
        sk = BPF_CORE_READ(sock, sk);
        if (!sk)
                return 0;
        family = BPF_CORE_READ(sk, __sk_common.skc_family);
        protocol = BPF_CORE_READ(sk, sk_protocol);
        if (family != AF_INET && family != AF_INET6)
                return 0;
        if (protocol != IPPROTO_TCP && protocol != IPPROTO_MPTCP)
                return 0;

        e = inflight_new(CW_EV_LISTEN);
        if (!e)
                return 0;
        e->fd = fd;
        e->family = family;
        e->protocol = protocol;
        e->type = BPF_CORE_READ(sock, type);
        e->backlog = (int) ctx->args[1];
        return 0;
}

/* The local address and port after listen(): it picks a port for a socket not bound yet. */
static __always_inline void listen_fill_local(struct cw_sockets_event *e)
{
        struct socket *sock = fd_to_socket(e->fd);
        struct sock *sk = sock ? BPF_CORE_READ(sock, sk) : NULL;

        if (!sk)
                return;
        e->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
        if (e->family == AF_INET)
                BPF_CORE_READ_INTO((uint32_t *) e->laddr, sk, __sk_common.skc_rcv_saddr);
        else
                BPF_CORE_READ_INTO((struct in6_addr *) e->laddr, sk, __sk_common.skc_v6_rcv_saddr);
}

SEC("tp/syscalls/sys_exit_listen")
int handle_listen_exit(struct trace_event_raw_sys_exit *ctx)
{
        struct cw_sockets_event *e = inflight_take(CW_EV_LISTEN);

        if (!e)
                return 0;
        listen_fill_local(e);
        inflight_send(e, CW_EV_LISTEN, ctx->ret);
        return 0;
}

SEC("tp/syscalls/sys_enter_socket")
int handle_socket_enter(struct trace_event_raw_sys_enter *ctx)
{
        int family = (int) ctx->args[0], type = (int) ctx->args[1] & CW_SOCK_TYPE_MASK;
        struct cw_sockets_event *e;

        /* the arguments first, before the cgroup filter's lookup: most sockets are neither.
         * A netlink socket's SOCK_RAW is only its message type (every getaddrinfo() opens one):
         * not a raw network socket. */
        if (family != AF_PACKET && (type != SOCK_RAW || family == AF_NETLINK))
                return 0;
        if (!cw_cgroup_allowed())
                return 0;

        e = inflight_new(CW_EV_RAW_SOCKET);
        if (!e)
                return 0;
        e->family = family;
        e->type = type;
        e->protocol = (int) ctx->args[2];
        e->fd = -1;
        return 0;
}

SEC("tp/syscalls/sys_exit_socket")
int handle_socket_exit(struct trace_event_raw_sys_exit *ctx)
{
        return inflight_emit(CW_EV_RAW_SOCKET, ctx->ret);
}
