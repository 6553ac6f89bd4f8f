// The CSIRT's suppressions, compiled: each one's condition in the policy
// language (with the detection file's lists and macros), matched against
// the event that completed a detection, together with its rule, sensor,
// host tags and expiry. Rebuilt whenever a suppression is added or removed.
//
//   auto set = SuppressionSet::compile(suppressions, rules);
//   if (uint64_t id = set->match(rule.id, sensor, tags, &view.fields(), now)) hidden(id);
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "collector/alerts/alert_store.h"
#include "collector/detect/detection_rules.h"
#include "common/result.h"
#include "policy/match_program.h"

namespace yagura::collector {

class SuppressionSet {
 public:
  // An error names the suppression (by id, or "the suppression" when it has
  // none yet) and what is wrong with its condition.
  static Result<std::unique_ptr<SuppressionSet>> compile(const std::vector<Suppression>& list,
                                                         const DetectionRules& rules);

  // The id of the first live suppression that hides this detection; 0 when
  // none. `event` is null for findings without an event (a silent sensor):
  // suppressions with a condition never match those.
  uint64_t match(const std::string& rule_id, const std::string& sensor_id, const Tags& tags,
                 const policy::FieldSource* event, uint64_t now_ns);

 private:
  struct Entry {
    Suppression suppression;
    std::optional<uint32_t> condition;  // a node of program_
  };
  std::vector<Entry> entries_;
  std::unique_ptr<policy::MatchProgram> program_ = std::make_unique<policy::MatchProgram>();
  std::unique_ptr<policy::MatchState> state_;
};

}  // namespace yagura::collector
