// The team report: what it counts for one team and for every host, and the
// three renderings, with an attacker's command line in an alert summary
// that must come out as text, never as markup.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "collector/reports/report_render.h"
#include "collector/reports/team_report.h"
#include "common/json_bytes.h"
#include "tests/unit/report_test_support.h"
#include "tests/unit/temp_dir.h"

namespace yagura::collector {
namespace {

using nlohmann::json;
using testing::FakeAlertStore;
using testing::host_batch;

constexpr uint64_t kSecond = 1000000000;
constexpr uint64_t kHour = 3600 * kSecond;
constexpr uint64_t kDay = 24 * kHour;
constexpr uint64_t kNow = 1795327262000000000 + 30 * kDay;  // 2026-12-22T06:01:02Z
// Markup, a byte that is not UTF-8, and terminal escapes (OSC, then C1 CSI).
const std::string kHostile =
    "curl x|sh </td><script>alert(1)</script> & *\x01\xff\x1b]0;pwned\x07\xc2\x9b" "2J";

Alert alert(const std::string& sensor, Tags tags, const std::string& rule, Severity severity,
            uint64_t first_ns, uint64_t last_ns, uint64_t count = 1,
            AlertStatus status = AlertStatus::kOpen) {
  Alert a;
  a.rule_id = rule;
  a.title = "title of " + rule;
  a.severity = severity;
  a.sensor_id = sensor;
  a.hostname = sensor;
  a.tags = std::move(tags);
  a.first_ns = first_ns;
  a.last_ns = last_ns;
  a.count = count;
  a.status = status;
  a.summary = rule + " on " + sensor;
  return a;
}

struct Fleet {
  Fleet() {
    auto s = SqliteStore::open(dir.path + "/collector.db");
    REQUIRE(s);
    events = std::move(*s);
    const Tags web1 = {{"team", "web"}, {"role", "front"}}, web = {{"team", "web"}},
               db = {{"team", "db"}};
    store(host_batch("web-01", web1, 1, kNow - 60 * kSecond));
    store(host_batch("web-02", web, 1, kNow - 3 * kHour));
    // web-02 lost batches 2 and 3 and said so; 4 never came.
    IncomingBatch late = host_batch("web-02", web, 5, kNow - 2 * kHour);
    late.gaps.push_back({.first_sequence = 2, .last_sequence = 3, .events = 40,
                         .reason = "spool_full"});
    store(late);
    store(host_batch("db-01", db, 1, kNow - 5 * 60 * kSecond));

    alerts.add(alert("web-01", web1, "reverse-shell", Severity::kCritical, kNow - kDay,
                     kNow - kHour, 3));
    Alert hostile = alert("web-02", web, "exec.from-temp", Severity::kHigh, kNow - 2 * kDay,
                          kNow - 2 * kDay);
    hostile.summary = kHostile;
    alerts.add(hostile);
    alerts.add(alert("web-01", web1, "exec.from-temp", Severity::kMedium, kNow - 3 * kDay,
                     kNow - 3 * kDay, 2, AlertStatus::kClosed));
    // Raised before the period, still open.
    alerts.add(alert("web-01", web1, "c2.rare-destination", Severity::kLow, kNow - 20 * kDay,
                     kNow - 20 * kDay));
    alerts.add(alert("db-01", db, "reverse-shell", Severity::kCritical, kNow - kHour,
                     kNow - kHour));
  }

  void store(const IncomingBatch& b) {
    auto r = events->store_batch(b);
    INFO((r ? "" : r.error().message));
    REQUIRE(r);
  }

  TeamReport report(const std::string& key, const std::string& value, size_t max_open = 100) {
    TeamReportRequest r{.tag_key = key,
                        .tag_value = value,
                        .since_ns = kNow - 7 * kDay,
                        .until_ns = kNow,
                        .now_ns = kNow,
                        .max_open_alerts = max_open};
    auto built = build_team_report(*events, alerts, r);
    REQUIRE(built);
    return *built;
  }

  yagura::testing::TempDir dir;
  std::unique_ptr<SqliteStore> events;
  FakeAlertStore alerts;
};

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST_CASE("team report: one team's hosts, alerts, rules, silence and gaps", "[reports]") {
  Fleet fleet;
  const TeamReport r = fleet.report("team", "web");
  CHECK(r.scope == "team=web");

  REQUIRE(r.hosts.size() == 2);
  CHECK(r.hosts[0].sensor_id == "web-01");
  CHECK_FALSE(r.hosts[0].silent);
  CHECK(r.hosts[0].open_alerts == 2);
  CHECK(r.hosts[0].period_alerts == 2);
  CHECK(r.hosts[0].tags.at("role") == "front");
  CHECK(r.hosts[1].sensor_id == "web-02");
  CHECK(r.hosts[1].silent);  // two hours without a batch
  CHECK(r.hosts[1].open_alerts == 1);
  CHECK(r.hosts[1].period_alerts == 1);

  // low, medium, high, critical
  CHECK(r.open_by_severity == SeverityCounts{1, 0, 1, 1});
  CHECK(r.raised_by_severity == SeverityCounts{0, 1, 1, 1});
  CHECK(r.open_total == 3);
  REQUIRE(r.open_alerts.size() == 3);
  CHECK(r.open_alerts[0].rule_id == "reverse-shell");  // newest first
  CHECK(r.open_alerts[1].summary == kHostile);
  CHECK(r.open_alerts[2].rule_id == "c2.rare-destination");

  REQUIRE(r.top_rules.size() == 2);
  CHECK(r.top_rules[0].rule_id == "exec.from-temp");
  CHECK(r.top_rules[0].alerts == 2);
  CHECK(r.top_rules[0].occurrences == 3);
  CHECK(r.top_rules[0].severity == Severity::kHigh);
  CHECK(r.top_rules[1].rule_id == "reverse-shell");
  CHECK(r.top_rules[1].occurrences == 3);

  REQUIRE(r.gaps.size() == 1);
  CHECK(r.gaps[0].sensor_id == "web-02");
  REQUIRE(r.gaps[0].reported.size() == 1);
  CHECK(r.gaps[0].reported[0].reason == "spool_full");
  CHECK(r.gaps[0].lost_events == 40);
  REQUIRE(r.gaps[0].missing.size() == 1);
  CHECK(r.gaps[0].missing[0].first == 4);
  CHECK(r.gaps[0].missing[0].last == 4);
}

TEST_CASE("team report: every host, and the open list capped but fully counted", "[reports]") {
  Fleet fleet;
  const TeamReport all = fleet.report("", "");
  CHECK(all.scope == "all");
  CHECK(all.hosts.size() == 3);
  CHECK(all.open_total == 4);
  CHECK(all.open_by_severity == SeverityCounts{1, 0, 1, 2});

  const TeamReport capped = fleet.report("team", "web", 1);
  CHECK(capped.open_total == 3);
  REQUIRE(capped.open_alerts.size() == 1);
  CHECK(capped.open_alerts[0].rule_id == "reverse-shell");

  const TeamReport none = fleet.report("team", "nobody");
  CHECK(none.hosts.empty());
  CHECK(none.open_total == 0);
  CHECK(none.gaps.empty());

  fleet.alerts.fail = true;
  TeamReportRequest r{.since_ns = 0, .until_ns = kNow, .now_ns = kNow};
  CHECK_FALSE(build_team_report(*fleet.events, fleet.alerts, r));
}

TEST_CASE("team report: JSON", "[reports]") {
  Fleet fleet;
  const json j = json::parse(protect_byte_escapes(render_report_json(fleet.report("team", "web"))));
  CHECK(j["scope"] == "team=web");
  CHECK(j["since"] == "2026-12-15T06:01:02.000000000Z");
  CHECK(j["open_by_severity"] == json{{"critical", 1}, {"high", 1}, {"medium", 0}, {"low", 1}});
  CHECK(j["open_alerts_total"] == 3);
  REQUIRE(j["open_alerts"].size() == 3);
  CHECK(j["open_alerts"][0]["rule"] == "reverse-shell");
  CHECK(j["open_alerts"][0]["count"] == 3);
  CHECK(j["open_alerts"][0]["hostname"] == "web-01");
  CHECK(j["top_rules"][0]["rule"] == "exec.from-temp");
  REQUIRE(j["hosts_not_reporting"].size() == 1);
  CHECK(j["hosts_not_reporting"][0]["sensor_id"] == "web-02");
  CHECK(j["sensors_with_gaps"][0]["missing"] == json::array({{{"first_sequence", 4}, {"last_sequence", 4}}}));
  CHECK(j["hosts"][0]["alerts_in_period"] == 2);
  // The byte that is not UTF-8 keeps its "\udcXX" form, as in events.
  CHECK(render_report_json(fleet.report("team", "web")).find("\\udcff") != std::string::npos);
}

TEST_CASE("team report: Markdown escapes what it quotes", "[reports]") {
  Fleet fleet;
  const std::string md = render_report_markdown(fleet.report("team", "web"));
  CHECK(md.starts_with("# Yagura report: team=web\n"));
  CHECK(md.find("| 1 | critical |") != std::string::npos);
  CHECK(md.find("| exec.from-temp | title of exec.from-temp | high | 2 | 3 |") !=
        std::string::npos);
  CHECK(md.find("| web-02 | web-02 | 1 (spool\\_full) | 40 | 1 |") != std::string::npos);
  // The summary stays in its cell, as text.
  CHECK(md.find("| curl x\\|sh \\</td\\>\\<script\\>alert(1)\\</script\\> \\& \\* \xEF\xBF\xBD "
                "\\]0;pwned  2J |") != std::string::npos);
  CHECK(md.find("<script>") == std::string::npos);
  for (const char* control : {"\x01", "\x1b", "\x07", "\xc2\x9b"}) {
    INFO(int(control[0]));
    CHECK(md.find(control) == std::string::npos);
  }
}

TEST_CASE("team report: HTML is one page and quotes everything as text", "[reports]") {
  Fleet fleet;
  const std::string page = render_report_html(fleet.report("team", "web"));
  CHECK(page.starts_with("<!DOCTYPE html>"));
  CHECK(page.find("<style>") != std::string::npos);
  CHECK(count_of(page, "<script") == 0);
  CHECK(count_of(page, "src=") == 0);
  CHECK(page.find("<td>curl x|sh &lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; * "
                  "\xEF\xBF\xBD ]0;pwned  2J</td>") != std::string::npos);
  for (const char* control : {"\x01", "\x1b", "\x07", "\xc2\x9b"}) {
    INFO(int(control[0]));
    CHECK(page.find(control) == std::string::npos);
  }
  CHECK(page.find("<td class=\"sev-critical\">critical</td>") != std::string::npos);
  CHECK(count_of(page, "<table>") == 6);
  CHECK(page.find("Every host reported.") == std::string::npos);  // web-02 did not

  const std::string quiet = render_report_html(fleet.report("team", "nobody"));
  CHECK(quiet.find("No open alert.") != std::string::npos);
  CHECK(quiet.find("Every host reported.") != std::string::npos);
}

TEST_CASE("team report: formats by name", "[reports]") {
  CHECK(parse_report_format("md") == ReportFormat::kMarkdown);
  CHECK(parse_report_format("html") == ReportFormat::kHtml);
  CHECK(parse_report_format("json") == ReportFormat::kJson);
  CHECK_FALSE(parse_report_format("pdf"));
  CHECK(std::string(report_content_type(ReportFormat::kHtml)).starts_with("text/html"));
}

}  // namespace
}  // namespace yagura::collector
