// Alert names and the alert's JSON line: every member round-trips, events
// are embedded as JSON (a "\udcXX" byte escape kept as the sensor wrote it),
// raw bytes in strings survive, and malformed input is refused.
#include "collector/alerts/alert_json.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "common/json_bytes.h"

namespace yagura::collector {
namespace {

Alert full_alert() {
  Alert a;
  a.id = 42;
  a.rule_id = "exec.from-temp";
  a.title = "Execution from a temporary directory";
  a.description = "Droppers run from /tmp.";
  a.severity = Severity::kHigh;
  a.attack = {"T1059.004", "T1105"};
  a.sensor_id = "sensor-1";
  a.hostname = "web-1";
  a.boot_id = "boot-1";
  a.tags = {{"team", "web"}, {"role", "frontend"}};
  a.dedup_key = "exec.from-temp|sensor-1|boot-1|100:5";
  a.first_ns = 1'700'000'000'123'456'789;
  a.last_ns = 1'700'000'100'000'000'001;
  a.detected_ns = 1'700'000'100'500'000'000;
  a.count = 3;
  a.summary = "/tmp/x run by bash";
  a.process_key = "200:7";
  a.lineage = {{"200:7", 200, "/tmp/x", std::string("/tmp/x --name \xff\xfe"), "www-data"},
               {"100:5", 100, "/bin/bash", "bash -i", "www-data"}};
  a.events = {R"({"type":"exec","process":{"pid":200,"exe":"/tmp/x"}})",
              R"({"type":"open","file":{"path":"/tmp/\udcff"}})"};
  a.related = {{"exe_sha256", "ab12", 2, {"web-2", "web-3"}}};
  a.next_steps = {"yaguractl dump --sensor sensor-1 --process 200:7"};
  a.status = AlertStatus::kClosed;
  a.closed_by = "alice";
  a.close_note = "benign test";
  a.closed_ns = 1'700'000'200'000'000'000;
  return a;
}

void require_equal(const Alert& a, const Alert& b) {
  CHECK(a.id == b.id);
  CHECK(a.rule_id == b.rule_id);
  CHECK(a.title == b.title);
  CHECK(a.description == b.description);
  CHECK(a.severity == b.severity);
  CHECK(a.attack == b.attack);
  CHECK(a.sensor_id == b.sensor_id);
  CHECK(a.hostname == b.hostname);
  CHECK(a.boot_id == b.boot_id);
  CHECK(a.tags == b.tags);
  CHECK(a.dedup_key == b.dedup_key);
  CHECK(a.first_ns == b.first_ns);
  CHECK(a.last_ns == b.last_ns);
  CHECK(a.detected_ns == b.detected_ns);
  CHECK(a.count == b.count);
  CHECK(a.summary == b.summary);
  CHECK(a.process_key == b.process_key);
  REQUIRE(a.lineage.size() == b.lineage.size());
  for (size_t i = 0; i < a.lineage.size(); ++i) {
    CHECK(a.lineage[i].key == b.lineage[i].key);
    CHECK(a.lineage[i].pid == b.lineage[i].pid);
    CHECK(a.lineage[i].exe == b.lineage[i].exe);
    CHECK(a.lineage[i].command_line == b.lineage[i].command_line);
    CHECK(a.lineage[i].user == b.lineage[i].user);
  }
  CHECK(a.events == b.events);
  REQUIRE(a.related.size() == b.related.size());
  for (size_t i = 0; i < a.related.size(); ++i) {
    CHECK(a.related[i].kind == b.related[i].kind);
    CHECK(a.related[i].value == b.related[i].value);
    CHECK(a.related[i].host_count == b.related[i].host_count);
    CHECK(a.related[i].hosts == b.related[i].hosts);
  }
  CHECK(a.next_steps == b.next_steps);
  CHECK(a.status == b.status);
  CHECK(a.closed_by == b.closed_by);
  CHECK(a.close_note == b.close_note);
  CHECK(a.closed_ns == b.closed_ns);
}

TEST_CASE("severity and status names round-trip and unknown names are refused") {
  for (Severity s : {Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical}) {
    CHECK(parse_severity(severity_name(s)) == s);
  }
  CHECK(std::string(severity_name(Severity::kCritical)) == "critical");
  CHECK_FALSE(parse_severity("High"));
  CHECK_FALSE(parse_severity(""));
  CHECK(parse_alert_status("open") == AlertStatus::kOpen);
  CHECK(parse_alert_status("closed") == AlertStatus::kClosed);
  CHECK_FALSE(parse_alert_status("resolved"));
}

TEST_CASE("an alert round-trips through its JSON line") {
  const Alert a = full_alert();
  const std::string line = alert_to_json(a);
  CHECK(line.find('\n') == std::string::npos);
  auto back = alert_from_json(line);
  REQUIRE(back);
  require_equal(a, *back);
}

TEST_CASE("the alert line is JSON with events embedded as objects and readable times") {
  const Alert a = full_alert();
  const std::string line = alert_to_json(a);
  // The byte escape is spliced in as the sensor wrote it.
  CHECK(line.find(R"("path":"/tmp/\udcff")") != std::string::npos);
  // A byte in a command line is written the same way.
  CHECK(line.find(R"(--name \udcff\udcfe")") != std::string::npos);

  auto j = nlohmann::json::parse(protect_byte_escapes(line));
  CHECK(j["rule"] == "exec.from-temp");
  CHECK(j["severity"] == "high");
  CHECK(j["host"]["tags"]["team"] == "web");
  CHECK(j["first_time"] == "2023-11-14T22:13:20.123456789Z");
  CHECK(j["first_time_ns"] == a.first_ns);
  CHECK(j["status"] == "closed");
  REQUIRE(j["events"].is_array());
  REQUIRE(j["events"].size() == 2);
  CHECK(j["events"][0]["process"]["pid"] == 200);
  CHECK(to_bytes(j["events"][1]["file"]["path"].get<std::string>()) == "/tmp/\xff");
  CHECK(j["lineage"][1]["command_line"] == "bash -i");
  CHECK(j["related"][0]["hosts"][1] == "web-3");
}

TEST_CASE("an open alert has no close time") {
  Alert a = full_alert();
  a.status = AlertStatus::kOpen;
  a.closed_by.clear();
  a.close_note.clear();
  a.closed_ns = 0;
  auto j = nlohmann::json::parse(protect_byte_escapes(alert_to_json(a)));
  CHECK(j["closed_time"].is_null());
  CHECK(j["status"] == "open");
}

TEST_CASE("an event that is not JSON is embedded as a string and comes back as it was") {
  Alert a = full_alert();
  a.events = {"not json {", "{\"a\":1}\n", ""};
  const std::string line = alert_to_json(a);
  auto j = nlohmann::json::parse(protect_byte_escapes(line));
  CHECK(j["events"][0] == "not json {");
  CHECK(j["events"][1]["a"] == 1);  // trailing newline trimmed, still an object
  CHECK(j["events"][2] == "");
  auto back = alert_from_json(line);
  REQUIRE(back);
  CHECK(back->events == std::vector<std::string>{"not json {", "{\"a\":1}", ""});
}

TEST_CASE("malformed alert JSON is refused with the reason") {
  CHECK_FALSE(alert_from_json("[1,2]"));
  CHECK_FALSE(alert_from_json("{\"rule\":"));
  auto bad_severity = alert_from_json(R"({"rule":"r","severity":"urgent"})");
  REQUIRE_FALSE(bad_severity);
  CHECK(bad_severity.error().message.find("urgent") != std::string::npos);
  auto bad_count = alert_from_json(R"({"rule":"r","count":"3"})");
  REQUIRE_FALSE(bad_count);
  CHECK(bad_count.error().message.find("count") != std::string::npos);
  auto bad_pid = alert_from_json(R"({"lineage":[{"pid":-1}]})");
  CHECK_FALSE(bad_pid);
}

}  // namespace
}  // namespace yagura::collector
