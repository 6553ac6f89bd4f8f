/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/* Maps and settings shared by every program. Declared __weak so that each
 * .bpf.c can include this header and `bpftool gen object` links them into
 * one instance. */
#ifndef YAGURA_MAPS_BPF_H
#define YAGURA_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "events.h"

/* Masks a size or offset in a way clang cannot drop: it removes masks it
 * proves redundant, and the verifier does not always follow that proof. */
#define YG_MASK(v, m)                                          \
	({                                                     \
		__u64 __v = (v);                               \
		asm volatile("%0 &= %1" : "+r"(__v) : "i"(m)); \
		__v;                                           \
	})

/* Read back after load: the sensor refuses an object built from another
 * version of events.h. */
const volatile __u32 yg_schema_version __weak = YG_SCHEMA_VERSION;

/* Load-time settings; the sensor fills them before load. */
const volatile struct yg_config yg_cfg __weak = {
	.max_args_bytes = 8192,
	.env_scan_bytes = 8192,
	.wakeup_bytes = 256 * 1024,
};

/* Every record for userspace. Size set by the sensor before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024);
} yg_events SEC(".maps") __weak;

/* Emitted and dropped records by type and reason (one entry). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct yg_counters);
} yg_counters SEC(".maps") __weak;

/* Record assembly for variable-length records. One slot per CPU, indexed
 * by CPU id (a per-CPU map value cannot exceed 32 KiB). Programs using it
 * run with preemption disabled, so a slot has one user at a time. The
 * sensor sets max_entries to the number of possible CPUs.
 *
 * A record's fixed part sits at the end of head, so that its strings
 * (always the last member) end exactly where data begins: every record
 * type is assembled and emitted the same way (record.bpf.h). */
#define YG_HEAD_MAX 512

struct yg_record_scratch {
	char head[YG_HEAD_MAX];
	char data[YG_SCRATCH_SIZE];
	/* Path resolution writes backwards up to YG_PATH_MAX; a name of up
	 * to 255 bytes starts below it, hence the margin. */
	char path[YG_PATH_MAX + 256];
	/* One environment variable, or a chunk of a long one. */
	char env[YG_ENV_CHUNK];
	/* A path prefix to look up in the watched-prefix trie. */
	struct yg_lpm_key lpm;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct yg_record_scratch);
} yg_scratch SEC(".maps") __weak;

#endif /* YAGURA_MAPS_BPF_H */
