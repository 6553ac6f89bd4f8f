// The alert, detection and report routes of CollectorApi, without sockets:
// a real SQLite event store for the hosts, in-memory fakes for the alert
// store and the detection engine (report_test_support.h).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "collector/alerts/alert_json.h"
#include "collector/api/collector_api.h"
#include "common/json_bytes.h"
#include "tests/unit/report_test_support.h"
#include "tests/unit/temp_dir.h"

namespace yagura::collector {
namespace {

using nlohmann::json;
using testing::FakeAlertStore;
using testing::FakeDetectionAdmin;
using testing::host_batch;

constexpr const char* kAdmin = "csirt-alice";
constexpr uint64_t kSecond = 1000000000;
constexpr uint64_t kNow = 1795327262000000000;  // 2026-11-22T06:01:02Z

Alert make_alert(const std::string& sensor, const std::string& team, const std::string& rule,
                 Severity severity, uint64_t time_ns) {
  Alert a;
  a.rule_id = rule;
  a.title = "title of " + rule;
  a.severity = severity;
  a.sensor_id = a.hostname = sensor;
  a.tags = {{"team", team}};
  a.first_ns = a.last_ns = a.detected_ns = time_ns;
  a.summary = rule + " on " + sensor;
  a.lineage = {{"4242:99", 4242, "/bin/sh", "sh -i", "www-data"}};
  return a;
}

struct Api {
  explicit Api(bool with_alerts = true, bool with_detection = true) {
    auto s = SqliteStore::open(dir.path + "/collector.db");
    REQUIRE(s);
    events = std::move(*s);
    REQUIRE(events->store_batch(host_batch("web-01", {{"team", "web"}}, 1, kNow - kSecond)));
    REQUIRE(events->store_batch(host_batch("db-01", {{"team", "db"}}, 1, kNow - 3600 * kSecond)));
    alerts.add(make_alert("web-01", "web", "reverse-shell", Severity::kCritical, kNow - 100 * kSecond));
    alerts.add(make_alert("web-01", "web", "exec.from-temp", Severity::kMedium, kNow - 50 * kSecond));
    alerts.add(make_alert("db-01", "db", "exec.from-temp", Severity::kHigh, kNow - 10 * kSecond));
    detection.rule_list = {
        {.id = "reverse-shell", .title = "Reverse shell", .severity = Severity::kCritical,
         .attack = {"T1059.004"}, .kind = "event", .matched = 4, .raised = 3},
        {.id = "c2.beaconing", .title = "Beaconing", .severity = Severity::kMedium,
         .kind = "detector", .enabled = false}};
    alerts.controls = {{"c2.beaconing", false, "csirt-bob", "noisy on the proxies", kNow}};
    CollectorApiConfig config{{kAdmin}, {}, [] { return kNow; }};
    if (with_alerts) config.alerts = &alerts;
    if (with_detection) config.detections = &detection;
    api = std::make_unique<CollectorApi>(*events, config);
  }

  ApiResponse call(const std::string& method, const std::string& target,
                   const std::string& body = "", const std::string& peer = kAdmin) {
    return api->handle({method, target, peer, "application/json", "", body});
  }
  json ok(const std::string& method, const std::string& target, const std::string& body = "",
          int status = 200) {
    ApiResponse r = call(method, target, body);
    INFO(method << " " << target << ": " << r.body);
    REQUIRE(r.status == status);
    REQUIRE(r.content_type == "application/json");
    return json::parse(protect_byte_escapes(r.body));
  }
  std::vector<uint64_t> ids(const std::string& target) {
    std::vector<uint64_t> out;
    const json answer = ok("GET", target);
    for (const json& a : answer["alerts"]) out.push_back(a["id"]);
    return out;
  }

  yagura::testing::TempDir dir;
  std::unique_ptr<SqliteStore> events;
  FakeAlertStore alerts;
  FakeDetectionAdmin detection;
  std::unique_ptr<CollectorApi> api;
};

TEST_CASE("alerts api: administrators only, and 503 when not configured", "[collector][api]") {
  Api c;
  for (const char* target : {"/v1/admin/alerts", "/v1/admin/alerts/1", "/v1/admin/detections/rules",
                             "/v1/admin/detections/suppressions", "/v1/admin/reports"}) {
    INFO(target);
    CHECK(c.call("GET", target, "", "web-01").status == 403);
  }
  CHECK(c.call("POST", "/v1/admin/alerts/1/close", "", "web-01").status == 403);
  CHECK(c.alerts.stored[0].status == AlertStatus::kOpen);
  CHECK(c.call("POST", "/v1/admin/detections/rules/reverse-shell/disable", "", "web-01").status ==
        403);
  CHECK(c.detection.changes.empty());

  Api bare(false, false);
  CHECK(bare.call("GET", "/v1/admin/alerts").status == 503);
  CHECK(bare.call("GET", "/v1/admin/reports").status == 503);
  CHECK(bare.call("GET", "/v1/admin/detections/rules").status == 503);
  Api no_detection(true, false);
  CHECK(no_detection.call("GET", "/v1/admin/alerts").status == 200);
  CHECK(no_detection.call("GET", "/v1/admin/detections/suppressions").status == 503);
}

TEST_CASE("alerts api: listing with filters", "[collector][api]") {
  Api c;
  CHECK(c.ids("/v1/admin/alerts") == std::vector<uint64_t>{3, 2, 1});  // newest first
  CHECK(c.ids("/v1/admin/alerts?sensor=web-01") == std::vector<uint64_t>{2, 1});
  CHECK(c.ids("/v1/admin/alerts?rule=exec.from-temp") == std::vector<uint64_t>{3, 2});
  CHECK(c.ids("/v1/admin/alerts?tag=team%3Dweb") == std::vector<uint64_t>{2, 1});
  CHECK(c.ids("/v1/admin/alerts?tag=team=db&tag=team=db") == std::vector<uint64_t>{3});
  CHECK(c.ids("/v1/admin/alerts?severity=high") == std::vector<uint64_t>{3, 1});
  CHECK(c.ids("/v1/admin/alerts?status=closed").empty());
  CHECK(c.ids("/v1/admin/alerts?since=2026-11-22T06:00:00Z&until=2026-11-22T06:00:30Z") ==
        std::vector<uint64_t>{2});
  CHECK(c.ids("/v1/admin/alerts?limit=1") == std::vector<uint64_t>{3});

  // Each element is the alert's one JSON form.
  const json all = c.ok("GET", "/v1/admin/alerts?sensor=db-01");
  CHECK(all["alerts"][0] == json::parse(alert_to_json(c.alerts.stored[2])));

  for (const char* bad : {"/v1/admin/alerts?severity=urgent", "/v1/admin/alerts?status=done",
                          "/v1/admin/alerts?tag=team", "/v1/admin/alerts?since=yesterday",
                          "/v1/admin/alerts?colour=red", "/v1/admin/alerts?limit=0",
                          "/v1/admin/alerts?tag=team=web&tag=team=db",
                          "/v1/admin/alerts?since=2026-11-22T06:00:00Z&until=2026-11-22T05:00:00Z"}) {
    INFO(bad);
    CHECK(c.call("GET", bad).status == 400);
  }
  CHECK(c.call("POST", "/v1/admin/alerts").status == 405);
  c.alerts.fail = true;
  CHECK(c.call("GET", "/v1/admin/alerts").status == 503);
}

TEST_CASE("alerts api: one alert, closed and reopened by an administrator", "[collector][api]") {
  Api c;
  const json one = c.ok("GET", "/v1/admin/alerts/1");
  CHECK(one["rule"] == "reverse-shell");
  CHECK(one["lineage"][0]["command_line"] == "sh -i");
  CHECK(c.call("GET", "/v1/admin/alerts/9").status == 404);
  CHECK(c.call("GET", "/v1/admin/alerts/x").status == 400);
  CHECK(c.call("GET", "/v1/admin/alerts/0").status == 400);

  const json closed =
      c.ok("POST", "/v1/admin/alerts/1/close", R"({"note": "INC-42: pentest, agreed"})");
  CHECK(closed["status"] == "closed");
  CHECK(closed["closed_by"] == kAdmin);
  CHECK(c.alerts.stored[0].close_note == "INC-42: pentest, agreed");
  CHECK(c.alerts.stored[0].closed_ns == kNow);
  CHECK(c.ids("/v1/admin/alerts?status=closed") == std::vector<uint64_t>{1});

  CHECK(c.ok("POST", "/v1/admin/alerts/1/reopen")["status"] == "open");
  CHECK(c.alerts.stored[0].status == AlertStatus::kOpen);

  CHECK(c.call("POST", "/v1/admin/alerts/9/close").status == 404);
  CHECK(c.call("POST", "/v1/admin/alerts/1/close", R"({"notes": "x"})").status == 400);
  CHECK(c.call("POST", "/v1/admin/alerts/1/close", R"({"note": 7})").status == 400);
  CHECK(c.call("POST", "/v1/admin/alerts/1/close", "not json").status == 400);
  CHECK(c.call("GET", "/v1/admin/alerts/1/close").status == 405);
  CHECK(c.call("POST", "/v1/admin/alerts/1/delete").status == 404);
}

TEST_CASE("detections api: rules with counters, switched off and on", "[collector][api]") {
  Api c;
  const json rules = c.ok("GET", "/v1/admin/detections/rules")["rules"];
  REQUIRE(rules.size() == 2);
  CHECK(rules[0]["id"] == "reverse-shell");
  CHECK(rules[0]["raised"] == 3);
  CHECK(rules[0]["attack"] == json::array({"T1059.004"}));
  CHECK(rules[0]["changed"].is_null());
  CHECK(rules[1]["enabled"] == false);
  CHECK(rules[1]["changed"]["by"] == "csirt-bob");
  CHECK(rules[1]["changed"]["reason"] == "noisy on the proxies");

  CHECK(c.ok("POST", "/v1/admin/detections/rules/reverse-shell/disable",
             R"({"reason": "pentest this week"})")["enabled"] == false);
  REQUIRE(c.detection.changes.size() == 1);
  CHECK(c.detection.changes[0].by == kAdmin);
  CHECK(c.detection.changes[0].reason == "pentest this week");
  CHECK_FALSE(c.detection.rule_list[0].enabled);
  CHECK(c.ok("POST", "/v1/admin/detections/rules/reverse-shell/enable")["enabled"] == true);
  CHECK(c.detection.rule_list[0].enabled);

  CHECK(c.call("POST", "/v1/admin/detections/rules/no-such/disable").status == 404);
  CHECK(c.call("POST", "/v1/admin/detections/rules/reverse-shell/mute").status == 404);
  CHECK(c.call("GET", "/v1/admin/detections/rules/reverse-shell/enable").status == 405);
  CHECK(c.call("POST", "/v1/admin/detections/rules").status == 405);
}

TEST_CASE("detections api: suppressions added, listed and removed", "[collector][api]") {
  Api c;
  const json added = c.ok("POST", "/v1/admin/detections/suppressions",
                          R"({"rule": "exec.from-temp", "tags": {"team": "web"},
                              "condition": "process.exe: /tmp/installer",
                              "reason": "vendor installer", "expires_in_seconds": 3600})",
                          201);
  CHECK(added["id"] == 1);
  CHECK(added["created_by"] == kAdmin);
  CHECK(added["expires"] == "2026-11-22T07:01:02.000000000Z");
  REQUIRE(c.detection.added.size() == 1);
  const Suppression& s = c.detection.added[0];
  CHECK(s.rule_id == "exec.from-temp");
  CHECK(s.tags == Tags{{"team", "web"}});
  CHECK(s.condition == "process.exe: /tmp/installer");
  CHECK(s.created_ns == kNow);
  CHECK(s.expires_ns == kNow + 3600 * kSecond);

  const json list = c.ok("GET", "/v1/admin/detections/suppressions")["suppressions"];
  REQUIRE(list.size() == 1);
  CHECK(list[0]["reason"] == "vendor installer");
  CHECK(list[0]["sensor"] == "");

  // The engine's reason for refusing reaches the administrator.
  ApiResponse bad = c.call("POST", "/v1/admin/detections/suppressions",
                           R"({"rule": "exec.from-temp", "condition": "proces.exe: /tmp/x"})");
  CHECK(bad.status == 400);
  CHECK(bad.body == "condition: line 1: unknown field \"proces.exe\"");
  for (const char* body : {R"({"reason": "everything"})", R"({"rule": 3})",
                           R"({"rule": "x", "tags": {"team": 1}})", R"({"rule": "x", "expires": 1})",
                           R"({"rule": "x", "expires_in_seconds": -1})", "[]"}) {
    INFO(body);
    CHECK(c.call("POST", "/v1/admin/detections/suppressions", body).status == 400);
  }
  CHECK(c.detection.added.size() == 1);

  CHECK(c.ok("POST", "/v1/admin/detections/suppressions/1/remove")["removed"] == true);
  CHECK(c.detection.added.empty());
  CHECK(c.call("POST", "/v1/admin/detections/suppressions/1/remove").status == 404);
  CHECK(c.call("POST", "/v1/admin/detections/suppressions/x/remove").status == 400);
  CHECK(c.call("DELETE", "/v1/admin/detections/suppressions").status == 405);
}

TEST_CASE("reports api: a team's report in each format", "[collector][api]") {
  Api c;
  const json web = c.ok("GET", "/v1/admin/reports?tag=team=web&period=1d");
  CHECK(web["scope"] == "team=web");
  CHECK(web["since"] == "2026-11-21T06:01:02.000000000Z");
  CHECK(web["open_alerts_total"] == 2);
  CHECK(web["hosts"].size() == 1);
  const json all = c.ok("GET", "/v1/admin/reports");
  CHECK(all["scope"] == "all");
  CHECK(all["since"] == "2026-11-15T06:01:02.000000000Z");  // the default week
  CHECK(all["hosts_not_reporting"][0]["sensor_id"] == "db-01");

  ApiResponse md = c.call("GET", "/v1/admin/reports?tag=team=db&format=md");
  CHECK(md.status == 200);
  CHECK(md.content_type.starts_with("text/markdown"));
  CHECK(md.body.starts_with("# Yagura report: team=db"));
  ApiResponse html = c.call("GET", "/v1/admin/reports?format=html");
  CHECK(html.status == 200);
  CHECK(html.content_type.starts_with("text/html"));

  for (const char* bad : {"/v1/admin/reports?format=pdf", "/v1/admin/reports?period=7",
                          "/v1/admin/reports?period=0d", "/v1/admin/reports?tag=web",
                          "/v1/admin/reports?team=web"}) {
    INFO(bad);
    CHECK(c.call("GET", bad).status == 400);
  }
  CHECK(c.call("POST", "/v1/admin/reports").status == 405);
}

}  // namespace
}  // namespace yagura::collector
