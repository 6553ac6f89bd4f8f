// The real sensor uploading to the real collector over mutual TLS on
// loopback: events arrive, a SIGKILL loses nothing that was spooled, and
// policies pushed through the collector reach exactly the sensors they
// target, which still check the signature themselves.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "policy/policy_signature.h"
#include "tests/root/collector_harness.h"
#include "tests/root/sensor_harness.h"
#include "yagura/wire/v1/wire.pb.h"

namespace yagura::test {
namespace {

namespace pb = wire::v1;

const char* kAllTime = "&from=0&to=9223372036854775807";

// How many stored exec events each of `pids` has at the collector.
std::map<int, int> stored_execs(CollectorProcess& c, const std::string& sensor,
                                const std::set<int>& pids) {
  std::map<int, int> n;
  for (const Json& e : c.get_lines("/v1/admin/events?sensor=" + sensor + "&type=exec" + kAllTime)) {
    const int pid = e["process"]["pid"].get<int>();
    if (pids.count(pid)) ++n[pid];
  }
  return n;
}

bool host_known(CollectorProcess& c, const std::string& sensor) {
  const Json hosts = c.get_json("/v1/admin/hosts");
  for (const Json& h : hosts["hosts"])
    if (h["sensor_id"] == sensor) return true;
  return false;
}

std::set<int> run_execs(int n) {
  std::set<int> pids;
  for (int i = 0; i < n; ++i) pids.insert(run_program({"/bin/true"}).pid);
  return pids;
}

}  // namespace

TEST_CASE("the sensor's events reach the collector over mutual TLS", "[upload]") {
  TestPki pki({"s1"});
  CollectorProcess collector(pki);
  TempDir dir;
  SensorProcess sensor({"--config", write_config(dir, upload_yaml(pki, collector, "s1"))});
  const RunResult run = run_program({"/bin/true", "uploaded"});
  REQUIRE(eventually(20, [&] { return host_known(collector, "s1"); }));
  REQUIRE(eventually(20, [&] { return stored_execs(collector, "s1", {run.pid}).size() == 1; }));
  const Json host = collector.get_json("/v1/admin/hosts?sensor=s1")["hosts"][0];
  CHECK(host["tags"]["team"] == "csirt");
  CHECK(host["tags"]["role"] == "test");
  CHECK(host["policy"]["name"] == "capture-tests");
  CHECK(host["health"].contains("spool.pending_records"));

  // The process, its lineage and its activity, as the CSIRT asks for them.
  const auto execs =
      collector.get_lines("/v1/admin/events?sensor=s1&type=exec" + std::string(kAllTime));
  std::string key;
  for (const Json& e : execs)
    if (e["process"]["pid"] == run.pid) key = e["process"]["key"];
  REQUIRE(!key.empty());
  const Json process = collector.get_json("/v1/admin/process?sensor=s1&key=" + key);
  REQUIRE(process["exec"].size() == 1);
  CHECK(process["exec"][0]["process"]["args"] == Json::array({"/bin/true", "uploaded"}));
  REQUIRE(!process["lineage"].empty());
  CHECK(process["lineage"][0]["pid"] == getpid());

  sensor.stop();
  const Json gaps = collector.get_json("/v1/admin/gaps?sensor=s1")["sensors"][0];
  CHECK(gaps["missing"].empty());
  CHECK(gaps["reported"].empty());
}

TEST_CASE("a sensor killed mid-upload resumes from its spool: each event stored once, none lost",
          "[upload]") {
  TestPki pki({"s1"});
  CollectorProcess collector(pki);
  TempDir dir, state;
  // A slow link, so that the kill lands while batches wait in the spool; the
  // restarted sensor runs unthrottled so that draining the spool cannot be
  // what the test waits on.
  const std::string slow = write_config(
      dir, upload_yaml(pki, collector, "s1", "  bandwidth_bytes_per_second: 1500\n"));
  std::set<int> before;
  {
    SensorProcess sensor({"--config", slow, "--state-dir", state.path()});
    before = run_execs(60);
    // Spooled: every exec has passed the output stage and its batch closed.
    REQUIRE(eventually(20, [&] {
      std::ifstream in(state.path() + "/upload-sequence");
      uint64_t sealed = 0;
      in >> sealed;
      return sealed >= 3 && std::filesystem::exists(state.path() + "/spool");
    }));
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const size_t arrived = stored_execs(collector, "s1", before).size();
    INFO("arrived before the kill: " << arrived);
    CHECK(arrived < before.size());  // the upload was still going on
    sensor.kill_now();
  }
  TempDir fast_dir;
  SensorProcess restarted({"--config", write_config(fast_dir, upload_yaml(pki, collector, "s1")),
                           "--state-dir", state.path()});
  const std::set<int> after = run_execs(5);
  std::set<int> all = before;
  all.insert(after.begin(), after.end());
  const bool complete =
      eventually(60, [&] { return stored_execs(collector, "s1", all).size() == all.size(); });
  INFO("stored " << stored_execs(collector, "s1", all).size() << " of " << all.size()
                 << "; sensor said:\n" << restarted.stderr_text());
  REQUIRE(complete);
  for (const auto& [pid, count] : stored_execs(collector, "s1", all)) {
    INFO("pid " << pid);
    CHECK(count == 1);
  }
  restarted.stop();
  const Json gaps = collector.get_json("/v1/admin/gaps?sensor=s1")["sensors"][0];
  CHECK(gaps["missing"].empty());
  CHECK(gaps["reported"].empty());
}

TEST_CASE("a collector stopped under load and restarted receives every batch exactly once",
          "[upload]") {
  TestPki pki({"s1"});
  CollectorProcess collector(pki);
  TempDir dir;
  SensorProcess sensor({"--config", write_config(dir, upload_yaml(pki, collector, "s1"))});
  const std::set<int> first = run_execs(20);
  REQUIRE(eventually(20, [&] { return stored_execs(collector, "s1", first).size() == 20; }));
  collector.stop();
  const std::set<int> during = run_execs(60);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // retries meet a closed port
  collector.start();
  const std::set<int> later = run_execs(10);
  std::set<int> all = first;
  all.insert(during.begin(), during.end());
  all.insert(later.begin(), later.end());
  REQUIRE(eventually(60, [&] { return stored_execs(collector, "s1", all).size() == all.size(); }));
  for (const auto& [pid, count] : stored_execs(collector, "s1", all)) {
    INFO("pid " << pid);
    CHECK(count == 1);
  }
  sensor.stop();
  const Json gaps = collector.get_json("/v1/admin/gaps?sensor=s1")["sensors"][0];
  CHECK(gaps["missing"].empty());
  CHECK(gaps["reported"].empty());
  CHECK_THAT(sensor.stderr_text(), Catch::Matchers::Contains("collector unreachable"));
}

TEST_CASE("a policy pushed to a tag reaches exactly the sensors with that tag, a bad signature "
          "is refused by the sensors",
          "[upload]") {
  TestPki pki({"sa", "sb"});
  CollectorProcess collector(pki);
  TempDir dir;
  auto trusted = policy::generate_key_pair();
  auto untrusted = policy::generate_key_pair();
  REQUIRE(trusted);
  REQUIRE(untrusted);
  std::ofstream(dir.path() + "/csirt.pub") << trusted->public_pem;
  const std::string keys = "policy: {trusted_keys: [" + dir.path() + "/csirt.pub]}\n";
  TempDir dir_a, dir_b;
  auto sensor_for = [&](const TempDir& d, const std::string& name, const std::string& team) {
    return std::make_unique<SensorProcess>(std::vector<std::string>{
        "--config", write_config(d, keys + upload_yaml(pki, collector, name)), "--tag",
        "team=" + team});
  };
  auto a = sensor_for(dir_a, "sa", "a");
  auto b = sensor_for(dir_b, "sb", "b");
  REQUIRE(eventually(20, [&] { return host_known(collector, "sa") && host_known(collector, "sb"); }));

  auto push = [&](int version, const policy::GeneratedKeyPair& key, const std::vector<std::string>& tags) {
    const std::string text = "policy: {name: pushed, version: " + std::to_string(version) + "}\n";
    auto private_key = policy::PrivateKey::from_pem(key.private_pem, "test");
    REQUIRE(private_key);
    auto sig = policy::sign_policy(text, *private_key);
    REQUIRE(sig);
    pb::PolicyPush p;
    p.set_policy(text);
    p.set_signature(*sig);
    for (const std::string& t : tags) p.add_target_tags(t);
    const HttpResponse r = collector.post("/v1/admin/policies", p.SerializeAsString(),
                                          "application/x-protobuf");
    INFO(r.body);
    REQUIRE(r.status == 201);
  };
  auto running = [&](const std::string& sensor) {
    return collector.get_json("/v1/admin/hosts?sensor=" + sensor)["hosts"][0]["policy"]["version"]
        .get<uint64_t>();
  };

  push(2, *trusted, {"team=a"});
  REQUIRE(eventually(20, [&] { return running("sa") == 2; }));
  CHECK_THAT(a->stderr_text(), Catch::Matchers::Contains("distributed by the collector"));
  // b had as many chances: heartbeats every second.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  CHECK(running("sb") == 1);
  CHECK_THAT(b->stderr_text(), !Catch::Matchers::Contains("fetched policy"));

  // Signed by a key the sensors do not trust: both fetch it, both refuse it.
  push(3, *untrusted, {});
  auto failed = [&](const std::string& sensor) {
    const Json f = collector.get_json("/v1/admin/hosts?sensor=" + sensor)["hosts"][0]["policy_failure"];
    return !f.is_null() && f["version"] == 3;
  };
  REQUIRE(eventually(20, [&] { return failed("sa") && failed("sb"); }));
  const Json status = collector.get_json("/v1/admin/policies");
  for (const Json& h : status["hosts"]) {
    CHECK(h["state"] == "failed");
    CHECK_THAT(h["failure"]["error"].get<std::string>(), Catch::Matchers::Contains("not trusted"));
  }
  CHECK(running("sa") == 2);
  CHECK(running("sb") == 1);
  a->stop();
  b->stop();
}

}  // namespace yagura::test
