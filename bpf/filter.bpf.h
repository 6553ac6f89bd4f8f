/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/* The in-kernel filter: per-type switches, ignored users, executables and
 * cgroups, watched path prefixes and watched reads.
 *
 * The sensor keeps two generations of every filter map. It builds the
 * inactive one from scratch (new inner maps), then flips yg_filter_gen;
 * a program reads the generation once and uses that generation's maps
 * throughout, so an event is never judged by half of an update. Before
 * the first flip the configuration is all zeros: nothing is reported, and
 * the sensor flips before it attaches any program. */
#ifndef YAGURA_FILTER_BPF_H
#define YAGURA_FILTER_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "maps.bpf.h"
#include "task.bpf.h"

#define YG_FILTER_CGROUP_DEPTH 8

/* Inner map shapes. The sensor creates maps of the same shape and puts
 * them in the outer arrays; these declarations only give the shape.
 * Sizes, not BTF types: a unit that never uses a key type by value gets
 * only a forward declaration of it. */
struct yg_lpm_set {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, YG_FILTER_SET_MAX);
	__uint(key_size, sizeof(struct yg_lpm_key));
	__uint(value_size, sizeof(__u32));
};

struct yg_inode_set {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, YG_FILTER_SET_MAX);
	__uint(key_size, sizeof(struct yg_inode_key));
	__uint(value_size, sizeof(__u32));
};

struct yg_u32_set {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, YG_FILTER_SET_MAX);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
};

struct yg_u64_set {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, YG_FILTER_SET_MAX);
	__uint(key_size, sizeof(__u64));
	__uint(value_size, sizeof(__u32));
};

/* The active generation, 0 or 1 (one entry). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} yg_filter_gen SEC(".maps") __weak;

/* Switches and set sizes, one entry per generation. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct yg_filter_cfg);
} yg_filter_cfg SEC(".maps") __weak;

/* Watched path prefixes -> enum yg_watch_flags (0: excluded). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct yg_lpm_set);
} yg_watch_paths SEC(".maps") __weak;

/* Files, and directories whose files, are watched for reads. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct yg_inode_set);
} yg_read_inodes SEC(".maps") __weak;

/* Executables whose processes are not reported (by file identity). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct yg_inode_set);
} yg_ignore_exes SEC(".maps") __weak;

/* Real user ids that are not reported. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct yg_u32_set);
} yg_ignore_uids SEC(".maps") __weak;

/* cgroup v2 ids not reported, with everything below them. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct yg_u64_set);
} yg_ignore_cgroups SEC(".maps") __weak;

/* The generation in force, read once per event. */
struct yg_filter {
	const struct yg_filter_cfg *cfg;
	__u32 gen;
};

static __always_inline int filter__load(struct yg_filter *f)
{
	__u32 zero = 0;
	__u32 *gen = bpf_map_lookup_elem(&yg_filter_gen, &zero);

	f->gen = gen ? (*gen & 1) : 0;
	f->cfg = bpf_map_lookup_elem(&yg_filter_cfg, &f->gen);
	return f->cfg != 0;
}

static __always_inline int filter__set_has(void *outer, __u32 gen, const void *key)
{
	void *inner = bpf_map_lookup_elem(outer, &gen);

	return inner && bpf_map_lookup_elem(inner, key);
}

/* The per-type switch alone: process lifecycle events pass only this, the
 * process tree needs them whoever runs. */
static __always_inline int filter__type_on(__u32 type)
{
	struct yg_filter f;

	return filter__load(&f) && (f.cfg->enabled_types & (1u << (type & 31)));
}

static __always_inline int filter__cgroup_ignored(const struct yg_filter *f, struct task_struct *task)
{
	struct kernfs_node *kn = task__cgroup_node(task);

	for (int i = 0; i < YG_FILTER_CGROUP_DEPTH && kn; i++) {
		__u64 id = BPF_CORE_READ(kn, id);

		if (filter__set_has(&yg_ignore_cgroups, f->gen, &id))
			return 1;
		kn = task__kn_parent(kn);
	}
	return 0;
}

/* Whether an event of this type by task is reported: the type switch,
 * then the ignored users, executables and cgroups. Fills f for further
 * checks on the same generation. */
static __always_inline int filter__pass(struct yg_filter *f, __u32 type, struct task_struct *task)
{
	if (!filter__load(f) || !(f->cfg->enabled_types & (1u << (type & 31))))
		return 0;
	if (f->cfg->ignore_uids) {
		__u32 uid = BPF_CORE_READ(task, real_cred, uid.val);

		if (filter__set_has(&yg_ignore_uids, f->gen, &uid))
			return 0;
	}
	if (f->cfg->ignore_exes) {
		struct inode *inode = BPF_CORE_READ(task, mm, exe_file, f_inode);
		struct yg_inode_key key = {
			.ino = BPF_CORE_READ(inode, i_ino),
			.dev = BPF_CORE_READ(inode, i_sb, s_dev),
		};

		if (inode && filter__set_has(&yg_ignore_exes, f->gen, &key))
			return 0;
	}
	if (f->cfg->ignore_cgroups && filter__cgroup_ignored(f, task))
		return 0;
	return 1;
}

/* enum yg_watch_flags of the longest watched prefix of the path in
 * key->data (key->prefixlen set to its length in bits), 0 if none. */
static __always_inline __u32 filter__watch(const struct yg_filter *f, const struct yg_lpm_key *key)
{
	void *inner = bpf_map_lookup_elem(&yg_watch_paths, &f->gen);
	__u32 *flags = inner ? bpf_map_lookup_elem(inner, key) : 0;

	return flags ? *flags : 0;
}

/* Whether reading this file is watched: the file itself, or the directory
 * it was opened in, is in the read set. */
static __always_inline int filter__read_watched(const struct yg_filter *f, struct file *file)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct inode *dir = BPF_CORE_READ(file, f_path.dentry, d_parent, d_inode);
	struct yg_inode_key key = {.dev = BPF_CORE_READ(inode, i_sb, s_dev)};

	if (!f->cfg->read_watch)
		return 0;
	key.ino = BPF_CORE_READ(inode, i_ino);
	if (filter__set_has(&yg_read_inodes, f->gen, &key))
		return 1;
	key.ino = BPF_CORE_READ(dir, i_ino);
	key.dev = BPF_CORE_READ(dir, i_sb, s_dev);
	return filter__set_has(&yg_read_inodes, f->gen, &key);
}

#endif /* YAGURA_FILTER_BPF_H */
