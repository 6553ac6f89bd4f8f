/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/* Reading a task's identity and context into struct yg_task. */
#ifndef YAGURA_TASK_BPF_H
#define YAGURA_TASK_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "events.h"

/* kernfs_node::parent became __parent in 6.15 ("kernfs: Use RCU to
 * access kernfs_node::parent"). */
struct kernfs_node___pre615 {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *task__kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent))
		return BPF_CORE_READ(kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___pre615 *)kn, parent);
}

static __always_inline __u64 task__start_ns(struct task_struct *task)
{
	return BPF_CORE_READ(task, group_leader, start_boottime);
}

static __always_inline void task__creds(struct yg_creds *out, const struct cred *cred)
{
	out->uid = BPF_CORE_READ(cred, uid.val);
	out->euid = BPF_CORE_READ(cred, euid.val);
	out->suid = BPF_CORE_READ(cred, suid.val);
	out->fsuid = BPF_CORE_READ(cred, fsuid.val);
	out->gid = BPF_CORE_READ(cred, gid.val);
	out->egid = BPF_CORE_READ(cred, egid.val);
	out->sgid = BPF_CORE_READ(cred, sgid.val);
	out->fsgid = BPF_CORE_READ(cred, fsgid.val);
	out->cap_effective = BPF_CORE_READ(cred, cap_effective.val);
	out->cap_permitted = BPF_CORE_READ(cred, cap_permitted.val);
}

static __always_inline struct kernfs_node *task__cgroup_node(struct task_struct *task)
{
	return BPF_CORE_READ(task, cgroups, dfl_cgrp, kn);
}

static __always_inline void task__fill(struct yg_task *t, struct task_struct *task)
{
	struct task_struct *parent = BPF_CORE_READ(task, real_parent);
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct tty_struct *tty = BPF_CORE_READ(task, signal, tty);
	struct kernfs_node *kn;
	struct upid upid = {};

	t->tgid = BPF_CORE_READ(task, tgid);
	t->tid = BPF_CORE_READ(task, pid);
	t->start_ns = task__start_ns(task);
	t->ppid = parent ? BPF_CORE_READ(parent, tgid) : 0;
	t->pad0 = 0;
	t->parent_start_ns = parent ? task__start_ns(parent) : 0;
	task__creds(&t->creds, BPF_CORE_READ(task, cred));

	/* Both exist only with CONFIG_AUDIT. */
	t->loginuid = (__u32)-1;
	t->sessionid = (__u32)-1;
	if (bpf_core_field_exists(task->loginuid))
		t->loginuid = BPF_CORE_READ(task, loginuid.val);
	if (bpf_core_field_exists(task->sessionid))
		t->sessionid = BPF_CORE_READ(task, sessionid);

	bpf_core_read(&upid, sizeof(upid), &pid->numbers[level & 31]);
	t->pid_ns = BPF_CORE_READ(upid.ns, ns.inum);
	t->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	kn = task__cgroup_node(task);
	t->cgroup_id = kn ? BPF_CORE_READ(kn, id) : 0;

	t->tty_major = 0;
	t->tty_minor = 0;
	t->tty[0] = 0;
	if (tty) {
		t->tty_major = BPF_CORE_READ(tty, driver, major);
		t->tty_minor = BPF_CORE_READ(tty, driver, minor_start) + BPF_CORE_READ(tty, index);
		bpf_probe_read_kernel_str(t->tty, sizeof(t->tty), &tty->name);
	}
	BPF_CORE_READ_STR_INTO(&t->comm, task, comm);
}

#endif /* YAGURA_TASK_BPF_H */
