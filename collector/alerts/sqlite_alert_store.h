// The embedded AlertStore: alerts, rule controls and suppressions in the
// collector's SQLite database, beside SqliteStore's tables, through
// connections of its own (WAL lets them share the file). Durable like the
// event store: WAL with synchronous=FULL, so a recorded alert survives a
// power loss.
//
// Its tables carry their own schema version (the alert_schema table), never
// PRAGMA user_version, which belongs to SqliteStore: each store creates and
// upgrades only what is its own, in either order.
//
// record() runs in one BEGIN IMMEDIATE transaction (find the open alert with
// the dedup key, then update it or insert), so two recorders of the same
// behaviour, in this process or another, end with one alert counted twice.
// Each alert row keeps the columns filters use and the whole alert as its
// JSON (alert_json.h).
//
//   auto store = SqliteAlertStore::open("/var/lib/yagura-collector/events.db");
//   if (!store) die(store.error().message);
//   auto r = (*store)->record(alert, 24 * kHourNs);
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "collector/alerts/alert_store.h"
#include "collector/store/sqlite_db.h"

namespace yagura::collector {

class SqliteAlertStore : public AlertStore {
 public:
  static constexpr int kSchemaVersion = 1;

  // `path` is a file (created when missing), normally SqliteStore's.
  static Result<std::unique_ptr<SqliteAlertStore>> open(const std::string& path,
                                                        int busy_timeout_ms = 5000);

  Result<RecordOutcome> record(const Alert& alert, uint64_t dedup_window_ns) override;
  Result<std::vector<Alert>> alerts(const AlertFilter& filter) override;
  Result<bool> set_status(uint64_t id, AlertStatus status, const std::string& by,
                          const std::string& note, uint64_t now_ns) override;
  Result<std::vector<RuleControl>> rule_controls() override;
  Status set_rule_control(const RuleControl& control) override;
  Result<uint64_t> add_suppression(const Suppression& suppression) override;
  Result<bool> remove_suppression(uint64_t id) override;
  Result<std::vector<Suppression>> suppressions() override;
  Status count_suppression_hits(uint64_t id, uint64_t hits) override;

 private:
  SqliteAlertStore(std::unique_ptr<SqliteDb> writer, std::unique_ptr<SqliteDb> reader)
      : writer_(std::move(writer)), reader_(std::move(reader)) {}

  Result<RecordOutcome> record_locked(const Alert& alert, uint64_t dedup_window_ns);
  Result<bool> set_status_locked(uint64_t id, AlertStatus status, const std::string& by,
                                 const std::string& note, uint64_t now_ns);

  std::mutex writer_mutex_;
  std::unique_ptr<SqliteDb> writer_;
  std::mutex reader_mutex_;
  std::unique_ptr<SqliteDb> reader_;
};

}  // namespace yagura::collector
