// The flight recorder's path from event to dump: JournalSink writes events
// (dropped ones included) to a real journal, DumpMaker cuts a signed dump
// from it, and the dump verifies and holds what the scope asked for.
#include "sensor/recorder/dump_maker.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "dump/dump_reader.h"
#include "dump/dump_verifier.h"
#include "sensor/output/json_writer.h"
#include "sensor/pipeline/item_class.h"
#include "sensor/recorder/flight_recorder.h"
#include "sensor/recorder/journal_sink.h"
#include "tests/unit/temp_dir.h"

namespace yagura {
namespace {

using nlohmann::json;
using testing::TempDir;

constexpr uint64_t kSecond = 1'000'000'000;
// Boot time 0 is this wall time: events at ktime t happen at kEpoch + t.
constexpr uint64_t kEpoch = 1'790'000'000 * kSecond;

HostIdentity test_host() {
  HostIdentity h;
  h.hostname = "web-1";
  h.boot_id = "b00t";
  h.kernel_release = "6.18";
  h.tags = {{"team", "payments"}};
  return h;
}

Event exec_of(uint32_t pid, uint64_t ktime_ns, bool dropped) {
  ExecEvent x;
  x.task.key = {pid, 1000u + pid};
  x.task.tid = pid;
  x.task.comm = "prog";
  x.exe_path.value = "/usr/bin/prog" + std::to_string(pid);
  x.argv = {"prog", std::to_string(pid)};
  Event e;
  e.ktime_ns = ktime_ns;
  e.body = std::move(x);
  e.verdict.policy_version = 3;
  e.verdict.dropped = dropped;
  return e;
}

PrivateKey new_key() {
  auto pair = generate_key_pair();
  REQUIRE(pair);
  auto key = PrivateKey::from_pem(pair->private_pem, "test");
  REQUIRE(key);
  return std::move(*key);
}

struct Rig {
  TempDir dir;
  WallClock clock{static_cast<int64_t>(kEpoch)};
  PrivateKey key = new_key();
  std::unique_ptr<JournalSink> sink;
  bool answer_snapshot = true;

  Rig() {
    // Flushed at every flush(): no interval to wait for.
    auto journal = JournalWriter::open(dir.path + "/journal");
    REQUIRE(journal);
    sink = std::make_unique<JournalSink>(std::move(*journal),
                                         JsonWriter(test_host(), clock), clock,
                                         std::chrono::milliseconds(0));
  }

  DumpMaker maker(uint64_t max_events = 1000) {
    DumpSources s;
    s.journal_dir = dir.path + "/journal";
    s.sensor_id = "web-1";
    s.host = test_host();
    s.key = &key;
    // No recorder thread here: the test flushes in its place.
    s.sync_journal = [this] {
      sink->flush();
      return true;
    };
    s.snapshot = [this]() -> std::optional<SensorSnapshot> {
      if (!answer_snapshot) return std::nullopt;
      return SensorSnapshot{{R"({"key":"1:5","pid":1,"exe":"/sbin/init"})"}, {"fleet", 3, "ab"}};
    };
    s.now_ns = [] { return kEpoch + 100 * kSecond; };
    s.max_events = max_events;
    return DumpMaker(std::move(s));
  }
};

std::vector<json> events_of(const std::string& file) {
  auto dump = dump::read_dump(file);
  REQUIRE(dump);
  std::vector<json> out;
  for (std::string_view line : dump->section("events")->lines) out.push_back(json::parse(line));
  return out;
}

}  // namespace

TEST_CASE("dump maker: the policy's dropped events are in the dump, which verifies",
          "[recorder][dump]") {
  Rig rig;
  rig.sink->write(exec_of(10, 1 * kSecond, false));
  rig.sink->write(exec_of(11, 2 * kSecond, true));
  rig.sink->write_line(R"({"type":"health","ktime_ns":1})");
  REQUIRE(rig.sink->sync(std::chrono::milliseconds(0), [] {}) == false);  // nobody flushed yet

  auto file = rig.maker().make({});
  REQUIRE(file);
  const auto report = dump::verify_dump(*file, std::vector<std::string>{rig.key.fingerprint()});
  INFO(dump::to_json(report).dump());
  CHECK(report.ok());
  CHECK(report.counts.events == 2);
  CHECK(report.counts.policy_dropped == 1);
  CHECK(report.counts.processes == 1);
  const auto events = events_of(*file);
  REQUIRE(events.size() == 2);
  CHECK(events[1]["process"]["pid"] == 11);
  CHECK(events[1]["policy"]["dropped"] == true);
  auto dump = dump::read_dump(*file);
  CHECK(dump->section("health")->lines.size() == 1);
  const json journal = json::parse(dump->section("journal")->lines.at(0));
  CHECK(journal["ok"] == true);
  CHECK(journal["synced"] == true);
  CHECK(journal["last_seq"] == 3);
  const json policy = json::parse(dump->section("policy")->lines.at(0));
  CHECK(policy["name"] == "fleet");
}

TEST_CASE("dump maker: the scope's time range and process select the events",
          "[recorder][dump]") {
  Rig rig;
  for (uint32_t i = 0; i < 10; ++i) rig.sink->write(exec_of(20 + i % 2, (i + 1) * kSecond, false));
  dump::DumpScope scope;
  scope.from_ns = kEpoch + 3 * kSecond;
  scope.to_ns = kEpoch + 8 * kSecond;  // exclusive
  scope.pid = 21;
  auto file = rig.maker().make({scope, "uid 0", "INC-7"});
  REQUIRE(file);
  const auto events = events_of(*file);
  std::vector<uint64_t> pids;
  for (const json& e : events) pids.push_back(e["process"]["pid"]);
  CHECK(pids == std::vector<uint64_t>{21, 21});  // at 4 s and 6 s
  auto dump = dump::read_dump(*file);
  const json request = json::parse(dump->section("request")->lines.at(0));
  CHECK(request["reason"] == "INC-7");
  CHECK(dump::verify_dump(*file).ok());
}

TEST_CASE("dump maker: refuses a selection too large, and a missing snapshot",
          "[recorder][dump]") {
  Rig rig;
  for (uint32_t i = 0; i < 5; ++i) rig.sink->write(exec_of(30 + i, (i + 1) * kSecond, false));
  auto big = rig.maker(4).make({});
  REQUIRE_FALSE(big);
  CHECK_THAT(big.error().message, Catch::Matchers::Contains("more than 4 events"));
  rig.answer_snapshot = false;
  auto stuck = rig.maker().make({});
  REQUIRE_FALSE(stuck);
  CHECK_THAT(stuck.error().message, Catch::Matchers::Contains("did not answer"));
}

TEST_CASE("flight recorder: a recorder asleep with nothing to flush wakes for sync()",
          "[recorder]") {
  TempDir dir;
  const WallClock clock{static_cast<int64_t>(kEpoch)};
  auto recorder = FlightRecorder::open({.dir = dir.path + "/journal"},
                                       JsonWriter(test_host(), clock), clock);
  REQUIRE(recorder);
  REQUIRE((*recorder)->start());
  // Its stage sleeps without a deadline: only the wake from sync() serves
  // these (a lost wake-up fails after the timeout instead of hanging).
  CHECK((*recorder)->sync(std::chrono::seconds(30)));
  Event e = exec_of(10, 1 * kSecond, false);
  const ItemClass cls = classify_event(e);
  REQUIRE((*recorder)->queue().offer(std::make_unique<OutputItem>(std::move(e)), cls));
  CHECK((*recorder)->sync(std::chrono::seconds(30)));
  CHECK((*recorder)->stats().records_written == 1);
  CHECK((*recorder)->sync(std::chrono::seconds(30)));
  (*recorder)->stop();
}

}  // namespace yagura
