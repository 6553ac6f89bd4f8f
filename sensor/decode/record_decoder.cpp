#include "sensor/decode/record_decoder.h"

#include <sys/socket.h>

#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "sensor/decode/lexical_path.h"

namespace yagura {
namespace {

// Copies a kernel struct out of the record. The caller has checked that the
// record holds at least sizeof(T) bytes.
template <typename T>
T copy_out(std::span<const uint8_t> bytes) {
  static_assert(std::is_trivially_copyable_v<T>);
  T value;
  std::memcpy(&value, bytes.data(), sizeof(T));
  return value;
}

// comm and tty are NUL-padded arrays; a name that fills the array has no NUL.
template <size_t N>
std::string padded_chars(const char (&chars)[N]) {
  const void* nul = std::memchr(chars, '\0', N);
  size_t len = nul != nullptr ? static_cast<size_t>(static_cast<const char*>(nul) - chars) : N;
  return std::string(chars, len);
}

std::string bytes_to_string(std::span<const uint8_t> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// bpf_probe_read_*_str counts the terminating NUL in its length; strip it
// (and any padding after it) so paths compare as plain strings.
CapturedString captured(std::span<const uint8_t> bytes, bool truncated) {
  size_t len = bytes.size();
  while (len > 0 && bytes[len - 1] == 0) --len;
  return CapturedString{bytes_to_string(bytes.first(len)), truncated};
}

// argv as the kernel copied it: each argument NUL-terminated. When the copy
// was cut, the last argument has no NUL; it is kept as captured. Arguments
// are raw bytes and need not be UTF-8.
std::vector<std::string> split_args(std::span<const uint8_t> bytes) {
  std::vector<std::string> args;
  size_t start = 0;
  while (start < bytes.size()) {
    auto rest = bytes.subspan(start);
    const void* nul = std::memchr(rest.data(), '\0', rest.size());
    size_t len = nul != nullptr
                     ? static_cast<size_t>(static_cast<const uint8_t*>(nul) - rest.data())
                     : rest.size();
    args.push_back(bytes_to_string(rest.first(len)));
    start += len + 1;
  }
  return args;
}

Creds to_creds(const yg_creds& c) {
  Creds out;
  out.uid = c.uid;
  out.euid = c.euid;
  out.suid = c.suid;
  out.fsuid = c.fsuid;
  out.gid = c.gid;
  out.egid = c.egid;
  out.sgid = c.sgid;
  out.fsgid = c.fsgid;
  out.cap_effective = c.cap_effective;
  out.cap_permitted = c.cap_permitted;
  return out;
}

TaskInfo to_task(const yg_task& t) {
  TaskInfo out;
  out.key = ProcessKey{t.tgid, t.start_ns};
  out.tid = t.tid;
  out.parent = ProcessKey{t.ppid, t.parent_start_ns};
  out.creds = to_creds(t.creds);
  out.loginuid = t.loginuid;
  out.sessionid = t.sessionid;
  out.pid_ns = t.pid_ns;
  out.mnt_ns = t.mnt_ns;
  out.cgroup_id = t.cgroup_id;
  out.tty_major = t.tty_major;
  out.tty_minor = t.tty_minor;
  out.comm = padded_chars(t.comm);
  out.tty = padded_chars(t.tty);
  return out;
}

FileInfo to_file(const yg_file& f) {
  FileInfo out;
  out.ino = f.ino;
  out.dev = f.dev;
  out.mode = f.mode;
  out.uid = f.uid;
  out.gid = f.gid;
  out.nlink = f.nlink;
  out.size = f.size;
  out.mtime_ns = f.mtime_ns;
  out.ctime_ns = f.ctime_ns;
  out.fs_magic = f.fs_magic;
  out.deleted = (f.flags & YG_FILE_DELETED) != 0;
  out.memfd = (f.flags & YG_FILE_MEMFD) != 0;
  out.tmpfs = (f.flags & YG_FILE_TMPFS) != 0;
  return out;
}

// The strings after the fixed part of a variable-length record, as its
// struct yg_strings lays them out. The caller has checked that they exactly
// fill the record.
class Strings {
 public:
  Strings(const yg_strings& str, std::span<const uint8_t> data) : truncated_(str.truncated) {
    size_t offset = 0;
    for (size_t i = 0; i < YG_STR_MAX; ++i) {
      parts_[i] = data.subspan(offset, str.len[i]);
      offset += str.len[i];
    }
  }

  std::span<const uint8_t> raw(size_t i) const { return parts_[i]; }
  bool cut(size_t i) const { return (truncated_ & (1u << i)) != 0; }
  CapturedString get(size_t i) const { return captured(parts_[i], cut(i)); }

 private:
  std::array<std::span<const uint8_t>, YG_STR_MAX> parts_;
  uint16_t truncated_;
};

ExecEvent to_exec(const yg_exec& x, const Strings& s) {
  ExecEvent e;
  e.task = to_task(x.task);
  e.exe = to_file(x.exe);
  e.exe_path = s.get(YG_EXEC_STR_EXE);
  e.filename = s.get(YG_EXEC_STR_FILENAME);
  e.interpreter = s.get(YG_EXEC_STR_INTERP);
  e.cwd = s.get(YG_EXEC_STR_CWD);
  e.cgroup_path = s.get(YG_EXEC_STR_CGROUP);
  // The flag says the variable was present; an empty value is still a value.
  if (x.flags & YG_EXEC_LD_PRELOAD) e.ld_preload = s.get(YG_EXEC_STR_LD_PRELOAD);
  if (x.flags & YG_EXEC_LD_LIBRARY_PATH) e.ld_library_path = s.get(YG_EXEC_STR_LD_LIBRARY_PATH);
  e.argv = split_args(s.raw(YG_EXEC_STR_ARGS));
  e.args_truncated = s.cut(YG_EXEC_STR_ARGS) || e.argv.size() < x.argc;
  e.argc = x.argc;
  e.args_size = x.args_size;
  e.env_size = x.env_size;
  e.old_tid = x.old_tid;
  e.is_script = (x.flags & YG_EXEC_SCRIPT) != 0;
  e.env_scanned = (x.flags & YG_EXEC_ENV_SCANNED) != 0;
  e.env_scan_cut = (x.flags & YG_EXEC_ENV_SCAN_CUT) != 0;
  e.no_exe = (x.flags & YG_EXEC_NO_EXE) != 0;
  e.args_unreadable = (x.flags & YG_EXEC_ARGS_UNREADABLE) != 0;
  if (x.flags & YG_EXEC_STDIO) {
    StdStreams& out = e.stdio.emplace();
    for (size_t i = 0; i < out.size(); ++i) {
      out[i].open = (x.stdio[i].flags & YG_STDIO_OPEN) != 0;
      out[i].mode = x.stdio[i].mode;
      out[i].ino = x.stdio[i].ino;
    }
  }
  return e;
}

// A time the caller gave, as nanoseconds since the epoch, when it fits.
std::optional<uint64_t> epoch_ns(int64_t sec, uint32_t nsec) {
  constexpr uint64_t kNs = 1'000'000'000;
  if (sec < 0 || nsec >= kNs || static_cast<uint64_t>(sec) > (UINT64_MAX - nsec) / kNs)
    return std::nullopt;
  return static_cast<uint64_t>(sec) * kNs + nsec;
}

bool ip_family(uint16_t family) { return family == AF_INET || family == AF_INET6; }

SocketEndpoint to_endpoint(const yg_sockaddr& a, uint16_t family) {
  SocketEndpoint out;
  out.port = a.port;
  if (family == AF_INET) {
    out.ip = IpAddress::ipv4(a.addr[0], a.addr[1], a.addr[2], a.addr[3]);
  } else if (family == AF_INET6) {
    std::array<uint8_t, 16> bytes;
    std::memcpy(bytes.data(), a.addr, bytes.size());
    out.ip = IpAddress::ipv6(bytes);
  }
  return out;
}

// The caller has checked family and unix_path_len.
NetEvent to_net(const yg_net& n) {
  NetEvent e;
  e.task = to_task(n.task);
  e.action = static_cast<NetAction>(n.action);
  e.family = static_cast<NetFamily>(n.family);
  e.transport = static_cast<Transport>(n.protocol);
  e.local = to_endpoint(n.local, n.family);
  e.remote = to_endpoint(n.remote, n.family);
  e.error = n.error;
  e.loopback = (n.flags & YG_NET_LOOPBACK) != 0;
  e.duration_ns = n.duration_ns;
  e.bytes_sent = n.bytes_sent;
  e.bytes_received = n.bytes_received;
  e.unix_abstract = (n.flags & YG_NET_UNIX_ABSTRACT) != 0;
  e.inbound = (n.flags & YG_NET_INBOUND) != 0;
  if (n.family == AF_UNIX) {
    const auto path = std::span(reinterpret_cast<const uint8_t*>(n.unix_path), n.unix_path_len);
    // An abstract name is any bytes, NULs included; a file name ends at its NUL.
    e.unix_path = e.unix_abstract ? bytes_to_string(path) : captured(path, false).value;
  }
  return e;
}

// The caller has checked family and captured.
DnsEvent to_dns(const yg_dns& d) {
  DnsEvent e;
  e.task = to_task(d.task);
  e.direction = static_cast<DnsDirection>(d.direction);
  e.local = to_endpoint(d.local, d.family);
  e.remote = to_endpoint(d.remote, d.family);
  e.message_bytes = d.msg_len;
  e.payload = bytes_to_string(std::span(d.payload, d.captured));
  e.incomplete = d.captured < d.msg_len;
  return e;
}

// Replaces a lexically joined path by its normal form, keeping the raw one in
// as_given when they differ.
void normalize(CapturedString& path, std::optional<std::string>& as_given) {
  std::string normal = normalize_lexical_path(path.value);
  if (normal != path.value) as_given = std::exchange(path.value, std::move(normal));
}

FileEvent to_file_event(const yg_file_event& f, const Strings& s) {
  FileEvent e;
  e.task = to_task(f.task);
  e.op = static_cast<FileOp>(f.op);
  e.path = s.get(YG_FILE_STR_PATH);
  e.source_path = s.get(YG_FILE_STR_PATH2);
  e.lexical = (f.flags & YG_FOP_LEXICAL) != 0;
  if (e.lexical) {
    normalize(e.path, e.path_as_given);
    if (e.op == FileOp::kRename || e.op == FileOp::kLink)
      normalize(e.source_path, e.source_path_as_given);
  }
  e.unnormalized = (f.flags & YG_FOP_UNNORMALIZED) != 0;
  e.read = (f.flags & YG_FOP_READ) != 0;
  e.write = (f.flags & YG_FOP_WRITE) != 0;
  e.created = (f.flags & YG_FOP_CREATED) != 0;
  e.truncated_on_open = (f.flags & YG_FOP_TRUNC) != 0;
  e.watched_read = (f.flags & YG_FOP_WATCHED_READ) != 0;
  e.flags = f.open_flags;
  e.mode = f.mode;
  e.uid = f.uid;
  e.gid = f.gid;
  e.fd = f.fd;
  e.explicit_times = (f.flags & YG_FOP_EXPLICIT_TIMES) != 0;
  if (e.explicit_times) e.mtime_ns = epoch_ns(f.mtime_sec, f.mtime_nsec);
  if (f.flags & YG_FOP_HAS_FILE) e.file = to_file(f.file);
  return e;
}

TamperEvent to_tamper(const yg_tamper& t, const Strings& s) {
  TamperEvent e;
  e.task = to_task(t.task);
  e.op = static_cast<TamperOp>(t.op);
  e.result = t.result;
  for (size_t i = 0; i < e.args.size(); ++i) e.args[i] = t.arg[i];
  for (size_t i = 0; i < e.strings.size(); ++i) e.strings[i] = s.get(YG_TAMPER_STR_0 + i);
  e.kill_target = ProcessKey{t.target_tgid, t.target_start_ns};
  e.kill_target_uid = t.target_uid;
  return e;
}

// How a record type is laid out. Variable-length records end in struct
// yg_strings, followed by string_count strings.
struct Layout {
  size_t fixed_size = 0;
  bool variable = false;
  size_t string_count = 0;
  uint16_t header_flags = 0;  // the yg_header_flags valid on this type
};

template <typename T>
constexpr Layout variable_layout(size_t string_count, uint16_t header_flags = 0) {
  static_assert(offsetof(T, str) + sizeof(yg_strings) == sizeof(T),
                "struct yg_strings must end the fixed part");
  return Layout{sizeof(T), true, string_count, header_flags};
}

std::optional<Layout> layout_of(uint16_t type) {
  switch (type) {
    case YG_EV_EXEC:
      return variable_layout<yg_exec>(YG_EXEC_STR_COUNT, YG_HDR_SNAPSHOT);
    case YG_EV_FORK:
      return Layout{sizeof(yg_fork)};
    case YG_EV_EXIT:
      return Layout{sizeof(yg_exit)};
    case YG_EV_CRED:
      return Layout{sizeof(yg_cred)};
    case YG_EV_NET:
      return Layout{sizeof(yg_net), false, 0, YG_HDR_OWNER_ONLY};
    case YG_EV_DNS:
      return Layout{sizeof(yg_dns), false, 0, YG_HDR_OWNER_ONLY};
    case YG_EV_FILE:
      return variable_layout<yg_file_event>(YG_FILE_STR_COUNT);
    case YG_EV_TAMPER:
      return variable_layout<yg_tamper>(YG_TAMPER_STR_COUNT);
  }
  return std::nullopt;
}

const char* header_flag_name(uint16_t flag) {
  return flag == YG_HDR_SNAPSHOT ? "snapshot" : "owner-only";
}

std::string bytes(size_t n) { return std::to_string(n) + " bytes"; }

}  // namespace

const char* reject_reason_name(RejectReason reason) {
  switch (reason) {
    case RejectReason::kTruncated:
      return "truncated";
    case RejectReason::kOversized:
      return "oversized";
    case RejectReason::kUnknownType:
      return "unknown_type";
    case RejectReason::kMalformed:
      return "malformed";
  }
  return "unknown";
}

Error RecordDecoder::reject(RejectReason reason, const std::string& detail) {
  switch (reason) {
    case RejectReason::kTruncated:
      ++stats_.rejected.truncated;
      break;
    case RejectReason::kOversized:
      ++stats_.rejected.oversized;
      break;
    case RejectReason::kUnknownType:
      ++stats_.rejected.unknown_type;
      break;
    case RejectReason::kMalformed:
      ++stats_.rejected.malformed;
      break;
  }
  return Error{std::string(reject_reason_name(reason)) + ": " + detail};
}

Result<Event> RecordDecoder::decode(std::span<const uint8_t> record) {
  const size_t size = record.size();
  if (size < sizeof(yg_header)) {
    return reject(RejectReason::kTruncated,
                  "record of " + bytes(size) + ", header needs " + bytes(sizeof(yg_header)));
  }
  if (size > kMaxRecordSize) {
    return reject(RejectReason::kOversized,
                  "record of " + bytes(size) + ", limit is " + bytes(kMaxRecordSize));
  }
  const auto hdr = copy_out<yg_header>(record);
  const std::string type = "type " + std::to_string(hdr.type);
  if (hdr.size != size) {
    return reject(RejectReason::kMalformed, "header says " + bytes(hdr.size) + ", record has " +
                                                bytes(size) + " (" + type + ")");
  }

  const std::optional<Layout> layout = layout_of(hdr.type);
  if (!layout) return reject(RejectReason::kUnknownType, type + ", " + bytes(size) + " skipped");
  if (size < layout->fixed_size) {
    return reject(RejectReason::kTruncated, type + " record of " + bytes(size) + ", struct needs " +
                                                bytes(layout->fixed_size));
  }
  if (!layout->variable && size != layout->fixed_size) {
    return reject(RejectReason::kMalformed,
                  type + " record of " + bytes(size) + ", struct is " + bytes(layout->fixed_size));
  }
  for (uint16_t flag : {uint16_t{YG_HDR_SNAPSHOT}, uint16_t{YG_HDR_OWNER_ONLY}}) {
    if ((hdr.flags & flag) && !(layout->header_flags & flag)) {
      return reject(RejectReason::kMalformed,
                    std::string(header_flag_name(flag)) + " flag on a " + type + " record");
    }
  }

  std::optional<Strings> strings;
  if (layout->variable) {
    const auto str = copy_out<yg_strings>(record.subspan(layout->fixed_size - sizeof(yg_strings)));
    const auto data = record.subspan(layout->fixed_size);
    size_t announced = 0;
    for (size_t i = 0; i < YG_STR_MAX; ++i) {
      if (i >= layout->string_count && str.len[i] != 0) {
        return reject(RejectReason::kMalformed,
                      type + " has " + std::to_string(layout->string_count) + " strings, string " +
                          std::to_string(i) + " has " + bytes(str.len[i]));
      }
      announced += str.len[i];
    }
    const std::string detail =
        type + " strings announce " + bytes(announced) + ", record holds " + bytes(data.size());
    if (announced > data.size()) return reject(RejectReason::kTruncated, detail);
    if (announced < data.size()) return reject(RejectReason::kMalformed, detail);
    strings.emplace(str, data);
  }

  Event event;
  event.ktime_ns = hdr.ktime_ns;
  event.snapshot = (hdr.flags & YG_HDR_SNAPSHOT) != 0;
  event.owner_only = (hdr.flags & YG_HDR_OWNER_ONLY) != 0;
  switch (hdr.type) {
    case YG_EV_EXEC:
      event.body = to_exec(copy_out<yg_exec>(record), *strings);
      ++stats_.decoded.exec;
      break;
    case YG_EV_FORK: {
      const auto f = copy_out<yg_fork>(record);
      event.body = ForkEvent{to_task(f.child)};
      ++stats_.decoded.fork;
      break;
    }
    case YG_EV_EXIT: {
      const auto x = copy_out<yg_exit>(record);
      event.body = ExitEvent{to_task(x.task), x.status};
      ++stats_.decoded.exit;
      break;
    }
    case YG_EV_CRED: {
      const auto c = copy_out<yg_cred>(record);
      // Passed through even when newer than this build's CredSyscall.
      event.body = CredEvent{to_task(c.task), to_creds(c.old), static_cast<CredSyscall>(c.syscall)};
      ++stats_.decoded.cred;
      break;
    }
    case YG_EV_NET: {
      const auto n = copy_out<yg_net>(record);
      if (!ip_family(n.family) && n.family != AF_UNIX) {
        return reject(RejectReason::kMalformed, "net record of family " + std::to_string(n.family));
      }
      if (n.unix_path_len > sizeof(n.unix_path)) {
        return reject(RejectReason::kMalformed, "net unix path of " + bytes(n.unix_path_len) +
                                                    ", array is " + bytes(sizeof(n.unix_path)));
      }
      event.body = to_net(n);
      ++stats_.decoded.network;
      break;
    }
    case YG_EV_DNS: {
      const auto d = copy_out<yg_dns>(record);
      if (!ip_family(d.family)) {
        return reject(RejectReason::kMalformed, "dns record of family " + std::to_string(d.family));
      }
      if (d.captured > sizeof(d.payload) || d.captured > d.msg_len) {
        return reject(RejectReason::kMalformed, "dns capture of " + bytes(d.captured) +
                                                    " for a message of " + bytes(d.msg_len));
      }
      event.body = to_dns(d);
      ++stats_.decoded.dns;
      break;
    }
    case YG_EV_FILE:
      event.body = to_file_event(copy_out<yg_file_event>(record), *strings);
      ++stats_.decoded.file;
      break;
    case YG_EV_TAMPER:
      event.body = to_tamper(copy_out<yg_tamper>(record), *strings);
      ++stats_.decoded.tamper;
      break;
  }
  return event;
}

}  // namespace yagura
