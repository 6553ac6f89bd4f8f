// Sequences within a time window, related by process and key, and the
// bounds on the state they keep.
#include <catch2/catch.hpp>
#include <string>

#include "collector/detect/beacon_tracker.h"
#include "collector/detect/detection_rules.h"
#include "collector/detect/lru_map.h"
#include "collector/detect/sequence_tracker.h"
#include "detection_test_support.h"

namespace yagura::collector {
namespace {

using testing::connect;
using testing::Event;
using testing::exec;
using testing::file;
using testing::record_of;

std::shared_ptr<const DetectionRules> rules(const std::string& steps_yaml,
                                            const std::string& within = "30s") {
  auto r = compile_detections("detections: {name: t, version: 1}\nrules:\n"
                              "  - id: s\n    title: S\n    severity: high\n"
                              "    sequence:\n      within: " + within + "\n      steps:\n" +
                                  steps_yaml,
                              "t.yaml");
  INFO((r ? "" : r.error().message));
  REQUIRE(r);
  return *r;
}

// Offers one event as the engine does: which steps it satisfies, its keys.
struct Harness {
  std::shared_ptr<const DetectionRules> set;
  SequenceTracker tracker;
  policy::MatchState state;
  std::vector<EventRecord> records;  // kept alive for the views

  explicit Harness(std::shared_ptr<const DetectionRules> r, size_t capacity = 64)
      : set(std::move(r)), tracker(set->rules[0], capacity), state(set->program) {}

  std::optional<SequenceMatch> offer(const Event& e) {
    records.push_back(record_of(e));
    auto view = EventView::parse(records.back());
    REQUIRE(view);
    const DetectionRule& rule = set->rules[0];
    state.begin(view->fields());
    std::vector<bool> matched;
    std::vector<std::string> keys;
    for (const CompiledStep& s : rule.steps) {
      matched.push_back((s.types & view->type_bit()) && (!s.when || state.holds(*s.when)));
      std::string key;
      for (uint32_t slot : s.key_slots)
        if (key.empty() && !state.values(slot).empty()) key = state.values(slot).front();
      keys.push_back(key);
    }
    return tracker.offer(*view, matched, keys);
  }
};

const std::string kConnectThenShell = R"(
        - {types: [network], when: {network.action: connect}}
        - {types: [exec], by: descendant, when: {process.exe: /bin/sh}}
)";

TEST_CASE("sequence: completes within the window, in order, by a descendant",
          "[collector][detect][sequence]") {
  Harness h(rules(kConnectThenShell));
  CHECK_FALSE(h.offer(connect("100:1", "/usr/bin/python3", "10.0.0.9", 4444).at(10)));
  auto done = h.offer(exec("101:2", "/bin/sh").parent("100:1", "/usr/bin/python3").at(20));
  REQUIRE(done);
  CHECK(done->events.size() == 2);
  CHECK(done->first_ktime_ns == 10 * testing::kSecond);
}

TEST_CASE("sequence: the window runs from the first step", "[collector][detect][sequence]") {
  Harness h(rules(kConnectThenShell));
  CHECK_FALSE(h.offer(connect("100:1", "/usr/bin/python3", "10.0.0.9", 4444).at(10)));
  CHECK_FALSE(h.offer(exec("101:2", "/bin/sh").parent("100:1", "/usr/bin/python3").at(41)));
  // Exactly at the edge still counts.
  CHECK_FALSE(h.offer(connect("200:1", "/usr/bin/python3", "10.0.0.9", 4444).at(50)));
  CHECK(h.offer(exec("201:2", "/bin/sh").parent("200:1", "/usr/bin/python3").at(80)));
}

TEST_CASE("sequence: steps out of order or in an unrelated process do not match",
          "[collector][detect][sequence]") {
  Harness h(rules(kConnectThenShell));
  CHECK_FALSE(h.offer(exec("101:2", "/bin/sh").parent("100:1", "/usr/bin/python3").at(5)));
  CHECK_FALSE(h.offer(connect("100:1", "/usr/bin/python3", "10.0.0.9", 4444).at(6)));
  // A shell elsewhere on the host.
  CHECK_FALSE(h.offer(exec("300:2", "/bin/sh").parent("299:1", "/usr/bin/bash").at(7)));
  // The process itself counts as its own descendant (nc -e: it connects, then execs sh).
  CHECK(h.offer(exec("100:1", "/bin/sh").parent("99:1", "/usr/bin/bash").at(8)));
}

TEST_CASE("sequence: child and process relations", "[collector][detect][sequence]") {
  SECTION("child: the parent of the later step") {
    Harness h(rules(R"(
        - {types: [network], when: {network.action: connect}}
        - {types: [exec], by: child}
)"));
    h.offer(connect("100:1", "/x", "10.0.0.9", 80).at(1));
    CHECK_FALSE(h.offer(exec("102:1", "/bin/sh").parent("101:1", "/y").ancestor("100:1", "/x", 100).at(2)));
    CHECK(h.offer(exec("101:1", "/bin/sh").parent("100:1", "/x").at(3)));
  }
  SECTION("process: the same process only") {
    Harness h(rules(R"(
        - {types: [network], when: {network.action: connect}}
        - {types: [file], by: process}
)"));
    h.offer(connect("100:1", "/x", "10.0.0.9", 80).at(1));
    CHECK_FALSE(h.offer(file("101:1", "/x", "open", "/tmp/a").parent("100:1", "/x").at(2)));
    CHECK(h.offer(file("100:1", "/x", "open", "/tmp/a").at(3)));
  }
}

TEST_CASE("sequence: keys must be equal, across processes of the host",
          "[collector][detect][sequence]") {
  Harness h(rules(R"(
        - {types: [file], when: {process.exe: /usr/bin/curl}, key: file.path}
        - {types: [exec, file], by: host, key: [file.path, process.exe]}
)", "10m"));
  h.offer(file("100:1", "/usr/bin/curl", "open", "/tmp/payload").at(1));
  CHECK_FALSE(h.offer(exec("200:1", "/tmp/other").at(2)));
  auto done = h.offer(exec("201:1", "/tmp/payload").at(3));
  REQUIRE(done);
  CHECK(done->events.size() == 2);
  // A chmod names the file in file.path: the first key field present.
  CHECK(h.offer(file("202:1", "/bin/chmod", "chmod", "/tmp/payload").at(4)));
}

TEST_CASE("sequence: partial matches are bounded, the least recently used forgotten",
          "[collector][detect][sequence]") {
  Harness h(rules(kConnectThenShell), 4);
  for (int i = 0; i < 10; ++i)
    h.offer(connect(std::to_string(100 + i) + ":1", "/x", "10.0.0.9", 80).at(1));
  CHECK(h.tracker.size() == 4);
  CHECK(h.tracker.evicted() == 6);
  // The first ones are gone, the last ones still complete.
  CHECK_FALSE(h.offer(exec("500:1", "/bin/sh").parent("100:1", "/x").at(2)));
  CHECK(h.offer(exec("501:1", "/bin/sh").parent("109:1", "/x").at(2)));
  // A process repeating the first step keeps one entry.
  for (int i = 0; i < 5; ++i) h.offer(connect("109:1", "/x", "10.0.0.9", 80).at(3));
  CHECK(h.tracker.size() == 4);
}

TEST_CASE("lru map: bounded, least recently used out first", "[collector][detect]") {
  LruMap<int, int> m(2);
  m.put(1, 10);
  m.put(2, 20);
  REQUIRE(m.find(1));  // 1 is now the most recent
  m.put(3, 30);
  CHECK(m.find(2) == nullptr);
  CHECK(*m.find(1) == 10);
  CHECK(*m.find(3) == 30);
  CHECK(m.evicted() == 1);
}

TEST_CASE("beacon: regular intervals are a beacon, irregular ones are not",
          "[collector][detect]") {
  DetectorParams p;
  p.min_connections = 5;
  p.max_jitter_percent = 10;
  p.min_interval_ns = testing::kSecond;
  BeaconTracker beacons(p, 16);
  std::optional<uint64_t> period;
  for (uint64_t t : {100, 110, 121, 130, 140})
    period = beacons.offer("1:1", "10.0.0.9:443", t * testing::kSecond);
  REQUIRE(period);
  CHECK(*period == 10 * testing::kSecond);

  std::optional<uint64_t> irregular;
  for (uint64_t t : {100, 103, 121, 122, 140, 171})
    irregular = irregular ? irregular : beacons.offer("2:1", "10.0.0.9:443", t * testing::kSecond);
  CHECK_FALSE(irregular);
  // Faster than min_interval: a burst, not a beacon.
  std::optional<uint64_t> burst;
  for (uint64_t t = 0; t < 10; ++t) burst = beacons.offer("3:1", "10.0.0.9:443", t * 1000);
  CHECK_FALSE(burst);
}

}  // namespace
}  // namespace yagura::collector
