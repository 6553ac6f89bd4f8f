#include "dump/activity_text.h"

#include "dump/json_line.h"

namespace yagura::dump {
namespace {

using nlohmann::json;

// "ip:port", "[ip]:port" for IPv6, "ip" without a port.
std::string endpoint(const json& address) {
  std::string ip = scalar_text(at_or_null(address, "ip"));
  if (ip.empty()) return "";
  if (ip.find(':') != std::string::npos) ip = "[" + ip + "]";
  const std::string port = scalar_text(at_or_null(address, "port"));
  return port.empty() ? ip : ip + ":" + port;
}

std::string joined(const json& array, const char* separator) {
  std::string out;
  if (!array.is_array()) return out;
  for (const json& v : array) out += (out.empty() ? "" : separator) + scalar_text(v);
  return out;
}

void add(std::string& out, const std::string& part) {
  if (!part.empty()) out += " " + part;
}

std::string describe_exec(const json& e) {
  const json& p = at_or_null(e, "process");
  std::string out = at_or_null(e, "snapshot") == true ? "running when the sensor started:" : "exec";
  add(out, scalar_text(at_or_null(p, "exe")));
  const std::string command = scalar_text(at_or_null(p, "command_line"));
  if (!command.empty()) out += "  " + command;
  return out;
}

std::string describe_exit(const json& e) {
  const json& x = at_or_null(e, "exit");
  const std::string signal = scalar_text(at_or_null(x, "signal"));
  std::string out;
  if (!signal.empty() && signal != "0") {
    const std::string name = scalar_text(at_or_null(x, "signal_name"));
    out = "killed by " + (name.empty() ? "signal " + signal : name);
  } else {
    out = "exit code " + scalar_text(at_or_null(x, "code"));
  }
  if (at_or_null(x, "core_dumped") == true) out += ", core dumped";
  return out;
}

std::string describe_cred(const json& e) {
  const json& c = at_or_null(e, "cred");
  std::string out = "cred " + scalar_text(at_or_null(c, "syscall"));
  const json& before = at_or_null(c, "old");
  const json& after = at_or_null(c, "new");
  if (!after.is_object()) return out;
  std::string changes;
  for (const auto& [name, value] : after.items()) {
    if (at_or_null(before, name) != value) {
      changes += (changes.empty() ? "" : ", ") + name + " " +
                 scalar_text(at_or_null(before, name)) + "->" + scalar_text(value);
    }
  }
  add(out, changes);
  return out;
}

std::string describe_network(const json& e) {
  const json& n = at_or_null(e, "network");
  std::string out = scalar_text(at_or_null(n, "action"));
  add(out, scalar_text(at_or_null(n, "transport")));
  if (const json& u = at_or_null(n, "unix"); u.is_object()) {
    add(out, (at_or_null(u, "abstract") == true ? "@" : "") + scalar_text(at_or_null(u, "path")));
  } else {
    const std::string source = endpoint(at_or_null(n, "source")),
                      destination = endpoint(at_or_null(n, "destination"));
    if (!source.empty()) add(out, source + " ->");
    add(out, destination);
    const std::string domains = joined(at_or_null(at_or_null(n, "destination"), "domain"), ", ");
    if (!domains.empty()) add(out, "(" + domains + ")");
  }
  add(out, scalar_text(at_or_null(n, "result")));
  add(out, scalar_text(at_or_null(n, "error")));
  if (at_or_null(n, "bytes_sent").is_number()) {
    add(out, "sent " + scalar_text(at_or_null(n, "bytes_sent")) + " B, received " +
                 scalar_text(at_or_null(n, "bytes_received")) + " B");
  }
  return out;
}

std::string describe_dns(const json& e) {
  const json& d = at_or_null(e, "dns");
  std::string out = "dns " + scalar_text(at_or_null(d, "direction"));
  if (at_or_null(d, "malformed") == true)
    return out + " malformed (" + scalar_text(at_or_null(d, "error")) + ")";
  const json& q = at_or_null(d, "question");
  add(out, scalar_text(at_or_null(q, "name")));
  add(out, scalar_text(at_or_null(q, "type")));
  if (scalar_text(at_or_null(d, "direction")) == "query") {
    add(out, "to " + endpoint(at_or_null(d, "destination")));
    return out;
  }
  add(out, scalar_text(at_or_null(d, "rcode")));
  std::string data;
  if (const json& answers = at_or_null(d, "answers"); answers.is_array()) {
    for (const json& a : answers)
      data += (data.empty() ? "" : ", ") + scalar_text(at_or_null(a, "data"));
  }
  if (!data.empty()) add(out, "-> " + data);
  return out;
}

std::string describe_file(const json& e) {
  const json& f = at_or_null(e, "file");
  const std::string action = scalar_text(at_or_null(f, "action"));
  std::string out = "file " + action;
  const std::string source = scalar_text(at_or_null(f, "source_path"));
  if (!source.empty()) add(out, source + " ->");
  add(out, scalar_text(at_or_null(f, "path")));
  if (const std::string target = scalar_text(at_or_null(f, "link_target")); !target.empty()) {
    add(out, "-> " + target);
  }
  if (const std::string access = joined(at_or_null(f, "access"), ","); !access.empty()) {
    add(out, "[" + access + "]");
  }
  if (const std::string mode = scalar_text(at_or_null(f, "mode")); !mode.empty())
    add(out, "mode " + mode);
  return out;
}

std::string describe_tamper(const json& e) {
  const json& t = at_or_null(e, "tamper");
  std::string out = "tamper " + scalar_text(at_or_null(t, "action"));
  for (const char* name : {"request", "syscall", "name", "prog_type", "path", "source",
                           "mount_point", "fs_type", "signal"}) {
    add(out, scalar_text(at_or_null(t, name)));
  }
  if (const json& target = at_or_null(t, "target"); target.is_object()) {
    add(out, "-> pid " + scalar_text(at_or_null(target, "pid")));
    add(out, scalar_text(at_or_null(target, "exe")));
  }
  if (at_or_null(t, "success") == false)
    add(out, "(failed: " + scalar_text(at_or_null(t, "result")) + ")");
  return out;
}

}  // namespace

std::string describe_activity(const json& e) {
  const std::string type = string_member(e, "type");
  std::string out;
  if (type == "exec") {
    out = describe_exec(e);
  } else if (type == "fork") {
    out = "fork from pid " + scalar_text(at_or_null(at_or_null(e, "parent"), "pid"));
  } else if (type == "exit") {
    out = describe_exit(e);
  } else if (type == "cred") {
    out = describe_cred(e);
  } else if (type == "network") {
    out = describe_network(e);
  } else if (type == "dns") {
    out = describe_dns(e);
  } else if (type == "file") {
    out = describe_file(e);
  } else if (type == "tamper") {
    out = describe_tamper(e);
  } else {
    out = display_text(type);
  }
  if (at_or_null(at_or_null(e, "policy"), "dropped") == true) out += "  (dropped by policy)";
  if (const json& alerts = at_or_null(e, "alerts"); alerts.is_array()) {
    for (const json& a : alerts) {
      out += "  ALERT " + scalar_text(at_or_null(a, "id")) + " (" +
             scalar_text(at_or_null(a, "severity")) + ")";
    }
  }
  return out;
}

}  // namespace yagura::dump
