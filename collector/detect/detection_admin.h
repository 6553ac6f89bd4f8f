// What the CSIRT can see and change of the running detection engine,
// through the admin API: the rules with their counters, rules switched off
// or on, suppressions added or removed. Every change applies to the next
// event, without a restart, and is kept in the AlertStore so it survives
// one. Implemented by DetectionEngine (detection_engine.h).
//
//   for (const DetectionRuleInfo& r : admin.rules()) show(r.id, r.raised);
//   admin.set_enabled("c2.beaconing", false, "csirt-alice", "noisy on the proxies");
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collector/alerts/alert_store.h"
#include "common/result.h"

namespace yagura::collector {

struct DetectionRuleInfo {
  std::string id;
  std::string title;
  std::string description;
  Severity severity = Severity::kMedium;
  std::vector<std::string> attack;
  std::string kind;  // "event", "sequence" or "detector"
  bool enabled = true;
  // Since the collector started.
  uint64_t matched = 0;     // the rule's behaviour was seen
  uint64_t raised = 0;      // alerts raised or counted on an open one
  uint64_t suppressed = 0;  // hidden by a suppression
};

class DetectionAdmin {
 public:
  virtual ~DetectionAdmin() = default;

  virtual std::vector<DetectionRuleInfo> rules() const = 0;
  // False when there is no such rule.
  virtual Result<bool> set_enabled(const std::string& rule_id, bool enabled,
                                   const std::string& by, const std::string& reason) = 0;
  // Checks the suppression (the rule exists, the condition compiles) and
  // answers its id; an Error with the reason when it is refused.
  virtual Result<uint64_t> add_suppression(const Suppression& suppression) = 0;
  virtual Result<bool> remove_suppression(uint64_t id) = 0;
  virtual Result<std::vector<Suppression>> suppressions() = 0;
};

}  // namespace yagura::collector
