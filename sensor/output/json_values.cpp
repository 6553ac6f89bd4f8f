#include "sensor/output/json_values.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

#include "sensor/output/json_object.h"
#include "sensor/output/kernel_names.h"

namespace yagura::json {
namespace {

// Tamper flags are always an array of names, whatever the action, so that
// `tamper.flags` has one type.
std::vector<std::string> split_flags(const std::string& joined) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < joined.size()) {
    size_t bar = joined.find('|', start);
    if (bar == std::string::npos) bar = joined.size();
    out.push_back(joined.substr(start, bar - start));
    start = bar + 1;
  }
  return out;
}

}  // namespace

void append_process_key(std::string& out, const ProcessKey& key) {
  append_uint(out, key.tgid);
  out += ':';
  append_uint(out, key.start_ns);
}

void append_mode(std::string& out, uint32_t mode) {
  char buf[16];
  int n = std::snprintf(buf, sizeof(buf), "%07o", mode);
  out.append(buf, static_cast<size_t>(n));
}

ProcessKey parent_key(const Event& event) {
  const auto& lineage = event.enrichment.lineage;
  return lineage.empty() ? event.task().parent : lineage.front().key;
}

const char* cred_syscall_name(CredSyscall s) {
  switch (s) {
    case CredSyscall::kSetuid:
      return "setuid";
    case CredSyscall::kSetgid:
      return "setgid";
    case CredSyscall::kSetreuid:
      return "setreuid";
    case CredSyscall::kSetregid:
      return "setregid";
    case CredSyscall::kSetresuid:
      return "setresuid";
    case CredSyscall::kSetresgid:
      return "setresgid";
    case CredSyscall::kSetfsuid:
      return "setfsuid";
    case CredSyscall::kSetfsgid:
      return "setfsgid";
    case CredSyscall::kCapset:
      return "capset";
  }
  return "unknown";  // a value the decoder let through; keep the line valid
}

const char* net_action_name(NetAction a) {
  switch (a) {
    case NetAction::kConnect:
      return "connect";
    case NetAction::kAccept:
      return "accept";
    case NetAction::kListen:
      return "listen";
    case NetAction::kClose:
      return "close";
    case NetAction::kUdpSend:
      return "udp_send";
    case NetAction::kUdpBind:
      return "udp_bind";
  }
  return nullptr;
}

const char* transport_name(const NetEvent& e) {
  if (e.family == NetFamily::kUnix) return "unix";
  switch (e.transport) {
    case Transport::kTcp:
      return "tcp";
    case Transport::kUdp:
      return "udp";
    case Transport::kNone:
      break;
  }
  return nullptr;
}

const char* family_name(NetFamily f) {
  switch (f) {
    case NetFamily::kIpv4:
      return "ipv4";
    case NetFamily::kIpv6:
      return "ipv6";
    case NetFamily::kUnix:
      return "unix";
  }
  return nullptr;  // the decoder lets no other family through
}

const char* dns_direction_name(DnsDirection d) {
  switch (d) {
    case DnsDirection::kQuery:
      return "query";
    case DnsDirection::kAnswer:
      return "answer";
  }
  return nullptr;
}

const char* file_action_name(FileOp op) {
  switch (op) {
    case FileOp::kOpen:
      return "open";
    case FileOp::kUnlink:
      return "unlink";
    case FileOp::kRename:
      return "rename";
    case FileOp::kChmod:
      return "chmod";
    case FileOp::kChown:
      return "chown";
    case FileOp::kLink:
      return "link";
    case FileOp::kSymlink:
      return "symlink";
    case FileOp::kTruncate:
      return "truncate";
    case FileOp::kMemfdCreate:
      return "memfd_create";
    case FileOp::kMkdir:
      return "mkdir";
    case FileOp::kRmdir:
      return "rmdir";
    case FileOp::kUtimes:
      return "utimes";
  }
  return nullptr;
}

const char* stdio_type(const StdStream& s) {
  if (!s.open) return "none";
  switch (s.mode & S_IFMT) {
    case S_IFREG:
      return "file";
    case S_IFDIR:
      return "dir";
    case S_IFIFO:
      return "pipe";
    case S_IFSOCK:
      return "socket";
    case S_IFCHR:
      return "char";
    case S_IFBLK:
      return "block";
    case S_IFLNK:
      return "symlink";
  }
  return "other";  // anonymous inodes (eventfd, epoll, ...) have no type bits
}

const char* tamper_action_name(TamperOp op) {
  switch (op) {
    case TamperOp::kPtrace:
      return "ptrace";
    case TamperOp::kVmWritev:
      return "process_vm_writev";
    case TamperOp::kProcMem:
      return "proc_mem_write";
    case TamperOp::kModuleLoad:
      return "module_load";
    case TamperOp::kBpfLoad:
      return "bpf_prog_load";
    case TamperOp::kMount:
      return "mount";
    case TamperOp::kUmount:
      return "umount";
    case TamperOp::kUnshare:
      return "unshare";
    case TamperOp::kSetns:
      return "setns";
    case TamperOp::kPrctlName:
      return "prctl_set_name";
    case TamperOp::kKill:
      return "kill";
  }
  return nullptr;
}

const char* connect_result(int32_t error) {
  switch (error) {
    case 0:
      return "established";
    case ECONNREFUSED:
      return "refused";
    case ETIMEDOUT:
      return "timed_out";
    default:
      return "failed";
  }
}

std::string connect_error(int32_t error) {
  const char* name = errno_name(error);
  return name ? name : std::to_string(error);
}

NetEnds net_ends(const NetEvent& e) {
  NetAction opened = e.action;
  if (e.action == NetAction::kClose) opened = e.inbound ? NetAction::kAccept : NetAction::kConnect;
  switch (opened) {
    case NetAction::kConnect:
    case NetAction::kUdpSend:
      return {.source = &e.local, .destination = &e.remote, .destination_domains = true};
    case NetAction::kAccept:
      return {.source = &e.remote, .destination = &e.local};
    case NetAction::kListen:
    case NetAction::kUdpBind:
      return {.destination = &e.local};
    case NetAction::kClose:
      break;
  }
  return {.local = &e.local, .remote = &e.remote};
}

std::vector<std::string> open_access(const FileEvent& e) {
  std::vector<std::string> access;
  if (e.read) access.emplace_back("read");
  if (e.write) access.emplace_back("write");
  if (e.created) access.emplace_back("create");
  if (e.truncated_on_open) access.emplace_back("truncate");
  return access;
}

bool open_creates(uint32_t open_flags) {
  return (open_flags & O_CREAT) || (open_flags & O_TMPFILE) == O_TMPFILE;
}

const char* module_load_syscall(const TamperEvent& e) {
  return module_load_from_file(e) ? "finit_module" : "init_module";
}

bool tamper_has_target(TamperOp op) {
  switch (op) {
    case TamperOp::kPtrace:
    case TamperOp::kVmWritev:
    case TamperOp::kProcMem:
    case TamperOp::kKill:
      return true;
    default:
      return false;
  }
}

std::optional<std::vector<std::string>> tamper_flags(const TamperEvent& e) {
  switch (e.op) {
    case TamperOp::kMount:
      return split_flags(mount_flags_string(e.args[0]));
    case TamperOp::kUmount:
      return split_flags(umount_flags_string(e.args[0]));
    case TamperOp::kUnshare:
      return namespace_flags(e.args[0]);
    case TamperOp::kSetns:
      return namespace_flags(e.args[1]);
    default:
      return std::nullopt;
  }
}

}  // namespace yagura::json
