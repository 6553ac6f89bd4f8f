// SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0)
/* Tampering and privileged operations: ptrace and process_vm_writev into
 * other processes, kernel module and BPF program loads, mounts, namespace
 * changes, process renames and signals across users. Attempts that fail
 * are reported too: an attempt is what matters. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "emit.bpf.h"
#include "filter.bpf.h"
#include "record.bpf.h"
#include "syscall.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* UAPI and kernel constants that vmlinux.h does not carry. */
#define YG_PTRACE_POKETEXT 4
#define YG_PTRACE_POKEDATA 5
#define YG_PTRACE_POKEUSR 6
#define YG_PTRACE_SETREGS 13
#define YG_PTRACE_SETFPREGS 15
#define YG_PTRACE_ATTACH 16
#define YG_PTRACE_SETREGSET 0x4205
#define YG_PTRACE_SEIZE 0x4206
#define YG_PR_SET_NAME 15
#define YG_MOVE_MOUNT_F_EMPTY_PATH 0x4
#define YG_PF_KTHREAD 0x00200000
#define YG_MODULE_NAME_LEN 56 /* MODULE_NAME_LEN on 64-bit */
#define YG_FSTYPE_MAX 64
#define YG_BPF_NAME_MAX 15 /* BPF_OBJ_NAME_LEN - 1 */

/* An int syscall argument as the kernel sees it: the upper half of the
 * register is ignored, so it must not decide anything here either. */
#define sys__int(regs, n) ((__s64)(int)sys__arg(regs, n))

/* Clears the fixed part and fills in the acting task, the operation and
 * its result. */
static __always_inline void tamper__init(struct yg_tamper *r, struct task_struct *task, __u32 op,
					 long result)
{
	__builtin_memset(r, 0, __builtin_offsetof(struct yg_tamper, str));
	task__fill(&r->task, task);
	r->op = op;
	r->result = result;
}

/* A record by the current task, assembled in scratch; NULL when the task
 * is the sensor or filtered out. */
static __always_inline struct yg_tamper *tamper__start(struct yg_record_scratch **sp, __u32 op,
						       long result)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct yg_record_scratch *s;
	struct yg_tamper *r;
	struct yg_filter f;

	if (emit__is_self() || !filter__pass(&f, YG_EV_TAMPER, task))
		return 0;
	s = record__scratch();
	if (!s) {
		emit__count(YG_EV_TAMPER, 1, YG_DROP_NO_SCRATCH);
		return 0;
	}
	r = record__fixed(s, struct yg_tamper);
	record__begin(s);
	tamper__init(r, task, op, result);
	*sp = s;
	return r;
}

/* At most max bytes of a user C string (the NUL is not kept). One byte
 * more is read, so that a string of exactly max bytes is not flagged as
 * cut; near the end of the data area, one that fills the rest is. */
static __always_inline __u32 tamper__ustr(struct yg_record_scratch *s, __u32 off, int idx,
					  const char *src, __u32 max)
{
	__u32 room = record__room(off, max + 2);
	__u32 len;
	long n;

	if (!src || room < 2)
		return off;
	n = bpf_probe_read_user_str(&s->data[YG_MASK(off, YG_DATA_MASK)], YG_MASK(room, YG_DATA_MASK), src);
	if (n <= 1)
		return off;
	len = n - 1;
	if (len > max)
		len = max;
	record__set(s, idx, len, n == room);
	return off + len;
}

static __always_inline int ptrace__writes(long request)
{
	switch (request) {
	case YG_PTRACE_ATTACH:
	case YG_PTRACE_SEIZE:
	case YG_PTRACE_POKETEXT:
	case YG_PTRACE_POKEDATA:
	case YG_PTRACE_POKEUSR:
	case YG_PTRACE_SETREGS:
	case YG_PTRACE_SETFPREGS:
	case YG_PTRACE_SETREGSET:
		return 1;
	default:
		return 0;
	}
}

/* Only requests that attach to or write into the tracee; reads are how
 * debuggers and profilers spend their time. */
SEC("tp/syscalls/sys_exit_ptrace")
int yg_ptrace(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	long request = sys__arg(regs, 0);
	struct yg_record_scratch *s;
	struct yg_tamper *r;

	if (!ptrace__writes(request))
		return 0;
	r = tamper__start(&s, YG_TAMPER_PTRACE, ctx->ret);
	if (!r)
		return 0;
	r->arg[0] = request;
	r->arg[1] = sys__arg(regs, 1);
	r->arg[2] = sys__arg(regs, 2);
	record__emit(s, r, YG_EV_TAMPER, 0);
	return 0;
}

SEC("tp/syscalls/sys_exit_process_vm_writev")
int yg_vm_writev(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct yg_record_scratch *s;
	struct yg_tamper *r = tamper__start(&s, YG_TAMPER_VM_WRITEV, ctx->ret);

	if (!r)
		return 0;
	r->arg[0] = sys__int(regs, 0);
	r->arg[1] = sys__arg(regs, 2);
	record__emit(s, r, YG_EV_TAMPER, 0);
	return 0;
}

/* Kernel modules. The name is known only once the kernel has parsed the
 * image: module/module_load fires in the loading thread, inside the
 * syscall, and leaves the name here for the syscall's exit to pick up. It
 * fires before the module's init function runs, so a module whose init
 * then fails (and which is unloaded again) is named too: its code ran.
 * A plain hash, not LRU: an LRU could evict a live entry silently, a full
 * hash is counted. Every entry is removed at syscall exit. */
struct yg_module_name {
	char name[YG_MODULE_NAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct yg_module_name);
} yg_module_names SEC(".maps");

/* The module/module_load record: taints, then the name as a __data_loc
 * (offset from the record start | length << 16). Spelled out because
 * vmlinux.h lacks it when built from a kernel without CONFIG_MODULES;
 * the layout has not changed since the event was added (2.6.33). */
struct yg_module_load_args {
	__u64 common;
	__u32 taints;
	__u32 name_loc;
};

SEC("tp/module/module_load")
int yg_module_load(struct yg_module_load_args *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct yg_module_name m = {};

	if (emit__is_self())
		return 0;
	bpf_probe_read_kernel_str(m.name, sizeof(m.name), (char *)ctx + (ctx->name_loc & 0xffff));
	if (bpf_map_update_elem(&yg_module_names, &id, &m, BPF_ANY))
		emit__count(YG_EV_TAMPER, 1, YG_DROP_STASH_FULL);
	return 0;
}

static __always_inline int module__exit(long ret, int finit)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	__u64 id = bpf_get_current_pid_tgid();
	struct yg_module_name *m = bpf_map_lookup_elem(&yg_module_names, &id);
	struct pt_regs *regs = sys__regs();
	struct yg_record_scratch *s;
	struct yg_tamper *r = tamper__start(&s, YG_TAMPER_MODULE_LOAD, ret);
	__u32 off = 0;

	if (r) {
		r->arg[0] = finit;
		if (finit) {
			/* finit_module(fd, params, flags) */
			long fd = sys__int(regs, 0);
			struct file *file = sys__fd_file(task, fd);

			r->arg[1] = fd;
			r->arg[2] = sys__int(regs, 2);
			if (file)
				off = record__path(s, off, YG_TAMPER_STR_0, (__u64)&file->f_path);
			off = tamper__ustr(s, off, YG_TAMPER_STR_1, (const char *)sys__arg(regs, 1),
					   YG_PATH_MAX - 1);
		} else {
			/* init_module(image, length, params) */
			r->arg[1] = sys__arg(regs, 1);
			off = tamper__ustr(s, off, YG_TAMPER_STR_1, (const char *)sys__arg(regs, 2),
					   YG_PATH_MAX - 1);
		}
		if (m)
			off = record__kstr(s, off, YG_TAMPER_STR_2, m->name, sizeof(m->name));
		record__emit(s, r, YG_EV_TAMPER, off);
	}
	if (m)
		bpf_map_delete_elem(&yg_module_names, &id);
	return 0;
}

SEC("tp/syscalls/sys_exit_init_module")
int yg_init_module(struct trace_event_raw_sys_exit *ctx)
{
	return module__exit(ctx->ret, 0);
}

SEC("tp/syscalls/sys_exit_finit_module")
int yg_finit_module(struct trace_event_raw_sys_exit *ctx)
{
	return module__exit(ctx->ret, 1);
}

/* A u32 field of the caller's union bpf_attr as the kernel saw it: it
 * copies only the size the caller passed and zero-fills the rest. */
#define bpf_attr__u32(uattr, size, field)                                                 \
	(bpf_core_field_offset(union bpf_attr, field) + sizeof(__u32) <= (size) ?            \
		 BPF_CORE_READ_USER(uattr, field) :                                          \
		 0)

SEC("tp/syscalls/sys_exit_bpf")
int yg_bpf_load(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	union bpf_attr *uattr = (union bpf_attr *)sys__arg(regs, 1);
	__u32 size = sys__arg(regs, 2);
	__u32 name_off = bpf_core_field_offset(union bpf_attr, prog_name);
	struct yg_record_scratch *s;
	struct yg_tamper *r;
	__u32 off = 0;

	if (sys__int(regs, 0) != BPF_PROG_LOAD)
		return 0;
	r = tamper__start(&s, YG_TAMPER_BPF_LOAD, ctx->ret);
	if (!r)
		return 0;
	r->arg[0] = bpf_attr__u32(uattr, size, prog_type);
	r->arg[1] = bpf_attr__u32(uattr, size, insn_cnt);
	/* A name only partly inside size is not worth the bookkeeping. */
	if (name_off + bpf_core_field_size(union bpf_attr, prog_name) <= size)
		off = tamper__ustr(s, off, YG_TAMPER_STR_0, (const char *)uattr + name_off,
				   YG_BPF_NAME_MAX);
	record__emit(s, r, YG_EV_TAMPER, off);
	return 0;
}

SEC("tp/syscalls/sys_exit_mount")
int yg_mount(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct yg_record_scratch *s;
	struct yg_tamper *r = tamper__start(&s, YG_TAMPER_MOUNT, ctx->ret);
	__u32 off = 0;

	if (!r)
		return 0;
	r->arg[0] = sys__arg(regs, 3);
	off = tamper__ustr(s, off, YG_TAMPER_STR_0, (const char *)sys__arg(regs, 0), YG_PATH_MAX - 1);
	off = tamper__ustr(s, off, YG_TAMPER_STR_1, (const char *)sys__arg(regs, 1), YG_PATH_MAX - 1);
	off = tamper__ustr(s, off, YG_TAMPER_STR_2, (const char *)sys__arg(regs, 2), YG_FSTYPE_MAX);
	record__emit(s, r, YG_EV_TAMPER, off);
	return 0;
}

/* umount2(2); its tracepoint is named after the kernel's sys_umount. */
SEC("tp/syscalls/sys_exit_umount")
int yg_umount(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct yg_record_scratch *s;
	struct yg_tamper *r = tamper__start(&s, YG_TAMPER_UMOUNT, ctx->ret);
	__u32 off;

	if (!r)
		return 0;
	r->arg[0] = sys__int(regs, 1);
	off = tamper__ustr(s, 0, YG_TAMPER_STR_0, (const char *)sys__arg(regs, 0), YG_PATH_MAX - 1);
	record__emit(s, r, YG_EV_TAMPER, off);
	return 0;
}

/* move_mount(from_dfd, from_path, to_dfd, to_path, flags): the new mount
 * API attaches a mount built with fsopen/fsmount this way, named by a
 * descriptor and an empty from_path. The source and fs type given to
 * fsconfig are then read from that mount, so the record reads like one of
 * mount(2). */
SEC("tp/syscalls/sys_exit_move_mount")
int yg_move_mount(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct pt_regs *regs = sys__regs();
	__u32 flags = sys__arg(regs, 4);
	struct yg_record_scratch *s;
	struct yg_tamper *r = tamper__start(&s, YG_TAMPER_MOUNT, ctx->ret);
	struct file *from;
	__u32 off = 0;

	if (!r)
		return 0;
	r->arg[0] = flags;
	off = tamper__ustr(s, off, YG_TAMPER_STR_0, (const char *)sys__arg(regs, 1), YG_PATH_MAX - 1);
	from = off == 0 && (flags & YG_MOVE_MOUNT_F_EMPTY_PATH) ?
		       sys__fd_file(task, sys__int(regs, 0)) : 0;
	if (from) {
		struct vfsmount *vfsmnt = BPF_CORE_READ(from, f_path.mnt);
		struct mount *mnt = container_of(vfsmnt, struct mount, mnt);

		off = record__kstr(s, off, YG_TAMPER_STR_0, BPF_CORE_READ(mnt, mnt_devname),
				   YG_PATH_MAX);
	}
	off = tamper__ustr(s, off, YG_TAMPER_STR_1, (const char *)sys__arg(regs, 3), YG_PATH_MAX - 1);
	if (from)
		off = record__kstr(s, off, YG_TAMPER_STR_2,
				   BPF_CORE_READ(from, f_path.mnt, mnt_sb, s_type, name), YG_FSTYPE_MAX);
	record__emit(s, r, YG_EV_TAMPER, off);
	return 0;
}

SEC("tp/syscalls/sys_exit_unshare")
int yg_unshare(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct yg_record_scratch *s;
	struct yg_tamper *r = tamper__start(&s, YG_TAMPER_UNSHARE, ctx->ret);

	if (!r)
		return 0;
	r->arg[0] = sys__arg(regs, 0);
	record__emit(s, r, YG_EV_TAMPER, 0);
	return 0;
}

SEC("tp/syscalls/sys_exit_setns")
int yg_setns(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = sys__regs();
	struct yg_record_scratch *s;
	struct yg_tamper *r = tamper__start(&s, YG_TAMPER_SETNS, ctx->ret);

	if (!r)
		return 0;
	r->arg[0] = sys__int(regs, 0);
	r->arg[1] = sys__int(regs, 1);
	record__emit(s, r, YG_EV_TAMPER, 0);
	return 0;
}

/* prctl(PR_SET_NAME) by a process's main thread: the name ps shows.
 * Taken at entry, where the task's comm (in the record's task) is still
 * the old name, so the record shows both; at exit the old one is gone.
 * result is 0: only a bad pointer or an LSM's veto makes the call fail.
 * A name the kernel would first have to fault in cannot be read here:
 * str0 stays empty, and the rename is still reported. */
SEC("tp/syscalls/sys_enter_prctl")
int yg_prctl_name(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct yg_record_scratch *s;
	struct yg_tamper *r;
	__u32 off;

	if ((int)ctx->args[0] != YG_PR_SET_NAME || (__u32)id != id >> 32)
		return 0;
	r = tamper__start(&s, YG_TAMPER_PRCTL_NAME, 0);
	if (!r)
		return 0;
	off = tamper__ustr(s, 0, YG_TAMPER_STR_0, (const char *)ctx->args[1], YG_COMM_LEN - 1);
	record__emit(s, r, YG_EV_TAMPER, off);
	return 0;
}

/* A pointer as a plain number: the verifier keeps pointers opaque, but
 * lets a privileged program copy one out of its stack. */
static __always_inline __u64 addr__of(const void *p)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &p);
	return v;
}

/* Whether info lies on task's kernel stack, below its saved user
 * registers: built by one of task's own syscalls (kill, tgkill,
 * rt_sigqueueinfo, pidfd_send_signal, mq_timedsend's notification).
 * A POSIX timer's siginfo is preallocated on the heap, and one built in
 * an interrupt lies on the interrupt stack; in both cases current is only
 * whoever ran when the timer fired, not the sender. (The program's own
 * stack address tells nothing: newer kernels may run it on a per-CPU
 * private stack.) */
static __always_inline int signal__from_task(struct task_struct *task,
					     const struct kernel_siginfo *info)
{
	__u64 base = (__u64)BPF_CORE_READ(task, stack);
	__u64 top = addr__of((const void *)bpf_task_pt_regs(task));
	__u64 at = addr__of(info);

	return at >= base && at < top;
}

/* Reported: signals a process sent (kill, tkill, sigqueue: info is
 * SEND_SIG_NOINFO, or si_code <= 0 in a siginfo the sender's syscall
 * built; SEND_SIG_PRIV is the kernel's own) to the sensor, or to a process
 * of another real user. */
SEC("tp_btf/signal_generate")
int BPF_PROG(yg_signal, int sig, struct kernel_siginfo *info, struct task_struct *task, int group,
	     int result)
{
	struct task_struct *sender = (struct task_struct *)bpf_get_current_task_btf();
	__u32 target_tgid = BPF_CORE_READ(task, tgid);
	__u32 target_uid = BPF_CORE_READ(task, real_cred, uid.val);
	struct yg_filter f;
	struct yg_tamper *r;
	int code = 0;

	if ((unsigned long)info == 1) /* SEND_SIG_PRIV */
		return 0;
	if (info) {
		code = BPF_CORE_READ(info, si_code);
		if (code > 0 || !signal__from_task(sender, info))
			return 0;
	}
	if (target_tgid != yg_cfg.self_tgid &&
	    target_uid == BPF_CORE_READ(sender, real_cred, uid.val))
		return 0;
	if ((BPF_CORE_READ(sender, flags) & YG_PF_KTHREAD) || emit__is_self() ||
	    !filter__pass(&f, YG_EV_TAMPER, sender))
		return 0;
	/* No strings: straight into the ring buffer, no scratch. */
	r = emit__reserve(YG_EV_TAMPER, sizeof(*r));
	if (!r)
		return 0;
	tamper__init(r, sender, YG_TAMPER_KILL, result);
	__builtin_memset(&r->str, 0, sizeof(r->str));
	emit__header(&r->hdr, YG_EV_TAMPER, sizeof(*r));
	r->arg[0] = sig;
	r->arg[1] = code;
	r->target_tgid = target_tgid;
	r->target_uid = target_uid;
	r->target_start_ns = task__start_ns(task);
	emit__submit(r, YG_EV_TAMPER);
	return 0;
}
