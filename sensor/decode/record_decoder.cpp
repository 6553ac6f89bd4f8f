#include "sensor/decode/record_decoder.h"

#include <array>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

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

// The caller has checked that the strings exactly fill the record after the
// fixed part.
ExecEvent to_exec(const yg_exec& x, std::span<const uint8_t> data) {
  std::array<std::span<const uint8_t>, YG_EXEC_STR_COUNT> strs;
  size_t offset = 0;
  for (size_t i = 0; i < YG_EXEC_STR_COUNT; ++i) {
    strs[i] = data.subspan(offset, x.len[i]);
    offset += x.len[i];
  }
  auto cut = [&](yg_exec_str i) { return (x.truncated & (1u << i)) != 0; };
  auto str = [&](yg_exec_str i) { return captured(strs[i], cut(i)); };

  ExecEvent e;
  e.task = to_task(x.task);
  e.exe = to_file(x.exe);
  e.exe_path = str(YG_EXEC_STR_EXE);
  e.filename = str(YG_EXEC_STR_FILENAME);
  e.interpreter = str(YG_EXEC_STR_INTERP);
  e.cwd = str(YG_EXEC_STR_CWD);
  e.cgroup_path = str(YG_EXEC_STR_CGROUP);
  // The flag says the variable was present; an empty value is still a value.
  if (x.flags & YG_EXEC_LD_PRELOAD) e.ld_preload = str(YG_EXEC_STR_LD_PRELOAD);
  if (x.flags & YG_EXEC_LD_LIBRARY_PATH) e.ld_library_path = str(YG_EXEC_STR_LD_LIBRARY_PATH);
  e.argv = split_args(strs[YG_EXEC_STR_ARGS]);
  e.args_truncated = cut(YG_EXEC_STR_ARGS) || e.argv.size() < x.argc;
  e.argc = x.argc;
  e.args_size = x.args_size;
  e.env_size = x.env_size;
  e.old_tid = x.old_tid;
  e.is_script = (x.flags & YG_EXEC_SCRIPT) != 0;
  e.env_scanned = (x.flags & YG_EXEC_ENV_SCANNED) != 0;
  e.env_scan_cut = (x.flags & YG_EXEC_ENV_SCAN_CUT) != 0;
  e.no_exe = (x.flags & YG_EXEC_NO_EXE) != 0;
  e.args_unreadable = (x.flags & YG_EXEC_ARGS_UNREADABLE) != 0;
  return e;
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
  if (hdr.size != size) {
    return reject(RejectReason::kMalformed, "header says " + bytes(hdr.size) + ", record has " +
                                                bytes(size) + " (type " + std::to_string(hdr.type) +
                                                ")");
  }

  size_t fixed_size = 0;
  bool variable = false;  // only exec carries data after its struct
  switch (hdr.type) {
    case YG_EV_EXEC:
      fixed_size = sizeof(yg_exec);
      variable = true;
      break;
    case YG_EV_FORK:
      fixed_size = sizeof(yg_fork);
      break;
    case YG_EV_EXIT:
      fixed_size = sizeof(yg_exit);
      break;
    case YG_EV_CRED:
      fixed_size = sizeof(yg_cred);
      break;
    default:
      return reject(RejectReason::kUnknownType,
                    "type " + std::to_string(hdr.type) + ", " + bytes(size) + " skipped");
  }
  if (size < fixed_size) {
    return reject(RejectReason::kTruncated, "type " + std::to_string(hdr.type) + " record of " +
                                                bytes(size) + ", struct needs " +
                                                bytes(fixed_size));
  }
  if (!variable && size != fixed_size) {
    return reject(RejectReason::kMalformed, "type " + std::to_string(hdr.type) + " record of " +
                                                bytes(size) + ", struct is " + bytes(fixed_size));
  }

  if ((hdr.flags & YG_HDR_SNAPSHOT) && hdr.type != YG_EV_EXEC) {
    return reject(RejectReason::kMalformed,
                  "snapshot flag on a type " + std::to_string(hdr.type) + " record");
  }

  Event event;
  event.ktime_ns = hdr.ktime_ns;
  event.snapshot = (hdr.flags & YG_HDR_SNAPSHOT) != 0;
  switch (hdr.type) {
    case YG_EV_EXEC: {
      const auto x = copy_out<yg_exec>(record);
      const auto data = record.subspan(sizeof(yg_exec));
      size_t announced = 0;
      for (uint16_t len : x.len) announced += len;
      if (announced > data.size()) {
        return reject(RejectReason::kTruncated, "exec strings announce " + bytes(announced) +
                                                    ", record holds " + bytes(data.size()));
      }
      if (announced < data.size()) {
        return reject(RejectReason::kMalformed, "exec strings announce " + bytes(announced) +
                                                    ", record holds " + bytes(data.size()));
      }
      event.body = to_exec(x, data);
      ++stats_.decoded.exec;
      break;
    }
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
  }
  return event;
}

}  // namespace yagura
