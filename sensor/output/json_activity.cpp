#include "sensor/output/json_activity.h"

#include <sys/stat.h>

#include <array>

#include "sensor/decode/dns_message.h"
#include "sensor/output/json_values.h"
#include "sensor/output/kernel_names.h"

namespace yagura::json {
namespace {

// ---- network ----

void write_endpoint(ObjectWriter& obj, std::string_view name, const SocketEndpoint& ep,
                    const std::vector<std::string>* domains = nullptr) {
  ObjectWriter o(obj.key(name));
  o.string("ip", ep.ip.to_string());
  o.number("port", ep.port);
  if (domains && !domains->empty()) o.strings("domain", *domains);
}

void write_ends(ObjectWriter& net, const NetEvent& e, const Enrichment& en) {
  const NetEnds ends = net_ends(e);
  if (ends.source) write_endpoint(net, "source", *ends.source);
  if (ends.destination) {
    write_endpoint(net, "destination", *ends.destination,
                   ends.destination_domains ? &en.destination_domains : nullptr);
  }
  if (ends.local) write_endpoint(net, "local", *ends.local);
  if (ends.remote) write_endpoint(net, "remote", *ends.remote);
}

// ---- file ----

void write_open(ObjectWriter& file, const FileEvent& e) {
  file.strings("access", open_access(e));
  file.string("open_flags", open_flags_string(e.flags));
  if (open_creates(e.flags)) file.mode("mode", e.mode);
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

// The process acted on: its pid from the record, its key and image from the
// process table when it knows a live process with that pid.
void write_target(ObjectWriter& obj, const TamperEvent& e, const Enrichment& en) {
  ObjectWriter target(obj.key("target"));
  target.number("pid", e.target_pid());
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
  target.number("pid", e.target_pid());
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
      write_target(t, e, en);
      t.hex64("addr", e.args[2]);
      return {};
    case TamperOp::kVmWritev:
      write_target(t, e, en);
      return {};
    case TamperOp::kProcMem:
      t.string("path", s[0].value);
      write_target(t, e, en);
      return {"path"};
    case TamperOp::kModuleLoad: {
      const bool finit = module_load_from_file(e);
      t.string("syscall", module_load_syscall(e));
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
      t.strings("flags", *tamper_flags(e));
      return {"source", "mount_point", "fs_type"};
    case TamperOp::kUmount:
      t.string("mount_point", s[0].value);
      t.strings("flags", *tamper_flags(e));
      return {"mount_point"};
    case TamperOp::kUnshare:
      t.strings("flags", *tamper_flags(e));
      return {};
    case TamperOp::kSetns:
      t.strings("flags", *tamper_flags(e));
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
    if (e.error != 0) net.string("error", connect_error(e.error));
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
    case FileOp::kUtimes:
      file.boolean("explicit_times", e.explicit_times);
      if (e.mtime_ns) file.time("mtime", *e.mtime_ns);
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
