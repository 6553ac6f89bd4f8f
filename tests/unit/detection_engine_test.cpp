// The detection engine over stored batches with the built-in detections:
// one alert per behaviour and process tree (counted), lineage and host tags
// in it, suppressions and switches applied live, sensor tampering noticed.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "collector/alerts/sqlite_alert_store.h"
#include "collector/detect/detection_engine.h"
#include "collector/store/sqlite_store.h"
#include "detection_test_support.h"
#include "temp_dir.h"

namespace yagura::collector {
namespace {

using testing::batch;
using testing::connect;
using testing::Event;
using testing::exec;
using testing::file;
using testing::kBootUtcNs;
using testing::kSecond;

struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<EventStore> events;
  std::unique_ptr<SqliteAlertStore> alerts;
  std::vector<Alert> delivered;
  uint64_t now = kBootUtcNs + 1000 * kSecond;
  uint64_t sequence = 0;
  std::unique_ptr<DetectionEngine> engine;

  explicit Fixture(uint64_t reorder_ns = 0,
                   std::string_view rules_text = builtin_detections_text()) {
    auto e = SqliteStore::open(dir.path + "/collector.db");
    REQUIRE(e);
    events = std::move(*e);
    auto a = SqliteAlertStore::open(dir.path + "/collector.db");
    REQUIRE(a);
    alerts = std::move(*a);
    auto rules = compile_detections(rules_text, "rules");
    REQUIRE(rules);
    DetectionSettings settings;
    settings.reorder_ns = reorder_ns;
    engine = std::make_unique<DetectionEngine>(
        *rules, *events, *alerts, [this](const Alert& a) { delivered.push_back(a); }, settings,
        [this] { return now; });
  }

  void send(const std::vector<Event>& list, const std::string& sensor = "web-01") {
    IncomingBatch b = batch(list, ++sequence, sensor);
    REQUIRE(events->store_batch(b));
    engine->process(b);
  }

  std::vector<Alert> stored(const std::string& rule) {
    AlertFilter f;
    f.rule_id = rule;
    auto list = alerts->alerts(f);
    REQUIRE(list);
    return *list;
  }
};

Event reverse_shell(const std::string& key, uint64_t at) {
  Event e = exec(key, "/bin/bash", "bash -i").parent("300:1", "/usr/bin/bash", 300).at(at);
  e.ancestor("200:1", "/usr/sbin/sshd", 200).ancestor("1:1", "/lib/systemd/systemd", 1);
  e.json["process"]["stdio"] = {{"stdin", {{"type", "socket"}, {"ino", 77}}},
                                {"stdout", {{"type", "socket"}, {"ino", 77}}},
                                {"stderr", {{"type", "socket"}, {"ino", 77}}}};
  return e;
}

TEST_CASE("engine: a reverse shell raises one alert with lineage, tags and next steps",
          "[collector][detect][engine]") {
  Fixture f;
  f.send({reverse_shell("301:5", 10)});
  REQUIRE(f.delivered.size() == 1);
  const Alert& a = f.delivered[0];
  CHECK(a.rule_id == "reverse-shell.socket-stdio");
  CHECK(a.severity == Severity::kCritical);
  CHECK(a.tags.at("team") == "web");
  CHECK(a.hostname == "web-01");
  REQUIRE(a.lineage.size() == 4);
  CHECK(a.lineage[0].command_line == "bash -i");
  CHECK(a.lineage[1].exe == "/usr/bin/bash");
  CHECK_THAT(a.summary, Catch::Contains("with stdin and stdout on a socket"));
  CHECK(a.events.size() == 1);
  CHECK(a.first_ns == kBootUtcNs + 10 * kSecond);
  REQUIRE_FALSE(a.next_steps.empty());
  // The tree under sshd: the shell's parent (the session) is its root.
  CHECK_THAT(a.next_steps[0], Catch::Contains("yaguractl dump request --sensor web-01 --process 300:1"));
  CHECK(a.id != 0);
}

TEST_CASE("engine: the same behaviour in the same tree is one alert, counted",
          "[collector][detect][engine]") {
  Fixture f;
  f.send({reverse_shell("301:5", 10), reverse_shell("302:5", 20)});
  f.send({reverse_shell("303:5", 30)});
  CHECK(f.delivered.size() == 1);
  auto stored = f.stored("reverse-shell.socket-stdio");
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].count == 3);
  CHECK(stored[0].last_ns == kBootUtcNs + 30 * kSecond);
  // Another tree: another alert.
  Event other = reverse_shell("401:5", 40).parent("400:1", "/usr/bin/bash", 400);
  f.send({other});
  CHECK(f.delivered.size() == 2);
  // Two rules of one group on one tree: still one alert. A connect, then the
  // shell that process starts (bash /dev/tcp: the child connects, then execs).
  Event connected = connect("501:1", "/usr/bin/bash", "10.1.2.3", 4444).at(50);
  connected.parent("500:1", "/usr/bin/bash", 500);
  Event shell = reverse_shell("501:1", 51).parent("500:1", "/usr/bin/bash", 500);
  f.send({connected, shell});
  auto all = f.delivered;
  size_t reverse = 0;
  for (const Alert& a : all) reverse += a.rule_id.rfind("reverse-shell", 0) == 0;
  CHECK(reverse == 3);
}

TEST_CASE("engine: a host's events are analysed in kernel-time order across batches",
          "[collector][detect][engine]") {
  // The sensor's process lane can deliver a shell's exec before the
  // activity lane delivers the connect that came first.
  Fixture f(5 * kSecond);
  Event connected = connect("501:1", "/usr/bin/python3", "10.1.2.3", 8443).at(50);
  Event shell = exec("502:1", "/bin/sh").parent("501:1", "/usr/bin/python3", 501).at(51);
  f.send({shell});
  f.now += kSecond;
  f.send({connected});
  CHECK(f.stored("reverse-shell.after-connect").empty());  // still held
  f.engine->release(f.now + 6 * kSecond);
  CHECK(f.stored("reverse-shell.after-connect").size() == 1);
}

TEST_CASE("engine: download and execute, by the path the download wrote",
          "[collector][detect][engine]") {
  Fixture f;
  Event write = file("600:1", "/usr/bin/curl", "open", "/usr/local/bin/tool").at(100);
  write.parent("599:1", "/usr/bin/bash", 599);
  Event chmod = file("601:1", "/usr/bin/chmod", "chmod", "/usr/local/bin/tool").at(101);
  chmod.json["file"]["mode"] = "0000755";
  chmod.parent("599:1", "/usr/bin/bash", 599);
  Event run = exec("602:1", "/usr/local/bin/tool").parent("599:1", "/usr/bin/bash", 599).at(102);
  f.send({write, chmod, run});
  auto alerts = f.stored("download-execute.downloaded-file");
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].count == 2);  // made executable, then run
  CHECK(alerts[0].events.size() == 4);  // each occurrence adds its two events
  CHECK_THAT(alerts[0].summary, Catch::Contains("curl (pid 600, alice) created /usr/local/bin/tool"));
  // Ten minutes later the same path is no longer the download's.
  Event late = exec("603:1", "/usr/local/bin/tool").parent("598:1", "/usr/bin/bash", 598).at(800);
  f.send({late});
  CHECK(f.stored("download-execute.downloaded-file")[0].count == 2);
}

TEST_CASE("engine: suppressions and switched-off rules hide detections at once",
          "[collector][detect][engine]") {
  Fixture f;
  Suppression s;
  s.rule_id = "exec.from-temporary-directory";
  s.condition = "process.exe: {prefix: /tmp/build-}";
  s.reason = "CI builds";
  s.created_by = "csirt";
  auto id = f.engine->add_suppression(s);
  REQUIRE(id);
  f.send({exec("700:1", "/tmp/build-1/test").parent("1:1", "/lib/systemd/systemd", 1).at(5)});
  CHECK(f.delivered.empty());
  f.send({exec("701:1", "/tmp/x").parent("1:1", "/lib/systemd/systemd", 1).at(6)});
  CHECK(f.delivered.size() == 1);
  auto listed = f.engine->suppressions();
  REQUIRE(listed);
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0].hits == 1);

  REQUIRE(f.engine->set_enabled("exec.from-temporary-directory", false, "csirt", "noisy"));
  f.send({exec("702:1", "/tmp/y").parent("1:1", "/lib/systemd/systemd", 1).at(7)});
  CHECK(f.delivered.size() == 1);
  for (const DetectionRuleInfo& r : f.engine->rules())
    if (r.id == "exec.from-temporary-directory") {
      CHECK_FALSE(r.enabled);
      CHECK(r.raised == 1);
      CHECK(r.suppressed == 1);
    }

  SECTION("a bad condition or an unknown rule is refused with the reason") {
    Suppression bad = s;
    bad.condition = "process.exe: {prefx: /tmp}";
    auto refused = f.engine->add_suppression(bad);
    REQUIRE_FALSE(refused);
    CHECK_THAT(refused.error().message, Catch::Contains("prefx"));
    bad.condition = "";
    bad.rule_id = "no.such-rule";
    CHECK_FALSE(f.engine->add_suppression(bad));
    CHECK_FALSE(*f.engine->set_enabled("no.such-rule", false, "csirt", ""));
  }
}

TEST_CASE("engine: ptrace of another user's process, by the target's owner",
          "[collector][detect][engine]") {
  Fixture f;
  Event target = exec("800:1", "/usr/bin/sleep").uid(65534).at(1);
  Event own = exec("801:1", "/usr/bin/sleep").uid(0).at(1);
  auto attach = [](const std::string& target_key, uint64_t at) {
    Event e = testing::event("tamper", "810:1", "/usr/bin/gdb").uid(0).at(at);
    e.json["tamper"] = {{"action", "ptrace"}, {"result", 0}, {"success", true},
                        {"request", "PTRACE_ATTACH"},
                        {"target", {{"pid", 1}, {"key", target_key}}}};
    return e;
  };
  f.send({target, own, attach("801:1", 2)});
  CHECK(f.stored("evasion.ptrace-other-user").empty());
  f.send({attach("800:1", 3)});
  auto alerts = f.stored("evasion.ptrace-other-user");
  REQUIRE(alerts.size() == 1);
  CHECK_THAT(alerts[0].summary, Catch::Contains("uid 65534"));

}

TEST_CASE("engine: a ptrace target's exec arriving after the attach is put back in order",
          "[collector][detect][engine]") {
  // The sensor holds an exec for its hash, so the attach can be sent first.
  Fixture f(5 * kSecond);
  Event target = exec("820:1", "/usr/bin/sleep").uid(1001).parent("819:1", "/bin/sh").at(3);
  Event attach = testing::event("tamper", "810:1", "/usr/bin/gdb").uid(0).at(4);
  attach.json["tamper"] = {{"action", "ptrace"}, {"result", 0}, {"success", true},
                           {"request", "PTRACE_ATTACH"}, {"target", {{"pid", 820}, {"key", "820:1"}}}};
  f.send({attach});
  f.now += kSecond;
  f.send({target});
  f.engine->release(f.now + 6 * kSecond);
  auto alerts = f.stored("evasion.ptrace-other-user");
  REQUIRE(alerts.size() == 1);
  CHECK_THAT(alerts[0].summary, Catch::Contains("uid 1001"));
}

TEST_CASE("engine: beaconing to one destination", "[collector][detect][engine]") {
  Fixture f;
  std::vector<Event> list;
  for (uint64_t i = 0; i < 6; ++i) list.push_back(connect("900:1", "/tmp/.x", "10.9.9.9", 8443).at(10 + 5 * i));
  f.send(list);
  auto alerts = f.stored("c2.beaconing");
  REQUIRE(alerts.size() == 1);
  CHECK_THAT(alerts[0].summary, Catch::Contains("every 5 s"));
}

TEST_CASE("engine: sensor tampering: gaps, silence, a policy not pushed",
          "[collector][detect][engine]") {
  Fixture f;
  f.send({});
  IncomingBatch jump = batch({}, 5);
  REQUIRE(f.events->store_batch(jump));
  f.engine->process(jump);
  auto gaps = f.stored("sensor.gap");
  REQUIRE(gaps.size() == 1);
  CHECK_THAT(gaps[0].summary, Catch::Contains("batches 2-4 never arrived"));

  IncomingBatch changed = batch({}, 6);
  changed.policy = {"local", 9, "bb"};
  REQUIRE(f.events->store_batch(changed));
  f.engine->process(changed);
  CHECK(f.stored("sensor.policy-change").size() == 1);

  // A policy pushed through the collector is expected.
  PolicyRecord pushed{10, "fleet", "cc", {}, 1, "csirt", "x", "y"};
  REQUIRE(f.events->add_policy(pushed));
  IncomingBatch distributed = batch({}, 7);
  distributed.policy = {"fleet", 10, "cc"};
  REQUIRE(f.events->store_batch(distributed));
  f.engine->process(distributed);
  CHECK(f.stored("sensor.policy-change").size() == 1);

  f.engine->tick(distributed.received_ns + 5 * 60 * kSecond);
  CHECK(f.stored("sensor.silent").empty());
  f.engine->tick(distributed.received_ns + 11 * 60 * kSecond);
  f.engine->tick(distributed.received_ns + 12 * 60 * kSecond);
  CHECK(f.stored("sensor.silent").size() == 1);
}

TEST_CASE("engine: a batch submitted after stop is counted, not silently lost",
          "[collector][detect][engine]") {
  Fixture f;
  REQUIRE(f.engine->start());
  f.engine->stop();
  f.engine->submit(batch({reverse_shell("301:5", 10)}, 1));
  CHECK(f.engine->stats().refused_after_stop == 1);
  CHECK(f.delivered.empty());
}

}  // namespace
}  // namespace yagura::collector
