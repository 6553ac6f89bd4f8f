// Root tests: the in-kernel filter, and changing it while the sensor runs.
#include <arpa/inet.h>
#include <glob.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/root/sensor_harness.h"

using namespace yagura::test;

namespace {

// One UDP datagram to the discard port: a cheap network event.
RunResult udp_probe() {
  RunResult r = run_actor({"udp-send", "127.0.0.1", "9", "1"});
  REQUIRE(exit_code(r) == 0);
  return r;
}

// Network events of the actor itself (a wrapper such as setpriv may act
// under the same pid before it execs the actor).
size_t network_events(const std::vector<Json>& events, pid_t pid) {
  size_t n = 0;
  for (const auto& e : find_all(events, "network", pid))
    if (e["process"].value("exe", "") == realpath_of(YAGURA_ACTOR_BIN)) ++n;
  return n;
}

}  // namespace

TEST_CASE("an ignored executable's activity is dropped in the kernel, its exec is not",
          "[root][filter]") {
  TempDir dir;
  const std::string config =
      write_config(dir, std::string("filter:\n  ignore_executables: [") + YAGURA_ACTOR_BIN + "]\n");
  SensorProcess sensor({"--config", config});
  RunResult ignored = udp_probe();
  auto events = sensor.stop();
  CHECK(network_events(events, ignored.pid) == 0);
  CHECK(find_all(events, "exec", ignored.pid).size() == 1);
}

TEST_CASE("ignored users and switched-off types are dropped in the kernel", "[root][filter]") {
  TempDir dir;
  const std::string config = write_config(
      dir, "filter:\n  ignore_users: [nobody]\ncapture:\n  events: {dns: false, fork: false}\n");
  SensorProcess sensor({"--config", config});
  RunResult as_nobody =
      run_program({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                   YAGURA_ACTOR_BIN, "udp-send", "127.0.0.1", "9", "1"});
  REQUIRE(exit_code(as_nobody) == 0);
  RunResult as_root = udp_probe();
  auto events = sensor.stop();
  CHECK(network_events(events, as_nobody.pid) == 0);
  CHECK(network_events(events, as_root.pid) == 1);
  for (const auto& e : events) {
    CHECK(e["type"] != "fork");
    CHECK(e["type"] != "dns");
  }
}

TEST_CASE("loopback traffic can be left out in the kernel", "[root][filter]") {
  TempDir dir;
  SensorProcess sensor({"--config", write_config(dir, "capture:\n  network: {loopback: false}\n")});
  RunResult r = udp_probe();
  auto events = sensor.stop();
  CHECK(network_events(events, r.pid) == 0);
}

TEST_CASE("unix-domain sockets can be left out in the kernel", "[root][filter]") {
  TempDir dir;
  const std::string path = dir.path() + "/app.sock";
  int srv = bound_unix_socket(path);
  REQUIRE(listen(srv, 4) == 0);
  SensorProcess sensor({"--config", write_config(dir, "capture:\n  network: {unix: false}\n")});
  RunResult unix_connect = run_actor({"unix-connect", path});
  RunResult udp = udp_probe();
  close(srv);
  REQUIRE(exit_code(unix_connect) == 0);
  auto events = sensor.stop();
  CHECK(network_events(events, unix_connect.pid) == 0);
  CHECK(network_events(events, udp.pid) == 1);  // other network events still flow
}

TEST_CASE("the filter changes on SIGHUP without a restart, and a bad file changes nothing",
          "[root][filter]") {
  TempDir dir;
  const std::string config = write_config(dir, "capture:\n  events: {network: true}\n");
  SensorProcess sensor({"--config", config});
  RunResult before = udp_probe();

  std::ofstream(config) << "capture:\n  events: {network: false}\n";
  sensor.reload("kernel filter updated (configuration reloaded)");
  RunResult off = udp_probe();

  std::ofstream(config) << "capture:\n  events: {network: [oops\n";
  sensor.reload("reload refused, configuration unchanged");
  RunResult still_off = udp_probe();

  std::ofstream(config) << "capture:\n  events: {network: true}\n";
  sensor.reload("kernel filter updated (configuration reloaded)");
  RunResult on_again = udp_probe();
  auto events = sensor.stop();

  CHECK(network_events(events, before.pid) == 1);
  CHECK(network_events(events, off.pid) == 0);
  CHECK(network_events(events, still_off.pid) == 0);
  CHECK(network_events(events, on_again.pid) == 1);
  const Json& health = events.back();
  CHECK(health["kernel_filter"]["generations"] == 3);
}

TEST_CASE("the sensor never reports its own activity", "[root][filter]") {
  SensorProcess sensor;
  const pid_t self = sensor.pid();
  udp_probe();
  auto events = sensor.stop();
  for (const auto& e : events)
    if (e.contains("process")) CHECK(e["process"]["pid"] != self);
}

TEST_CASE("the built-in watches cover the staging directories and SSH host keys",
          "[root][filter]") {
  // Download-and-execute stages its payload in these; without a config the
  // built-in lists apply.
  std::vector<std::string> dirs;
  for (std::string tmpl :
       {"/tmp/yg-watch-XXXXXX", "/var/tmp/yg-watch-XXXXXX", "/dev/shm/yg-watch-XXXXXX"}) {
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dirs.push_back(realpath_of(tmpl));
  }
  // SSH host private keys, where this host has any.
  std::vector<std::string> host_keys;
  glob_t g{};
  if (glob("/etc/ssh/ssh_host_*_key", 0, nullptr, &g) == 0)
    for (size_t i = 0; i < g.gl_pathc; ++i) host_keys.emplace_back(g.gl_pathv[i]);
  globfree(&g);

  SensorProcess sensor;
  std::vector<RunResult> writes;
  for (const std::string& d : dirs) writes.push_back(run_actor({"write-relative", d, "payload"}));
  std::vector<RunResult> reads;
  for (const std::string& k : host_keys) reads.push_back(run_actor({"read", k}));
  auto events = sensor.stop();
  for (const std::string& d : dirs) std::filesystem::remove_all(d);

  for (size_t i = 0; i < dirs.size(); ++i) {
    INFO(dirs[i]);
    REQUIRE(exit_code(writes[i]) == 0);
    auto opens = find_where(events, "file", writes[i].pid, "/file/action", "open");
    REQUIRE(opens.size() == 1);
    CHECK(opens[0]["file"]["path"] == dirs[i] + "/payload");
  }
  for (size_t i = 0; i < host_keys.size(); ++i) {
    INFO(host_keys[i]);
    REQUIRE(exit_code(reads[i]) == 0);
    auto opens = find_where(events, "file", reads[i].pid, "/file/action", "open");
    REQUIRE(opens.size() == 1);
    CHECK(opens[0]["file"]["watched_read"] == true);
  }
}
