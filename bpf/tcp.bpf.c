// SPDX-License-Identifier: GPL-2.0-or-later
/* The tcp tracer: one event per connection lifecycle, from the socket state changes
 * (tp_btf/inet_sock_set_state, no tracefs needed) plus accept()/accept4() exits
 * (tp/syscalls/sys_exit_accept{,4}) to learn which process took an incoming connection.
 *
 * The state changes of a connection run wherever the kernel is at that moment, often in softirq,
 * so the owner (pid, uid, comm, cgroup) is remembered per socket in conns: at SYN_SENT, which
 * runs in the connecting process, and at accept(). */
#include "common.bpf.h"
#include <bpf/bpf_endian.h>
#include "tcp.h"

#define AF_INET 2
#define AF_INET6 10

struct tcp_conn {
        uint64_t start_ns;
        uint64_t cgroup_id;
        uint32_t pid;
        uint32_t tid;
        uint32_t uid;
        uint32_t gid;
        char comm[CW_COMM_LEN];
        uint8_t direction;      /* enum cw_tcp_direction */
        uint8_t flags;          /* enum cw_tcp_flags */
        uint8_t hdr_flags;      /* enum cw_event_flags of pid and tid */
        uint8_t pad[5];
};

/* struct sock * -> its connection; LRU so that sockets we never see close cannot fill it */
struct {
        __uint(type, BPF_MAP_TYPE_LRU_HASH);
        __uint(max_entries, 65536);
        __type(key, uint64_t);
        __type(value, struct tcp_conn);
} conns SEC(".maps");

static __always_inline void conn_set_owner(struct tcp_conn *c)
{
        uint64_t ugid = bpf_get_current_uid_gid();

        c->hdr_flags = cw_current_pids(&c->pid, &c->tid);
        c->uid = (uint32_t) ugid;
        c->gid = ugid >> 32;
        c->cgroup_id = bpf_get_current_cgroup_id();
        bpf_get_current_comm(c->comm, sizeof(c->comm));
        c->flags |= CW_TCP_OWNER_KNOWN;
}

/* Payload bytes: bytes_acked and bytes_received count sequence numbers, so the connecting side's
 * SYN and each FIN are in them; take those out. */
static __always_inline void tcp_payload_bytes(struct sock *sk, const struct tcp_conn *c, int oldstate,
                                              struct cw_tcp_event *e)
{
        struct tcp_sock *tp = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct tcp_sock));
        uint64_t sent = tp->bytes_acked, received = tp->bytes_received;
        bool fin_sent = oldstate == TCP_FIN_WAIT1 || oldstate == TCP_FIN_WAIT2 || oldstate == TCP_CLOSING ||
                        oldstate == TCP_LAST_ACK;

        if (c->direction == CW_TCP_CONNECT && sent > 0)
                sent--;
        /* our FIN is acknowledged when everything written, the FIN included, is */
        if (fin_sent && sent > 0 && tp->snd_una == tp->write_seq)
                sent--;
        /* SOCK_DONE: tcp_fin() took the peer's FIN */
        if ((sk->__sk_common.skc_flags & (1UL << SOCK_DONE)) && received > 0)
                received--;
        e->bytes_sent = sent;
        e->bytes_received = received;
}

static __always_inline void tcp_emit(struct sock *sk, const struct tcp_conn *c, uint16_t type, int32_t error,
                                     int oldstate)
{
        struct cw_tcp_event e = {};
        uint64_t now = bpf_ktime_get_boot_ns();

        e.hdr.type = type;
        e.hdr.flags = c->hdr_flags;
        e.hdr.version = CW_EVENT_VERSION;
        e.hdr.tracer = cw_tracer_id;
        e.hdr.size = sizeof(e);
        e.hdr.time_ns = now;
        e.hdr.cgroup_id = c->cgroup_id;
        e.hdr.pid = c->pid;
        e.hdr.tid = c->tid;
        e.hdr.uid = c->uid;
        e.hdr.gid = c->gid;
        __builtin_memcpy(e.hdr.comm, c->comm, sizeof(e.hdr.comm));

        e.duration_ns = bpf_ktime_get_ns() - c->start_ns;
        e.direction = c->direction;
        e.flags = c->flags;
        e.error = error;
        e.family = sk->__sk_common.skc_family;
        /* not skc_num: closing gives the port back and zeroes it before the state changes */
        e.sport = bpf_ntohs(((struct inet_sock *) bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct inet_sock)))->inet_sport);
        e.dport = bpf_ntohs(sk->__sk_common.skc_dport);
        if (e.family == AF_INET) {
                __builtin_memcpy(&e.saddr, &sk->__sk_common.skc_rcv_saddr, 4);
                __builtin_memcpy(&e.daddr, &sk->__sk_common.skc_daddr, 4);
        } else {
                __builtin_memcpy(&e.saddr, sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8, 16);
                __builtin_memcpy(&e.daddr, sk->__sk_common.skc_v6_daddr.in6_u.u6_addr8, 16);
        }
        if (type == CW_EV_TCP_CLOSE)
                tcp_payload_bytes(sk, c, oldstate, &e);
        cw_output(&e, sizeof(e));
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(handle_set_state, struct sock *sk, int oldstate, int newstate)
{
        uint64_t key = (uint64_t) sk;
        struct tcp_conn *c, new = {};
        uint16_t family;

        /* sk is a trusted BTF pointer here: its fields are plain loads */
        if (sk->sk_protocol != IPPROTO_TCP)
                return 0;
        family = sk->__sk_common.skc_family;
        if (family != AF_INET && family != AF_INET6)
                return 0;

        switch (newstate) {
        case TCP_SYN_SENT:
                /* tcp_v{4,6}_connect(): the connecting process is current */
                if (!cw_cgroup_allowed())
                        return 0;
                new.start_ns = bpf_ktime_get_ns();
                new.direction = CW_TCP_CONNECT;
                conn_set_owner(&new);
                bpf_map_update_elem(&conns, &key, &new, BPF_ANY);
                return 0;
        case TCP_SYN_RECV:
                /* a child socket cloned from a listener, in softirq: the owner is known at accept() */
                if (oldstate != TCP_LISTEN && oldstate != TCP_CLOSE)
                        return 0;
                new.start_ns = bpf_ktime_get_ns();
                new.direction = CW_TCP_ACCEPT;
                bpf_map_update_elem(&conns, &key, &new, BPF_ANY);
                return 0;
        case TCP_ESTABLISHED:
                if (oldstate != TCP_SYN_SENT)
                        return 0;
                c = bpf_map_lookup_elem(&conns, &key);
                if (c)
                        tcp_emit(sk, c, CW_EV_TCP_CONNECT, 0, oldstate);
                return 0;
        case TCP_CLOSE:
                c = bpf_map_lookup_elem(&conns, &key);
                if (!c)
                        return 0;
                if (oldstate == TCP_SYN_SENT)
                        tcp_emit(sk, c, CW_EV_TCP_FAILED, sk->sk_err, oldstate);
                else if (oldstate != TCP_SYN_RECV)
                        /* a handshake that never completed on the accept side is not a connection */
                        tcp_emit(sk, c, CW_EV_TCP_CLOSE, 0, oldstate);
                bpf_map_delete_elem(&conns, &key);
                return 0;
        default:
                return 0;
        }
}

/* The socket behind file descriptor fd of the current task, or NULL. */
static __always_inline struct sock *fd_to_sock(int fd)
{
        struct task_struct *task = bpf_get_current_task_btf();
        struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
        unsigned int max = BPF_CORE_READ(task, files, fdt, max_fds);
        struct file *file = NULL;
        struct socket *sock;

        if ((unsigned int) fd >= max)
                return NULL;
        bpf_core_read(&file, sizeof(file), &fds[fd]);
        if (!file)
                return NULL;
        sock = BPF_CORE_READ(file, private_data);
        return BPF_CORE_READ(sock, sk);
}

static __always_inline int handle_accept_exit(long ret)
{
        struct tcp_conn *c;
        uint64_t key;

        if (ret < 0)
                return 0;
        key = (uint64_t) fd_to_sock(ret);
        if (!key)
                return 0;
        /* only sockets whose handshake we saw: the accept side of a TCP connection */
        c = bpf_map_lookup_elem(&conns, &key);
        if (!c || c->direction != CW_TCP_ACCEPT || (c->flags & CW_TCP_OWNER_KNOWN))
                return 0;
        if (!cw_cgroup_allowed()) {
                bpf_map_delete_elem(&conns, &key);
                return 0;
        }
        conn_set_owner(c);
        tcp_emit(bpf_rdonly_cast((void *) key, bpf_core_type_id_kernel(struct sock)), c, CW_EV_TCP_ACCEPT, 0,
                 TCP_ESTABLISHED);
        return 0;
}

SEC("tp/syscalls/sys_exit_accept4")
int handle_accept4_exit(struct trace_event_raw_sys_exit *ctx)
{
        return handle_accept_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_accept")
int handle_accept_exit_plain(struct trace_event_raw_sys_exit *ctx)
{
        return handle_accept_exit(ctx->ret);
}
