// In-memory AlertStore and DetectionAdmin for the report, scheduler and
// API tests: the filter semantics alert_store.h states, nothing else; and a
// real SQLite event store with hosts that reported when a test says.
#pragma once

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "collector/alerts/alert_store.h"
#include "collector/detect/detection_admin.h"
#include "collector/store/sqlite_store.h"

namespace yagura::collector::testing {

class FakeAlertStore : public AlertStore {
 public:
  bool fail = false;  // every call answers an Error
  std::vector<Alert> stored;
  std::vector<RuleControl> controls;

  // Stores `a` as given, with the next id.
  uint64_t add(Alert a) {
    a.id = stored.size() + 1;
    stored.push_back(std::move(a));
    return stored.back().id;
  }

  Result<RecordOutcome> record(const Alert& alert, uint64_t) override {
    if (fail) return Error{"fake store down", 0};
    return RecordOutcome{add(alert), alert.count, true};
  }
  Result<std::vector<Alert>> alerts(const AlertFilter& f) override {
    if (fail) return Error{"fake store down", 0};
    std::vector<Alert> out;
    for (const Alert& a : stored) {
      if (f.id != 0 && a.id != f.id) continue;
      if (!f.sensor_id.empty() && a.sensor_id != f.sensor_id) continue;
      if (!f.rule_id.empty() && a.rule_id != f.rule_id) continue;
      bool tags_ok = true;
      for (const auto& [k, v] : f.tags) {
        auto it = a.tags.find(k);
        tags_ok = tags_ok && it != a.tags.end() && it->second == v;
      }
      if (!tags_ok) continue;
      if (f.min_severity && a.severity < *f.min_severity) continue;
      if (f.status && a.status != *f.status) continue;
      if (a.last_ns < f.since_ns) continue;
      if (f.until_ns != 0 && a.first_ns >= f.until_ns) continue;
      out.push_back(a);
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const Alert& a, const Alert& b) { return a.last_ns > b.last_ns; });
    if (f.limit != 0 && out.size() > f.limit) out.resize(f.limit);
    return out;
  }
  Result<bool> set_status(uint64_t id, AlertStatus status, const std::string& by,
                          const std::string& note, uint64_t now_ns) override {
    if (fail) return Error{"fake store down", 0};
    for (Alert& a : stored) {
      if (a.id != id) continue;
      a.status = status;
      a.closed_by = status == AlertStatus::kClosed ? by : "";
      a.close_note = status == AlertStatus::kClosed ? note : "";
      a.closed_ns = status == AlertStatus::kClosed ? now_ns : 0;
      return true;
    }
    return false;
  }
  Result<std::vector<RuleControl>> rule_controls() override { return controls; }
  Status set_rule_control(const RuleControl& control) override {
    controls.push_back(control);
    return {};
  }
  Result<uint64_t> add_suppression(const Suppression&) override { return Error{"unused", 0}; }
  Result<bool> remove_suppression(uint64_t) override { return Error{"unused", 0}; }
  Result<std::vector<Suppression>> suppressions() override { return std::vector<Suppression>{}; }
  Status count_suppression_hits(uint64_t, uint64_t) override { return {}; }
};

// Refuses a condition holding "proces." as an engine refuses one that does
// not compile.
class FakeDetectionAdmin : public DetectionAdmin {
 public:
  std::vector<DetectionRuleInfo> rule_list;
  std::vector<Suppression> added;
  struct Change {
    std::string rule_id;
    bool enabled;
    std::string by;
    std::string reason;
  };
  std::vector<Change> changes;

  std::vector<DetectionRuleInfo> rules() const override { return rule_list; }
  Result<bool> set_enabled(const std::string& rule_id, bool enabled, const std::string& by,
                           const std::string& reason) override {
    for (DetectionRuleInfo& r : rule_list) {
      if (r.id != rule_id) continue;
      r.enabled = enabled;
      changes.push_back({rule_id, enabled, by, reason});
      return true;
    }
    return false;
  }
  Result<uint64_t> add_suppression(const Suppression& s) override {
    if (s.condition.find("proces.") != std::string::npos)
      return Error{"condition: line 1: unknown field \"proces.exe\"", EINVAL};
    added.push_back(s);
    added.back().id = added.size();
    return added.back().id;
  }
  Result<bool> remove_suppression(uint64_t id) override {
    auto it = std::find_if(added.begin(), added.end(),
                           [&](const Suppression& s) { return s.id == id; });
    if (it == added.end()) return false;
    added.erase(it);
    return true;
  }
  Result<std::vector<Suppression>> suppressions() override { return added; }
};

// A host as a batch from it makes it: tags, and last seen at `received_ns`.
inline IncomingBatch host_batch(const std::string& sensor, Tags tags, uint64_t sequence,
                                uint64_t received_ns) {
  IncomingBatch b;
  b.sensor_id = sensor;
  b.sequence = sequence;
  b.created_ns = received_ns;
  b.received_ns = received_ns;
  b.host.hostname = sensor;
  b.host.boot_id = "d088d297-26b6-4700-a751-6dc4102b7523";
  b.host.tags = std::move(tags);
  b.policy = {"fleet", 1, std::string(64, '1')};
  return b;
}

}  // namespace yagura::collector::testing
