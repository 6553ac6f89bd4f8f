/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/* Resolving a struct path to an absolute path, and file metadata.
 * bpf_d_path() is limited to a few LSM/fentry hooks, so the dentry chain is
 * walked here, crossing mount points like d_path() does. */
#ifndef YAGURA_PATH_BPF_H
#define YAGURA_PATH_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "maps.bpf.h"

#define YG_NAME_MASK 255
#define YG_TMPFS_MAGIC 0x01021994

struct path_walk {
	char *buf;
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	__u32 pos;  /* the path so far is buf[pos, YG_PATH_MAX) */
	int done;
	int cut;
};

/* One step up the dentry chain; crosses to the parent mount at a mount's
 * root, like d_path(). */
static long path__step(__u64 i, struct path_walk *w)
{
	/* Locals: BPF_CORE_READ would relocate w's own fields too. */
	struct dentry *dentry = w->dentry;
	struct vfsmount *vfsmnt = w->vfsmnt;
	struct mount *mnt = w->mnt;
	struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
	struct qstr d_name;
	__u32 len, pos = w->pos;

	if (dentry == mnt_root) {
		struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);

		if (mnt == mnt_parent) {
			w->done = 1;
			return 1;
		}
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mnt_parent;
		w->vfsmnt = &mnt_parent->mnt;
		return 0;
	}
	d_name = BPF_CORE_READ(dentry, d_name);
	len = d_name.len & YG_NAME_MASK;
	if (len + 1 > pos) {
		w->cut = 1;
		w->done = 1;
		return 1;
	}
	pos -= len;
	bpf_probe_read_kernel(&w->buf[YG_MASK(pos, YG_PATH_MAX - 1)], YG_MASK(len, YG_NAME_MASK),
			      d_name.name);
	pos -= 1;
	w->buf[YG_MASK(pos, YG_PATH_MAX - 1)] = '/';
	w->pos = pos;
	/* A root that is not a mount's root: a pseudo file (memfd, anonymous
	 * inode) or a detached tree. d_path() prints its name after a slash;
	 * so do we. */
	if (dentry == parent) {
		w->done = 1;
		return 1;
	}
	w->dentry = parent;
	return 0;
}

/* Writes the path backwards into buf (YG_PATH_MAX + 256 bytes) so that it
 * ends at YG_PATH_MAX, and returns its start. *cut is set when the path was
 * deeper or longer than the limits and its root-side part is missing. */
static __always_inline __u32 path__resolve(char *buf, const struct path *path, int *cut)
{
	struct vfsmount *vfsmnt = BPF_CORE_READ(path, mnt);
	struct path_walk w = {
		.buf = buf,
		.dentry = BPF_CORE_READ(path, dentry),
		.vfsmnt = vfsmnt,
		.mnt = container_of(vfsmnt, struct mount, mnt),
		.pos = YG_PATH_MAX,
	};

	bpf_loop(YG_PATH_MAX_DEPTH, path__step, &w, 0);
	*cut = w.cut || !w.done;
	if (w.pos == YG_PATH_MAX) {
		w.pos -= 1;
		buf[YG_PATH_MAX - 1] = '/';
	}
	return w.pos;
}

/* Timestamps were struct timespec64 i_mtime/i_ctime before 6.6, and the
 * ctime field was __i_ctime in 6.6 ("fs: split timestamps into separate
 * fields" in 6.7 made them i_mtime_sec and i_mtime_nsec). */
struct inode___pre66 {
	struct timespec64 i_mtime;
	struct timespec64 i_ctime;
} __attribute__((preserve_access_index));

struct inode___v66 {
	struct timespec64 i_mtime;
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

static __always_inline __u64 path__ts_ns(struct timespec64 ts)
{
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static __always_inline void path__file_times(struct yg_file *f, struct inode *inode)
{
	if (bpf_core_field_exists(inode->i_mtime_sec)) {
		f->mtime_ns = BPF_CORE_READ(inode, i_mtime_sec) * 1000000000ull +
			      BPF_CORE_READ(inode, i_mtime_nsec);
		f->ctime_ns = BPF_CORE_READ(inode, i_ctime_sec) * 1000000000ull +
			      BPF_CORE_READ(inode, i_ctime_nsec);
		return;
	}
	struct inode___v66 *v66 = (void *)inode;
	struct inode___pre66 *pre66 = (void *)inode;

	if (bpf_core_field_exists(v66->__i_ctime)) {
		f->mtime_ns = path__ts_ns(BPF_CORE_READ(v66, i_mtime));
		f->ctime_ns = path__ts_ns(BPF_CORE_READ(v66, __i_ctime));
	} else {
		f->mtime_ns = path__ts_ns(BPF_CORE_READ(pre66, i_mtime));
		f->ctime_ns = path__ts_ns(BPF_CORE_READ(pre66, i_ctime));
	}
}

static __always_inline void path__file_info(struct yg_file *f, struct file *file)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct super_block *sb = BPF_CORE_READ(inode, i_sb);
	char prefix[6] = {};

	f->ino = BPF_CORE_READ(inode, i_ino);
	f->dev = BPF_CORE_READ(sb, s_dev);
	f->mode = BPF_CORE_READ(inode, i_mode);
	f->uid = BPF_CORE_READ(inode, i_uid.val);
	f->gid = BPF_CORE_READ(inode, i_gid.val);
	f->nlink = BPF_CORE_READ(inode, __i_nlink);
	f->size = BPF_CORE_READ(inode, i_size);
	f->fs_magic = BPF_CORE_READ(sb, s_magic);
	path__file_times(f, inode);
	f->flags = 0;
	if (f->nlink == 0)
		f->flags |= YG_FILE_DELETED;
	if (f->fs_magic == YG_TMPFS_MAGIC)
		f->flags |= YG_FILE_TMPFS;
	/* memfd_create() names its file "memfd:<name>". */
	bpf_probe_read_kernel(prefix, sizeof(prefix), BPF_CORE_READ(file, f_path.dentry, d_name.name));
	if (prefix[0] == 'm' && prefix[1] == 'e' && prefix[2] == 'm' && prefix[3] == 'f' &&
	    prefix[4] == 'd' && prefix[5] == ':')
		f->flags |= YG_FILE_MEMFD;
}

#endif /* YAGURA_PATH_BPF_H */
