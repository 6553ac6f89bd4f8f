#include "sensor/output/kernel_names.h"

#include <fcntl.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <span>

namespace yagura {
namespace {

struct FlagName {
  uint64_t bits;
  const char* name;
};

// Names every entry whose bits are all set, in table order, each bit once;
// a multi-bit entry (O_SYNC contains O_DSYNC) must come before its parts.
std::vector<std::string> flag_names(uint64_t flags, std::span<const FlagName> table) {
  std::vector<std::string> out;
  for (const FlagName& f : table) {
    if (f.bits != 0 && (flags & f.bits) == f.bits) {
      out.emplace_back(f.name);
      flags &= ~f.bits;
    }
  }
  if (flags != 0) {
    char hex[24];
    std::snprintf(hex, sizeof(hex), "0x%llx", static_cast<unsigned long long>(flags));
    out.emplace_back(hex);
  }
  return out;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += '|';
    out += n;
  }
  return out;
}

#define YAGURA_FLAG(f) \
  FlagName { f, #f }

constexpr FlagName kOpenFlags[] = {
    YAGURA_FLAG(O_CREAT),    YAGURA_FLAG(O_EXCL),    YAGURA_FLAG(O_NOCTTY),
    YAGURA_FLAG(O_TRUNC),    YAGURA_FLAG(O_APPEND),  YAGURA_FLAG(O_NONBLOCK),
    YAGURA_FLAG(O_SYNC),     YAGURA_FLAG(O_DSYNC),   YAGURA_FLAG(O_ASYNC),
    YAGURA_FLAG(O_DIRECT),   YAGURA_FLAG(O_TMPFILE), YAGURA_FLAG(O_DIRECTORY),
    YAGURA_FLAG(O_NOFOLLOW), YAGURA_FLAG(O_NOATIME), YAGURA_FLAG(O_CLOEXEC),
    YAGURA_FLAG(O_PATH),
};
#undef YAGURA_FLAG

// include/uapi/linux/mount.h
constexpr FlagName kMountFlags[] = {
    {1u << 0, "MS_RDONLY"},     {1u << 1, "MS_NOSUID"},      {1u << 2, "MS_NODEV"},
    {1u << 3, "MS_NOEXEC"},     {1u << 4, "MS_SYNCHRONOUS"}, {1u << 5, "MS_REMOUNT"},
    {1u << 6, "MS_MANDLOCK"},   {1u << 7, "MS_DIRSYNC"},     {1u << 8, "MS_NOSYMFOLLOW"},
    {1u << 10, "MS_NOATIME"},   {1u << 11, "MS_NODIRATIME"}, {1u << 12, "MS_BIND"},
    {1u << 13, "MS_MOVE"},      {1u << 14, "MS_REC"},        {1u << 15, "MS_SILENT"},
    {1u << 16, "MS_POSIXACL"},  {1u << 17, "MS_UNBINDABLE"}, {1u << 18, "MS_PRIVATE"},
    {1u << 19, "MS_SLAVE"},     {1u << 20, "MS_SHARED"},     {1u << 21, "MS_RELATIME"},
    {1u << 22, "MS_KERNMOUNT"}, {1u << 23, "MS_I_VERSION"},  {1u << 24, "MS_STRICTATIME"},
    {1u << 25, "MS_LAZYTIME"},
};
// Old callers put this magic in the upper half; the kernel drops it.
constexpr uint64_t kMountMagicMask = 0xffff0000;
constexpr uint64_t kMountMagic = 0xc0ed0000;

constexpr FlagName kUmountFlags[] = {
    {1, "MNT_FORCE"}, {2, "MNT_DETACH"}, {4, "MNT_EXPIRE"}, {8, "UMOUNT_NOFOLLOW"}};
constexpr FlagName kRenameFlags[] = {
    {1, "RENAME_NOREPLACE"}, {2, "RENAME_EXCHANGE"}, {4, "RENAME_WHITEOUT"}};
constexpr FlagName kLinkFlags[] = {{0x400, "AT_SYMLINK_FOLLOW"}, {0x1000, "AT_EMPTY_PATH"}};
constexpr FlagName kMemfdFlags[] = {{1, "MFD_CLOEXEC"},
                                    {2, "MFD_ALLOW_SEALING"},
                                    {4, "MFD_HUGETLB"},
                                    {8, "MFD_NOEXEC_SEAL"},
                                    {0x10, "MFD_EXEC"}};

// include/uapi/linux/sched.h, in bit order.
constexpr FlagName kCloneFlags[] = {
    {0x00000080, "CLONE_NEWTIME"}, {0x00000100, "CLONE_VM"},      {0x00000200, "CLONE_FS"},
    {0x00000400, "CLONE_FILES"},   {0x00000800, "CLONE_SIGHAND"}, {0x00010000, "CLONE_THREAD"},
    {0x00020000, "CLONE_NEWNS"},   {0x00040000, "CLONE_SYSVSEM"}, {0x02000000, "CLONE_NEWCGROUP"},
    {0x04000000, "CLONE_NEWUTS"},  {0x08000000, "CLONE_NEWIPC"},  {0x10000000, "CLONE_NEWUSER"},
    {0x20000000, "CLONE_NEWPID"},  {0x40000000, "CLONE_NEWNET"},
};

// include/uapi/linux/ptrace.h and the x86 arch requests (12-15, 18, 19, 30-33).
constexpr FlagName kPtraceRequests[] = {
    {0, "PTRACE_TRACEME"},
    {1, "PTRACE_PEEKTEXT"},
    {2, "PTRACE_PEEKDATA"},
    {3, "PTRACE_PEEKUSER"},
    {4, "PTRACE_POKETEXT"},
    {5, "PTRACE_POKEDATA"},
    {6, "PTRACE_POKEUSER"},
    {7, "PTRACE_CONT"},
    {8, "PTRACE_KILL"},
    {9, "PTRACE_SINGLESTEP"},
    {12, "PTRACE_GETREGS"},
    {13, "PTRACE_SETREGS"},
    {14, "PTRACE_GETFPREGS"},
    {15, "PTRACE_SETFPREGS"},
    {16, "PTRACE_ATTACH"},
    {17, "PTRACE_DETACH"},
    {18, "PTRACE_GETFPXREGS"},
    {19, "PTRACE_SETFPXREGS"},
    {24, "PTRACE_SYSCALL"},
    {30, "PTRACE_ARCH_PRCTL"},
    {31, "PTRACE_SYSEMU"},
    {32, "PTRACE_SYSEMU_SINGLESTEP"},
    {33, "PTRACE_SINGLEBLOCK"},
    {0x4200, "PTRACE_SETOPTIONS"},
    {0x4201, "PTRACE_GETEVENTMSG"},
    {0x4202, "PTRACE_GETSIGINFO"},
    {0x4203, "PTRACE_SETSIGINFO"},
    {0x4204, "PTRACE_GETREGSET"},
    {0x4205, "PTRACE_SETREGSET"},
    {0x4206, "PTRACE_SEIZE"},
    {0x4207, "PTRACE_INTERRUPT"},
    {0x4208, "PTRACE_LISTEN"},
    {0x4209, "PTRACE_PEEKSIGINFO"},
    {0x420a, "PTRACE_GETSIGMASK"},
    {0x420b, "PTRACE_SETSIGMASK"},
    {0x420c, "PTRACE_SECCOMP_GET_FILTER"},
    {0x420d, "PTRACE_SECCOMP_GET_METADATA"},
    {0x420e, "PTRACE_GET_SYSCALL_INFO"},
    {0x420f, "PTRACE_GET_RSEQ_CONFIGURATION"},
};

// enum bpf_prog_type (include/uapi/linux/bpf.h), indexed by value.
constexpr const char* kBpfProgTypes[] = {
    "unspec",
    "socket_filter",
    "kprobe",
    "sched_cls",
    "sched_act",
    "tracepoint",
    "xdp",
    "perf_event",
    "cgroup_skb",
    "cgroup_sock",
    "lwt_in",
    "lwt_out",
    "lwt_xmit",
    "sock_ops",
    "sk_skb",
    "cgroup_device",
    "sk_msg",
    "raw_tracepoint",
    "cgroup_sock_addr",
    "lwt_seg6local",
    "lirc_mode2",
    "sk_reuseport",
    "flow_dissector",
    "cgroup_sysctl",
    "raw_tracepoint_writable",
    "cgroup_sockopt",
    "tracing",
    "struct_ops",
    "ext",
    "lsm",
    "sk_lookup",
    "syscall",
    "netfilter",
};

}  // namespace

const char* errno_name(int err) { return err > 0 ? strerrorname_np(err) : nullptr; }

const char* signal_name(int sig) {
#define YAGURA_SIGNAL(s) \
  case s:                \
    return #s;
  switch (sig) {
    YAGURA_SIGNAL(SIGHUP)
    YAGURA_SIGNAL(SIGINT)
    YAGURA_SIGNAL(SIGQUIT)
    YAGURA_SIGNAL(SIGILL)
    YAGURA_SIGNAL(SIGTRAP)
    YAGURA_SIGNAL(SIGABRT)
    YAGURA_SIGNAL(SIGBUS)
    YAGURA_SIGNAL(SIGFPE)
    YAGURA_SIGNAL(SIGKILL)
    YAGURA_SIGNAL(SIGUSR1)
    YAGURA_SIGNAL(SIGSEGV)
    YAGURA_SIGNAL(SIGUSR2)
    YAGURA_SIGNAL(SIGPIPE)
    YAGURA_SIGNAL(SIGALRM)
    YAGURA_SIGNAL(SIGTERM)
    YAGURA_SIGNAL(SIGSTKFLT)
    YAGURA_SIGNAL(SIGCHLD)
    YAGURA_SIGNAL(SIGCONT)
    YAGURA_SIGNAL(SIGSTOP)
    YAGURA_SIGNAL(SIGTSTP)
    YAGURA_SIGNAL(SIGTTIN)
    YAGURA_SIGNAL(SIGTTOU)
    YAGURA_SIGNAL(SIGURG)
    YAGURA_SIGNAL(SIGXCPU)
    YAGURA_SIGNAL(SIGXFSZ)
    YAGURA_SIGNAL(SIGVTALRM)
    YAGURA_SIGNAL(SIGPROF)
    YAGURA_SIGNAL(SIGWINCH)
    YAGURA_SIGNAL(SIGIO)
    YAGURA_SIGNAL(SIGPWR)
    YAGURA_SIGNAL(SIGSYS)
    default:
      return nullptr;
  }
#undef YAGURA_SIGNAL
}

const char* ptrace_request_name(uint64_t request) {
  for (const FlagName& r : kPtraceRequests) {
    if (r.bits == request) return r.name;
  }
  return nullptr;
}

const char* bpf_prog_type_name(uint64_t prog_type) {
  return prog_type < std::size(kBpfProgTypes) ? kBpfProgTypes[prog_type] : nullptr;
}

std::string open_flags_string(uint32_t flags) {
  std::string out;
  switch (flags & O_ACCMODE) {
    case O_RDONLY:
      out = "O_RDONLY";
      break;
    case O_WRONLY:
      out = "O_WRONLY";
      break;
    case O_RDWR:
      out = "O_RDWR";
      break;
    default:
      out = "O_ACCMODE";  // 3: no access, a valid value for ioctl-only opens
      break;
  }
  const std::string rest = joined(flag_names(flags & ~O_ACCMODE, kOpenFlags));
  return rest.empty() ? out : out + '|' + rest;
}

std::string mount_flags_string(uint64_t flags) {
  if ((flags & kMountMagicMask) == kMountMagic) flags &= ~kMountMagicMask;
  return joined(flag_names(flags, kMountFlags));
}

std::string umount_flags_string(uint64_t flags) { return joined(flag_names(flags, kUmountFlags)); }
std::string rename_flags_string(uint32_t flags) { return joined(flag_names(flags, kRenameFlags)); }
std::string link_flags_string(uint32_t flags) { return joined(flag_names(flags, kLinkFlags)); }
std::string memfd_flags_string(uint32_t flags) { return joined(flag_names(flags, kMemfdFlags)); }

std::vector<std::string> namespace_flags(uint64_t flags) { return flag_names(flags, kCloneFlags); }

}  // namespace yagura
