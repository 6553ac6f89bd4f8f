// SqliteStore on a real database file: durability settings, deduplication,
// host state, gaps, the queries behind the CSIRT's questions, the policy
// registry, and a storage failure reported as an error.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <string>

#include "collector/store/sqlite_store.h"
#include "tests/unit/temp_dir.h"

namespace yagura::collector {
namespace {

using testing::TempDir;

// A second, independent connection, as an operator's sqlite3 shell would be.
struct RawDb {
  explicit RawDb(const std::string& path) { REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK); }
  ~RawDb() { sqlite3_close(db); }
  std::string text(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return out;
  }
  int exec(const std::string& sql) {
    return sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  }
  sqlite3* db = nullptr;
};

struct Fixture {
  TempDir dir;
  std::string path = dir.path + "/collector.db";
  std::unique_ptr<SqliteStore> store = open();

  std::unique_ptr<SqliteStore> open(SqliteStoreOptions options = {}) {
    auto s = SqliteStore::open(path, options);
    REQUIRE(s);
    return std::move(*s);
  }
};

EventRecord event(uint64_t time_ns, std::string type, std::string key, std::string json) {
  EventRecord e;
  e.time_ns = time_ns;
  e.type = std::move(type);
  e.boot_id = "boot-1";
  e.process_key = std::move(key);
  e.json = std::move(json);
  return e;
}

IncomingBatch batch(const std::string& sensor, uint64_t sequence) {
  IncomingBatch b;
  b.sensor_id = sensor;
  b.sequence = sequence;
  b.created_ns = 1000 + sequence;
  b.received_ns = 2000 + sequence;
  b.host = HostInfo{sensor + ".example", "boot-1", "6.1.0", {{"team", "a"}}};
  b.policy = PolicyRef{"fleet", 1, "aa"};
  b.health = {{"pipeline.event_queue.dropped", static_cast<int64_t>(sequence)}};
  b.event_schema = 2;
  b.events.push_back(
      event(sequence * 100, "exec", "1:1", "{\"seq\":" + std::to_string(sequence) + "}"));
  return b;
}

StoreOutcome store(EventStore& s, const IncomingBatch& b) {
  auto outcome = s.store_batch(b);
  REQUIRE(outcome);
  return *outcome;
}

TEST_CASE("sqlite store: WAL, FULL sync and the schema version are on the file",
          "[collector][store]") {
  Fixture f;
  RawDb raw(f.path);
  CHECK(raw.text("PRAGMA journal_mode") == "wal");
  CHECK(raw.text("PRAGMA user_version") == std::to_string(SqliteStore::kSchemaVersion));
}

TEST_CASE("sqlite store: a newer schema is refused, not overwritten", "[collector][store]") {
  Fixture f;
  f.store.reset();
  {
    RawDb raw(f.path);
    REQUIRE(raw.exec("PRAGMA user_version = 99") == SQLITE_OK);
  }
  auto refused = SqliteStore::open(f.path);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("schema version 99"));
}

TEST_CASE("sqlite store: a (sensor, sequence) is stored once and survives reopening",
          "[collector][store]") {
  Fixture f;
  CHECK(store(*f.store, batch("web-01", 1)) == StoreOutcome::kStored);
  IncomingBatch again = batch("web-01", 1);
  again.received_ns += 5000;  // sent again later: the same batch
  CHECK(store(*f.store, again) == StoreOutcome::kDuplicate);
  // The same number for another batch (sealed at another time, or with
  // other events): the sensor's numbering went back.
  IncomingBatch other = batch("web-01", 1);
  other.events.push_back(event(999, "exec", "2:2", "{}"));
  CHECK(store(*f.store, other) == StoreOutcome::kSequenceReused);
  other = batch("web-01", 1);
  other.created_ns += 1;
  CHECK(store(*f.store, other) == StoreOutcome::kSequenceReused);
  // Another sensor's sequence 1 is its own.
  CHECK(store(*f.store, batch("web-02", 1)) == StoreOutcome::kStored);

  f.store = f.open();  // as after a restart
  CHECK(*f.store->has_batch("web-01", 1));
  CHECK_FALSE(*f.store->has_batch("web-01", 2));
  auto events = f.store->host_events({"web-01", 0, 1000000, "", 100});
  REQUIRE(events);
  REQUIRE(events->size() == 1);  // the other batch's extra event was not kept
  CHECK(events->front().json == "{\"seq\":1}");
  auto host = f.store->host("web-01");
  REQUIRE(host);
  REQUIRE(*host);
  CHECK((*host)->batches == 1);
}

TEST_CASE("sqlite store: host state follows the newest batch, counters every batch",
          "[collector][store]") {
  Fixture f;
  IncomingBatch newer = batch("web-01", 5);
  newer.host.tags = {{"team", "b"}};
  newer.policy = PolicyRef{"fleet", 3, "cc"};
  store(*f.store, newer);
  IncomingBatch late = batch("web-01", 4);  // from a spool, after sequence 5
  late.host.tags = {{"team", "old"}};
  late.received_ns = 9999;
  store(*f.store, late);

  auto host = f.store->host("web-01");
  REQUIRE(host);
  REQUIRE(*host);
  const HostRecord& h = **host;
  CHECK(h.host.hostname == "web-01.example");
  CHECK(h.host.tags == Tags{{"team", "b"}});
  CHECK(h.policy.version == 3);
  CHECK(h.health.at("pipeline.event_queue.dropped") == 5);
  CHECK(h.last_sequence == 5);
  CHECK(h.batches == 2);
  CHECK(h.first_seen_ns == 2005);
  CHECK(h.last_seen_ns == 9999);
  auto all = f.store->hosts();
  REQUIRE(all);
  REQUIRE(all->size() == 1);
  CHECK(all->front().health.empty());  // the list leaves health out
}

TEST_CASE("sqlite store: a policy failure is kept until a version as new applies",
          "[collector][store]") {
  Fixture f;
  IncomingBatch failed = batch("web-01", 1);
  failed.policy_status = PolicyApplyStatus{4, "dd", false, "signature: key not trusted"};
  store(*f.store, failed);
  auto host = f.store->host("web-01");
  REQUIRE((host && *host));
  CHECK((*host)->failed_policy_version == 4);
  CHECK((*host)->failed_policy_error == "signature: key not trusted");

  IncomingBatch older = batch("web-01", 2);
  older.policy_status = PolicyApplyStatus{3, "cc", true, ""};
  store(*f.store, older);
  host = f.store->host("web-01");
  CHECK((*host)->failed_policy_version == 4);

  IncomingBatch applied = batch("web-01", 3);
  applied.policy_status = PolicyApplyStatus{5, "ee", true, ""};
  store(*f.store, applied);
  host = f.store->host("web-01");
  CHECK((*host)->failed_policy_version == 0);
  CHECK((*host)->failed_policy_error.empty());
}

TEST_CASE("sqlite store: missing sequences are derived and reported gaps subtracted",
          "[collector][store]") {
  Fixture f;
  // Stored: 3, 4, 8, 12. Never received: 1-2, 5-7, 9-11. The sensor
  // reports 6-7 as evicted from its spool (in batch 12).
  for (uint64_t seq : {3, 4, 8}) store(*f.store, batch("web-01", seq));
  IncomingBatch reporting = batch("web-01", 12);
  reporting.gaps.push_back(ReportedGap{6, 7, 250, 2, "spool_full", 0, 0});
  store(*f.store, reporting);
  store(*f.store, batch("web-02", 1));  // nothing missing

  auto gaps = f.store->gaps("");
  REQUIRE(gaps);
  REQUIRE(gaps->size() == 1);  // web-02 has none
  const SensorGaps& g = gaps->front();
  CHECK(g.sensor_id == "web-01");
  REQUIRE(g.reported.size() == 1);
  CHECK(g.reported[0].first_sequence == 6);
  CHECK(g.reported[0].last_sequence == 7);
  CHECK(g.reported[0].events == 250);
  CHECK(g.reported[0].alert_events == 2);
  CHECK(g.reported[0].reason == "spool_full");
  CHECK(g.reported[0].reported_sequence == 12);
  CHECK(g.reported[0].reported_ns == 2012);
  REQUIRE(g.missing.size() == 3);
  CHECK((g.missing[0].first == 1 && g.missing[0].last == 2));
  CHECK((g.missing[1].first == 5 && g.missing[1].last == 5));
  CHECK((g.missing[2].first == 9 && g.missing[2].last == 11));

  auto host = f.store->host("web-01");
  REQUIRE((host && *host));
  CHECK((*host)->last_sequence - (*host)->batches == 8);
  CHECK((*host)->reported_gaps == 1);

  // A late batch fills its hole.
  store(*f.store, batch("web-01", 10));
  gaps = f.store->gaps("web-01");
  REQUIRE(gaps);
  REQUIRE(gaps->front().missing.size() == 4);
  CHECK((gaps->front().missing[2].first == 9 && gaps->front().missing[2].last == 9));
  CHECK((gaps->front().missing[3].first == 11 && gaps->front().missing[3].last == 11));
}

TEST_CASE("sqlite store: events of a host in a time range, by time", "[collector][store]") {
  Fixture f;
  IncomingBatch b = batch("web-01", 1);
  b.events = {event(300, "exec", "1:1", "{\"n\":3}"), event(100, "network", "1:1", "{\"n\":1}"),
              event(200, "exec", "1:1", "{\"n\":2}"), event(400, "file", "1:1", "{\"n\":4}")};
  store(*f.store, b);
  IncomingBatch other = batch("web-02", 1);
  other.events = {event(150, "exec", "1:1", "{\"other\":1}")};
  store(*f.store, other);

  auto events = f.store->host_events({"web-01", 100, 400, "", 100});
  REQUIRE(events);
  REQUIRE(events->size() == 3);  // `to` is exclusive
  CHECK((*events)[0].json == "{\"n\":1}");
  CHECK((*events)[1].json == "{\"n\":2}");
  CHECK((*events)[2].json == "{\"n\":3}");

  events = f.store->host_events({"web-01", 0, 1000, "exec", 100});
  REQUIRE(events);
  REQUIRE(events->size() == 2);
  CHECK((*events)[0].time_ns == 200);

  events = f.store->host_events({"web-01", 0, 1000, "", 2});
  REQUIRE(events);
  CHECK(events->size() == 2);
}

TEST_CASE("sqlite store: which hosts ran a hash, contacted an address, saw a domain",
          "[collector][store]") {
  Fixture f;
  IncomingBatch a = batch("web-01", 1);
  a.events.clear();
  EventRecord exec = event(100, "exec", "1:1", "{}");
  exec.exe_sha256 = "ab12";
  EventRecord connect = event(200, "network", "1:1", "{}");
  connect.remote_ip = "93.184.215.14";
  connect.remote_port = 443;
  connect.domains = {"example.com"};
  EventRecord answer = event(150, "dns", "1:1", "{}");
  answer.domains = {"example.com", "edge.example.net"};
  EventRecord write = event(300, "file", "1:1", "{}");
  write.file_path = "/etc/cron.d/job";
  a.events = {exec, connect, answer, write, exec};
  a.events.back().time_ns = 500;
  store(*f.store, a);
  IncomingBatch b = batch("web-02", 1);
  b.events = {exec};
  store(*f.store, b);

  auto hosts = f.store->hosts_with(ActivityKey::kExeSha256, "ab12");
  REQUIRE(hosts);
  REQUIRE(hosts->size() == 2);
  CHECK(hosts->at(0).sensor_id == "web-01");
  CHECK(hosts->at(0).first_ns == 100);
  CHECK(hosts->at(0).last_ns == 500);
  CHECK(hosts->at(0).events == 2);
  CHECK(hosts->at(1).sensor_id == "web-02");

  hosts = f.store->hosts_with(ActivityKey::kRemoteIp, "93.184.215.14");
  REQUIRE(hosts);
  REQUIRE(hosts->size() == 1);
  CHECK(hosts->at(0).first_ns == 200);

  hosts = f.store->hosts_with(ActivityKey::kDomain, "example.com");
  REQUIRE(hosts);
  REQUIRE(hosts->size() == 1);
  CHECK(hosts->at(0).events == 2);
  CHECK(hosts->at(0).first_ns == 150);

  hosts = f.store->hosts_with(ActivityKey::kFilePath, "/etc/cron.d/job");
  REQUIRE(hosts);
  CHECK(hosts->size() == 1);
  hosts = f.store->hosts_with(ActivityKey::kDomain, "nowhere.example");
  REQUIRE(hosts);
  CHECK(hosts->empty());
}

TEST_CASE("sqlite store: a process's events and children", "[collector][store]") {
  Fixture f;
  IncomingBatch b = batch("web-01", 1);
  EventRecord parent_exec = event(100, "exec", "10:1", "{\"p\":1}");
  EventRecord net = event(200, "network", "10:1", "{\"p\":2}");
  EventRecord fork = event(300, "fork", "11:1", "{\"c\":1}");
  fork.parent_key = "10:1";
  fork.exe = "/usr/bin/bash";
  EventRecord child_exec = event(310, "exec", "11:1", "{\"c\":2}");
  child_exec.parent_key = "10:1";
  child_exec.exe = "/usr/bin/curl";
  EventRecord other_boot = event(400, "exec", "10:1", "{\"p\":3}");
  other_boot.boot_id = "boot-2";
  b.events = {parent_exec, net, fork, child_exec, other_boot};
  store(*f.store, b);

  ProcessQuery q;
  q.sensor_id = "web-01";
  q.process_key = "10:1";
  q.limit = 10;
  auto events = f.store->process_events(q);
  REQUIRE(events);
  CHECK(events->size() == 3);
  q.boot_id = "boot-1";
  events = f.store->process_events(q);
  REQUIRE(events);
  REQUIRE(events->size() == 2);
  q.types = {"network"};
  events = f.store->process_events(q);
  REQUIRE(events);
  REQUIRE(events->size() == 1);
  CHECK(events->front().json == "{\"p\":2}");
  q.types = {"exec", "network"};
  q.newest_first = true;
  events = f.store->process_events(q);
  REQUIRE(events);
  REQUIRE(events->size() == 2);
  CHECK(events->front().json == "{\"p\":2}");

  auto children = f.store->process_children(q);
  REQUIRE(children);
  REQUIRE(children->size() == 1);
  CHECK(children->front().process_key == "11:1");
  CHECK(children->front().exe == "/usr/bin/curl");  // its exec, not the fork's image
  CHECK(children->front().first_ns == 300);
}

TEST_CASE("sqlite store: policy registry", "[collector][store]") {
  Fixture f;
  PolicyRecord p;
  p.version = 2;
  p.name = "fleet";
  p.sha256 = "bb";
  p.targets = {"team=a"};
  p.pushed_ns = 77;
  p.pushed_by = "csirt";
  p.policy = std::string("policy: {name: fleet, version: 2}\n\0bytes", 40);
  p.signature = "yagura-policy-signature: 1\n";
  auto added = f.store->add_policy(p);
  REQUIRE(added);
  CHECK(*added);
  PolicyRecord v1 = p;
  v1.version = 1;
  v1.targets.clear();
  REQUIRE(*f.store->add_policy(v1));
  PolicyRecord again = p;
  again.name = "other";
  added = f.store->add_policy(again);
  REQUIRE(added);
  CHECK_FALSE(*added);

  auto list = f.store->policies();
  REQUIRE(list);
  REQUIRE(list->size() == 2);
  CHECK(list->at(0).version == 2);  // newest first
  CHECK(list->at(0).name == "fleet");
  CHECK(list->at(0).targets == std::vector<std::string>{"team=a"});
  CHECK(list->at(0).policy.empty());  // documents only by version
  CHECK(list->at(1).targets.empty());

  auto doc = f.store->policy(2);
  REQUIRE(doc);
  REQUIRE(*doc);
  CHECK((*doc)->policy == p.policy);  // bytes exactly, NUL included
  CHECK((*doc)->signature == p.signature);
  CHECK((*doc)->pushed_by == "csirt");
  CHECK((*doc)->pushed_ns == 77);
  auto none = f.store->policy(9);
  REQUIRE(none);
  CHECK_FALSE(*none);
}

TEST_CASE("sqlite store: a locked database is an error, and nothing is half-stored",
          "[collector][store]") {
  Fixture f;
  f.store = f.open(SqliteStoreOptions{.busy_timeout_ms = 20});
  RawDb other(f.path);
  REQUIRE(other.exec("BEGIN IMMEDIATE") == SQLITE_OK);  // another writer holds the lock

  auto refused = f.store->store_batch(batch("web-01", 1));
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("locked"));

  REQUIRE(other.exec("COMMIT") == SQLITE_OK);
  CHECK(store(*f.store, batch("web-01", 1)) == StoreOutcome::kStored);
}

}  // namespace
}  // namespace yagura::collector
