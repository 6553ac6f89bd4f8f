// SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0)
/* The loop-heavy parts of record assembly, as global functions. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "record.bpf.h"

__noinline __u32 record__path(struct yg_record_scratch *s, __u32 off, int idx, __u64 path_ptr)
{
	const struct path *path = (const struct path *)path_ptr;
	int cut;
	__u32 start, len, room;

	if (!s)
		return off;
	start = path__resolve(s->path, path, &cut);
	len = YG_PATH_MAX - start;
	room = record__room(off, len);

	if (room < len)
		cut = 1;
	bpf_probe_read_kernel(&s->data[YG_MASK(off, YG_DATA_MASK)], YG_MASK(room, YG_DATA_MASK),
			      &s->path[YG_MASK(start, YG_PATH_MAX - 1)]);
	record__set(s, idx, room, cut);
	return off + room;
}

/* The cgroup v2 path, written root first: collect the nodes leaf to root,
 * then copy their names in reverse. The root node's name is not part of
 * the path. */
__noinline __u32 record__cgroup(struct yg_record_scratch *s, __u32 off, __u64 leaf)
{
	struct kernfs_node *nodes[YG_CGROUP_MAX_DEPTH];
	struct kernfs_node *kn = (struct kernfs_node *)leaf;
	__u32 start = off;
	int depth = 0, cut = 0;

	if (!s)
		return off;
	for (int i = 0; i < YG_CGROUP_MAX_DEPTH; i++) {
		struct kernfs_node *parent = kn ? task__kn_parent(kn) : 0;

		if (!parent)
			break;
		nodes[i] = kn;
		depth = i + 1;
		kn = parent;
	}
	if (kn && task__kn_parent(kn))
		cut = 1;
	for (int i = YG_CGROUP_MAX_DEPTH - 1; i >= 0; i--) {
		__u32 room;
		long n;

		if (i >= depth)
			continue;
		room = record__room(off, 256);
		if (room < 2) {
			cut = 1;
			break;
		}
		s->data[YG_MASK(off, YG_DATA_MASK)] = '/';
		off++;
		n = bpf_probe_read_kernel_str(&s->data[YG_MASK(off, YG_DATA_MASK)], YG_MASK(room - 1, YG_DATA_MASK),
					      BPF_CORE_READ(nodes[i], name));
		if (n > 1)
			off += n - 1;
	}
	if (off == start && record__room(off, 1)) {
		s->data[YG_MASK(off, YG_DATA_MASK)] = '/';
		off++;
	}
	record__set(s, YG_EXEC_STR_CGROUP, off - start, cut);
	return off;
}

