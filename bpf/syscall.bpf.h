/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/* Syscall context for tp/syscalls exit programs: the arguments, read from
 * the user registers saved at entry (so no entry program and no stash is
 * needed), and file descriptors. x86_64 register convention. */
#ifndef YAGURA_SYSCALL_BPF_H
#define YAGURA_SYSCALL_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "events.h"

static __always_inline struct pt_regs *sys__regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

/* Argument n (0-5) of the current syscall. */
static __always_inline unsigned long sys__arg(struct pt_regs *regs, int n)
{
	switch (n) {
	case 0:
		return BPF_CORE_READ(regs, di);
	case 1:
		return BPF_CORE_READ(regs, si);
	case 2:
		return BPF_CORE_READ(regs, dx);
	case 3:
		return BPF_CORE_READ(regs, r10);
	case 4:
		return BPF_CORE_READ(regs, r8);
	default:
		return BPF_CORE_READ(regs, r9);
	}
}

/* The open file behind descriptor fd of task, or NULL. */
static __always_inline struct file *sys__fd_file(struct task_struct *task, long fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = 0;

	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

/* Descriptors 0, 1 and 2 of task into out[3]. Returns 0 when the task has
 * no file table (an exiting task, or a kernel thread without one). */
static __always_inline int sys__stdio(struct yg_stdio *out, struct task_struct *task)
{
	if (!BPF_CORE_READ(task, files))
		return 0;
	for (int i = 0; i < 3; i++) {
		struct file *file = sys__fd_file(task, i);
		struct inode *inode = file ? BPF_CORE_READ(file, f_inode) : 0;

		out[i].ino = inode ? BPF_CORE_READ(inode, i_ino) : 0;
		out[i].mode = inode ? BPF_CORE_READ(inode, i_mode) : 0;
		out[i].flags = file ? YG_STDIO_OPEN : 0;
	}
	return 1;
}

#endif /* YAGURA_SYSCALL_BPF_H */
