// SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0)
/* The loop-heavy parts of record assembly, as global functions. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "record.bpf.h"
#include "syscall.bpf.h"

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

/* The search for a ".." component in the name at buf[pos, end); a
 * virtual '/' at end closes the last component. */
struct dotdot_scan {
	const char *buf;
	__u32 pos;
	__u32 end;
	__u32 len;  /* bytes of the current component */
	__u32 dots; /* how many of them are '.' */
	int found;
};

/* Finds a component that lexical normalization would change: ".", ".."
 * or an empty one ("//", a trailing "/"). The leading "/" of an absolute
 * name is not an empty component. */
static long record__dotdot_step(__u64 i, struct dotdot_scan *c)
{
	const char *buf = c->buf;
	__u32 pos = c->pos;
	char ch = pos < c->end ? buf[YG_MASK(pos, YG_DATA_MASK)] : '/';

	if (ch == '/') {
		if ((c->len == c->dots && c->len > 0 && c->len <= 2) || (c->len == 0 && pos > 0)) {
			c->found = 1;
			return 1;
		}
		c->len = 0;
		c->dots = 0;
	} else {
		c->len++;
		c->dots += ch == '.';
	}
	c->pos = pos + 1;
	return pos >= c->end;
}

__noinline __u32 record__user_path(struct yg_record_scratch *s, __u32 off, int idx, int dirfd,
				   __u64 user_name)
{
	const char *name = (const char *)user_name;
	struct dotdot_scan c = {};
	struct yg_file_event *r;
	__u32 start = off, room;
	char first;
	long n;

	if (!s || bpf_probe_read_user(&first, 1, name))
		return off;
	r = record__fixed(s, struct yg_file_event);
	if (first != '/' && dirfd != YG_DIRFD_NONE) {
		struct task_struct *task = bpf_get_current_task_btf();
		struct fs_struct *fs;
		struct file *dir;

		if (dirfd == YG_DIRFD_CWD) {
			fs = BPF_CORE_READ(task, fs);
			off = record__path(s, off, idx, (__u64)&fs->pwd);
		} else {
			dir = sys__fd_file(task, dirfd);
			if (!dir)
				return off;
			off = record__path(s, off, idx, (__u64)&dir->f_path);
		}
		if (!first)
			return off;
		/* The root is "/" already: no "//name". */
		if (off - start > 1 && record__room(off, 1)) {
			s->data[YG_MASK(off, YG_DATA_MASK)] = '/';
			off++;
		}
	}
	room = record__room(off, YG_PATH_MAX);
	if (room < 2) {
		record__set(s, idx, off - start, 1);
		return off;
	}
	n = bpf_probe_read_user_str(&s->data[YG_MASK(off, YG_DATA_MASK)], YG_MASK(room, YG_DATA_MASK), name);
	if (n <= 1)
		return off;
	c.buf = s->data;
	c.pos = off;
	c.end = off + n - 1;
	off += n - 1;
	record__set(s, idx, off - start, n == room);
	r->flags |= YG_FOP_LEXICAL;
	/* n - 1 bytes and the closing virtual '/'. */
	bpf_loop(n, record__dotdot_step, &c, 0);
	if (c.found)
		r->flags |= YG_FOP_UNNORMALIZED;
	return off;
}
