// Decoded events: what the sensor's stages (process table, enrichment,
// policy, output) work on. Made from the kernel records of bpf/events.h by
// RecordDecoder; nothing else builds them from raw bytes.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <memory>
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

// One of the standard descriptors 0, 1, 2 of a process.
struct StdStream {
  bool open = false;
  uint32_t mode = 0;  // the inode's type and permission bits
  uint64_t ino = 0;   // 0 when closed

  bool operator==(const StdStream&) const = default;
};

// stdin, stdout, stderr in that order.
using StdStreams = std::array<StdStream, 3>;

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
  // After the exec (in a snapshot: when it was taken); absent when the kernel
  // had no file table to read.
  std::optional<StdStreams> stdio;

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

// An IPv4 or IPv6 address. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) stay
// IPv6, as the kernel had them; unmapped() gives the IPv4 address they carry.
struct IpAddress {
  enum class Family : uint8_t { kNone, kIpv4, kIpv6 };

  Family family = Family::kNone;
  std::array<uint8_t, 16> bytes{};  // IPv4: the first 4, network order

  static IpAddress ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
  static IpAddress ipv6(const std::array<uint8_t, 16>& bytes);

  bool is_v4_mapped() const;
  // The IPv4 address of a v4-mapped one; any other address as it is. DNS A
  // records and connects through dual-stack sockets meet on this form.
  IpAddress unmapped() const;
  // Dotted quad for IPv4 and v4-mapped IPv6, inet_ntop form for other IPv6,
  // "" for kNone.
  std::string to_string() const;

  auto operator<=>(const IpAddress&) const = default;
};

struct SocketEndpoint {
  IpAddress ip;
  uint16_t port = 0;

  bool operator==(const SocketEndpoint&) const = default;
};

// Values of the kernel's enums are kept even when this build has no name for
// them (a newer BPF side), so an unknown action is still reported.
enum class NetAction : uint32_t {
  kConnect = 1,  // outbound connect finished; NetEvent::error says how
  kAccept,
  kListen,
  kClose,    // a tracked TCP connection closed
  kUdpSend,  // first datagram from a socket to a destination
  kUdpBind,
};

enum class NetFamily : uint16_t { kUnix = 1, kIpv4 = 2, kIpv6 = 10 };  // AF_*
enum class Transport : uint16_t { kNone = 0, kTcp = 6, kUdp = 17 };    // IPPROTO_*

struct NetEvent {
  TaskInfo task;
  NetAction action = NetAction::kConnect;
  NetFamily family = NetFamily::kIpv4;
  Transport transport = Transport::kNone;  // kNone for unix sockets
  SocketEndpoint local;                    // this host's end; the bound address for listen/bind
  SocketEndpoint remote;                   // the peer; unset for listen/bind
  int32_t error = 0;                       // connect: 0 established, else the positive errno
  bool loopback = false;
  uint64_t duration_ns = 0;     // close
  uint64_t bytes_sent = 0;      // close, TCP
  uint64_t bytes_received = 0;  // close, TCP
  std::string unix_path;        // unix sockets; raw bytes
  bool unix_abstract = false;   // unix_path is in the abstract namespace
  bool inbound = false;         // accept, and the close of an accepted connection

  // This host started the exchange: connect, udp_send, and the close of a
  // connection it connected.
  bool initiated() const {
    return action == NetAction::kConnect || action == NetAction::kUdpSend ||
           (action == NetAction::kClose && !inbound);
  }
};

enum class DnsDirection : uint32_t { kQuery = 0, kAnswer = 1 };

// A DNS message over UDP. The kernel hands over the raw payload; the event
// processor parses it into the fields after `payload`.
struct DnsEvent {
  struct Question {
    std::string name;
    uint16_t type = 0;  // RR type: 1 A, 28 AAAA, ...
  };
  struct Answer {
    std::string name;
    uint16_t type = 0;
    uint32_t ttl = 0;
    std::string data;  // text form: an address, a name, ...
  };

  TaskInfo task;
  DnsDirection direction = DnsDirection::kQuery;
  SocketEndpoint local;        // the client: this host's socket
  SocketEndpoint remote;       // the resolver
  uint32_t message_bytes = 0;  // UDP payload size
  std::string payload;         // the captured part of it, raw
  // The capture ended inside the message: questions or answers may be missing.
  bool incomplete = false;

  // Parsed from payload.
  bool malformed = false;  // the parser rejected payload; error says why
  std::string error;
  uint16_t id = 0;
  uint8_t rcode = 0;
  std::vector<Question> questions;
  std::vector<Answer> answers;
};

enum class FileOp : uint32_t {
  kOpen = 1,  // for writing/creating/truncating, or a watched read
  kUnlink,
  kRename,  // path: the new name; source_path: the old one
  kChmod,
  kChown,
  kLink,     // path: the new name; source_path: the existing file
  kSymlink,  // path: the new link; source_path: its target, as given
  kTruncate,
  kMemfdCreate,  // path: "memfd:<name>"
  kMkdir,
  kRmdir,
  kUtimes,  // utimensat, utimes, futimesat, utime, futimens
};

// A file operation that succeeded.
struct FileEvent {
  TaskInfo task;
  FileOp op = FileOp::kOpen;
  CapturedString path;
  CapturedString source_path;  // rename, link: the other name; symlink: the target
  // path and source_path before lexical normalization, when that changed them.
  std::optional<std::string> path_as_given;
  std::optional<std::string> source_path_as_given;
  // The names were joined from a directory and the names as given, and
  // normalized without resolving symlinks. A symlink's target is never
  // normalized: it is kept as given.
  bool lexical = false;
  bool unnormalized = false;  // a name as given has ".", ".." or empty components
  bool read = false;               // open: for reading
  bool write = false;              // open: for writing
  bool created = false;            // open: created the file
  bool truncated_on_open = false;  // open: O_TRUNC
  bool watched_read = false;       // open: the read matched the watched set
  uint32_t flags = 0;       // open: the open flags; rename, link, memfd_create: the flags argument
  uint32_t mode = 0;        // open, mkdir: create mode; chmod: the new mode
  uint32_t uid = kUnsetId;  // chown: new owner, kUnsetId unchanged
  uint32_t gid = kUnsetId;
  int32_t fd = -1;               // open, memfd_create
  // utimes: the caller set mtime to a time it chose (not "now", not left
  // alone), as `touch -d` or `touch -r` do.
  bool explicit_times = false;
  // utimes with explicit_times: the new mtime, nanoseconds since the epoch;
  // absent when it cannot be one (before 1970, or past 2554).
  std::optional<uint64_t> mtime_ns;
  std::optional<FileInfo> file;  // the file acted on, when the kernel had it
};

enum class TamperOp : uint32_t {
  kPtrace = 1,
  kVmWritev,  // process_vm_writev
  kProcMem,   // /proc/PID/mem opened for writing
  kModuleLoad,
  kBpfLoad,  // bpf(BPF_PROG_LOAD)
  kMount,
  kUmount,
  kUnshare,
  kSetns,
  kPrctlName,  // prctl(PR_SET_NAME)
  kKill,
};

// Tampering and privileged operations, failed ones included. args and
// strings are op-specific, as enum yg_tamper_op in bpf/events.h lays out.
struct TamperEvent {
  TaskInfo task;
  TamperOp op = TamperOp::kPtrace;
  int32_t result = 0;  // syscall return; kill: 0 delivered, else TRACE_SIGNAL_*
  std::array<uint64_t, 3> args{};
  std::array<CapturedString, 3> strings;
  ProcessKey kill_target;  // kill: the receiving process
  uint32_t kill_target_uid = 0;

  // The pid of the process acted on (ptrace, process_vm_writev, /proc/PID/mem,
  // kill), 0 for other ops.
  uint32_t target_pid() const;
  bool success() const { return op == TamperOp::kKill ? result == 0 : result >= 0; }
};

using EventBody = std::variant<ExecEvent, ForkEvent, ExitEvent, CredEvent, NetEvent, DnsEvent,
                               FileEvent, TamperEvent>;

// What userspace adds to a kernel event.
struct Ancestor {
  ProcessKey key;
  std::string exe_path;
  std::vector<std::string> argv;
};

// What the process table knows of a process's image, for events that do not
// carry it (every type but exec).
struct ProcessImage {
  std::string exe_path;
  std::vector<std::string> argv;
  std::string cwd;
};

// The process an event acts on (tamper events), as the table knows it.
struct TargetProcess {
  ProcessKey key;         // invalid when no live process has the pid
  std::string exe_path;   // empty when unknown
  std::string user_name;  // kill: of the target's uid
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
  std::optional<ProcessImage> image;      // non-exec events, when the table knows it
  // Owner-only events: the rest of the task was filled from the table.
  bool task_completed = false;
  // Network connect/udp_send: names DNS answers gave for the remote address.
  std::vector<std::string> destination_domains;
  std::optional<TargetProcess> target;  // tamper events with a target
};

// An alert rule of the policy, as the events it fired on carry it. Shared
// with the compiled policy, so an event in a queue keeps it across a reload.
struct AlertRule {
  std::string id;
  std::string title;
  std::string severity;             // low, medium, high, critical
  std::vector<std::string> attack;  // ATT&CK technique ids, "T1059.004"
  std::vector<std::string> tags;
};

// What the policy decided about an event.
struct PolicyVerdict {
  uint64_t policy_version = 0;  // 0: no policy judged the event
  // Dropped as noise: only the flight recorder keeps such an event.
  bool dropped = false;
  std::vector<std::shared_ptr<const AlertRule>> alerts;
};

struct Event {
  uint64_t ktime_ns = 0;  // CLOCK_BOOTTIME
  // An exec-shaped description of a process that already ran when the
  // sensor started (task iterator), not a new exec.
  bool snapshot = false;
  // The event happened outside the acting process (a TCP handshake
  // finishing, a connection closing, a DNS answer arriving): the task holds
  // only the key, tid and comm of the socket's owner.
  bool owner_only = false;
  EventBody body;
  Enrichment enrichment;
  PolicyVerdict verdict;

  const TaskInfo& task() const;
  TaskInfo& task();
};

const char* event_type_name(const EventBody& body);

}  // namespace yagura
