// Decoded events: what the sensor's stages (process table, enrichment,
// policy, output) work on. Made from the kernel records of bpf/events.h by
// RecordDecoder; nothing else builds them from raw bytes.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace yagura {

// A process: its thread-group id and the boot-time start of its group
// leader. Stable for the life of the process and across exec; a reused pid
// gets a new key.
struct ProcessKey {
  uint32_t tgid = 0;
  uint64_t start_ns = 0;

  auto operator<=>(const ProcessKey&) const = default;
  bool valid() const { return tgid != 0; }
};

struct ProcessKeyHash {
  size_t operator()(const ProcessKey& k) const {
    return std::hash<uint64_t>()(k.start_ns * 0x9E3779B97F4A7C15ull ^ k.tgid);
  }
};

struct Creds {
  uint32_t uid = 0, euid = 0, suid = 0, fsuid = 0;
  uint32_t gid = 0, egid = 0, sgid = 0, fsgid = 0;
  uint64_t cap_effective = 0;
  uint64_t cap_permitted = 0;

  bool operator==(const Creds&) const = default;
};

inline constexpr uint32_t kUnsetId = 0xffffffffu;

struct TaskInfo {
  ProcessKey key;
  uint32_t tid = 0;
  ProcessKey parent;
  Creds creds;
  uint32_t loginuid = kUnsetId;
  uint32_t sessionid = kUnsetId;
  uint32_t pid_ns = 0;
  uint32_t mnt_ns = 0;
  uint64_t cgroup_id = 0;
  uint32_t tty_major = 0;
  uint32_t tty_minor = 0;
  std::string comm;
  std::string tty;  // empty when the process has no controlling terminal
};

struct FileInfo {
  uint64_t ino = 0;
  uint32_t dev = 0;  // kernel encoding: major << 20 | minor
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t nlink = 0;
  uint64_t size = 0;
  uint64_t mtime_ns = 0;
  uint64_t ctime_ns = 0;
  uint64_t fs_magic = 0;
  bool deleted = false;
  bool memfd = false;
  bool tmpfs = false;
};

// A string the kernel may have cut at its configured limit.
struct CapturedString {
  std::string value;
  bool truncated = false;
};

struct ExecEvent {
  TaskInfo task;
  FileInfo exe;
  CapturedString exe_path;
  CapturedString filename;     // as given to execve
  CapturedString interpreter;  // #! line, set only for scripts
  CapturedString cwd;
  CapturedString cgroup_path;
  std::optional<CapturedString> ld_preload;
  std::optional<CapturedString> ld_library_path;
  std::vector<std::string> argv;  // captured arguments, raw bytes
  bool args_truncated = false;
  uint32_t argc = 0;       // original count
  uint32_t args_size = 0;  // original bytes
  uint32_t env_size = 0;
  uint32_t old_tid = 0;
  bool is_script = false;
  bool env_scanned = false;
  bool env_scan_cut = false;
  bool no_exe = false;           // kernel thread: no executable file
  bool args_unreadable = false;  // argv memory could not be read

  // Absolute script path, for scripts: filename joined with cwd if relative.
  std::string script_path() const;
};

struct ForkEvent {
  TaskInfo child;  // child.parent is the forking process
};

struct ExitEvent {
  TaskInfo task;
  uint32_t status = 0;  // wait(2) status

  int exit_code() const { return (status >> 8) & 0xff; }
  int signal() const { return status & 0x7f; }
  bool core_dumped() const { return (status & 0x80) != 0; }
};

enum class CredSyscall : uint32_t {
  kSetuid = 1,
  kSetgid,
  kSetreuid,
  kSetregid,
  kSetresuid,
  kSetresgid,
  kSetfsuid,
  kSetfsgid,
  kCapset,
};

struct CredEvent {
  TaskInfo task;  // creds after the change
  Creds old;
  CredSyscall syscall = CredSyscall::kSetuid;
};

using EventBody = std::variant<ExecEvent, ForkEvent, ExitEvent, CredEvent>;

// What userspace adds to a kernel event.
struct Ancestor {
  ProcessKey key;
  std::string exe_path;
  std::vector<std::string> argv;
};

struct Enrichment {
  std::string user_name;   // of the real uid
  std::string euser_name;  // of the effective uid
  std::string group_name;  // of the real gid
  std::string login_user_name;
  std::optional<std::string> exe_sha256;  // hex; absent when not computed
  std::string exe_hash_error;             // why it is absent, if known
  std::vector<Ancestor> lineage;          // parent first
  bool lineage_complete = true;           // false when an ancestor was unknown
};

struct Event {
  uint64_t ktime_ns = 0;  // CLOCK_BOOTTIME
  // An exec-shaped description of a process that already ran when the
  // sensor started (task iterator), not a new exec.
  bool snapshot = false;
  EventBody body;
  Enrichment enrichment;

  const TaskInfo& task() const;
};

const char* event_type_name(const EventBody& body);

}  // namespace yagura
