/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one definition of every record the BPF programs hand to userspace.
 * Included by the BPF programs (after vmlinux.h) and by the sensor (C++).
 *
 * Layout rules: naturally aligned fields with explicit padding, no packed
 * structs, every record starts with struct yg_header. Variable-length strings
 * follow the fixed part, in the order of their enum, with lengths in the
 * fixed part. Userspace copies records out after bounds checks and never
 * casts the ring buffer.
 *
 * Bump YG_SCHEMA_VERSION on any change; the sensor refuses an object whose
 * version differs from the one it was compiled with.
 */
#ifndef YAGURA_BPF_EVENTS_H
#define YAGURA_BPF_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define YG_SCHEMA_VERSION 1

#define YG_COMM_LEN 16
#define YG_TTY_LEN 32

/* Per-CPU record assembly area for variable-length records. The data part
 * is appended at offsets masked with YG_DATA_MASK, and every piece is at
 * most YG_DATA_MASK bytes, so the verifier can prove each write stays
 * inside the buffer. */
#define YG_DATA_MASK 0x7fff
#define YG_SCRATCH_SIZE 0x10000

/* Path resolution: components are written backwards into a buffer of
 * YG_PATH_MAX bytes; longer paths are cut at the root side and flagged. */
#define YG_PATH_MAX 4096
#define YG_PATH_MAX_DEPTH 64

/* The environment is searched one variable at a time, each read into a
 * buffer of this size (longer variables take several reads). */
#define YG_ENV_CHUNK 512
#define YG_ENV_MAX_READS 256

enum yg_event_type {
	YG_EV_EXEC = 1,
	YG_EV_FORK = 2,
	YG_EV_EXIT = 3,
	YG_EV_CRED = 4,
	YG_EV_TYPE_MAX, /* keep last */
};

enum yg_drop_reason {
	YG_DROP_RINGBUF_FULL = 0,   /* bpf_ringbuf_reserve/output failed */
	YG_DROP_NO_SCRATCH = 1,     /* per-CPU scratch lookup failed */
	YG_DROP_STASH_FULL = 2,     /* no room to keep state between syscall entry and exit */
	YG_DROP_REASON_MAX,
};

/* Per-CPU counters, one map entry. emitted counts records handed to the
 * ring buffer; drops are the records that could not be. */
struct yg_counters {
	__u64 emitted[YG_EV_TYPE_MAX];
	__u64 drops[YG_EV_TYPE_MAX][YG_DROP_REASON_MAX];
};

enum yg_header_flags {
	/* Describes a process that already ran when the sensor started (task
	 * iterator), not a new exec. Its argv is read from /proc. */
	YG_HDR_SNAPSHOT = 1 << 0,
};

struct yg_header {
	__u16 type;     /* enum yg_event_type */
	__u16 flags;    /* enum yg_header_flags */
	__u32 size;     /* whole record in bytes, header included */
	__u64 ktime_ns; /* CLOCK_BOOTTIME when the record was made */
};

struct yg_creds {
	__u32 uid, euid, suid, fsuid;
	__u32 gid, egid, sgid, fsgid;
	__u64 cap_effective;
	__u64 cap_permitted;
};

/* The acting process. A process is (tgid, start_ns), never a bare pid. */
struct yg_task {
	__u32 tgid;
	__u32 tid;
	__u64 start_ns;        /* group leader start, CLOCK_BOOTTIME */
	__u32 ppid;            /* real parent's tgid */
	__u32 pad0;
	__u64 parent_start_ns; /* real parent's group leader start */
	struct yg_creds creds;
	__u32 loginuid;        /* (u32)-1 when unset */
	__u32 sessionid;       /* (u32)-1 when unset */
	__u32 pid_ns;          /* inode numbers of the namespaces */
	__u32 mnt_ns;
	__u64 cgroup_id;       /* cgroup v2 id */
	__u32 tty_major;       /* controlling terminal, 0/0 when none */
	__u32 tty_minor;
	char comm[YG_COMM_LEN];
	char tty[YG_TTY_LEN];  /* e.g. "pts3"; empty when none */
};

enum yg_file_flags {
	YG_FILE_DELETED = 1 << 0, /* no links left (unlinked, or never linked) */
	YG_FILE_MEMFD = 1 << 1,   /* created by memfd_create */
	YG_FILE_TMPFS = 1 << 2,   /* on tmpfs/shmem */
};

struct yg_file {
	__u64 ino;
	__u32 dev;        /* kernel dev_t (MAJOR << 20 | MINOR) */
	__u32 mode;       /* type and permission bits, setuid/setgid included */
	__u32 uid;
	__u32 gid;
	__u32 nlink;
	__u32 flags;      /* enum yg_file_flags */
	__u64 size;
	__u64 mtime_ns;
	__u64 ctime_ns;
	__u64 fs_magic;   /* superblock magic */
};

/* Strings that follow struct yg_exec, in this order. */
enum yg_exec_str {
	YG_EXEC_STR_EXE = 0,        /* resolved path of the file the kernel runs */
	YG_EXEC_STR_FILENAME,       /* path as given to execve (the script when interpreted) */
	YG_EXEC_STR_INTERP,         /* interpreter named by the #! line, if a script */
	YG_EXEC_STR_CWD,            /* resolved working directory */
	YG_EXEC_STR_CGROUP,         /* cgroup v2 path */
	YG_EXEC_STR_LD_PRELOAD,     /* value of LD_PRELOAD, if set */
	YG_EXEC_STR_LD_LIBRARY_PATH,/* value of LD_LIBRARY_PATH, if set */
	YG_EXEC_STR_ARGS,           /* argv, each argument NUL-terminated */
	YG_EXEC_STR_COUNT,
};

enum yg_exec_flags {
	YG_EXEC_SCRIPT = 1 << 0,       /* a #! interpreter ran the file */
	YG_EXEC_ENV_SCANNED = 1 << 1,  /* environment was searched for LD_* */
	YG_EXEC_ENV_SCAN_CUT = 1 << 2, /* environment was longer than the scan limit */
	YG_EXEC_LD_PRELOAD = 1 << 3,   /* LD_PRELOAD present (even if empty) */
	YG_EXEC_LD_LIBRARY_PATH = 1 << 4,
	YG_EXEC_NO_EXE = 1 << 5,       /* no executable file (kernel thread) */
	YG_EXEC_ARGS_UNREADABLE = 1 << 6, /* argv memory could not be read */
};

struct yg_exec {
	struct yg_header hdr;
	struct yg_task task;
	struct yg_file exe;
	__u32 old_tid;      /* thread that called execve (differs when not the leader) */
	__u32 argc;         /* argc as passed to execve */
	__u32 args_size;    /* bytes of the argv area before any truncation */
	__u32 env_size;     /* bytes of the environment area */
	__u32 flags;        /* enum yg_exec_flags */
	__u16 truncated;    /* bit i set: string i was cut to its limit */
	__u16 len[YG_EXEC_STR_COUNT];
	__u16 pad0;
	/* char data[]: the strings, back to back, in enum yg_exec_str order */
};

struct yg_fork {
	struct yg_header hdr;
	struct yg_task child;  /* child.ppid/parent_start_ns name the parent */
};

struct yg_exit {
	struct yg_header hdr;
	struct yg_task task;
	__u32 status;          /* wait status: code << 8 | core 0x80 | signal */
	__u32 pad0;
};

enum yg_cred_syscall {
	YG_CRED_SETUID = 1,
	YG_CRED_SETGID,
	YG_CRED_SETREUID,
	YG_CRED_SETREGID,
	YG_CRED_SETRESUID,
	YG_CRED_SETRESGID,
	YG_CRED_SETFSUID,
	YG_CRED_SETFSGID,
	YG_CRED_CAPSET,
};

struct yg_cred {
	struct yg_header hdr;
	struct yg_task task;   /* creds after the change */
	struct yg_creds old;   /* creds before the change */
	__u32 syscall;         /* enum yg_cred_syscall */
	__u32 pad0;
};

/* Load-time settings, in the programs' read-only data. */
struct yg_config {
	__u32 self_tgid;        /* the sensor: never reported */
	__u32 max_args_bytes;   /* argv bytes copied per exec, <= YG_DATA_MASK */
	__u32 env_scan_bytes;   /* environment bytes searched for LD_*, 0: off */
	__u32 wakeup_bytes;     /* wake the reader once this much is pending */
};

#endif /* YAGURA_BPF_EVENTS_H */
