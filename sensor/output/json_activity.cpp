#include "sensor/output/json_activity.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <optional>

#include "sensor/decode/dns_message.h"
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

// ---- network ----

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

void write_endpoint(ObjectWriter& obj, std::string_view name, const SocketEndpoint& ep,
                    const std::vector<std::string>& domains = {}) {
  ObjectWriter o(obj.key(name));
  o.string("ip", ep.ip.to_string());
  o.number("port", ep.port);
  if (!domains.empty()) o.strings("domain", domains);
}

// Destination is always the receiving (server) side, source the other end.
// A close is written like the connect or accept that opened it.
void write_ends(ObjectWriter& net, const NetEvent& e, const Enrichment& en) {
  NetAction opened = e.action;
  if (e.action == NetAction::kClose) opened = e.inbound ? NetAction::kAccept : NetAction::kConnect;
  switch (opened) {
    case NetAction::kConnect:
    case NetAction::kUdpSend:
      write_endpoint(net, "source", e.local);
      write_endpoint(net, "destination", e.remote, en.destination_domains);
      return;
    case NetAction::kAccept:
      write_endpoint(net, "source", e.remote);
      write_endpoint(net, "destination", e.local);
      return;
    case NetAction::kListen:
    case NetAction::kUdpBind:
      write_endpoint(net, "destination", e.local);
      return;
    case NetAction::kClose:
      break;
  }
  // An action newer than this build: the ends as this host sees them.
  write_endpoint(net, "local", e.local);
  write_endpoint(net, "remote", e.remote);
}

// ---- dns ----

const char* dns_direction_name(DnsDirection d) {
  switch (d) {
    case DnsDirection::kQuery:
      return "query";
    case DnsDirection::kAnswer:
      return "answer";
  }
  return nullptr;
}

// ---- file ----

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
  }
  return nullptr;
}

bool creates(uint32_t open_flags) {
  return (open_flags & O_CREAT) || (open_flags & O_TMPFILE) == O_TMPFILE;
}

void write_open(ObjectWriter& file, const FileEvent& e) {
  std::vector<std::string> access;
  if (e.read) access.emplace_back("read");
  if (e.write) access.emplace_back("write");
  if (e.created) access.emplace_back("create");
  if (e.truncated_on_open) access.emplace_back("truncate");
  file.strings("access", access);
  file.string("open_flags", open_flags_string(e.flags));
  if (creates(e.flags)) file.mode("mode", e.mode);
  file.signed_number("fd", e.fd);
  file.boolean("watched_read", e.watched_read);
}

void write_inode(ObjectWriter& file, const FileInfo& f) {
  ObjectWriter inode(file.key("inode"));
  inode.device("dev", f.dev);
  inode.number("ino", f.ino);
  inode.mode("mode", f.mode);
  inode.number("uid", f.uid);
  inode.number("gid", f.gid);
  inode.number("size", f.size);
  inode.number("nlink", f.nlink);
}

// ---- tamper ----

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

// The process acted on: its pid from the record, its key and image from the
// process table when it knows a live process with that pid.
void write_target(ObjectWriter& obj, uint32_t pid, const Enrichment& en) {
  ObjectWriter target(obj.key("target"));
  target.number("pid", pid);
  if (!en.target) return;
  if (en.target->key.valid()) target.process_key("key", en.target->key);
  target.string_unless_empty("exe", en.target->exe_path);
}

// Arguments the kernel passed as C ints, sign-extended into a u64.
int64_t as_int(uint64_t arg) { return static_cast<int32_t>(arg); }

void write_kill(ObjectWriter& t, const TamperEvent& e, const Enrichment& en) {
  const int sig = static_cast<int>(e.args[0]);
  if (const char* name = signal_name(sig)) t.string("signal", name);
  t.number("signal_number", static_cast<uint64_t>(sig));
  t.signed_number("si_code", as_int(e.args[1]));
  ObjectWriter target(t.key("target"));
  target.number("pid", e.kill_target.tgid);
  target.process_key("key", e.kill_target);
  target.number("uid", e.kill_target_uid);
  if (en.target) {
    target.string_unless_empty("user", en.target->user_name);
    target.string_unless_empty("exe", en.target->exe_path);
  }
}

// Writes the fields of an op this build knows, next to "action", and returns
// the names its strings have in the output (nullptr: no such string).
std::array<const char*, 3> write_tamper_op(ObjectWriter& t, const TamperEvent& e,
                                           const Enrichment& en) {
  const auto& s = e.strings;
  switch (e.op) {
    case TamperOp::kPtrace:
      t.name_or_number("request", ptrace_request_name(e.args[0]), e.args[0]);
      write_target(t, static_cast<uint32_t>(e.args[1]), en);
      t.hex64("addr", e.args[2]);
      return {};
    case TamperOp::kVmWritev:
      write_target(t, static_cast<uint32_t>(e.args[0]), en);
      return {};
    case TamperOp::kProcMem:
      t.string("path", s[0].value);
      write_target(t, static_cast<uint32_t>(e.args[0]), en);
      return {"path"};
    case TamperOp::kModuleLoad: {
      const bool finit = e.args[0] != 0;
      t.string("syscall", finit ? "finit_module" : "init_module");
      if (finit) {
        t.string("path", s[0].value);
        t.signed_number("fd", as_int(e.args[1]));
      } else {
        t.number("image_bytes", e.args[1]);
      }
      t.string("params", s[1].value);
      t.string_unless_empty("name", s[2].value);
      if (finit) t.number("init_flags", e.args[2]);
      return {"path", "params", "name"};
    }
    case TamperOp::kBpfLoad:
      t.name_or_number("prog_type", bpf_prog_type_name(e.args[0]), e.args[0]);
      t.number("insn_count", e.args[1]);
      t.string("name", s[0].value);
      return {"name"};
    case TamperOp::kMount:
      t.string("source", s[0].value);
      t.string("mount_point", s[1].value);
      t.string("fs_type", s[2].value);
      t.strings("flags", split_flags(mount_flags_string(e.args[0])));
      return {"source", "mount_point", "fs_type"};
    case TamperOp::kUmount:
      t.string("mount_point", s[0].value);
      t.strings("flags", split_flags(umount_flags_string(e.args[0])));
      return {"mount_point"};
    case TamperOp::kUnshare:
      t.strings("flags", namespace_flags(e.args[0]));
      return {};
    case TamperOp::kSetns:
      t.strings("flags", namespace_flags(e.args[1]));
      t.signed_number("fd", as_int(e.args[0]));
      return {};
    case TamperOp::kPrctlName:
      t.string("name", s[0].value);
      return {"name"};
    case TamperOp::kKill:
      write_kill(t, e, en);
      return {};
  }
  // An op from a newer kernel side: everything it carried, uninterpreted.
  std::string& args = t.key("args");
  args += '[';
  for (size_t i = 0; i < e.args.size(); ++i) {
    if (i != 0) args += ',';
    append_uint(args, e.args[i]);
  }
  args += ']';
  std::vector<std::string> values;
  for (const auto& str : s) values.push_back(str.value);
  t.strings("strings", values);
  return {"strings.0", "strings.1", "strings.2"};
}

}  // namespace

void write_network(ObjectWriter& top, const NetEvent& e, const Enrichment& en) {
  ObjectWriter net(top.key("network"));
  net.name_or_number("action", net_action_name(e.action), static_cast<uint32_t>(e.action));
  net.name_or_number("transport", transport_name(e), static_cast<uint16_t>(e.transport));
  net.string("family", family_name(e.family));
  net.boolean("initiated", e.initiated());
  if (e.family == NetFamily::kUnix) {
    ObjectWriter unix_socket(net.key("unix"));
    unix_socket.string("path", e.unix_path);
    unix_socket.boolean("abstract", e.unix_abstract);
  } else {
    write_ends(net, e, en);
    net.boolean("loopback", e.loopback);
  }
  if (e.action == NetAction::kConnect) {
    net.string("result", connect_result(e.error));
    if (e.error != 0) {
      const char* name = errno_name(e.error);
      net.string("error", name ? name : std::to_string(e.error));
    }
  }
  if (e.action == NetAction::kClose) {
    net.number("duration_ns", e.duration_ns);
    net.number("bytes_sent", e.bytes_sent);
    net.number("bytes_received", e.bytes_received);
  }
}

void write_dns(ObjectWriter& top, const DnsEvent& e) {
  ObjectWriter dns(top.key("dns"));
  const bool answer = e.direction == DnsDirection::kAnswer;
  dns.name_or_number("direction", dns_direction_name(e.direction),
                     static_cast<uint32_t>(e.direction));
  if (!e.malformed) {
    dns.number("id", e.id);
    if (!e.questions.empty()) {
      ObjectWriter q(dns.key("question"));
      q.string("name", e.questions.front().name);
      q.string("type", dns_type_name(e.questions.front().type));
    }
    if (answer) {
      dns.string("rcode", dns_rcode_name(e.rcode));
      std::string& out = dns.key("answers");
      out += '[';
      for (size_t i = 0; i < e.answers.size(); ++i) {
        if (i != 0) out += ',';
        ObjectWriter a(out);
        a.string("name", e.answers[i].name);
        a.string("type", dns_type_name(e.answers[i].type));
        a.string("data", e.answers[i].data);
        a.number("ttl", e.answers[i].ttl);
      }
      out += ']';
    }
  }
  // Client to resolver, whichever way this message went.
  write_endpoint(dns, "source", e.local);
  write_endpoint(dns, "destination", e.remote);
  dns.number("message_bytes", e.message_bytes);
  dns.number("captured_bytes", e.payload.size());
  dns.boolean("incomplete", e.incomplete);
  dns.boolean("malformed", e.malformed);
  if (e.malformed) dns.string("error", e.error);
}

void write_file(ObjectWriter& top, const FileEvent& e) {
  ObjectWriter file(top.key("file"));
  file.name_or_number("action", file_action_name(e.op), static_cast<uint32_t>(e.op));
  file.string("path", e.path.value);
  if (e.path_as_given) file.string("path_as_given", *e.path_as_given);
  const char* second = nullptr;  // the name source_path has in the output
  switch (e.op) {
    case FileOp::kRename:
    case FileOp::kLink:
      second = "source_path";
      file.string(second, e.source_path.value);
      if (e.source_path_as_given) file.string("source_path_as_given", *e.source_path_as_given);
      break;
    case FileOp::kSymlink:
      second = "link_target";
      file.string(second, e.source_path.value);
      break;
    default:
      break;
  }
  file.boolean("lexical", e.lexical);
  file.boolean("unnormalized", e.unnormalized);
  switch (e.op) {
    case FileOp::kOpen:
      write_open(file, e);
      break;
    case FileOp::kMemfdCreate:
      file.string("flags", memfd_flags_string(e.flags));
      file.signed_number("fd", e.fd);
      break;
    case FileOp::kRename:
      file.string("flags", rename_flags_string(e.flags));
      break;
    case FileOp::kLink:
      file.string("flags", link_flags_string(e.flags));
      break;
    case FileOp::kChmod:
      file.mode("mode", e.mode);
      file.boolean("setuid", (e.mode & S_ISUID) != 0);
      file.boolean("setgid", (e.mode & S_ISGID) != 0);
      break;
    case FileOp::kChown:
      if (e.uid != kUnsetId) file.number("uid", e.uid);
      if (e.gid != kUnsetId) file.number("gid", e.gid);
      break;
    case FileOp::kMkdir:
      file.mode("mode", e.mode);
      break;
    default:
      break;
  }
  if (e.file) write_inode(file, *e.file);
  write_truncated(file, {{"path", &e.path}, {second, second ? &e.source_path : nullptr}});
}

void write_tamper(ObjectWriter& top, const TamperEvent& e, const Enrichment& en) {
  ObjectWriter t(top.key("tamper"));
  t.name_or_number("action", tamper_action_name(e.op), static_cast<uint32_t>(e.op));
  t.signed_number("result", e.result);
  t.boolean("success", e.success());
  const auto names = write_tamper_op(t, e, en);
  write_truncated(t, {{names[0], names[0] ? &e.strings[0] : nullptr},
                      {names[1], names[1] ? &e.strings[1] : nullptr},
                      {names[2], names[2] ? &e.strings[2] : nullptr}});
}

}  // namespace yagura::json
