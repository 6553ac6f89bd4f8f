// The host, clock and process the JSON writer tests render events with,
// shared by json_writer_test.cpp and json_writer_activity_test.cpp.
#pragma once

#include <string>

#include "common/event.h"
#include "common/host.h"
#include "sensor/output/json_writer.h"

namespace yagura::testing {

// Boot time 1000 s is 2026-11-22T06:01:02Z on the test's wall clock.
inline constexpr uint64_t kBootAtWall = 1795327262'000'000'000ull - 1000'000'000'000ull;

inline HostIdentity test_host() {
  HostIdentity host;
  host.hostname = "web-01";
  host.boot_id = "d088d297-26b6-4700-a751-6dc4102b7523";
  host.kernel_release = "6.1.0-18-amd64";
  host.tags = {{"role", "web"}, {"env", "prod"}};
  return host;
}

inline std::string to_json(const Event& event, const HostIdentity& host = test_host()) {
  JsonWriter writer(host, WallClock(kBootAtWall));
  std::string out;
  writer.append(event, out);
  return out;
}

inline TaskInfo test_task() {
  TaskInfo t;
  t.key = {4242, 990'000'000'000};
  t.tid = 4242;
  t.parent = {4100, 500'000'000'000};
  t.creds = {1000, 0, 0, 0, 1000, 1000, 1000, 1000, 0x1ffffffffff, 0x1ffffffffff};
  t.loginuid = 1000;
  t.sessionid = 3;
  t.pid_ns = 4026531836;
  t.mnt_ns = 4026531841;
  t.cgroup_id = 7;
  t.comm = "sudo";
  t.tty = "pts0";
  return t;
}

}  // namespace yagura::testing
