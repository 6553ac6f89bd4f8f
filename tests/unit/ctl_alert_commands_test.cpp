// yaguractl's alert, detection and report commands: the text they print
// (safe from an attacker's escape sequences), their time and length
// arguments, and each command against the real API behind TLS, with fake
// alert store and detection engine to see what reached them.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "collector/alerts/alert_json.h"
#include "collector/api/collector_api.h"
#include "collector/server/https_server.h"
#include "common/read_file.h"
#include "ctl/alert_commands.h"
#include "ctl/alert_text.h"
#include "ctl/collector_client.h"
#include "tests/unit/report_test_support.h"
#include "tests/unit/temp_dir.h"
#include "tests/unit/test_pki.h"

namespace yagura::collector {
namespace {

using nlohmann::json;

constexpr uint64_t kSecond = 1000000000;
constexpr uint64_t kNow = 1795327262000000000;  // 2026-11-22T06:01:02Z
// An OSC retitling the terminal, a CSI clearing it, a C1 CSI, a raw byte.
const std::string kEvil = "sh -c 'id'\x1b]0;owned\x07\x1b[2J\xc2\x9bK\xff";

Alert evil_alert() {
  Alert a;
  a.id = 7;
  a.rule_id = "reverse-shell";
  a.title = "Reverse shell";
  a.severity = Severity::kCritical;
  a.attack = {"T1059.004"};
  a.sensor_id = a.hostname = "web-01";
  a.tags = {{"team", "web"}, {"role", "front"}};
  a.first_ns = kNow - 60 * kSecond;
  a.last_ns = kNow;
  a.count = 2;
  a.summary = "shell on a socket: " + kEvil;
  a.lineage = {{"4242:99", 4242, "/bin/sh", kEvil, "www-data"},
               {"4100:50", 4100, "/usr/sbin/nginx", "nginx: worker process", "www-data"}};
  a.events = {R"({"type":"exec","time":"2026-11-22T06:01:02.000000000Z","process":{"pid":4242,"command_line":"sh -i"}})",
              R"({"type":"network","time":"2026-11-22T06:01:01.000000000Z","process":{"pid":4242},"network":{"action":"connect","destination":{"ip":"203.0.113.9","port":4444}}})"};
  a.related = {{"remote_ip", "203.0.113.9", 2, {"web-02", "db-01"}}};
  a.next_steps = {"yaguractl dump request --sensor web-01 --process 4242:99 --descendants --reason INC"};
  return a;
}

bool has_control(const std::string& text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7f) return true;
    if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xa0)
      return true;
  }
  return false;
}

TEST_CASE("yaguractl alert text: tables and details print no control character", "[ctl]") {
  const Alert a = evil_alert();
  auto list = ctl::parse_answer("{\"alerts\":[" + alert_to_json(a) + "]}");
  REQUIRE(list);
  const std::string table = ctl::alerts_table(*list);
  INFO(table);
  CHECK(table.starts_with("ID  SEVERITY  LAST SEEN (UTC)      HOST    TEAM  RULE           COUNT  SUMMARY\n"));
  CHECK(table.find("7   critical  2026-11-22 06:01:02  web-01  web   reverse-shell  2      shell on a socket: sh -c 'id'?]0;owned??[2J?K?") !=
        std::string::npos);
  CHECK_FALSE(has_control(table));

  auto one = ctl::parse_answer(alert_to_json(a));
  REQUIRE(one);
  const std::string details = ctl::alert_details(*one);
  INFO(details);
  CHECK_FALSE(has_control(details));
  CHECK(details.starts_with("Alert 7: Reverse shell\n"));
  CHECK(details.find("Host        web-01 (sensor web-01)  role=front team=web\n") != std::string::npos);
  CHECK(details.find("  pid 4242  /bin/sh  (www-data)  key 4242:99\n    $ sh -c 'id'?]0;owned") !=
        std::string::npos);
  CHECK(details.find("    pid 4100  /usr/sbin/nginx") != std::string::npos);  // the parent, indented
  CHECK(details.find("2026-11-22 06:01:01  network  pid 4242  connect 203.0.113.9:4444") !=
        std::string::npos);
  CHECK(details.find("remote_ip 203.0.113.9: 2 host(s) (web-02, db-01)") != std::string::npos);
  CHECK(details.find("  1. yaguractl dump request --sensor web-01") != std::string::npos);

  CHECK(ctl::alerts_table(json{{"alerts", json::array()}}) == "no alerts\n");
  CHECK(ctl::terminal_text("caf\xc3\xa9\ttab") == "caf\xc3\xa9 tab");
}

TEST_CASE("yaguractl alert commands: lengths and ages", "[ctl]") {
  CHECK(*ctl::parse_duration_seconds("90s") == 90);
  CHECK(*ctl::parse_duration_seconds("7d") == 7 * 86400);
  CHECK(*ctl::parse_duration_seconds("2w") == 14 * 86400);
  for (const char* bad : {"", "7", "d", "0d", "7y", "-1d", "1.5h", "99999999999999d"}) {
    INFO(bad);
    CHECK_FALSE(ctl::parse_duration_seconds(bad));
  }
  CHECK(*ctl::since_parameter("2h", kNow) == std::to_string(kNow - 7200 * kSecond));
  CHECK(*ctl::since_parameter("-2h", kNow) == std::to_string(kNow - 7200 * kSecond));
  CHECK(*ctl::since_parameter("2026-11-22T00:00:00Z", kNow) == "2026-11-22T00:00:00Z");
  CHECK(*ctl::since_parameter("1795327262000000000", kNow) == "1795327262000000000");
  CHECK_FALSE(ctl::since_parameter("0h", kNow));
}

TEST_CASE("yaguractl alert commands against the collector", "[ctl]") {
  yagura::testing::TempDir dir;
  auto events = SqliteStore::open(dir.path + "/collector.db");
  REQUIRE(events);
  REQUIRE((*events)->store_batch(testing::host_batch("web-01", {{"team", "web"}}, 1, kNow)));
  testing::FakeAlertStore alerts;
  testing::FakeDetectionAdmin detection;
  detection.rule_list = {{.id = "reverse-shell", .title = "Reverse shell"}};
  alerts.add(evil_alert());  // id 1
  CollectorApiConfig config{{"csirt"}, {}, [] { return kNow; }};
  config.alerts = &alerts;
  config.detections = &detection;
  CollectorApi api(**events, config);
  const std::string& pki = yagura::testing::our_pki();
  auto server = HttpsServer::start(
      {.port = 0,
       .tls = {pki + "/collector.pem", pki + "/collector.key", pki + "/ca.pem"},
       .threads = 1},
      api);
  REQUIRE(server);
  const std::vector<std::string> connection = {
      "--collector", "https://127.0.0.1:" + std::to_string((*server)->port()),
      "--ca",        pki + "/ca.pem",
      "--cert",      pki + "/admin-csirt.pem",
      "--key",       pki + "/admin-csirt.key"};
  auto run = [&](int (*command)(const ctl::ParsedArgs&), std::vector<ctl::OptionSpec> options,
                 size_t positional, std::vector<std::string> args) {
    const ctl::CommandSpec spec{"test", "", "", ctl::with_connection_options(std::move(options)),
                                positional, positional, command};
    args.insert(args.end(), connection.begin(), connection.end());
    auto parsed = spec.parse(args);
    REQUIRE(parsed);
    return command(*parsed);
  };
  using ctl::any_number_of_values;
  using ctl::flag;
  using ctl::optional_value;
  using ctl::required_value;

  CHECK(run(ctl::alerts, {optional_value("severity"), optional_value("since"), flag("json")}, 0,
            {"--severity", "high", "--since", "2026-11-22T06:00:00Z"}) == ctl::kExitOk);
  CHECK(run(ctl::alerts, {optional_value("severity")}, 0, {"--severity", "urgent"}) ==
        ctl::kExitRefused);  // 400
  CHECK(run(ctl::alert_show, {flag("json")}, 1, {"1"}) == ctl::kExitOk);

  CHECK(run(ctl::alert_close, {optional_value("note")}, 1, {"1", "--note", "INC-42 contained"}) ==
        ctl::kExitOk);
  CHECK(alerts.stored[0].status == AlertStatus::kClosed);
  CHECK(alerts.stored[0].closed_by == "csirt");
  CHECK(alerts.stored[0].close_note == "INC-42 contained");
  CHECK(run(ctl::alert_close, {optional_value("note")}, 1, {"8"}) == ctl::kExitRefused);  // 404
  CHECK(run(ctl::alert_close, {optional_value("note")}, 1, {"x"}) == ctl::kExitRefused);

  CHECK(run(ctl::detection_disable, {optional_value("reason")}, 1,
            {"reverse-shell", "--reason", "pentest"}) == ctl::kExitOk);
  CHECK_FALSE(detection.rule_list[0].enabled);
  REQUIRE(detection.changes.size() == 1);
  CHECK(detection.changes[0].reason == "pentest");
  CHECK(run(ctl::detection_rules, {flag("json")}, 0, {}) == ctl::kExitOk);

  const std::vector<ctl::OptionSpec> suppress = {
      required_value("rule"), optional_value("host"), any_number_of_values("tag"),
      optional_value("when"), optional_value("reason"), optional_value("expires")};
  CHECK(run(ctl::detection_suppress, suppress, 0,
            {"--rule", "reverse-shell", "--tag", "team=web", "--when", "process.exe: /usr/bin/x",
             "--reason", "lab", "--expires", "7d"}) == ctl::kExitOk);
  REQUIRE(detection.added.size() == 1);
  CHECK(detection.added[0].tags == Tags{{"team", "web"}});
  CHECK(detection.added[0].condition == "process.exe: /usr/bin/x");
  CHECK(detection.added[0].expires_ns == kNow + 7 * 86400 * kSecond);
  CHECK(detection.added[0].created_by == "csirt");
  // The engine's refusal is the command's.
  CHECK(run(ctl::detection_suppress, suppress, 0,
            {"--rule", "reverse-shell", "--when", "proces.exe: x"}) == ctl::kExitRefused);
  CHECK(run(ctl::detection_suppress, suppress, 0, {"--rule", "r", "--expires", "soon"}) ==
        ctl::kExitRefused);
  CHECK(run(ctl::detection_suppressions, {flag("json")}, 0, {}) == ctl::kExitOk);
  CHECK(run(ctl::detection_unsuppress, {}, 1, {"1"}) == ctl::kExitOk);
  CHECK(detection.added.empty());

  const std::string out = dir.path + "/web.html";
  CHECK(run(ctl::report, {optional_value("tag"), optional_value("format"), optional_value("out")},
            0, {"--tag", "team=web", "--format", "html", "--out", out}) == ctl::kExitOk);
  auto page = read_file(out);
  REQUIRE(page);
  CHECK(page->starts_with("<!DOCTYPE html>"));
  CHECK(page->find("Yagura report: team=web") != std::string::npos);
  CHECK(run(ctl::report, {optional_value("format")}, 0, {"--format", "pdf"}) == ctl::kExitRefused);
  (*server)->stop();
}

}  // namespace
}  // namespace yagura::collector
