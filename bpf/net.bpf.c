// SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0)
/* Network activity: TCP connects (with their outcome), accepts, listens and
 * closes; unix-socket connects, accepts and listens; UDP binds and the first
 * datagram from a socket to each destination; DNS queries and answers. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "emit.bpf.h"
#include "filter.bpf.h"
#include "syscall.bpf.h"
#include "task.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* uapi macros, which vmlinux.h does not carry. */
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define ECONNABORTED 103

#define DNS_PORT 53
#define UNIX_NAME_OFF __builtin_offsetof(struct sockaddr_un, sun_path)
/* Names are read into a buffer with room for any masked length. */
#define UNIX_BUF 128

_Static_assert(YG_UNIX_PATH_MAX < UNIX_BUF, "unix name buffer too small");
_Static_assert((YG_DNS_MAX & (YG_DNS_MAX - 1)) == 0, "YG_DNS_MAX must be a power of two");

/* The process that owns a socket, for records made outside its context
 * (YG_HDR_OWNER_ONLY). */
struct net_owner {
	__u32 tgid;
	__u32 tid;
	__u64 start_ns;
	char comm[YG_COMM_LEN];
};

struct net_tracked {
	struct net_owner owner;
	__u64 since_ns;   /* connect finished or accept returned */
	__u32 flags;      /* YG_NET_INBOUND when accepted */
	__u32 pad;
};

struct udp_dest {
	__u64 cookie;     /* socket */
	__u8 addr[16];
	__u16 port;
	__u16 family;
	__u32 pad;
};

/* TCP sockets in SYN_SENT -> the task that called connect, until the
 * handshake ends in ESTABLISHED or CLOSE. The TCP maps are preallocated:
 * before 6.1 a tracepoint program using a run-time allocated hash makes
 * the verifier WARN (a panic under panic_on_warn), and PREEMPT_RT refuses
 * it. Not LRU, which would lose entries silently; a full map is counted. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct yg_task);
} yg_tcp_connecting SEC(".maps");

/* Connected and accepted TCP sockets -> owner, until TCP_CLOSE, which every
 * TCP socket passes before it is freed. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u64);
	__type(value, struct net_tracked);
} yg_tcp_tracked SEC(".maps");

/* UDP sockets (by cookie) that sent a DNS query -> owner, to attribute the
 * answers. LRU: the end of a UDP socket is not seen here. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct net_owner);
} yg_dns_owner SEC(".maps");

/* (socket, destination) pairs already reported by UDP_SEND. LRU: an
 * evicted pair is at worst reported again. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct udp_dest);
	__type(value, __u8);
} yg_udp_seen SEC(".maps");

/* Both ends of a connection, as they go into struct yg_net. */
struct net_conn {
	struct yg_sockaddr local;
	struct yg_sockaddr remote;
	__u16 family;
	__u16 protocol;
	__u32 flags;
};

/* 127/8, ::1 or ::ffff:127/104. */
static __always_inline int net__loopback(__u16 family, const __u8 *a)
{
	const __u32 *w = (const __u32 *)a;

	if (family == AF_INET)
		return a[0] == 127;
	if (w[0] || w[1])
		return 0;
	if (w[2] == bpf_htonl(0xffff))
		return a[12] == 127;
	return !w[2] && w[3] == bpf_htonl(1);
}

static __always_inline struct yg_net *net__reserve(__u32 action, const struct net_conn *c)
{
	struct yg_net *e = emit__reserve(YG_EV_NET, sizeof(*e));

	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	emit__header(&e->hdr, YG_EV_NET, sizeof(*e));
	e->action = action;
	e->family = c->family;
	e->protocol = c->protocol;
	e->local = c->local;
	e->remote = c->remote;
	e->flags = c->flags | (action == YG_NET_ACCEPT ? YG_NET_INBOUND : 0);
	return e;
}

static __always_inline void net__owner_current(struct net_owner *o, struct task_struct *task)
{
	o->tgid = BPF_CORE_READ(task, tgid);
	o->tid = BPF_CORE_READ(task, pid);
	o->start_ns = task__start_ns(task);
	BPF_CORE_READ_STR_INTO(&o->comm, task, comm);
}

/* The task of an owner-only record; the record is zeroed. */
static __always_inline void net__owner_task(struct yg_task *t, const struct net_owner *o)
{
	t->tgid = o->tgid;
	t->tid = o->tid;
	t->start_ns = o->start_ns;
	t->loginuid = (__u32)-1;
	t->sessionid = (__u32)-1;
	__builtin_memcpy(t->comm, o->comm, sizeof(t->comm));
}

/* The socket behind descriptor fd of task, or NULL. */
static __always_inline struct sock *net__fd_sock(struct task_struct *task, long fd)
{
	struct file *file = sys__fd_file(task, fd);
	struct socket *sock;

	if (!file || (BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return 0;
	sock = BPF_CORE_READ(file, private_data);
	return BPF_CORE_READ(sock, sk);
}

static __always_inline int net__is_tcp(struct sock *sk, __u16 family)
{
	return (family == AF_INET || family == AF_INET6) &&
	       BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP;
}

static __always_inline void net__sk_conn(struct net_conn *c, struct sock *sk, __u16 family)
{
	struct sock_common *skc = &sk->__sk_common;

	c->family = family;
	c->protocol = IPPROTO_TCP;
	/* Not skc_num: a connection reset before accept() has it cleared
	 * (inet_put_port). */
	c->local.port = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	c->remote.port = bpf_ntohs(BPF_CORE_READ(skc, skc_dport));
	if (family == AF_INET6) {
		bpf_core_read(c->local.addr, 16, &skc->skc_v6_rcv_saddr);
		bpf_core_read(c->remote.addr, 16, &skc->skc_v6_daddr);
	} else {
		bpf_core_read(c->local.addr, 4, &skc->skc_rcv_saddr);
		bpf_core_read(c->remote.addr, 4, &skc->skc_daddr);
	}
}

/* Stores a unix socket name read into buf, n <= YG_UNIX_PATH_MAX bytes. */
static __always_inline void unix__set_name(struct yg_net *e, const char *buf, __u32 n)
{
	__builtin_memcpy(e->unix_path, buf, YG_UNIX_PATH_MAX);
	e->unix_path_len = n;
}

/* The name a unix socket is bound to (an accepted socket shares its
 * listener's). unix_address holds the sockaddr_un as bound; its len counts
 * sun_family and, for either kind of name, one NUL: a path's terminator
 * (unix_mkname_bsd; unix_mkname in older kernels) or an abstract name's
 * leading byte. */
static __always_inline void unix__bound_name(struct yg_net *e, struct sock *sk)
{
	struct unix_address *addr = BPF_CORE_READ((struct unix_sock *)sk, addr);
	char buf[UNIX_BUF] = {};
	const char *name;
	int n;

	if (!addr)
		return;
	name = (const char *)addr->name[0].sun_path;
	n = BPF_CORE_READ(addr, len) - UNIX_NAME_OFF - 1;
	if (n <= 0 || n > YG_UNIX_PATH_MAX || bpf_probe_read_kernel(buf, 1, name))
		return;
	if (!buf[0]) {
		e->flags |= YG_NET_UNIX_ABSTRACT;
		name++;
	}
	if (bpf_probe_read_kernel(buf, YG_MASK(n, UNIX_BUF - 1), name))
		return;
	unix__set_name(e, buf, n);
}

/* The name given to connect(): a path ends at its first NUL within
 * addrlen; an abstract name (leading NUL) is all of addrlen. */
static __always_inline void unix__user_name(struct yg_net *e, const char *uaddr, long addrlen)
{
	const char *name = uaddr + UNIX_NAME_OFF;
	char buf[UNIX_BUF] = {};
	long n = addrlen - UNIX_NAME_OFF, r;

	if (n <= 0)
		return;
	if (n > YG_UNIX_PATH_MAX)
		n = YG_UNIX_PATH_MAX;
	r = bpf_probe_read_user_str(buf, YG_MASK(n, UNIX_BUF - 1) + 1, name);
	if (r > 1) {
		unix__set_name(e, buf, r - 1);
		return;
	}
	if (r != 1 || n < 2 || bpf_probe_read_user(buf, YG_MASK(n - 1, UNIX_BUF - 1), name + 1))
		return;
	e->flags |= YG_NET_UNIX_ABSTRACT;
	unix__set_name(e, buf, n - 1);
}

static __always_inline void unix__emit_bound(__u32 action, struct task_struct *task, struct sock *sk)
{
	struct net_conn c = {.family = AF_UNIX};
	struct yg_net *e = net__reserve(action, &c);

	if (!e)
		return;
	task__fill(&e->task, task);
	unix__bound_name(e, sk);
	emit__submit(e, YG_EV_NET);
}

/* ---- TCP connection life, from the socket state tracepoint ---- */

static __always_inline void tcp__tp_conn(struct net_conn *c,
					 struct trace_event_raw_inet_sock_set_state *ctx)
{
	c->family = ctx->family;
	c->protocol = IPPROTO_TCP;
	c->local.port = ctx->sport;
	c->remote.port = ctx->dport;
	if (c->family == AF_INET6) {
		bpf_probe_read_kernel(c->local.addr, 16, ctx->saddr_v6);
		bpf_probe_read_kernel(c->remote.addr, 16, ctx->daddr_v6);
	} else {
		bpf_probe_read_kernel(c->local.addr, 4, ctx->saddr);
		bpf_probe_read_kernel(c->remote.addr, 4, ctx->daddr);
	}
	if (net__loopback(c->family, c->remote.addr))
		c->flags = YG_NET_LOOPBACK;
}

static __always_inline void tcp__track(__u64 sk, const struct net_owner *o, __u32 flags)
{
	struct net_tracked t = {.owner = *o, .since_ns = bpf_ktime_get_boot_ns(), .flags = flags};

	if (bpf_map_update_elem(&yg_tcp_tracked, &sk, &t, BPF_ANY))
		emit__count(YG_EV_NET, 1, YG_DROP_STASH_FULL);
}

/* connect() started, in the calling process: remember who called it. */
static __always_inline void tcp__connecting(struct trace_event_raw_inet_sock_set_state *ctx, __u64 sk)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct net_conn c = {};
	struct yg_task t = {};
	struct yg_filter f;

	if (emit__is_self() || !filter__pass(&f, YG_EV_NET, task))
		return;
	if (f.cfg->flags & YG_FILTER_SKIP_LOOPBACK) {
		tcp__tp_conn(&c, ctx);
		if (c.flags & YG_NET_LOOPBACK)
			return;
	}
	task__fill(&t, task);
	if (bpf_map_update_elem(&yg_tcp_connecting, &sk, &t, BPF_ANY))
		emit__count(YG_EV_NET, 1, YG_DROP_STASH_FULL);
}

static __always_inline void tcp__emit_connect(struct trace_event_raw_inet_sock_set_state *ctx,
					      const struct yg_task *t, __s32 error)
{
	struct net_conn c = {};
	struct yg_net *e;

	tcp__tp_conn(&c, ctx);
	e = net__reserve(YG_NET_CONNECT, &c);
	if (!e)
		return;
	e->task = *t;
	e->error = error;
	emit__submit(e, YG_EV_NET);
}

/* Handshake done (also after a simultaneous open, via SYN_RECV). Runs in
 * softirq, or in the process that releases the socket lock. */
static __always_inline void tcp__established(struct trace_event_raw_inet_sock_set_state *ctx, __u64 sk)
{
	struct yg_task *t = bpf_map_lookup_elem(&yg_tcp_connecting, &sk);
	struct net_owner o = {};

	if (!t)
		return;
	tcp__emit_connect(ctx, t, 0);
	o.tgid = t->tgid;
	o.tid = t->tid;
	o.start_ns = t->start_ns;
	__builtin_memcpy(o.comm, t->comm, sizeof(o.comm));
	tcp__track(sk, &o, 0);
	bpf_map_delete_elem(&yg_tcp_connecting, &sk);
}

/* Payload bytes sent once each: bytes_sent counts data including
 * retransmissions (RFC 4898 DataOctetsOut), never SYN or FIN. */
static __always_inline __u64 tcp__payload_sent(const struct tcp_sock *tp)
{
	return BPF_CORE_READ(tp, bytes_sent) - BPF_CORE_READ(tp, bytes_retrans);
}

/* bytes_received follows rcv_nxt, which the peer's FIN advances by one.
 * tcp_fin() sets SOCK_DONE when that FIN arrives (tcp_done(), which fires
 * this tracepoint, does not), so the flag says whether to take it off. */
static __always_inline __u64 tcp__payload_received(const struct tcp_sock *tp)
{
	__u64 n = BPF_CORE_READ(tp, bytes_received);
	unsigned long flags = BPF_CORE_READ((struct sock *)tp, __sk_common.skc_flags);

	if (n && (flags & (1ul << bpf_core_enum_value(enum sock_flags, SOCK_DONE))))
		n -= 1;
	return n;
}

static __always_inline void tcp__closed(struct trace_event_raw_inet_sock_set_state *ctx, __u64 sk)
{
	struct yg_task *t = bpf_map_lookup_elem(&yg_tcp_connecting, &sk);
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	struct net_conn c = {};
	struct net_tracked *tr;
	struct yg_net *e;

	if (t) {
		/* The handshake failed. Whatever ends it sets sk_err before
		 * the state change, in 5.17 as in 6.x (where
		 * tcp_done_with_error keeps the order): tcp_reset
		 * (ECONNREFUSED), tcp_write_err (ETIMEDOUT, or a soft ICMP
		 * error), tcp_v4_err/tcp_v6_err (EHOSTUNREACH...), tcp_abort.
		 * sk_err is 0 when the caller closed or disconnected the socket
		 * first, or tcp_v4_connect failed after setting SYN_SENT. */
		__s32 err = BPF_CORE_READ((struct sock *)sk, sk_err);

		tcp__emit_connect(ctx, t, err ? err : ECONNABORTED);
		bpf_map_delete_elem(&yg_tcp_connecting, &sk);
		return;
	}
	tr = bpf_map_lookup_elem(&yg_tcp_tracked, &sk);
	if (!tr)
		return;
	tcp__tp_conn(&c, ctx);
	e = net__reserve(YG_NET_CLOSE, &c);
	if (e) {
		e->hdr.flags = YG_HDR_OWNER_ONLY;
		e->flags |= tr->flags;
		net__owner_task(&e->task, &tr->owner);
		e->duration_ns = bpf_ktime_get_boot_ns() - tr->since_ns;
		e->bytes_sent = tcp__payload_sent(tp);
		e->bytes_received = tcp__payload_received(tp);
		emit__submit(e, YG_EV_NET);
	}
	bpf_map_delete_elem(&yg_tcp_tracked, &sk);
}

SEC("tp/sock/inet_sock_set_state")
int yg_tcp_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	__u64 sk = (__u64)ctx->skaddr;

	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	switch (ctx->newstate) {
	case TCP_SYN_SENT:
		tcp__connecting(ctx, sk);
		break;
	case TCP_ESTABLISHED:
		tcp__established(ctx, sk);
		break;
	case TCP_CLOSE:
		tcp__closed(ctx, sk);
		break;
	}
	return 0;
}

/* ---- accept, listen, unix connect: syscall exits ---- */

static __always_inline int net__accept(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct net_owner o = {};
	struct net_conn c = {};
	struct yg_filter f;
	struct yg_net *e;
	struct sock *sk;
	__u64 key;
	__u16 family;

	if (fd < 0 || emit__is_self() || !filter__pass(&f, YG_EV_NET, task))
		return 0;
	sk = net__fd_sock(task, fd);
	if (!sk)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family == AF_UNIX) {
		if (!(f.cfg->flags & YG_FILTER_SKIP_UNIX))
			unix__emit_bound(YG_NET_ACCEPT, task, sk);
		return 0;
	}
	if (!net__is_tcp(sk, family))
		return 0;
	net__sk_conn(&c, sk, family);
	if (net__loopback(family, c.remote.addr)) {
		if (f.cfg->flags & YG_FILTER_SKIP_LOOPBACK)
			return 0;
		c.flags = YG_NET_LOOPBACK;
	}
	e = net__reserve(YG_NET_ACCEPT, &c);
	if (e) {
		task__fill(&e->task, task);
		emit__submit(e, YG_EV_NET);
	}
	net__owner_current(&o, task);
	key = (__u64)sk;
	tcp__track(key, &o, YG_NET_INBOUND);
	/* A connection reset before accept() has passed TCP_CLOSE untracked
	 * and would stay in the map. Checking after the insert leaves only
	 * the instant between the tracepoint and the state store. */
	if (BPF_CORE_READ(sk, __sk_common.skc_state) == TCP_CLOSE)
		bpf_map_delete_elem(&yg_tcp_tracked, &key);
	return 0;
}

SEC("tp/syscalls/sys_exit_accept4")
int yg_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return net__accept(ctx->ret);
}

SEC("tp/syscalls/sys_exit_accept")
int yg_accept(struct trace_event_raw_sys_exit *ctx)
{
	return net__accept(ctx->ret);
}

SEC("tp/syscalls/sys_exit_listen")
int yg_listen(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct net_conn c = {};
	struct yg_filter f;
	struct yg_net *e;
	struct sock *sk;
	__u16 family;

	if (ctx->ret != 0 || emit__is_self() || !filter__pass(&f, YG_EV_NET, task))
		return 0;
	sk = net__fd_sock(task, sys__arg(sys__regs(), 0));
	if (!sk)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family == AF_UNIX) {
		if (!(f.cfg->flags & YG_FILTER_SKIP_UNIX))
			unix__emit_bound(YG_NET_LISTEN, task, sk);
		return 0;
	}
	if (!net__is_tcp(sk, family))
		return 0;
	net__sk_conn(&c, sk, family);
	if (net__loopback(family, c.local.addr)) {
		if (f.cfg->flags & YG_FILTER_SKIP_LOOPBACK)
			return 0;
		c.flags = YG_NET_LOOPBACK;
	}
	e = net__reserve(YG_NET_LISTEN, &c);
	if (!e)
		return 0;
	task__fill(&e->task, task);
	emit__submit(e, YG_EV_NET);
	return 0;
}

SEC("tp/syscalls/sys_exit_connect")
int yg_unix_connect(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct pt_regs *regs = sys__regs();
	const char *uaddr = (const char *)sys__arg(regs, 1);
	struct net_conn c = {.family = AF_UNIX};
	struct yg_filter f;
	struct yg_net *e;
	struct sock *sk;
	__u16 family = 0;

	/* Every TCP connect passes here: the family as given rules those
	 * out with one read. */
	if (bpf_probe_read_user(&family, sizeof(family), uaddr) || family != AF_UNIX)
		return 0;
	if (emit__is_self() || !filter__pass(&f, YG_EV_NET, task) ||
	    (f.cfg->flags & YG_FILTER_SKIP_UNIX))
		return 0;
	sk = net__fd_sock(task, sys__arg(regs, 0));
	if (!sk || BPF_CORE_READ(sk, __sk_common.skc_family) != AF_UNIX)
		return 0;
	e = net__reserve(YG_NET_CONNECT, &c);
	if (!e)
		return 0;
	task__fill(&e->task, task);
	e->error = ctx->ret < 0 ? -ctx->ret : 0;
	unix__user_name(e, uaddr, sys__arg(regs, 2));
	emit__submit(e, YG_EV_NET);
	return 0;
}

/* ---- UDP and DNS: cgroup socket programs, which must return 1 (0 drops
 * the packet, or fails the bind) ---- */

/* Header layouts, declared here to stay out of CO-RE (vmlinux.h types are
 * relocatable; wire formats are not). */
struct net_ip4 {
	__u8 ver_ihl;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__be16 check;
	__be32 saddr;
	__be32 daddr;
};

struct net_ip6 {
	__be32 ver_tc_flow;
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u8 saddr[16];
	__u8 daddr[16];
};

struct net_udp {
	__be16 source;
	__be16 dest;
	__be16 len;
	__be16 check;
};

struct udp_pkt {
	struct yg_sockaddr src;
	struct yg_sockaddr dst;
	__u16 family;
	__u16 msg_len;    /* payload length, from the UDP header */
	__u32 avail;      /* payload bytes present in the skb */
	__u32 off;        /* where the payload starts */
	__u32 pad;
};

/* cgroup_skb data starts at the network header. IPv6 extension headers are
 * not followed: the next header must be UDP. */
static __always_inline int udp__parse(struct __sk_buff *skb, struct udp_pkt *p)
{
	struct net_udp uh;
	__u32 off, len;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct net_ip4 ip;

		/* Later fragments carry no UDP header. */
		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) || ip.protocol != IPPROTO_UDP ||
		    (ip.frag_off & bpf_htons(0x1fff)))
			return 0;
		off = (ip.ver_ihl & 0xf) * 4;
		p->family = AF_INET;
		__builtin_memcpy(p->src.addr, &ip.saddr, 4);
		__builtin_memcpy(p->dst.addr, &ip.daddr, 4);
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct net_ip6 ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) || ip.nexthdr != IPPROTO_UDP)
			return 0;
		off = sizeof(ip);
		p->family = AF_INET6;
		__builtin_memcpy(p->src.addr, ip.saddr, 16);
		__builtin_memcpy(p->dst.addr, ip.daddr, 16);
	} else {
		return 0;
	}
	if (bpf_skb_load_bytes(skb, off, &uh, sizeof(uh)))
		return 0;
	p->src.port = bpf_ntohs(uh.source);
	p->dst.port = bpf_ntohs(uh.dest);
	p->off = off + sizeof(uh);
	len = bpf_ntohs(uh.len);
	p->msg_len = len > sizeof(uh) ? len - sizeof(uh) : 0;
	p->avail = skb->len > p->off ? skb->len - p->off : 0;
	return 1;
}

/* A DNS record with the message copied in; the caller sets the task. */
static __always_inline struct yg_dns *dns__reserve(struct __sk_buff *skb, const struct udp_pkt *p,
						   __u32 direction)
{
	struct yg_dns *e = emit__reserve(YG_EV_DNS, sizeof(*e));
	__u32 n = p->msg_len < p->avail ? p->msg_len : p->avail;

	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	emit__header(&e->hdr, YG_EV_DNS, sizeof(*e));
	e->direction = direction;
	e->family = p->family;
	e->msg_len = p->msg_len;
	if (direction == YG_DNS_QUERY) {
		e->local = p->src;
		e->remote = p->dst;
	} else {
		e->local = p->dst;
		e->remote = p->src;
	}
	if (n > YG_DNS_MAX)
		n = YG_DNS_MAX;
	/* n - 1 masked, then + 1: a size in [1, YG_DNS_MAX] for the verifier. */
	if (n && !bpf_skb_load_bytes(skb, p->off, e->payload, YG_MASK(n - 1, YG_DNS_MAX - 1) + 1))
		e->captured = n;
	return e;
}

static __always_inline void udp__dest_key(struct udp_dest *key, const struct udp_pkt *p,
					  __u64 cookie)
{
	key->cookie = cookie;
	key->port = p->dst.port;
	key->family = p->family;
	__builtin_memcpy(key->addr, p->dst.addr, sizeof(key->addr));
}

static __always_inline int udp__seen(const struct udp_pkt *p, __u64 cookie)
{
	struct udp_dest key = {};

	udp__dest_key(&key, p, cookie);
	return bpf_map_lookup_elem(&yg_udp_seen, &key) != 0;
}

static __always_inline void udp__first_send(const struct udp_pkt *p, __u64 cookie,
					    struct task_struct *task)
{
	struct udp_dest key = {};
	struct net_conn c = {.family = p->family, .protocol = IPPROTO_UDP};
	struct yg_net *e;
	__u8 one = 1;

	udp__dest_key(&key, p, cookie);
	/* Lookup first: an LRU update takes a free node even when the key
	 * exists. NOEXIST settles a race between CPUs. */
	if (bpf_map_lookup_elem(&yg_udp_seen, &key) ||
	    bpf_map_update_elem(&yg_udp_seen, &key, &one, BPF_NOEXIST))
		return;
	c.local = p->src;
	c.remote = p->dst;
	if (net__loopback(p->family, p->dst.addr))
		c.flags = YG_NET_LOOPBACK;
	e = net__reserve(YG_NET_UDP_SEND, &c);
	if (!e)
		return;
	task__fill(&e->task, task);
	emit__submit(e, YG_EV_NET);
}

static __always_inline void dns__query(struct __sk_buff *skb, const struct udp_pkt *p, __u64 cookie,
				       struct task_struct *task)
{
	struct yg_dns *e = dns__reserve(skb, p, YG_DNS_QUERY);
	struct net_owner o = {};

	if (e) {
		task__fill(&e->task, task);
		emit__submit(e, YG_EV_DNS);
	}
	net__owner_current(&o, task);
	if (bpf_map_update_elem(&yg_dns_owner, &cookie, &o, BPF_ANY))
		emit__count(YG_EV_DNS, 1, YG_DROP_STASH_FULL);
}

SEC("cgroup_skb/egress")
int yg_udp_egress(struct __sk_buff *skb)
{
	struct task_struct *task;
	struct udp_pkt p = {};
	struct yg_filter f;
	int net, dns;
	__u64 cookie;
	__u32 tgid;

	if (!udp__parse(skb, &p))
		return 1;
	/* A UDP socket's egress runs in the sending process; tgid 0 is no
	 * process. Read from the task: older kernels do not give cgroup_skb
	 * programs bpf_get_current_pid_tgid (emit__is_self). */
	task = (struct task_struct *)bpf_get_current_task_btf();
	tgid = BPF_CORE_READ(task, tgid);
	if (!tgid || tgid == yg_cfg.self_tgid)
		return 1;
	/* Most datagrams go where their socket has sent before: one lookup
	 * settles them, ahead of the filter's lookups. */
	cookie = bpf_get_socket_cookie(skb);
	if (p.dst.port != DNS_PORT && udp__seen(&p, cookie))
		return 1;
	if (filter__pass(&f, YG_EV_NET, task)) {
		net = 1;
		dns = p.dst.port == DNS_PORT && (f.cfg->enabled_types & (1u << YG_EV_DNS));
	} else if (p.dst.port == DNS_PORT && filter__pass(&f, YG_EV_DNS, task)) {
		net = 0;
		dns = 1;
	} else {
		return 1;
	}
	if ((f.cfg->flags & YG_FILTER_SKIP_LOOPBACK) && net__loopback(p.family, p.dst.addr))
		return 1;
	if (net)
		udp__first_send(&p, cookie, task);
	if (dns)
		dns__query(skb, &p, cookie, task);
	return 1;
}

/* Runs in softirq: an answer is attributed to the socket's query owner. */
SEC("cgroup_skb/ingress")
int yg_dns_ingress(struct __sk_buff *skb)
{
	struct udp_pkt p = {};
	struct net_owner *o;
	struct yg_dns *e;
	__u64 cookie;

	if (!udp__parse(skb, &p) || p.src.port != DNS_PORT || !filter__type_on(YG_EV_DNS))
		return 1;
	cookie = bpf_get_socket_cookie(skb);
	o = bpf_map_lookup_elem(&yg_dns_owner, &cookie);
	if (!o)
		return 1;
	e = dns__reserve(skb, &p, YG_DNS_ANSWER);
	if (!e)
		return 1;
	e->hdr.flags = YG_HDR_OWNER_ONLY;
	net__owner_task(&e->task, o);
	emit__submit(e, YG_EV_DNS);
	return 1;
}

static __always_inline void udp__bind(struct net_conn *c)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct yg_filter f;
	struct yg_net *e;

	if (emit__is_self() || !filter__pass(&f, YG_EV_NET, task))
		return;
	if (net__loopback(c->family, c->local.addr)) {
		if (f.cfg->flags & YG_FILTER_SKIP_LOOPBACK)
			return;
		c->flags = YG_NET_LOOPBACK;
	}
	e = net__reserve(YG_NET_UDP_BIND, c);
	if (!e)
		return;
	task__fill(&e->task, task);
	emit__submit(e, YG_EV_NET);
}

/* post_bind runs in bind() after the port is chosen. src_port is in host
 * byte order (uapi bpf.h), the addresses in network order. Each hook may
 * read only its own family's address. */
SEC("cgroup/post_bind4")
int yg_udp_bind4(struct bpf_sock *ctx)
{
	struct net_conn c = {.family = AF_INET, .protocol = IPPROTO_UDP};
	__u32 ip;

	if (ctx->protocol != IPPROTO_UDP)
		return 1;
	ip = ctx->src_ip4;
	__builtin_memcpy(c.local.addr, &ip, sizeof(ip));
	c.local.port = ctx->src_port;
	udp__bind(&c);
	return 1;
}

SEC("cgroup/post_bind6")
int yg_udp_bind6(struct bpf_sock *ctx)
{
	struct net_conn c = {.family = AF_INET6, .protocol = IPPROTO_UDP};
	__u32 ip[4];

	if (ctx->protocol != IPPROTO_UDP)
		return 1;
	ip[0] = ctx->src_ip6[0];
	ip[1] = ctx->src_ip6[1];
	ip[2] = ctx->src_ip6[2];
	ip[3] = ctx->src_ip6[3];
	__builtin_memcpy(c.local.addr, ip, sizeof(ip));
	c.local.port = ctx->src_port;
	udp__bind(&c);
	return 1;
}
