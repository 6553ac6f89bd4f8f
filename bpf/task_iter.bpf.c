// SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0)
/* Start-up snapshot: one exec-shaped record per running process, so the
 * process table knows what ran before the sensor did. Keys come from the
 * same task fields as live events, so they match exactly. argv lives in
 * other processes' memory; the sensor reads it from /proc. The standard
 * descriptors are the ones open now, not necessarily those of the exec. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "emit.bpf.h"
#include "record.bpf.h"
#include "syscall.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Iteration runs preemptible, so it does not share the per-CPU scratch of
 * the tracepoint programs; the sensor runs one iteration at a time. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct yg_record_scratch);
} yg_iter_scratch SEC(".maps");

SEC("iter/task")
int yg_iter_task(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct yg_record_scratch *s;
	struct fs_struct *fs;
	struct yg_exec *r;
	struct file *exe;
	__u32 zero = 0, off = 0, size;

	if (!task || task->pid != task->tgid || task->tgid == yg_cfg.self_tgid)
		return 0;
	s = bpf_map_lookup_elem(&yg_iter_scratch, &zero);
	if (!s)
		return 0;
	r = record__fixed(s, struct yg_exec);
	record__begin(s);
	__builtin_memset(r, 0, __builtin_offsetof(struct yg_exec, str));
	task__fill(&r->task, task);
	exe = BPF_CORE_READ(task, mm, exe_file);
	if (exe) {
		path__file_info(&r->exe, exe);
		off = record__path(s, off, YG_EXEC_STR_EXE, (__u64)&exe->f_path);
	} else {
		r->flags |= YG_EXEC_NO_EXE;
	}
	if (sys__stdio(r->stdio, task))
		r->flags |= YG_EXEC_STDIO;
	fs = BPF_CORE_READ(task, fs);
	if (fs)
		off = record__path(s, off, YG_EXEC_STR_CWD, (__u64)&fs->pwd);
	off = record__cgroup(s, off, (__u64)task__cgroup_node(task));

	size = sizeof(*r) + YG_MASK(off, YG_DATA_MASK);
	emit__header(&r->hdr, YG_EV_EXEC, size);
	r->hdr.flags = YG_HDR_SNAPSHOT;
	bpf_seq_write(ctx->meta->seq, r, size);
	return 0;
}
