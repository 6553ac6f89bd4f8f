// Root tests: the policy in the running sensor — alerts and drops on real
// events, kernel requests, and reloading under load with every event judged
// by exactly one version and none lost.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "policy/policy_signature.h"
#include "tests/root/sensor_harness.h"

using namespace yagura::test;
namespace fs = std::filesystem;

namespace {

void write_file(const std::string& path, const std::string& text) {
  // Written aside and renamed over: a reader never sees half a file.
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp, std::ios::binary) << text;
  fs::rename(tmp, path);
}

// A CSIRT key, a policy path and a sensor configuration that requires
// signatures from that key.
struct SignedPolicySetup {
  explicit SignedPolicySetup(const TempDir& dir) {
    auto pair = yagura::policy::generate_key_pair();
    REQUIRE(pair);
    auto key = yagura::policy::PrivateKey::from_pem(pair->private_pem, "test key");
    REQUIRE(key);
    private_key.emplace(std::move(*key));
    write_file(dir.path() + "/csirt.pub", pair->public_pem);
    policy_path = dir.path() + "/policy.yaml";
    fs::create_directories(dir.path() + "/state");
    config = write_config(dir, "policy:\n  path: " + policy_path + "\n  trusted_keys: [" +
                                   dir.path() + "/csirt.pub]\n  state_dir: " + dir.path() +
                                   "/state\n  watch: true\n");
  }

  void publish(const std::string& text) const {
    auto sig = yagura::policy::sign_policy(text, *private_key);
    REQUIRE(sig);
    // Signature first: the policy then finds its signature in place.
    write_file(policy_path + ".sig", *sig);
    write_file(policy_path, text);
  }

  std::optional<yagura::policy::PrivateKey> private_key;
  std::string policy_path;
  std::string config;
};

// Alerts on /bin/true runs whose arguments carry the marker, with the
// version in the rule id: an event's alert and its policy.version must agree.
std::string marker_policy(int version) {
  const std::string v = std::to_string(version);
  return "policy: {name: reload-test, version: " + v +
         "}\n"
         "rules:\n"
         "  - id: marker-v" +
         v +
         "\n"
         "    title: marker\n"
         "    types: [exec]\n"
         "    action: alert\n"
         "    severity: low\n"
         "    when: {process.command_line: {contains: reload-marker-}}\n";
}

const Json& final_health(const std::vector<Json>& events) {
  REQUIRE(!events.empty());
  const Json& h = events.back();
  REQUIRE(h["type"] == "health");
  REQUIRE(h["final"] == true);
  return h;
}

}  // namespace

TEST_CASE("reloading the policy under load: each event judged by one version, none lost",
          "[root][policy]") {
  TempDir dir;
  SignedPolicySetup setup(dir);
  setup.publish(marker_policy(1));
  SensorProcess sensor({"--config", setup.config}, TestPolicy::kConfigured);

  constexpr int kRuns = 400;
  constexpr int kLastVersion = 12;
  std::atomic<bool> done{false};
  std::thread workload([&] {
    for (int i = 0; i < kRuns; ++i)
      run_program({"/bin/true", "reload-marker-" + std::to_string(i)});
    done = true;
  });
  for (int v = 2; v <= kLastVersion; ++v) {
    std::this_thread::sleep_for(std::chrono::milliseconds(80));
    setup.publish(marker_policy(v));
    // Both paths: the file watch, and SIGHUP (systemctl reload).
    if (v % 3 == 0) kill(sensor.pid(), SIGHUP);
  }
  workload.join();
  REQUIRE(done);
  // The last policy is applied before the sensor stops.
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  auto events = sensor.stop();

  std::map<int, int> runs_seen;  // marker index -> times seen
  std::set<uint64_t> versions;
  uint64_t previous_version = 0;
  size_t judged_out = 0;
  for (const Json& e : events) {
    if (e["type"] == "health") continue;
    ++judged_out;
    REQUIRE(e.contains("policy"));
    const uint64_t v = e["policy"]["version"];
    // Adopted between two events, never back: versions only go up.
    CHECK(v >= previous_version);
    previous_version = v;
    const std::string cmd = e["process"].value("command_line", "");
    const auto at = cmd.find("reload-marker-");
    if (e["type"] != "exec" || at == std::string::npos) continue;
    ++runs_seen[std::stoi(cmd.substr(at + 14))];
    versions.insert(v);
    REQUIRE(e["alerts"].size() == 1);
    CHECK(e["alerts"][0]["id"] == "marker-v" + std::to_string(v));
  }
  CHECK(runs_seen.size() == kRuns);
  for (const auto& [i, n] : runs_seen) CHECK(n == 1);
  CHECK(versions.size() >= 3);  // the reloads happened while the workload ran

  const Json& health = final_health(events);
  const Json& policy = health["policy"];
  CHECK(policy["version"] == kLastVersion);
  CHECK(policy["reload_failures"] == 0);
  // Every event the pipeline produced was judged by one of the versions:
  // the counts of the active policy and of those it replaced add up.
  uint64_t judged = policy["events"];
  for (const Json& r : policy["replaced"]) judged += r["events"].get<uint64_t>();
  CHECK(judged == judged_out);
  CHECK(policy["dropped_by_rule"] == 0);
  CHECK(policy["dropped_by_default"] == 0);
}

TEST_CASE("a policy that fails to load leaves the running one in place", "[root][policy]") {
  TempDir dir;
  SignedPolicySetup setup(dir);
  setup.publish(marker_policy(5));
  SensorProcess sensor({"--config", setup.config}, TestPolicy::kConfigured);
  // Rollback: an older version, validly signed.
  setup.publish(marker_policy(4));
  sensor.reload("refused");
  // Tampered after signing.
  write_file(setup.policy_path, marker_policy(6) + "# changed after signing\n");
  sensor.reload("refused");
  RunResult run = run_program({"/bin/true", "reload-marker-0"});
  auto events = sensor.stop();
  const Json exec = find_one(events, "exec", run.pid);
  CHECK(exec["policy"]["version"] == 5);
  CHECK(exec["alerts"][0]["id"] == "marker-v5");
  const Json& policy = final_health(events)["policy"];
  CHECK(policy["version"] == 5);
  CHECK(policy["reload_failures"].get<uint64_t>() >= 2);
  CHECK_THAT(policy["last_reload_error"].get<std::string>(), Catch::Contains("refused"));
}

TEST_CASE("the policy's kernel requests reach the kernel filter", "[root][policy]") {
  TempDir dir;
  const std::string path = dir.path() + "/policy.yaml";
  write_file(path, std::string("policy: {name: kernel-test, version: 1}\n"
                               "kernel:\n  ignore_executables: [") +
                       YAGURA_ACTOR_BIN + "]\n");
  const std::string config =
      write_config(dir, "policy:\n  path: " + path + "\n  require_signature: false\n");
  SensorProcess sensor({"--config", config}, TestPolicy::kConfigured);
  RunResult ignored = run_actor({"udp-send", "127.0.0.1", "9", "1"});
  REQUIRE(exit_code(ignored) == 0);
  auto events = sensor.stop();
  CHECK(find_all(events, "exec", ignored.pid).size() == 1);
  CHECK(find_all(events, "network", ignored.pid).empty());
  // The drops happened in the kernel: the policy never saw them.
  CHECK(final_health(events)["policy"]["dropped_by_rule"] == 0);
}

TEST_CASE("the built-in policy alerts on execution from /tmp, with the host's tags",
          "[root][policy]") {
  const std::string copy = "/tmp/yagura-policy-test-true";
  fs::copy_file("/bin/true", copy, fs::copy_options::overwrite_existing);
  chmod(copy.c_str(), 0755);
  SensorProcess sensor({}, TestPolicy::kConfigured);
  RunResult run = run_program({copy});
  RunResult quiet = run_program({"/bin/true"});
  auto events = sensor.stop();
  fs::remove(copy);
  const Json exec = find_one(events, "exec", run.pid);
  REQUIRE(exec["alerts"].size() == 1);
  CHECK(exec["alerts"][0]["id"] == "exec.from-temporary-directory");
  CHECK(exec["alerts"][0]["severity"] == "high");
  CHECK(exec["host"]["tags"]["team"] == "csirt");  // the harness's --tag
  CHECK_FALSE(find_one(events, "exec", quiet.pid).contains("alerts"));
  // Noise stays on the host: the built-in policy drops clean exits.
  CHECK(find_all(events, "exit", quiet.pid).empty());
  CHECK(final_health(events)["policy"]["name"] == "yagura-default");
}
