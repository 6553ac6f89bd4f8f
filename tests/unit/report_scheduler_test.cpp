// Scheduled reports: one set of files per value of the tag and one for all
// hosts, named by the UTC date, replaced by a later run the same day; the
// thread runs at once and stops promptly.
#include "collector/reports/report_scheduler.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "common/read_file.h"
#include "tests/unit/report_test_support.h"
#include "tests/unit/temp_dir.h"

namespace yagura::collector {
namespace {

using nlohmann::json;
using testing::FakeAlertStore;
using testing::host_batch;

constexpr uint64_t kSecond = 1000000000;
constexpr uint64_t kNow = 1795327262000000000;  // 2026-11-22T06:01:02Z

struct Setup {
  Setup() {
    auto s = SqliteStore::open(dir.path + "/collector.db");
    REQUIRE(s);
    events = std::move(*s);
    uint64_t seq = 0;
    for (auto [sensor, team] : {std::pair{"web-01", "web"}, {"db-01", "db"}, {"odd-01", "a/b c"}}) {
      REQUIRE(events->store_batch(host_batch(sensor, {{"team", team}}, ++seq, kNow - kSecond)));
    }
    REQUIRE(events->store_batch(host_batch("lab-01", {{"role", "lab"}}, 9, kNow - kSecond)));
    Alert a;
    a.rule_id = "reverse-shell";
    a.severity = Severity::kCritical;
    a.sensor_id = a.hostname = "web-01";
    a.tags = {{"team", "web"}};
    a.first_ns = a.last_ns = kNow - 60 * kSecond;
    alerts.add(a);
  }

  std::set<std::string> files() const {
    std::set<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir.path + "/reports"))
      out.insert(e.path().filename().string());
    return out;
  }

  yagura::testing::TempDir dir;
  std::unique_ptr<SqliteStore> events;
  FakeAlertStore alerts;
  std::vector<std::string> logged;
};

TEST_CASE("report scheduler: a run writes each team's report and one for all", "[reports]") {
  Setup s;
  ReportScheduler scheduler(*s.events, s.alerts, {.dir = s.dir.path + "/reports"},
                            [] { return kNow; }, [&](const std::string& l) { s.logged.push_back(l); });
  auto written = scheduler.run_once(kNow);
  REQUIRE(written);
  CHECK(written->size() == 12);
  const std::set<std::string> expected = {
      "all-2026-11-22.json",        "all-2026-11-22.md",        "all-2026-11-22.html",
      "team-web-2026-11-22.json",   "team-web-2026-11-22.md",   "team-web-2026-11-22.html",
      "team-db-2026-11-22.json",    "team-db-2026-11-22.md",    "team-db-2026-11-22.html",
      "team-a_b_c-2026-11-22.json", "team-a_b_c-2026-11-22.md", "team-a_b_c-2026-11-22.html"};
  CHECK(s.files() == expected);

  auto web = read_file(s.dir.path + "/reports/team-web-2026-11-22.json");
  REQUIRE(web);
  const json j = json::parse(*web);
  CHECK(j["scope"] == "team=web");
  CHECK(j["open_alerts_total"] == 1);
  CHECK(j["since"] == "2026-11-15T06:01:02.000000000Z");  // the default week
  auto all = read_file(s.dir.path + "/reports/all-2026-11-22.json");
  REQUIRE(all);
  CHECK(json::parse(*all)["hosts"].size() == 4);
  auto odd = read_file(s.dir.path + "/reports/team-a_b_c-2026-11-22.md");
  REQUIRE(odd);
  CHECK(odd->starts_with("# Yagura report: team=a/b c\n"));

  // The same day again: the same files, replaced; no temporary left behind.
  s.alerts.stored.clear();
  REQUIRE(scheduler.run_once(kNow + 3600 * kSecond));
  CHECK(s.files() == expected);
  CHECK(json::parse(*read_file(s.dir.path + "/reports/team-web-2026-11-22.json"))
            ["open_alerts_total"] == 0);
}

TEST_CASE("report scheduler: chosen formats, another tag, failures reported", "[reports]") {
  Setup s;
  ReportScheduler by_role(*s.events, s.alerts,
                          {.dir = s.dir.path + "/reports", .tag_key = "role", .formats = {"md"}},
                          [] { return kNow; }, [](const std::string&) {});
  auto written = by_role.run_once(kNow);
  REQUIRE(written);
  CHECK(s.files() == std::set<std::string>{"all-2026-11-22.md", "role-lab-2026-11-22.md"});

  s.alerts.fail = true;
  CHECK_FALSE(by_role.run_once(kNow));

  CHECK(check_report_schedule({.dir = "/x", .interval_ns = kSecond}));
  CHECK_FALSE(check_report_schedule({.dir = "", .interval_ns = kSecond}));
  CHECK_FALSE(check_report_schedule({.dir = "/x", .formats = {"pdf"}}));
  CHECK_FALSE(check_report_schedule({.dir = "/x", .formats = {"md", "md"}}));
  CHECK_FALSE(check_report_schedule({.dir = "/x", .tag_key = ""}));
  CHECK_FALSE(check_report_schedule({.dir = "/x", .period_ns = 0}));
}

TEST_CASE("report scheduler: the thread runs at start and stops at once", "[reports]") {
  Setup s;
  // An interval of a day: stop() must not wait for it.
  ReportScheduler scheduler(*s.events, s.alerts,
                            {.dir = s.dir.path + "/reports", .interval_ns = 86400 * kSecond,
                             .formats = {"json"}},
                            [] { return kNow; }, [](const std::string&) {});
  scheduler.start();
  const std::string first = s.dir.path + "/reports/all-2026-11-22.json";
  for (int i = 0; i < 500 && ::access(first.c_str(), F_OK) != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(::access(first.c_str(), F_OK) == 0);
  scheduler.stop();
  scheduler.stop();  // twice is harmless
}

}  // namespace
}  // namespace yagura::collector
