// SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0)
/* File activity: opens for writing (and watched reads), path and descriptor
 * operations that change files, memfd_create, and /proc/PID/mem opened for
 * writing. Successful calls only, seen at syscall exit with the arguments
 * read from the saved user registers.
 *
 * Opens are the hot path of the sensor: a plain read of an unwatched file
 * costs a descriptor lookup, the filter and the flags argument, never a
 * path resolution. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "emit.bpf.h"
#include "filter.bpf.h"
#include "record.bpf.h"
#include "syscall.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define FMODE_READ 0x1
#define FMODE_WRITE 0x2
/* 0x100000 since FMODE_CREATED was added in 4.19 (73a09dd94377); the 6.12
 * rewrite of the fmode bits as (1 << n) kept it at bit 20, as 6.18 has it. */
#define FMODE_CREATED 0x100000

#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_PATH 010000000
#define __O_TMPFILE 020000000
#define AT_REMOVEDIR 0x200

#define S_ISUID 04000
#define S_ISGID 02000

/* struct timespec tv_nsec values of utimensat() that are not times. */
#define UTIME_NOW ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)

#define PROC_SUPER_MAGIC 0x9fa0

/* An operation's arguments, as its syscall was given them. Descriptors
 * are int: the upper half of their register is not defined (glibc's
 * syscall() passes AT_FDCWD as 0x00000000ffffff9c). */
struct file_args {
	__u32 op;         /* enum yg_file_op */
	__u32 open_flags;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	int fd;           /* descriptor operations: the file acted on */
	int dirfd;        /* path operations: PATH is name, relative to dirfd */
	int dirfd2;       /* PATH2 is name2 (if set), relative to dirfd2 */
	__u64 name;
	__u64 name2;
	__u32 fop;        /* enum yg_fop_flags the arguments imply */
	__u32 mtime_nsec; /* UTIMES with YG_FOP_EXPLICIT_TIMES */
	__s64 mtime_sec;
};

static __always_inline struct yg_record_scratch *file__scratch(__u32 type)
{
	struct yg_record_scratch *s = record__scratch();

	if (!s)
		emit__count(type, 1, YG_DROP_NO_SCRATCH);
	return s;
}

static __always_inline struct yg_file_event *file__begin(struct yg_record_scratch *s, __u32 op)
{
	struct yg_file_event *r = record__fixed(s, struct yg_file_event);

	record__begin(s);
	__builtin_memset(r, 0, __builtin_offsetof(struct yg_file_event, str));
	r->op = op;
	/* Only chown sets owners; (u32)-1, "unchanged", for every other op. */
	r->uid = (__u32)-1;
	r->gid = (__u32)-1;
	return r;
}

static __always_inline int file__emit(struct yg_record_scratch *s, struct yg_file_event *r,
				      struct task_struct *task, __u32 off)
{
	task__fill(&r->task, task);
	record__emit(s, r, YG_EV_FILE, off);
	return 0;
}

/* enum yg_watch_flags for the path of len bytes at src: its first
 * YG_LPM_MAX bytes are the key of the watched-prefix trie. */
static __always_inline __u32 file__watch(struct yg_record_scratch *s, const struct yg_filter *f,
					 const char *src, __u32 len)
{
	if (!len)
		return 0;
	bpf_probe_read_kernel(s->lpm.data, YG_LPM_MAX, src);
	s->lpm.prefixlen = (len < YG_LPM_MAX ? len : YG_LPM_MAX) * 8;
	return filter__watch(f, &s->lpm);
}

struct slash_scan {
	const char *buf;
	__u32 end;
	__u32 last;
};

static long file__slash_step(__u64 i, struct slash_scan *c)
{
	const char *buf = c->buf;

	if (i >= c->end)
		return 1;
	if (buf[YG_MASK(i, YG_DATA_MASK)] == '/')
		c->last = i;
	return 0;
}

/* A relative symlink target is relative to the link's directory, so its
 * watch key is the link's path (PATH, data[0, path_len)) up to its last '/',
 * joined with the target (PATH2, len bytes after PATH). The record keeps
 * the target as given. */
static __always_inline __u32 file__symlink_watch(struct yg_record_scratch *s, const struct yg_filter *f,
						 __u32 path_len, __u32 len)
{
	const char *target = &s->data[YG_MASK(path_len, YG_DATA_MASK)];
	struct slash_scan c = {.buf = s->data, .end = path_len};
	__u32 dir_len;

	if (!len || !path_len || target[0] == '/')
		return file__watch(s, f, target, len);
	bpf_loop(path_len, file__slash_step, &c, 0);
	dir_len = c.last + 1;
	if (dir_len >= YG_LPM_MAX)
		return file__watch(s, f, s->data, path_len);
	/* s->path is free: path resolution uses it only inside record__path. */
	bpf_probe_read_kernel(s->path, YG_LPM_MAX, s->data);
	bpf_probe_read_kernel(&s->path[YG_MASK(dir_len, YG_LPM_MAX - 1)], YG_LPM_MAX, target);
	return file__watch(s, f, s->path, dir_len + len);
}

/* The fields every operation records from its arguments. */
static __always_inline void file__set_args(struct yg_file_event *r, const struct file_args *a)
{
	r->open_flags = a->open_flags;
	r->mode = a->mode;
	if (a->op == YG_FOP_CHOWN) {
		r->uid = a->uid;
		r->gid = a->gid;
	}
	if (a->op == YG_FOP_CHMOD && (a->mode & (S_ISUID | S_ISGID)))
		r->flags |= YG_FOP_SETID;
	r->flags |= a->fop;
	r->mtime_sec = a->mtime_sec;
	r->mtime_nsec = a->mtime_nsec;
}

/* PID of /proc/PID/mem (or TID of /proc/PID/task/TID/mem) from its parent
 * directory's name; 0 if that is not a number. */
static __always_inline __u64 file__parse_pid(const char *name)
{
	char buf[12] = {};
	__u64 pid = 0;

	bpf_probe_read_kernel_str(buf, sizeof(buf), name);
	for (int i = 0; i < sizeof(buf) - 1; i++) {
		char c = buf[i];

		if (!c)
			return pid;
		if (c < '0' || c > '9')
			return 0;
		pid = pid * 10 + (c - '0');
	}
	return 0;
}

/* /proc/PID/mem opened for writing lets a process rewrite another's memory,
 * read-only mappings included: reported whatever the watched prefixes. */
static __always_inline void file__proc_mem(struct task_struct *task, struct file *file, long fd)
{
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	struct yg_record_scratch *s;
	struct yg_filter f;
	struct yg_tamper *r;
	char name[4];
	__u32 off;

	if (BPF_CORE_READ(file, f_inode, i_sb, s_magic) != PROC_SUPER_MAGIC)
		return;
	if (bpf_probe_read_kernel(name, sizeof(name), BPF_CORE_READ(dentry, d_name.name)) ||
	    name[0] != 'm' || name[1] != 'e' || name[2] != 'm' || name[3])
		return;
	if (!filter__pass(&f, YG_EV_TAMPER, task))
		return;
	s = file__scratch(YG_EV_TAMPER);
	if (!s)
		return;
	r = record__fixed(s, struct yg_tamper);
	record__begin(s);
	__builtin_memset(r, 0, __builtin_offsetof(struct yg_tamper, str));
	task__fill(&r->task, task);
	r->op = YG_TAMPER_PROC_MEM;
	r->result = fd;
	r->arg[0] = file__parse_pid((const char *)BPF_CORE_READ(dentry, d_parent, d_name.name));
	off = record__path(s, 0, YG_TAMPER_STR_0, (__u64)&file->f_path);
	record__emit(s, r, YG_EV_TAMPER, off);
}

enum open_call { OPEN_OPEN, OPEN_OPENAT, OPEN_OPENAT2, OPEN_CREAT };

static __always_inline void file__open_args(enum open_call call, __u32 *flags, __u32 *mode)
{
	struct pt_regs *regs = sys__regs();
	struct open_how how = {};

	switch (call) {
	case OPEN_OPEN:
		*flags = sys__arg(regs, 1);
		*mode = sys__arg(regs, 2);
		break;
	case OPEN_OPENAT:
		*flags = sys__arg(regs, 2);
		*mode = sys__arg(regs, 3);
		break;
	case OPEN_OPENAT2:
		bpf_probe_read_user(&how, sizeof(how), (void *)sys__arg(regs, 2));
		*flags = how.flags;
		*mode = how.mode;
		break;
	case OPEN_CREAT:
		/* creat(name, mode) is open(name, O_CREAT | O_WRONLY | O_TRUNC, mode). */
		*flags = O_CREAT | O_WRONLY | O_TRUNC;
		*mode = sys__arg(regs, 1);
		break;
	}
	/* The kernel ignores the mode argument unless it creates (build_open_how()):
	 * without O_CREAT or O_TMPFILE the register holds whatever was there. */
	if (!(*flags & (O_CREAT | __O_TMPFILE)))
		*mode = 0;
}

static __always_inline int file__open(enum open_call call, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct yg_record_scratch *s;
	struct yg_file_event *r;
	struct yg_filter f;
	struct file *file;
	__u32 fmode, flags, mode, fop = 0, off;
	int watched_read;

	if (ret < 0 || emit__is_self())
		return 0;
	file = sys__fd_file(task, ret);
	if (!file)
		return 0;
	fmode = BPF_CORE_READ(file, f_mode);
	if (fmode & FMODE_WRITE)
		file__proc_mem(task, file, ret);
	if (!filter__pass(&f, YG_EV_FILE, task))
		return 0;
	file__open_args(call, &flags, &mode);
	if (fmode & FMODE_READ)
		fop |= YG_FOP_READ;
	if (fmode & FMODE_WRITE)
		fop |= YG_FOP_WRITE;
	if (fmode & FMODE_CREATED)
		fop |= YG_FOP_CREATED;
	/* O_TRUNC as passed, whatever the access mode (O_RDONLY | O_TRUNC
	 * truncates too); O_PATH ignores every other flag. */
	if ((flags & (O_TRUNC | O_PATH)) == O_TRUNC)
		fop |= YG_FOP_TRUNC;
	/* Any open with read access reads: O_RDWR of a watched file counts. */
	watched_read = (fmode & FMODE_READ) && filter__read_watched(&f, file);
	if (!watched_read && !(fop & (YG_FOP_WRITE | YG_FOP_CREATED | YG_FOP_TRUNC)))
		return 0;

	s = file__scratch(YG_EV_FILE);
	if (!s)
		return 0;
	r = file__begin(s, YG_FOP_OPEN);
	off = record__path(s, 0, YG_FILE_STR_PATH, (__u64)&file->f_path);
	if (!watched_read && !(file__watch(s, &f, s->data, off) & YG_WATCH_WRITE))
		return 0;
	if (watched_read)
		fop |= YG_FOP_WATCHED_READ;
	r->flags = fop | YG_FOP_HAS_FILE;
	r->open_flags = flags;
	r->mode = mode;
	r->fd = ret;
	path__file_info(&r->file, file);
	return file__emit(s, r, task, off);
}

/* An operation on names: PATH is the name it results in, PATH2 the other
 * name it involves. Reported when either is under a prefix watched for
 * writes, or when a name has a ".." component: the sensor resolves those
 * and filters again, so "../" cannot walk around the prefix check. */
static __always_inline int file__named(long ret, const struct file_args *a)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct yg_record_scratch *s;
	struct yg_file_event *r;
	struct yg_filter f;
	__u32 off, start2, watch;

	if (ret != 0 || emit__is_self() || !filter__pass(&f, YG_EV_FILE, task))
		return 0;
	s = file__scratch(YG_EV_FILE);
	if (!s)
		return 0;
	r = file__begin(s, a->op);
	off = record__user_path(s, 0, YG_FILE_STR_PATH, a->dirfd, a->name);
	watch = file__watch(s, &f, s->data, off);
	if (a->name2) {
		start2 = off;
		off = record__user_path(s, off, YG_FILE_STR_PATH2, a->dirfd2, a->name2);
		if (a->op == YG_FOP_SYMLINK)
			watch |= file__symlink_watch(s, &f, start2, off - start2);
		else
			watch |= file__watch(s, &f, &s->data[YG_MASK(start2, YG_DATA_MASK)], off - start2);
	}
	if (!(watch & YG_WATCH_WRITE) && !(r->flags & YG_FOP_UNNORMALIZED))
		return 0;
	file__set_args(r, a);
	return file__emit(s, r, task, off);
}

/* An operation on an open file: PATH is its resolved path. */
static __always_inline int file__by_fd(long ret, const struct file_args *a)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct yg_record_scratch *s;
	struct yg_file_event *r;
	struct yg_filter f;
	struct file *file;
	__u32 off;

	if (ret != 0 || emit__is_self() || !filter__pass(&f, YG_EV_FILE, task))
		return 0;
	file = sys__fd_file(task, a->fd);
	if (!file)
		return 0;
	s = file__scratch(YG_EV_FILE);
	if (!s)
		return 0;
	r = file__begin(s, a->op);
	off = record__path(s, 0, YG_FILE_STR_PATH, (__u64)&file->f_path);
	if (!(file__watch(s, &f, s->data, off) & YG_WATCH_WRITE))
		return 0;
	r->flags = YG_FOP_HAS_FILE;
	path__file_info(&r->file, file);
	file__set_args(r, a);
	return file__emit(s, r, task, off);
}

SEC("tp/syscalls/sys_exit_open")
int yg_exit_open(struct trace_event_raw_sys_exit *ctx)
{
	return file__open(OPEN_OPEN, ctx->ret);
}

SEC("tp/syscalls/sys_exit_openat")
int yg_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	return file__open(OPEN_OPENAT, ctx->ret);
}

SEC("tp/syscalls/sys_exit_openat2")
int yg_exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	return file__open(OPEN_OPENAT2, ctx->ret);
}

SEC("tp/syscalls/sys_exit_creat")
int yg_exit_creat(struct trace_event_raw_sys_exit *ctx)
{
	return file__open(OPEN_CREAT, ctx->ret);
}

SEC("tp/syscalls/sys_exit_unlink")
int yg_exit_unlink(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {.op = YG_FOP_UNLINK, .dirfd = YG_DIRFD_CWD, .name = sys__arg(regs, 0)};

	return file__named(ctx->ret, &a);
}

SEC("tp/syscalls/sys_exit_unlinkat")
int yg_exit_unlinkat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {
		.op = sys__arg(regs, 2) & AT_REMOVEDIR ? YG_FOP_RMDIR : YG_FOP_UNLINK,
		.dirfd = sys__arg(regs, 0),
		.name = sys__arg(regs, 1),
	};

	return file__named(ctx->ret, &a);
}

SEC("tp/syscalls/sys_exit_rmdir")
int yg_exit_rmdir(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {.op = YG_FOP_RMDIR, .dirfd = YG_DIRFD_CWD, .name = sys__arg(regs, 0)};

	return file__named(ctx->ret, &a);
}

SEC("tp/syscalls/sys_exit_mkdir")
int yg_exit_mkdir(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {
		.op = YG_FOP_MKDIR,
		.mode = sys__arg(regs, 1),
		.dirfd = YG_DIRFD_CWD,
		.name = sys__arg(regs, 0),
	};

	return file__named(ctx->ret, &a);
}

SEC("tp/syscalls/sys_exit_mkdirat")
int yg_exit_mkdirat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {
		.op = YG_FOP_MKDIR,
		.mode = sys__arg(regs, 2),
		.dirfd = sys__arg(regs, 0),
		.name = sys__arg(regs, 1),
	};

	return file__named(ctx->ret, &a);
}

SEC("tp/syscalls/sys_exit_rename")
int yg_exit_rename(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {
		.op = YG_FOP_RENAME,
		.dirfd = YG_DIRFD_CWD,
		.name = sys__arg(regs, 1),
		.dirfd2 = YG_DIRFD_CWD,
		.name2 = sys__arg(regs, 0),
	};

	return file__named(ctx->ret, &a);
}

SEC("tp/syscalls/sys_exit_renameat")
int yg_exit_renameat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {
		.op = YG_FOP_RENAME,
		.dirfd = sys__arg(regs, 2),
		.name = sys__arg(regs, 3),
		.dirfd2 = sys__arg(regs, 0),
		.name2 = sys__arg(regs, 1),
	};

	return file__named(ctx->ret, &a);
}

SEC("tp/syscalls/sys_exit_renameat2")
int yg_exit_renameat2(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {
		.op = YG_FOP_RENAME,
		.open_flags = sys__arg(regs, 4),
		.dirfd = sys__arg(regs, 2),
		.name = sys__arg(regs, 3),
		.dirfd2 = sys__arg(regs, 0),
		.name2 = sys__arg(regs, 1),
	};

	return file__named(ctx->ret, &a);
}

SEC("tp/syscalls/sys_exit_chmod")
int yg_exit_chmod(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {
		.op = YG_FOP_CHMOD,
		.mode = sys__arg(regs, 1),
		.dirfd = YG_DIRFD_CWD,
		.name = sys__arg(regs, 0),
	};

	return file__named(ctx->ret, &a);
}

SEC("tp/syscalls/sys_exit_fchmodat")
int yg_exit_fchmodat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {
		.op = YG_FOP_CHMOD,
		.mode = sys__arg(regs, 2),
		.dirfd = sys__arg(regs, 0),
		.name = sys__arg(regs, 1),
	};

	return file__named(ctx->ret, &a);
}

/* 6.6+; the loader leaves it out where the tracepoint does not exist. */
SEC("tp/syscalls/sys_exit_fchmodat2")
int yg_exit_fchmodat2(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {
		.op = YG_FOP_CHMOD,
		.mode = sys__arg(regs, 2),
		.dirfd = sys__arg(regs, 0),
		.name = sys__arg(regs, 1),
	};

	return file__named(ctx->ret, &a);
}

SEC("tp/syscalls/sys_exit_chown")
int yg_exit_chown(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {
		.op = YG_FOP_CHOWN,
		.uid = sys__arg(regs, 1),
		.gid = sys__arg(regs, 2),
		.dirfd = YG_DIRFD_CWD,
		.name = sys__arg(regs, 0),
	};

	return file__named(ctx->ret, &a);
}

SEC("tp/syscalls/sys_exit_lchown")
int yg_exit_lchown(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {
		.op = YG_FOP_CHOWN,
		.uid = sys__arg(regs, 1),
		.gid = sys__arg(regs, 2),
		.dirfd = YG_DIRFD_CWD,
		.name = sys__arg(regs, 0),
	};

	return file__named(ctx->ret, &a);
}

SEC("tp/syscalls/sys_exit_fchownat")
int yg_exit_fchownat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {
		.op = YG_FOP_CHOWN,
		.uid = sys__arg(regs, 2),
		.gid = sys__arg(regs, 3),
		.dirfd = sys__arg(regs, 0),
		.name = sys__arg(regs, 1),
	};

	return file__named(ctx->ret, &a);
}

SEC("tp/syscalls/sys_exit_link")
int yg_exit_link(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {
		.op = YG_FOP_LINK,
		.dirfd = YG_DIRFD_CWD,
		.name = sys__arg(regs, 1),
		.dirfd2 = YG_DIRFD_CWD,
		.name2 = sys__arg(regs, 0),
	};

	return file__named(ctx->ret, &a);
}

SEC("tp/syscalls/sys_exit_linkat")
int yg_exit_linkat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {
		.op = YG_FOP_LINK,
		.open_flags = sys__arg(regs, 4),
		.dirfd = sys__arg(regs, 2),
		.name = sys__arg(regs, 3),
		.dirfd2 = sys__arg(regs, 0),
		.name2 = sys__arg(regs, 1),
	};

	return file__named(ctx->ret, &a);
}

/* The target is kept as given: it is resolved when the link is followed,
 * relative to the link's directory, not to anything the caller had. */
SEC("tp/syscalls/sys_exit_symlink")
int yg_exit_symlink(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {
		.op = YG_FOP_SYMLINK,
		.dirfd = YG_DIRFD_CWD,
		.name = sys__arg(regs, 1),
		.dirfd2 = YG_DIRFD_NONE,
		.name2 = sys__arg(regs, 0),
	};

	return file__named(ctx->ret, &a);
}

SEC("tp/syscalls/sys_exit_symlinkat")
int yg_exit_symlinkat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {
		.op = YG_FOP_SYMLINK,
		.dirfd = sys__arg(regs, 1),
		.name = sys__arg(regs, 2),
		.dirfd2 = YG_DIRFD_NONE,
		.name2 = sys__arg(regs, 0),
	};

	return file__named(ctx->ret, &a);
}

SEC("tp/syscalls/sys_exit_truncate")
int yg_exit_truncate(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {.op = YG_FOP_TRUNCATE, .dirfd = YG_DIRFD_CWD, .name = sys__arg(regs, 0)};

	return file__named(ctx->ret, &a);
}

SEC("tp/syscalls/sys_exit_fchmod")
int yg_exit_fchmod(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {.op = YG_FOP_CHMOD, .mode = sys__arg(regs, 1), .fd = sys__arg(regs, 0)};

	return file__by_fd(ctx->ret, &a);
}

SEC("tp/syscalls/sys_exit_fchown")
int yg_exit_fchown(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {
		.op = YG_FOP_CHOWN,
		.uid = sys__arg(regs, 1),
		.gid = sys__arg(regs, 2),
		.fd = sys__arg(regs, 0),
	};

	return file__by_fd(ctx->ret, &a);
}

SEC("tp/syscalls/sys_exit_ftruncate")
int yg_exit_ftruncate(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {.op = YG_FOP_TRUNCATE, .fd = sys__arg(regs, 0)};

	return file__by_fd(ctx->ret, &a);
}

/* How a timestamp call gives its times: times[2] (atime, then mtime) of
 * struct timespec (utimensat), struct timeval (utimes, futimesat), or a
 * struct utimbuf of seconds (utime). */
enum utimes_form { UTIMES_TIMESPEC, UTIMES_TIMEVAL, UTIMES_UTIMBUF };

/* Sets a->fop and the mtime when the caller gave mtime explicitly; NULL
 * times or UTIME_NOW mean "now", UTIME_OMIT leaves mtime as it was. The
 * times are read back from user memory at syscall exit, like the names.
 * Returns 0 when the call changed nothing (utimensat with both times
 * UTIME_OMIT succeeds without touching the file). */
static __always_inline int file__utimes_args(struct file_args *a, enum utimes_form form, __u64 times)
{
	/* atime and mtime as two longs each (timespec, timeval), or two
	 * longs in all (utimbuf). */
	long v[4] = {};
	long sec, nsec;

	a->op = YG_FOP_UTIMES;
	if (!times || bpf_probe_read_user(v, form == UTIMES_UTIMBUF ? 2 * sizeof(long) : sizeof(v),
					  (void *)times))
		return 1;
	if (form == UTIMES_UTIMBUF) {
		sec = v[1];
		nsec = 0;
	} else {
		sec = v[2];
		/* struct timeval holds microseconds, checked in range by the kernel. */
		nsec = form == UTIMES_TIMEVAL ? v[3] * 1000 : v[3];
	}
	if (form == UTIMES_TIMESPEC) {
		if (v[1] == UTIME_OMIT && nsec == UTIME_OMIT)
			return 0;
		if (nsec == UTIME_NOW || nsec == UTIME_OMIT)
			return 1;
	}
	a->fop = YG_FOP_EXPLICIT_TIMES;
	a->mtime_sec = sec;
	a->mtime_nsec = nsec;
	return 1;
}

/* A NULL name with a descriptor is the call on an open file (futimens(),
 * futimes()): its resolved path, like fchmod. */
static __always_inline int file__utimes(long ret, struct file_args *a, enum utimes_form form,
					__u64 times)
{
	if (ret != 0 || !file__utimes_args(a, form, times))
		return 0;
	if (!a->name) {
		a->fd = a->dirfd;
		return file__by_fd(ret, a);
	}
	return file__named(ret, a);
}

SEC("tp/syscalls/sys_exit_utimensat")
int yg_exit_utimensat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {.dirfd = sys__arg(regs, 0), .name = sys__arg(regs, 1)};

	return file__utimes(ctx->ret, &a, UTIMES_TIMESPEC, sys__arg(regs, 2));
}

SEC("tp/syscalls/sys_exit_futimesat")
int yg_exit_futimesat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {.dirfd = sys__arg(regs, 0), .name = sys__arg(regs, 1)};

	return file__utimes(ctx->ret, &a, UTIMES_TIMEVAL, sys__arg(regs, 2));
}

SEC("tp/syscalls/sys_exit_utimes")
int yg_exit_utimes(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {.dirfd = YG_DIRFD_CWD, .name = sys__arg(regs, 0)};

	return file__utimes(ctx->ret, &a, UTIMES_TIMEVAL, sys__arg(regs, 1));
}

SEC("tp/syscalls/sys_exit_utime")
int yg_exit_utime(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct file_args a = {.dirfd = YG_DIRFD_CWD, .name = sys__arg(regs, 0)};

	return file__utimes(ctx->ret, &a, UTIMES_UTIMBUF, sys__arg(regs, 1));
}

/* Always reported: a file with no name on any filesystem is how code is
 * run without touching the disk. */
SEC("tp/syscalls/sys_exit_memfd_create")
int yg_exit_memfd_create(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct yg_record_scratch *s;
	struct yg_file_event *r;
	struct yg_filter f;
	struct file *file;
	__u32 off = 0;

	if (ctx->ret < 0 || emit__is_self() || !filter__pass(&f, YG_EV_FILE, task))
		return 0;
	s = file__scratch(YG_EV_FILE);
	if (!s)
		return 0;
	r = file__begin(s, YG_FOP_MEMFD_CREATE);
	file = sys__fd_file(task, ctx->ret);
	if (file) {
		/* The file is named "memfd:" + the name given (memfd_create()):
		 * the kernel's copy, unlike user memory, cannot have changed since.
		 * A dentry name has at most 255 bytes: never cut at 512. */
		off = record__kstr(s, off, YG_FILE_STR_PATH,
				   (const char *)BPF_CORE_READ(file, f_path.dentry, d_name.name), 512);
		r->flags = YG_FOP_HAS_FILE;
		path__file_info(&r->file, file);
	}
	r->open_flags = sys__arg(sys__regs(), 1);
	r->fd = ctx->ret;
	return file__emit(s, r, task, off);
}
