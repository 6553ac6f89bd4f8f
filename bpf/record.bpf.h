/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/* Assembling a struct yg_exec record with its strings in per-CPU scratch.
 * Every append keeps off <= YG_DATA_MASK and masks offsets and sizes with
 * it, which is what lets the verifier prove the writes stay in bounds. */
#ifndef YAGURA_RECORD_BPF_H
#define YAGURA_RECORD_BPF_H

#include "maps.bpf.h"
#include "path.bpf.h"
#include "task.bpf.h"

#define YG_CGROUP_MAX_DEPTH 16

/* record__set masks the string index with YG_EXEC_STR_COUNT - 1. */
_Static_assert((YG_EXEC_STR_COUNT & (YG_EXEC_STR_COUNT - 1)) == 0,
	       "YG_EXEC_STR_COUNT must be a power of two");

static __always_inline struct yg_record_scratch *record__scratch(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&yg_scratch, &cpu);
}

static __always_inline __u32 record__room(__u32 off, __u32 want)
{
	__u32 left = off < YG_DATA_MASK ? YG_DATA_MASK - off : 0;

	return want < left ? want : left;
}

static __always_inline void record__set(struct yg_record_scratch *s, int idx, __u32 len, int cut)
{
	s->rec.len[idx & (YG_EXEC_STR_COUNT - 1)] = len;
	if (cut)
		s->rec.truncated |= 1 << idx;
}

/* A kernel C string of at most cap bytes (the NUL is not kept). */
static __always_inline __u32 record__kstr(struct yg_record_scratch *s, __u32 off, int idx,
					  const char *src, __u32 cap)
{
	__u32 room = record__room(off, cap);
	long n;

	if (!src || room < 2)
		return off;
	n = bpf_probe_read_kernel_str(&s->data[YG_MASK(off, YG_DATA_MASK)], YG_MASK(room, YG_DATA_MASK), src);
	if (n <= 1)
		return off;
	record__set(s, idx, n - 1, n == room);
	return off + n - 1;
}

/* Global functions (record.bpf.c): the verifier checks each once instead of
 * once per call site and loop exit, which keeps yg_exec under its limits.
 * Kernel pointers travel as integers; global functions cannot take them
 * typed on older kernels. */
__u32 record__path(struct yg_record_scratch *s, __u32 off, int idx, __u64 path);
__u32 record__cgroup(struct yg_record_scratch *s, __u32 off, __u64 leaf_kernfs_node);

/* Clears the per-record fields of the scratch header before assembly. */
static __always_inline void record__begin(struct yg_record_scratch *s)
{
	s->rec.old_tid = 0;
	s->rec.argc = 0;
	s->rec.args_size = 0;
	s->rec.env_size = 0;
	s->rec.flags = 0;
	s->rec.truncated = 0;
	s->rec.pad0 = 0;
	for (int i = 0; i < YG_EXEC_STR_COUNT; i++)
		s->rec.len[i] = 0;
}

#endif /* YAGURA_RECORD_BPF_H */
