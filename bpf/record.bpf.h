/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/* Assembling a variable-length record (fixed part ending in struct
 * yg_strings, then the strings) in per-CPU scratch. Every append keeps
 * off <= YG_DATA_MASK and masks offsets and sizes with it, which is what
 * lets the verifier prove the writes stay in bounds.
 *
 *	struct yg_file_event *r = record__fixed(s, struct yg_file_event);
 *	record__begin(s);
 *	off = record__kstr(s, off, YG_FILE_STR_PATH, name, 256);
 *	record__emit(s, r, YG_EV_FILE, off);
 */
#ifndef YAGURA_RECORD_BPF_H
#define YAGURA_RECORD_BPF_H

#include "emit.bpf.h"
#include "maps.bpf.h"
#include "path.bpf.h"
#include "task.bpf.h"

#define YG_CGROUP_MAX_DEPTH 16

/* record__set masks the string index with YG_STR_MAX - 1. */
_Static_assert((YG_STR_MAX & (YG_STR_MAX - 1)) == 0, "YG_STR_MAX must be a power of two");
_Static_assert(YG_EXEC_STR_COUNT <= YG_STR_MAX && YG_FILE_STR_COUNT <= YG_STR_MAX &&
		       YG_TAMPER_STR_COUNT <= YG_STR_MAX,
	       "too many strings for struct yg_strings");

/* The fixed part of a record of this type, placed so that it ends where
 * the strings begin. */
#define record__fixed(s, type)                                                          \
	({                                                                              \
		_Static_assert(sizeof(type) <= YG_HEAD_MAX && sizeof(type) % 8 == 0,    \
			       "fixed part must fit the head and keep alignment");      \
		_Static_assert(__builtin_offsetof(type, str) + sizeof(struct yg_strings) == \
				       sizeof(type),                                    \
			       "struct yg_strings must be the last member");            \
		(type *)&(s)->head[YG_HEAD_MAX - sizeof(type)];                         \
	})

static __always_inline struct yg_strings *record__str(struct yg_record_scratch *s)
{
	return (struct yg_strings *)&s->head[YG_HEAD_MAX - sizeof(struct yg_strings)];
}

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
	struct yg_strings *str = record__str(s);

	str->len[idx & (YG_STR_MAX - 1)] = len;
	if (cut)
		str->truncated |= 1 << idx;
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

/* dirfd values of record__user_path that are not descriptors. */
#define YG_DIRFD_CWD -100 /* AT_FDCWD: relative to the working directory */
#define YG_DIRFD_NONE -1  /* a relative name is kept as given, not joined */

/* Appends a path a syscall was given (user memory) to a struct
 * yg_file_event record, as the caller named it: an absolute name as given;
 * a relative one joined to the resolved directory it is relative to (dirfd's
 * file, or the working directory) as "<dir>/<name>"; an empty one
 * (AT_EMPTY_PATH) as the resolved path of dirfd's file itself. A name as
 * given sets YG_FOP_LEXICAL, and YG_FOP_UNNORMALIZED if it has a ".." component. */
__u32 record__user_path(struct yg_record_scratch *s, __u32 off, int idx, int dirfd, __u64 user_name);

/* Clears the string lengths before assembly. */
static __always_inline void record__begin(struct yg_record_scratch *s)
{
	__builtin_memset(record__str(s), 0, sizeof(struct yg_strings));
}

/* Sets the header and hands the record with off bytes of strings to the
 * ring buffer. */
#define record__emit(s, r, type, off)                                         \
	({                                                                    \
		__u32 __size = sizeof(*(r)) + YG_MASK(off, YG_DATA_MASK);     \
		emit__header(&(r)->hdr, type, __size);                        \
		emit__output(r, __size, type);                                \
	})

#endif /* YAGURA_RECORD_BPF_H */
