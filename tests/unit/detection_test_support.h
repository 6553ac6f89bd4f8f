// Events and batches for the detection engine's tests, shaped like the
// sensor's JSON (docs/events.md): a process with its lineage, and whatever
// the test adds.
//
//   Event e = exec("100:1", "/bin/sh", "sh -i").parent("90:1", "/usr/bin/python3").at(5);
//   e.json["process"]["stdio"]["stdin"] = {{"type", "socket"}, {"ino", 7}};
//   engine.process(batch({e}));
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "collector/ingest/event_index.h"
#include "collector/store/event_store.h"

namespace yagura::testing {

constexpr uint64_t kSecond = 1'000'000'000ull;
// UTC of ktime 0 in these tests.
constexpr uint64_t kBootUtcNs = 1'800'000'000ull * kSecond;

struct Event {
  nlohmann::json json;

  Event& at(uint64_t seconds) {
    json["ktime_ns"] = seconds * kSecond;
    return *this;
  }
  Event& parent(const std::string& key, const std::string& exe, uint32_t pid = 90) {
    json["parent"] = {{"key", key}, {"pid", pid}, {"exe", exe}, {"command_line", exe}};
    return *this;
  }
  Event& ancestor(const std::string& key, const std::string& exe, uint32_t pid) {
    json["ancestors"].push_back({{"key", key}, {"pid", pid}, {"exe", exe}, {"command_line", exe}});
    return *this;
  }
  Event& uid(uint32_t uid) {
    json["process"]["uid"] = uid;
    return *this;
  }
};

inline Event event(const std::string& type, const std::string& key, const std::string& exe,
                   const std::string& command_line = "") {
  const uint32_t pid = static_cast<uint32_t>(std::stoul(key.substr(0, key.find(':'))));
  Event e{{{"schema", 2},
           {"type", type},
           {"ktime_ns", 0},
           {"host", {{"hostname", "web-01"}, {"boot_id", "boot-1"}, {"tags", {{"team", "web"}}}}},
           {"process",
            {{"key", key},
             {"pid", pid},
             {"uid", 1000},
             {"user", "alice"},
             {"exe", exe},
             {"command_line", command_line.empty() ? exe : command_line}}},
           {"lineage_complete", true}}};
  if (type == "exec") e.json["snapshot"] = false;
  return e;
}

inline Event exec(const std::string& key, const std::string& exe, const std::string& line = "") {
  return event("exec", key, exe, line);
}

inline Event connect(const std::string& key, const std::string& exe, const std::string& ip,
                     uint32_t port) {
  Event e = event("network", key, exe);
  e.json["network"] = {{"action", "connect"},       {"transport", "tcp"},
                       {"family", "ipv4"},          {"initiated", true},
                       {"source", {{"ip", "10.0.0.5"}, {"port", 40000}}},
                       {"destination", {{"ip", ip}, {"port", port}}},
                       {"loopback", false},         {"result", "established"}};
  return e;
}

inline Event file(const std::string& key, const std::string& exe, const std::string& action,
                  const std::string& path) {
  Event e = event("file", key, exe);
  e.json["file"] = {{"action", action}, {"path", path}, {"lexical", false},
                    {"unnormalized", false}, {"watched_read", false}};
  if (action == "open") e.json["file"]["access"] = {"write", "create"};
  return e;
}

inline collector::EventRecord record_of(const Event& e) {
  const std::string text = e.json.dump();
  const uint64_t time = kBootUtcNs + e.json["ktime_ns"].get<uint64_t>();
  auto r = collector::index_event(text, e.json["type"].get<std::string>(), time);
  REQUIRE(r);
  return std::move(*r);
}

inline collector::IncomingBatch batch(const std::vector<Event>& events, uint64_t sequence = 1,
                                      const std::string& sensor = "web-01") {
  collector::IncomingBatch b;
  b.sensor_id = sensor;
  b.sequence = sequence;
  b.host = {sensor, "boot-1", "6.18", {{"team", "web"}}, ""};
  b.policy = {"yagura-default", 1, "aa"};
  for (const Event& e : events) b.events.push_back(record_of(e));
  b.created_ns = b.received_ns = b.events.empty() ? kBootUtcNs : b.events.back().time_ns;
  return b;
}

}  // namespace yagura::testing
