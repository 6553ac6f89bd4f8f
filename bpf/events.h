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

#define YG_SCHEMA_VERSION 3

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
	YG_EV_NET = 5,
	YG_EV_DNS = 6,
	YG_EV_FILE = 7,
	YG_EV_TAMPER = 8,
	YG_EV_TYPE_MAX, /* keep last */
};

enum yg_drop_reason {
	YG_DROP_RINGBUF_FULL = 0,   /* bpf_ringbuf_reserve/output failed */
	YG_DROP_NO_SCRATCH = 1,     /* per-CPU scratch lookup failed */
	YG_DROP_STASH_FULL = 2,     /* no room to keep state across hooks (syscall entry/exit, socket life) */
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
	/* The event happened outside the acting process's context (a TCP
	 * handshake finishing, a connection closing, a DNS answer arriving):
	 * task holds only tgid, tid, start_ns and comm of the process that
	 * owns the socket, as recorded when it was set up. */
	YG_HDR_OWNER_ONLY = 1 << 1,
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

/* Lengths of the strings that follow a variable-length record, in the
 * order of the record's string enum. Always the last member of such a
 * record, so the BPF side assembles every record type the same way. */
#define YG_STR_MAX 8
struct yg_strings {
	__u16 len[YG_STR_MAX];
	__u16 truncated;  /* bit i set: string i was cut to its limit */
	__u16 pad[3];
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
	YG_EXEC_STDIO = 1 << 7,        /* stdio holds descriptors 0, 1, 2 */
};

enum yg_stdio_flags {
	YG_STDIO_OPEN = 1 << 0,   /* the descriptor is open */
};

/* What one of the standard descriptors refers to: a shell whose stdin is a
 * socket is a reverse shell, and the two ends of a pipeline share the pipe's
 * inode. */
struct yg_stdio {
	__u64 ino;        /* the open file's inode number; 0 when closed */
	__u32 mode;       /* its i_mode, type bits included; 0 when closed */
	__u32 flags;      /* enum yg_stdio_flags */
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
	__u32 pad0;
	/* Descriptors 0, 1 and 2, valid with YG_EXEC_STDIO: after the exec
	 * (close-on-exec ones closed); in a snapshot, when it was taken. */
	struct yg_stdio stdio[3];
	struct yg_strings str;
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

/* Socket address. IPv4 uses the first 4 bytes of addr; IPv4-mapped IPv6
 * addresses are kept as the kernel has them (::ffff:a.b.c.d). */
struct yg_sockaddr {
	__u8 addr[16];
	__u16 port;     /* host byte order */
	__u16 pad0;
	__u32 pad1;
};

enum yg_net_action {
	YG_NET_CONNECT = 1, /* outbound connect finished; error says how */
	YG_NET_ACCEPT,      /* accept() returned an inbound connection */
	YG_NET_LISTEN,      /* listen() succeeded (TCP or unix) */
	YG_NET_CLOSE,       /* a connect/accept-tracked TCP connection closed */
	YG_NET_UDP_SEND,    /* first datagram from a socket to a destination */
	YG_NET_UDP_BIND,    /* UDP socket bound explicitly: it can receive */
};

enum yg_net_flags {
	YG_NET_LOOPBACK = 1 << 0,   /* remote (or bound) address is loopback */
	YG_NET_UNIX_ABSTRACT = 1 << 1, /* unix_path is in the abstract namespace */
	YG_NET_INBOUND = 1 << 2,    /* ACCEPT, or CLOSE of an accepted connection */
};

#define YG_UNIX_PATH_MAX 108

/* Network activity. For TCP connect results and closes the header carries
 * YG_HDR_OWNER_ONLY: those happen in softirq, not in the process. */
struct yg_net {
	struct yg_header hdr;
	struct yg_task task;
	__u32 action;        /* enum yg_net_action */
	__u16 family;        /* AF_INET, AF_INET6, AF_UNIX */
	__u16 protocol;      /* IPPROTO_TCP, IPPROTO_UDP; 0 for unix */
	struct yg_sockaddr local;
	struct yg_sockaddr remote;
	__s32 error;         /* 0, or the positive errno the connect ended with */
	__u32 flags;         /* enum yg_net_flags */
	__u64 duration_ns;   /* CLOSE: since connect or accept */
	__u64 bytes_sent;    /* CLOSE, TCP: payload bytes sent, retransmissions not counted */
	__u64 bytes_received;/* CLOSE, TCP: payload bytes received in order */
	__u16 unix_path_len; /* bytes used in unix_path (abstract: no leading NUL) */
	__u16 pad0;
	__u32 pad1;
	char unix_path[YG_UNIX_PATH_MAX]; /* AF_UNIX: the path connected/bound to */
	__u32 pad2;
};

#define YG_DNS_MAX 512

enum yg_dns_direction {
	YG_DNS_QUERY = 0,  /* leaving a socket of this host towards port 53 */
	YG_DNS_ANSWER = 1, /* arriving from port 53 at a socket that queried */
};

/* A DNS message over UDP, captured raw; the sensor parses it. The answer's
 * task is the owner of the socket that sent the query (YG_HDR_OWNER_ONLY). */
struct yg_dns {
	struct yg_header hdr;
	struct yg_task task;
	__u32 direction;     /* enum yg_dns_direction */
	__u16 family;        /* AF_INET, AF_INET6 */
	__u16 msg_len;       /* bytes of the DNS message (UDP payload) */
	struct yg_sockaddr local;  /* this host's socket */
	struct yg_sockaddr remote; /* the resolver */
	__u16 captured;      /* bytes of the message in payload, <= YG_DNS_MAX */
	__u16 pad0;
	__u32 pad1;
	__u8 payload[YG_DNS_MAX];
};

enum yg_file_op {
	YG_FOP_OPEN = 1,     /* open for writing/creating/truncating, or a watched read */
	YG_FOP_UNLINK,
	YG_FOP_RENAME,       /* path: the new name; path2: the old name */
	YG_FOP_CHMOD,
	YG_FOP_CHOWN,
	YG_FOP_LINK,         /* path: the new name; path2: the existing file */
	YG_FOP_SYMLINK,      /* path: the new link; path2: its target, as given */
	YG_FOP_TRUNCATE,
	YG_FOP_MEMFD_CREATE, /* path: "memfd:<name>" */
	YG_FOP_MKDIR,
	YG_FOP_RMDIR,
	YG_FOP_UTIMES,       /* utimensat, utimes, futimesat, utime, futimens */
};

enum yg_fop_flags {
	YG_FOP_WRITE = 1 << 0,     /* opened for writing */
	YG_FOP_READ = 1 << 1,      /* opened for reading */
	YG_FOP_CREATED = 1 << 2,   /* open created the file */
	YG_FOP_TRUNC = 1 << 3,     /* open truncated the file (O_TRUNC) */
	YG_FOP_HAS_FILE = 1 << 4,  /* file holds the metadata of the file acted on */
	/* path was joined from a directory and the name as given, without
	 * resolving symlinks; it may hold "." or ".." components. */
	YG_FOP_LEXICAL = 1 << 5,
	/* A name as given has ".", ".." or empty components: the sensor
	 * normalizes the path and applies the watched prefixes again. */
	YG_FOP_UNNORMALIZED = 1 << 6,
	YG_FOP_WATCHED_READ = 1 << 7, /* the read matched the sensitive-read set */
	YG_FOP_SETID = 1 << 8,     /* chmod mode has setuid or setgid */
	/* UTIMES: the caller gave the new mtime (not "now", not left alone);
	 * it is in mtime_sec/mtime_nsec. */
	YG_FOP_EXPLICIT_TIMES = 1 << 9,
};

/* Strings that follow struct yg_file_event, in this order. */
enum yg_file_str {
	YG_FILE_STR_PATH = 0,
	YG_FILE_STR_PATH2,
	YG_FILE_STR_COUNT,
};

/* A file operation that succeeded, under a watched prefix (or a memfd). */
struct yg_file_event {
	struct yg_header hdr;
	struct yg_task task;
	__u32 op;            /* enum yg_file_op */
	__u32 flags;         /* enum yg_fop_flags */
	__u32 open_flags;    /* OPEN: flags as passed; RENAME/LINK/MEMFD: the flags argument */
	__u32 mode;          /* OPEN/MKDIR: create mode; CHMOD: the new mode */
	__u32 uid;           /* CHOWN: new owner, (u32)-1 unchanged */
	__u32 gid;
	__s32 fd;            /* OPEN/MEMFD_CREATE: the descriptor returned */
	__u32 mtime_nsec;    /* UTIMES with YG_FOP_EXPLICIT_TIMES: the new mtime */
	__s64 mtime_sec;     /* seconds since the epoch, as given (may be negative) */
	struct yg_file file; /* valid when YG_FOP_HAS_FILE */
	struct yg_strings str;
	/* char data[]: the strings in enum yg_file_str order */
};

enum yg_tamper_op {
	YG_TAMPER_PTRACE = 1,      /* arg0 request, arg1 target pid, arg2 addr */
	YG_TAMPER_VM_WRITEV,       /* process_vm_writev: arg0 target pid, arg1 iov count */
	YG_TAMPER_PROC_MEM,        /* /proc/PID/mem opened for writing: str0 path, arg0 PID */
	YG_TAMPER_MODULE_LOAD,     /* arg0 0 init_module / 1 finit_module, arg1 image
	                            * length or fd, arg2 flags; str0 file path, str1 params,
	                            * str2 module name (once the kernel has parsed the
	                            * image, also when the module's init then fails) */
	YG_TAMPER_BPF_LOAD,        /* bpf(BPF_PROG_LOAD): arg0 prog type, arg1 insn count;
	                            * str0 program name */
	YG_TAMPER_MOUNT,           /* arg0 flags; str0 source, str1 target, str2 fs type */
	YG_TAMPER_UMOUNT,          /* arg0 flags; str0 target */
	YG_TAMPER_UNSHARE,         /* arg0 flags */
	YG_TAMPER_SETNS,           /* arg0 fd, arg1 nstype */
	YG_TAMPER_PRCTL_NAME,      /* prctl(PR_SET_NAME): str0 the new name */
	YG_TAMPER_KILL,            /* arg0 signal, arg1 si_code; target is the receiver */
};

enum yg_tamper_str {
	YG_TAMPER_STR_0 = 0,
	YG_TAMPER_STR_1,
	YG_TAMPER_STR_2,
	YG_TAMPER_STR_COUNT,
};

/* Tampering and privileged operations, with the result. */
struct yg_tamper {
	struct yg_header hdr;
	struct yg_task task;
	__u32 op;            /* enum yg_tamper_op */
	__s32 result;        /* syscall return value; KILL: 0 delivered, else the
	                      * kernel's TRACE_SIGNAL_* code */
	__u64 arg[3];        /* op-specific, see enum yg_tamper_op */
	__u32 target_tgid;   /* KILL: the receiving process; else 0 */
	__u32 target_uid;    /* KILL: its real uid */
	__u64 target_start_ns;
	struct yg_strings str;
	/* char data[]: the strings in enum yg_tamper_str order */
};

/* In-kernel filter: one of two generations is active; the sensor fills
 * the other and then switches, so every event sees one whole filter. */
enum yg_filter_flags {
	YG_FILTER_SKIP_LOOPBACK = 1 << 0, /* no network/DNS events on loopback */
	YG_FILTER_SKIP_UNIX = 1 << 1,     /* no unix-domain socket events */
};

struct yg_filter_cfg {
	__u32 enabled_types;   /* bit (1 << enum yg_event_type) set: reported */
	__u32 flags;           /* enum yg_filter_flags */
	/* Entries in each set, so empty sets cost no lookup. */
	__u32 ignore_uids;
	__u32 ignore_exes;
	__u32 ignore_cgroups;
	__u32 read_watch;
};

enum yg_watch_flags {
	YG_WATCH_WRITE = 1 << 0,  /* report changes under this prefix */
	YG_WATCH_READ = 1 << 1,   /* report reads of this file, or of files in this directory */
};

#define YG_LPM_MAX 256
#define YG_FILTER_SET_MAX 4096 /* entries per filter set */

/* Key of the watched-prefix LPM trie: a path's first YG_LPM_MAX bytes. */
struct yg_lpm_key {
	__u32 prefixlen;  /* in bits */
	char data[YG_LPM_MAX];
};

/* A file by identity: executables to ignore, files and directories whose
 * reads are watched. */
struct yg_inode_key {
	__u64 ino;
	__u32 dev;        /* kernel dev_t */
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
