// Where the collector keeps alerts and the CSIRT's controls over detection
// (rules switched off, suppressions). A narrow interface of plain values,
// like EventStore, so a fleet-wide engine can replace the embedded SQLite
// implementation (sqlite_alert_store.h).
//
// Contract:
// - record() deduplicates: an open alert with the same dedup_key whose
//   last_ns is within `dedup_window_ns` of the new one's takes it (count +=
//   its count, last_ns = the later one, events appended up to
//   kMaxAlertEvents); otherwise the alert is stored as new. Atomic and
//   durable when it returns.
// - Every method is safe from several threads. Errors mean "cannot store or
//   read now".
//
//   auto store = SqliteAlertStore::open(path);
//   auto r = (*store)->record(alert, 24 * kHourNs);
//   if (r && r->created) deliver(alert);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "collector/alerts/alert.h"
#include "common/result.h"

namespace yagura::collector {

struct RecordOutcome {
  uint64_t id = 0;
  uint64_t count = 0;    // after this occurrence
  bool created = false;  // a new alert, not a repeat of an open one
};

// Which alerts to list; empty or zero fields match everything.
struct AlertFilter {
  uint64_t id = 0;
  std::string sensor_id;
  std::string rule_id;
  Tags tags;  // every one must be among the host's tags
  std::optional<Severity> min_severity;
  std::optional<AlertStatus> status;
  uint64_t since_ns = 0;  // last_ns >= since_ns
  uint64_t until_ns = 0;  // first_ns < until_ns; 0: no bound
  size_t limit = 0;       // 0: no limit
};

// A rule the CSIRT switched off (or back on).
struct RuleControl {
  std::string rule_id;
  bool enabled = true;
  std::string changed_by;
  std::string reason;
  uint64_t changed_ns = 0;
};

// Hides matching detections: no alert is raised, the suppression counts
// the hit. Every non-empty field must match.
struct Suppression {
  uint64_t id = 0;      // the store's, from 1
  std::string rule_id;  // empty: every rule
  std::string sensor_id;
  Tags tags;  // host tags, all must match
  // A condition in the policy language (YAML, docs/policy.md), on the
  // event that completed the detection; empty: none.
  std::string condition;
  std::string reason;
  std::string created_by;
  uint64_t created_ns = 0;
  uint64_t expires_ns = 0;  // 0: never
  uint64_t hits = 0;
};

class AlertStore {
 public:
  virtual ~AlertStore() = default;

  virtual Result<RecordOutcome> record(const Alert& alert, uint64_t dedup_window_ns) = 0;
  // Newest (last_ns) first.
  virtual Result<std::vector<Alert>> alerts(const AlertFilter& filter) = 0;
  // False when there is no such alert.
  virtual Result<bool> set_status(uint64_t id, AlertStatus status, const std::string& by,
                                  const std::string& note, uint64_t now_ns) = 0;

  // Only rules the CSIRT changed; every other rule is enabled.
  virtual Result<std::vector<RuleControl>> rule_controls() = 0;
  virtual Status set_rule_control(const RuleControl& control) = 0;

  // add_suppression() ignores id and hits and answers the new id.
  virtual Result<uint64_t> add_suppression(const Suppression& suppression) = 0;
  // False when there is no such suppression.
  virtual Result<bool> remove_suppression(uint64_t id) = 0;
  virtual Result<std::vector<Suppression>> suppressions() = 0;  // by id
  virtual Status count_suppression_hits(uint64_t id, uint64_t hits) = 0;
};

}  // namespace yagura::collector
