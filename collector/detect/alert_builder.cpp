#include "collector/detect/alert_builder.h"

#include <algorithm>

#include "collector/detect/event_view.h"
#include "common/host.h"
#include "policy/json_fields.h"

namespace yagura::collector {
namespace {

constexpr size_t kRelatedHosts = 5;
constexpr uint64_t kDumpLeadNs = 15ull * 60 * 1'000'000'000;

std::string base_name(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

const nlohmann::json& member(const nlohmann::json& j, const char* name) {
  static const nlohmann::json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(name);
  return it == j.end() ? kNull : *it;
}

std::string number_text(const nlohmann::json& j, const char* name) {
  const nlohmann::json& v = member(j, name);
  return v.is_number() ? v.dump() : std::string();
}

std::string endpoint(const nlohmann::json& end) {
  std::string ip = json_string(end, "ip");
  if (ip.empty()) return "?";
  std::string text = ip.find(':') != std::string::npos ? "[" + ip + "]" : ip;
  std::string port = number_text(end, "port");
  if (!port.empty()) text += ":" + port;
  const nlohmann::json& domains = member(end, "domain");
  if (domains.is_array() && !domains.empty() && domains[0].is_string())
    text += " (" + domains[0].get<std::string>() + ")";
  return text;
}

std::string actor(const nlohmann::json& event) {
  const nlohmann::json& p = member(event, "process");
  std::string name = base_name(json_string(p, "exe"));
  if (name.empty()) name = json_string(p, "comm");
  std::string text = name + " (pid " + number_text(p, "pid");
  std::string user = json_string(p, "user");
  if (!user.empty()) text += ", " + user;
  return text + ")";
}

std::string stdio_note(const nlohmann::json& process) {
  const nlohmann::json& stdio = member(process, "stdio");
  std::vector<std::string> sockets;
  for (const char* fd : {"stdin", "stdout"})
    if (json_string(member(stdio, fd), "type") == "socket") sockets.push_back(fd);
  if (sockets.empty()) return {};
  return sockets.size() == 2 ? " with stdin and stdout on a socket"
                             : " with " + sockets[0] + " on a socket";
}

std::string describe_file(const nlohmann::json& event) {
  const nlohmann::json& f = member(event, "file");
  const std::string action = json_string(f, "action"), path = json_string(f, "path");
  std::string verb = action;
  if (action == "open") {
    const nlohmann::json& access = member(f, "access");
    auto has = [&](const char* a) {
      return access.is_array() && std::find(access.begin(), access.end(), a) != access.end();
    };
    verb = has("create") ? "created" : has("truncate") ? "emptied" : has("write") ? "wrote" : "read";
  } else if (action == "unlink") {
    verb = "deleted";
  } else if (action == "chmod") {
    verb = "changed the mode (" + json_string(f, "mode") + ") of";
  } else if (action == "rename") {
    return actor(event) + " renamed " + json_string(f, "source_path") + " to " + path;
  } else if (action == "utimes") {
    verb = "changed the timestamps of";
  }
  return actor(event) + " " + verb + " " + path;
}

std::string describe_tamper(const nlohmann::json& event) {
  const nlohmann::json& t = member(event, "tamper");
  const std::string action = json_string(t, "action");
  const nlohmann::json& target = member(t, "target");
  std::string target_text = json_string(target, "exe");
  if (target.is_object())
    target_text = (target_text.empty() ? "pid " : base_name(target_text) + " pid ") +
                  number_text(target, "pid");
  if (action == "ptrace")
    return actor(event) + " attached to " + target_text + " (" + json_string(t, "request") + ")";
  if (action == "module_load")
    return actor(event) + " loaded kernel module " + json_string(t, "name") + " " +
           json_string(t, "path");
  if (action == "bpf_prog_load")
    return actor(event) + " loaded a BPF program (" + json_string(t, "prog_type") + " " +
           json_string(t, "name") + ")";
  if (action == "prctl_set_name")
    return actor(event) + " renamed itself to \"" + json_string(t, "name") + "\"";
  if (action == "kill") return actor(event) + " sent " + json_string(t, "signal") + " to " + target_text;
  return actor(event) + " " + action + (target.is_object() ? " " + target_text : "");
}

std::string tree_root_key(const std::vector<AlertProcess>& lineage,
                          const std::set<std::string, std::less<>>& roots) {
  if (lineage.empty()) return {};
  size_t i = 0;
  auto is_root = [&](const AlertProcess& p) { return p.pid == 1 || roots.count(p.exe) != 0; };
  while (i + 1 < lineage.size() && !is_root(lineage[i + 1])) ++i;
  return lineage[i].key;
}

std::vector<std::string> next_steps(const Alert& a, const DetectionRule& rule,
                                    const std::string& tree_key) {
  std::vector<std::string> steps;
  const std::string sensor = a.sensor_id;
  if (rule.detector == DetectorKind::kSensorSilent || rule.detector == DetectorKind::kSensorGap ||
      rule.detector == DetectorKind::kPolicyChange) {
    steps.push_back("Check the sensor on " + a.hostname +
                    ": systemctl status yagura-sensor; journalctl -u yagura-sensor");
    if (rule.detector == DetectorKind::kSensorGap)
      steps.push_back("yaguractl gaps --sensor " + sensor);
    if (rule.detector == DetectorKind::kPolicyChange) steps.push_back("yaguractl policy status");
    steps.push_back("yaguractl events --sensor " + sensor + " --from " +
                    format_rfc3339(a.first_ns - std::min(a.first_ns, kDumpLeadNs)));
    return steps;
  }
  if (!a.process_key.empty()) {
    steps.push_back("Take a forensic dump of the process tree: yaguractl dump request --sensor " +
                    sensor + " --process " + tree_key + " --descendants --from " +
                    format_rfc3339(a.first_ns - std::min(a.first_ns, kDumpLeadNs)) +
                    " --reason '" + a.rule_id + "'");
    steps.push_back("See what the process did: yaguractl process --sensor " + sensor + " --key " +
                    a.process_key);
  }
  for (const RelatedActivity& r : a.related) {
    if (r.kind == "remote_ip")
      steps.push_back("If " + r.value +
                      " is not a known service, block it at the firewall; other hosts: "
                      "yaguractl hosts --contacted " + r.value);
    if (r.kind == "domain")
      steps.push_back("Hosts that resolved or contacted it: yaguractl hosts --domain " + r.value);
    if (r.kind == "exe_sha256")
      steps.push_back("Hosts that ran this executable: yaguractl hosts --ran-hash " + r.value);
  }
  if (!a.lineage.empty() && a.lineage.front().pid != 0)
    steps.push_back("To stop it while keeping it for analysis: kill -STOP " +
                    std::to_string(a.lineage.front().pid) + " on " + a.hostname);
  return steps;
}

void add_related_activity(Alert& a, EventStore& store) {
  std::set<std::pair<std::string, std::string>> wanted;
  for (const std::string& json : a.events) {
    auto parsed = policy::JsonFields::parse(json);
    if (!parsed) continue;
    const nlohmann::json& e = parsed->document();
    const std::string sha = json_string(member(member(e, "process"), "exe_file"), "sha256");
    if (!sha.empty()) wanted.emplace("exe_sha256", sha);
    const nlohmann::json& n = member(e, "network");
    const bool outbound = json_string(n, "action") != "accept";
    const nlohmann::json& remote = member(n, outbound ? "destination" : "source");
    const std::string ip = json_string(remote, "ip");
    if (!ip.empty() && member(n, "loopback") != true) wanted.emplace("remote_ip", ip);
    const nlohmann::json& domains = member(remote, "domain");
    if (domains.is_array())
      for (const nlohmann::json& d : domains)
        if (d.is_string()) wanted.emplace("domain", d.get<std::string>());
  }
  for (const auto& [kind, value] : wanted) {
    const ActivityKey key = kind == "exe_sha256" ? ActivityKey::kExeSha256
                            : kind == "remote_ip" ? ActivityKey::kRemoteIp
                                                  : ActivityKey::kDomain;
    auto hosts = store.hosts_with(key, value);
    if (!hosts) continue;
    RelatedActivity r{kind, value, 0, {}};
    for (const HostActivity& h : *hosts) {
      if (h.sensor_id == a.sensor_id) continue;
      ++r.host_count;
      if (r.hosts.size() >= kRelatedHosts) continue;
      auto host = store.host(h.sensor_id);
      r.hosts.push_back(host && *host ? (*host)->host.hostname : h.sensor_id);
    }
    a.related.push_back(std::move(r));
  }
}

}  // namespace

std::string describe_event(const nlohmann::json& event) {
  const std::string type = json_string(event, "type");
  const nlohmann::json& p = member(event, "process");
  if (type == "exec") {
    std::string line = json_string(p, "command_line");
    if (line.empty()) line = json_string(p, "exe");
    const std::string parent = base_name(json_string(member(event, "parent"), "exe"));
    return actor(event) + " ran " + line + stdio_note(p) +
           (parent.empty() ? "" : ", started by " + parent);
  }
  if (type == "network") {
    const nlohmann::json& n = member(event, "network");
    const std::string action = json_string(n, "action");
    if (action == "accept")
      return actor(event) + " accepted a connection from " + endpoint(member(n, "source"));
    if (action == "listen" || action == "udp_bind")
      return actor(event) + " listened on " + endpoint(member(n, "destination"));
    return actor(event) + " connected to " + endpoint(member(n, "destination"));
  }
  if (type == "dns")
    return actor(event) + " looked up " + json_string(member(member(event, "dns"), "question"), "name");
  if (type == "file") return describe_file(event);
  if (type == "tamper") return describe_tamper(event);
  if (type == "cred") {
    const nlohmann::json& c = member(event, "cred");
    return actor(event) + " changed its ids with " + json_string(c, "syscall") + ": uid " +
           number_text(member(c, "old"), "uid") + "->" + number_text(member(c, "new"), "uid") +
           ", euid " + number_text(member(c, "old"), "euid") + "->" +
           number_text(member(c, "new"), "euid");
  }
  return actor(event) + " " + type;
}

Alert build_alert(const Finding& f, const std::set<std::string, std::less<>>& tree_roots,
                  uint64_t now_ns, EventStore* store) {
  const DetectionRule& rule = *f.rule;
  Alert a;
  a.rule_id = rule.id;
  a.title = rule.title;
  a.description = rule.description;
  a.severity = rule.severity;
  a.attack = rule.attack;
  a.sensor_id = f.sensor_id;
  a.hostname = f.host.hostname;
  a.boot_id = f.host.boot_id;
  a.tags = f.host.tags;
  a.first_ns = a.last_ns = f.time_ns;
  a.detected_ns = now_ns;
  a.lineage = f.lineage;
  if (!a.lineage.empty()) a.process_key = a.lineage.front().key;
  for (size_t i = 0; i < f.events.size() && a.events.size() < kMaxAlertEvents; ++i)
    a.events.push_back(f.events[i]);

  std::vector<std::string> gists;
  for (const std::string& json : f.events)
    if (auto parsed = policy::JsonFields::parse(json)) gists.push_back(describe_event(parsed->document()));
  if (!f.summary.empty()) gists.push_back(f.summary);
  for (const std::string& g : gists) a.summary += (a.summary.empty() ? "" : "; then ") + g;

  const std::string tree_key = tree_root_key(a.lineage, tree_roots);
  a.dedup_key = rule.group + '|' + f.sensor_id + '|' + f.host.boot_id + '|' + tree_key + '|' +
                f.group_value;
  if (store) add_related_activity(a, *store);
  a.next_steps = next_steps(a, rule, tree_key);
  return a;
}

}  // namespace yagura::collector
