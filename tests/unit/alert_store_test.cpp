// SqliteAlertStore on a real database file shared with SqliteStore:
// deduplication inside and outside the window, closed alerts never reused,
// the events cap, filters, status changes, rule controls and suppressions
// across a reopen, and concurrent recorders of one behaviour.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "collector/alerts/sqlite_alert_store.h"
#include "collector/store/sqlite_store.h"
#include "tests/unit/temp_dir.h"

namespace yagura::collector {
namespace {

using testing::TempDir;

constexpr uint64_t kMinuteNs = 60'000'000'000;
constexpr uint64_t kT0 = 1'700'000'000'000'000'000;

struct Fixture {
  TempDir dir;
  std::string path = dir.path + "/collector.db";
  std::unique_ptr<SqliteAlertStore> store = open();

  std::unique_ptr<SqliteAlertStore> open() {
    auto s = SqliteAlertStore::open(path);
    REQUIRE(s);
    return std::move(*s);
  }

  RecordOutcome record(const Alert& a, uint64_t window = 10 * kMinuteNs) {
    auto r = store->record(a, window);
    REQUIRE(r);
    return *r;
  }

  std::vector<Alert> list(const AlertFilter& filter = {}) {
    auto r = store->alerts(filter);
    REQUIRE(r);
    return *r;
  }
};

Alert alert(const std::string& key, uint64_t time_ns, std::string event = "{\"n\":0}") {
  Alert a;
  a.rule_id = "exec.from-temp";
  a.title = "Execution from /tmp";
  a.severity = Severity::kHigh;
  a.sensor_id = "sensor-1";
  a.hostname = "web-1";
  a.tags = {{"team", "web"}, {"role", "frontend"}};
  a.dedup_key = key;
  a.first_ns = a.last_ns = a.detected_ns = time_ns;
  a.events = {std::move(event)};
  return a;
}

TEST_CASE("alert store: a repeat within the window is counted on the open alert") {
  Fixture f;
  auto first = f.record(alert("k1", kT0, "{\"n\":1}"));
  CHECK(first.created);
  CHECK(first.id == 1);
  CHECK(first.count == 1);
  auto again = f.record(alert("k1", kT0 + 5 * kMinuteNs, "{\"n\":2}"));
  CHECK_FALSE(again.created);
  CHECK(again.id == first.id);
  CHECK(again.count == 2);

  auto all = f.list();
  REQUIRE(all.size() == 1);
  CHECK(all[0].id == first.id);
  CHECK(all[0].count == 2);
  CHECK(all[0].first_ns == kT0);
  CHECK(all[0].last_ns == kT0 + 5 * kMinuteNs);
  CHECK(all[0].events == std::vector<std::string>{"{\"n\":1}", "{\"n\":2}"});
  CHECK(all[0].tags.at("team") == "web");
}

TEST_CASE("alert store: a repeat outside the window or with another key is a new alert") {
  Fixture f;
  auto first = f.record(alert("k1", kT0));
  auto late = f.record(alert("k1", kT0 + 11 * kMinuteNs));
  CHECK(late.created);
  CHECK(late.id != first.id);
  auto other = f.record(alert("k2", kT0));
  CHECK(other.created);
  // The latest of the two k1 alerts takes the next repeat.
  auto repeat = f.record(alert("k1", kT0 + 12 * kMinuteNs));
  CHECK(repeat.id == late.id);
  CHECK(repeat.count == 2);
  CHECK(f.list().size() == 3);
}

TEST_CASE("alert store: a closed alert is not reused, a reopened one is") {
  Fixture f;
  auto first = f.record(alert("k1", kT0));
  auto closed = f.store->set_status(first.id, AlertStatus::kClosed, "alice", "fixed", kT0 + 1);
  REQUIRE(closed);
  CHECK(*closed);
  auto next = f.record(alert("k1", kT0 + kMinuteNs));
  CHECK(next.created);
  CHECK(next.id != first.id);

  auto listed = f.list({.id = first.id});
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].status == AlertStatus::kClosed);
  CHECK(listed[0].closed_by == "alice");
  CHECK(listed[0].close_note == "fixed");
  CHECK(listed[0].closed_ns == kT0 + 1);

  REQUIRE(*f.store->set_status(next.id, AlertStatus::kClosed, "bob", "", kT0 + 2));
  REQUIRE(*f.store->set_status(next.id, AlertStatus::kOpen, "bob", "", kT0 + 3));
  auto reopened = f.list({.id = next.id});
  REQUIRE(reopened.size() == 1);
  CHECK(reopened[0].status == AlertStatus::kOpen);
  CHECK(reopened[0].closed_by.empty());
  CHECK(f.record(alert("k1", kT0 + 2 * kMinuteNs)).id == next.id);

  auto missing = f.store->set_status(999, AlertStatus::kClosed, "alice", "", kT0);
  REQUIRE(missing);
  CHECK_FALSE(*missing);
}

TEST_CASE("alert store: events are capped, later occurrences only count") {
  Fixture f;
  Alert big = alert("k1", kT0);
  big.events.clear();
  for (size_t i = 0; i < kMaxAlertEvents + 3; ++i) {
    big.events.push_back("{\"n\":" + std::to_string(i) + "}");
  }
  f.record(big);
  CHECK(f.list()[0].events.size() == kMaxAlertEvents);

  Fixture g;
  for (size_t i = 0; i < kMaxAlertEvents + 4; ++i) {
    g.record(alert("k1", kT0 + i, "{\"n\":" + std::to_string(i) + "}"));
  }
  auto a = g.list();
  REQUIRE(a.size() == 1);
  CHECK(a[0].count == kMaxAlertEvents + 4);
  REQUIRE(a[0].events.size() == kMaxAlertEvents);
  CHECK(a[0].events.front() == "{\"n\":0}");  // the oldest kept
  CHECK(a[0].events.back() == "{\"n\":" + std::to_string(kMaxAlertEvents - 1) + "}");
}

TEST_CASE("alert store: filters by host, rule, tags, severity, status and time") {
  Fixture f;
  Alert web = alert("web", kT0);
  Alert db = alert("db", kT0 + kMinuteNs);
  db.sensor_id = "sensor-2";
  db.rule_id = "persistence.cron";
  db.severity = Severity::kMedium;
  db.tags = {{"team", "data"}, {"role", "frontend"}};
  Alert low = alert("low", kT0 + 2 * kMinuteNs);
  low.severity = Severity::kLow;
  low.tags = {{"team", "web"}};
  const uint64_t web_id = f.record(web).id;
  const uint64_t db_id = f.record(db).id;
  const uint64_t low_id = f.record(low).id;

  auto ids = [&](const AlertFilter& filter) {
    std::vector<uint64_t> out;
    for (const Alert& a : f.list(filter)) out.push_back(a.id);
    return out;
  };
  using V = std::vector<uint64_t>;
  CHECK(ids({}) == V{low_id, db_id, web_id});  // newest first
  CHECK(ids({.id = db_id}) == V{db_id});
  CHECK(ids({.sensor_id = "sensor-2"}) == V{db_id});
  CHECK(ids({.rule_id = "exec.from-temp"}) == V{low_id, web_id});
  CHECK(ids({.tags = {{"team", "web"}}}) == V{low_id, web_id});
  CHECK(ids({.tags = {{"team", "web"}, {"role", "frontend"}}}) == V{web_id});
  CHECK(ids({.tags = {{"role", "frontend"}}}) == V{db_id, web_id});
  CHECK(ids({.tags = {{"team", "nobody"}}}).empty());
  CHECK(ids({.min_severity = Severity::kMedium}) == V{db_id, web_id});
  CHECK(ids({.min_severity = Severity::kHigh}) == V{web_id});
  CHECK(ids({.since_ns = kT0 + kMinuteNs}) == V{low_id, db_id});
  CHECK(ids({.until_ns = kT0 + kMinuteNs}) == V{web_id});
  CHECK(ids({.limit = 2}) == V{low_id, db_id});

  REQUIRE(*f.store->set_status(db_id, AlertStatus::kClosed, "alice", "", kT0));
  CHECK(ids({.status = AlertStatus::kOpen}) == V{low_id, web_id});
  CHECK(ids({.status = AlertStatus::kClosed}) == V{db_id});
}

TEST_CASE("alert store: rule controls and suppressions persist across a reopen") {
  Fixture f;
  REQUIRE(f.store->set_rule_control({"c2.beaconing", false, "alice", "noisy proxies", kT0}));
  REQUIRE(f.store->set_rule_control({"exec.from-temp", false, "alice", "", kT0}));
  REQUIRE(f.store->set_rule_control({"exec.from-temp", true, "bob", "fixed", kT0 + 1}));

  Suppression s;
  s.rule_id = "persistence.cron";
  s.tags = {{"team", "ops"}};
  s.condition = "exe: /usr/sbin/anacron";
  s.reason = "their cron jobs";
  s.created_by = "alice";
  s.created_ns = kT0;
  s.expires_ns = kT0 + kMinuteNs;
  s.hits = 99;  // ignored
  auto id1 = f.store->add_suppression(s);
  REQUIRE(id1);
  auto id2 = f.store->add_suppression({.sensor_id = "sensor-9", .reason = "lab host"});
  REQUIRE(id2);
  CHECK(*id2 == *id1 + 1);
  REQUIRE(f.store->count_suppression_hits(*id1, 3));
  REQUIRE(f.store->count_suppression_hits(*id1, 2));
  auto removed = f.store->remove_suppression(*id2);
  REQUIRE(removed);
  CHECK(*removed);
  CHECK_FALSE(*f.store->remove_suppression(*id2));

  f.store.reset();
  f.store = f.open();
  auto controls = f.store->rule_controls();
  REQUIRE(controls);
  REQUIRE(controls->size() == 2);
  CHECK((*controls)[0].rule_id == "c2.beaconing");
  CHECK_FALSE((*controls)[0].enabled);
  CHECK((*controls)[0].reason == "noisy proxies");
  CHECK((*controls)[1].rule_id == "exec.from-temp");
  CHECK((*controls)[1].enabled);
  CHECK((*controls)[1].changed_by == "bob");
  CHECK((*controls)[1].changed_ns == kT0 + 1);

  auto sups = f.store->suppressions();
  REQUIRE(sups);
  REQUIRE(sups->size() == 1);
  const Suppression& got = (*sups)[0];
  CHECK(got.id == *id1);
  CHECK(got.rule_id == "persistence.cron");
  CHECK(got.tags == Tags{{"team", "ops"}});
  CHECK(got.condition == "exe: /usr/sbin/anacron");
  CHECK(got.reason == "their cron jobs");
  CHECK(got.created_by == "alice");
  CHECK(got.created_ns == kT0);
  CHECK(got.expires_ns == kT0 + kMinuteNs);
  CHECK(got.hits == 5);
}

TEST_CASE("alert store: shares the collector's database with the event store") {
  Fixture f;
  f.record(alert("k1", kT0));
  // SqliteStore opens the same file after, and before, the alert store.
  auto events = SqliteStore::open(f.path);
  REQUIRE(events);
  auto hosts = (*events)->hosts();
  REQUIRE(hosts);
  f.store.reset();
  f.store = f.open();
  CHECK(f.list().size() == 1);

  TempDir other;
  const std::string path = other.path + "/collector.db";
  REQUIRE(SqliteStore::open(path));
  auto alerts = SqliteAlertStore::open(path);
  REQUIRE(alerts);
  REQUIRE((*alerts)->record(alert("k1", kT0), kMinuteNs));
}

TEST_CASE("alert store: concurrent recorders of one behaviour make one alert") {
  Fixture f;
  // A second store on the same file: another connection, as another
  // process would have.
  auto second = f.open();
  constexpr int kRounds = 20;
  std::atomic<int> errors{0};  // Catch2 assertions are not thread-safe
  auto recorder = [&](AlertStore* store, const std::string& who) {
    for (int i = 0; i < kRounds; ++i) {
      auto r = store->record(alert("same-" + std::to_string(i), kT0, "{\"by\":\"" + who + "\"}"),
                             kMinuteNs);
      if (!r) ++errors;
    }
  };
  std::thread a(recorder, f.store.get(), "a");
  std::thread b(recorder, f.store.get(), "b");
  std::thread c(recorder, second.get(), "c");
  a.join();
  b.join();
  c.join();
  CHECK(errors == 0);
  auto all = f.list();
  REQUIRE(all.size() == kRounds);
  for (const Alert& x : all) {
    CHECK(x.count == 3);
    CHECK(x.events.size() == 3);
  }
}

}  // namespace
}  // namespace yagura::collector
