/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/* Handing records to userspace: counted, with batched wakeups. */
#ifndef YAGURA_EMIT_BPF_H
#define YAGURA_EMIT_BPF_H

#include "maps.bpf.h"

static __always_inline void emit__count(__u32 type, int dropped, __u32 reason)
{
	__u32 zero = 0;
	struct yg_counters *c = bpf_map_lookup_elem(&yg_counters, &zero);

	if (!c || type >= YG_EV_TYPE_MAX || reason >= YG_DROP_REASON_MAX)
		return;
	/* Atomic: syscall tracepoint programs may be preempted on 6.13+. */
	if (dropped)
		__sync_fetch_and_add(&c->drops[type][reason], 1);
	else
		__sync_fetch_and_add(&c->emitted[type], 1);
}

/* Waking the reader per record doubles the cost of a cheap syscall; wake
 * it only once enough is pending. The reader also polls on a short timer,
 * which bounds the latency of a quiet stream. */
static __always_inline __u64 emit__wakeup_flags(void)
{
	if (bpf_ringbuf_query(&yg_events, BPF_RB_AVAIL_DATA) >= yg_cfg.wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void *emit__reserve(__u32 type, __u32 size)
{
	void *rec = bpf_ringbuf_reserve(&yg_events, size, 0);

	if (!rec)
		emit__count(type, 1, YG_DROP_RINGBUF_FULL);
	return rec;
}

static __always_inline void emit__submit(void *rec, __u32 type)
{
	bpf_ringbuf_submit(rec, emit__wakeup_flags());
	emit__count(type, 0, 0);
}

static __always_inline void emit__output(void *rec, __u64 size, __u32 type)
{
	if (bpf_ringbuf_output(&yg_events, rec, size, emit__wakeup_flags()))
		emit__count(type, 1, YG_DROP_RINGBUF_FULL);
	else
		emit__count(type, 0, 0);
}

static __always_inline void emit__header(struct yg_header *hdr, __u32 type, __u32 size)
{
	hdr->type = type;
	hdr->flags = 0;
	hdr->size = size;
	hdr->ktime_ns = bpf_ktime_get_boot_ns();
}

static __always_inline int emit__is_self(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == yg_cfg.self_tgid;
}

#endif /* YAGURA_EMIT_BPF_H */
