// Synthetic events (docs/events.md, only the members dumps read) and a
// small signed dump built from them, for the dump_*_test.cpp files.
//
//   Proc shell{"100:1000", 100, "/usr/bin/bash", "bash", "alice", 1000};
//   nlohmann::json e = make_event("exec", 5, shell);  // at kT0 + 5 s
//   with_connect(e, "93.184.215.14", 443, {"example.com"});
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/ed25519.h"
#include "common/host.h"
#include "dump/dump_writer.h"

namespace yagura::testing {

// 2026-11-22T06:01:02Z.
inline constexpr uint64_t kT0 = 1795327262'000'000'000ull;
inline constexpr uint64_t kSecond = 1'000'000'000ull;

struct Proc {
  std::string key;
  uint32_t pid = 0;
  std::string exe;
  std::string command_line;
  std::string user;
  uint32_t uid = 0;
};

inline nlohmann::json proc_json(const Proc& p) {
  return {{"key", p.key}, {"pid", p.pid}, {"exe", p.exe}, {"command_line", p.command_line}};
}

// An event of `type` by `p` at kT0 + `seconds`, with the lineage given
// (nullptr parent: none known).
inline nlohmann::json make_event(const std::string& type, uint64_t seconds, const Proc& p,
                                 const Proc* parent = nullptr,
                                 const std::vector<const Proc*>& ancestors = {}) {
  nlohmann::json process = proc_json(p);
  process["user"] = p.user;
  process["uid"] = p.uid;
  process["start_time"] = format_rfc3339(kT0);
  nlohmann::json e = {{"schema", 2},
                      {"type", type},
                      {"time", format_rfc3339(kT0 + seconds * kSecond)},
                      {"process", process},
                      {"lineage_complete", parent != nullptr}};
  if (parent) e["parent"] = proc_json(*parent);
  if (!ancestors.empty()) {
    e["ancestors"] = nlohmann::json::array();
    for (const Proc* a : ancestors) e["ancestors"].push_back(proc_json(*a));
  }
  return e;
}

inline void with_connect(nlohmann::json& e, const std::string& ip, int port,
                         const std::vector<std::string>& domains = {}) {
  e["network"] = {{"action", "connect"},
                  {"transport", "tcp"},
                  {"initiated", true},
                  {"source", {{"ip", "10.0.0.5"}, {"port", 40312}}},
                  {"destination", {{"ip", ip}, {"port", port}}},
                  {"result", "established"}};
  if (!domains.empty()) e["network"]["destination"]["domain"] = domains;
}

inline void with_accept(nlohmann::json& e, const std::string& client_ip) {
  e["network"] = {{"action", "accept"},
                  {"transport", "tcp"},
                  {"initiated", false},
                  {"source", {{"ip", client_ip}, {"port", 51234}}},
                  {"destination", {{"ip", "10.0.0.5"}, {"port", 22}}}};
}

inline void with_dns_answer(nlohmann::json& e, const std::string& name, const std::string& ip) {
  e["dns"] = {{"direction", "answer"},
              {"question", {{"name", name}, {"type", "A"}}},
              {"rcode", "NOERROR"},
              {"answers", {{{"name", name}, {"type", "A"}, {"data", ip}, {"ttl", 300}}}},
              {"malformed", false}};
}

inline void with_file(nlohmann::json& e, const std::string& action, const std::string& path) {
  e["file"] = {{"action", action}, {"path", path}, {"access", {"write", "create"}}};
}

inline void dropped_by_policy(nlohmann::json& e) {
  e["policy"] = {{"version", 3}, {"dropped", true}};
}

inline PrivateKey test_key() {
  auto pair = generate_key_pair();
  REQUIRE(pair.ok());
  auto key = PrivateKey::from_pem(pair->private_pem, "test");
  REQUIRE(key.ok());
  return std::move(*key);
}

inline dump::DumpContext test_context() {
  dump::DumpContext c;
  c.sensor_id = "sensor-7";
  c.host.hostname = "web-01";
  c.host.boot_id = "d088d297-26b6-4700-a751-6dc4102b7523";
  c.host.kernel_release = "6.1.0-18-amd64";
  c.host.tags = {{"role", "web"}, {"env", "prod"}};
  c.request.scope.from_ns = kT0;
  c.request.scope.to_ns = kT0 + 3600 * kSecond;
  c.request.requested_by = "uid 0";
  c.request.reason = "INC-42";
  c.policy = {"baseline", 3, std::string(64, 'a')};
  c.journal = {
      {"first_seq", 1}, {"last_seq", 99}, {"records", 99}, {"problems", nlohmann::json::array()}};
  c.from_ns = kT0;
  c.to_ns = kT0 + 3600 * kSecond;
  c.created_ns = kT0 + 3700 * kSecond;
  return c;
}

// The process tree the sample dump holds: sshd -> bash -> curl, bash ->
// sh; bash writes its history, curl resolves and connects, sh writes a cron
// job the policy dropped, and exits. sshd has no events; bash's start and
// parent are in the process table.
struct SampleTree {
  Proc sshd{"812:3000000000", 812, "/usr/sbin/sshd", "sshd: alice", "root", 0};
  Proc bash{"4100:500000000000", 4100, "/usr/bin/bash", "-bash", "alice", 1000};
  Proc curl{
      "4242:990000000000", 4242, "/usr/bin/curl", "curl -s https://example.com/", "alice", 1000};
  Proc sh{"4300:995000000000", 4300, "/usr/bin/dash", "sh -c id", "alice", 1000};
};

inline std::vector<std::string> sample_event_lines(const SampleTree& t = SampleTree()) {
  std::vector<nlohmann::json> events;
  nlohmann::json history = make_event("file", 0, t.bash, &t.sshd);
  with_file(history, "open", "/home/alice/.bash_history");
  // As when the sensor's table did not know bash: its image and start come
  // from the dump's process table.
  for (const char* name : {"exe", "command_line", "start_time"}) history["process"].erase(name);
  events.push_back(history);
  events.push_back(make_event("exec", 1, t.curl, &t.bash, {&t.sshd}));
  nlohmann::json answer = make_event("dns", 1, t.curl, &t.bash, {&t.sshd});
  with_dns_answer(answer, "example.com", "93.184.215.14");
  events.push_back(answer);
  nlohmann::json connect = make_event("network", 2, t.curl, &t.bash, {&t.sshd});
  with_connect(connect, "93.184.215.14", 443, {"example.com"});
  events.push_back(connect);
  events.push_back(make_event("fork", 3, t.sh, &t.bash, {&t.sshd}));
  nlohmann::json write = make_event("file", 4, t.sh, &t.bash, {&t.sshd});
  with_file(write, "open", "/etc/cron.d/job");
  dropped_by_policy(write);
  events.push_back(write);
  nlohmann::json exit = make_event("exit", 5, t.sh, &t.bash, {&t.sshd});
  exit["exit"] = {{"code", 0}, {"signal", 0}, {"core_dumped", false}};
  events.push_back(exit);
  std::vector<std::string> lines;
  for (const auto& e : events) lines.push_back(e.dump());
  return lines;
}

inline std::string sample_dump(const PrivateKey& key) {
  dump::DumpWriter writer(test_context());
  REQUIRE(writer.add_health(
      R"({"type":"health","uptime_s":10,"kernel":{"drops":{"exec":{"ringbuf_full":1}}}})"));
  REQUIRE(writer.add_health(
      R"({"type":"health","uptime_s":70,"kernel":{"drops":{"exec":{"ringbuf_full":4}}}})"));
  SampleTree t;
  nlohmann::json bash_row = proc_json(t.bash);
  bash_row["user"] = "alice";
  bash_row["start_time"] = "2026-11-22T05:00:00.000000000Z";
  bash_row["parent"] = {{"key", t.sshd.key}, {"pid", t.sshd.pid}};
  REQUIRE(writer.add_process(bash_row.dump()));
  for (const std::string& line : sample_event_lines(t)) REQUIRE(writer.add_event(line));
  auto bytes = writer.finish(key);
  REQUIRE(bytes.ok());
  return *bytes;
}

}  // namespace yagura::testing
