#include "collector/detect/suppression_set.h"

#include <yaml-cpp/yaml.h>

#include "policy/condition_compiler.h"
#include "policy/condition_parser.h"
#include "policy/policy_error.h"
#include "policy/yaml_reader.h"

namespace yagura::collector {

Result<std::unique_ptr<SuppressionSet>> SuppressionSet::compile(
    const std::vector<Suppression>& list, const DetectionRules& rules) {
  auto set = std::make_unique<SuppressionSet>();
  policy::ConditionCompiler cc(rules.language, *set->program_);
  for (const Suppression& s : list) {
    const std::string name = s.id ? "suppression " + std::to_string(s.id) : "the suppression";
    if (!s.rule_id.empty() && !rules.find(s.rule_id))
      return Error{name + ": no rule '" + s.rule_id + "'"};
    Entry entry{s, std::nullopt};
    if (!s.condition.empty()) {
      try {
        YAML::Node node = YAML::Load(s.condition);
        auto condition = policy::parse_condition(policy::yaml_document(node),
                                                 policy::ListMeaning::kAll, "condition");
        entry.condition = cc.compile(condition);
      } catch (const policy::PolicyError& e) {
        return Error{name + ": " + policy::location("condition", e.pos) + ": " + e.message};
      } catch (const YAML::Exception& e) {
        return Error{name + ": condition is not YAML: " + e.msg};
      }
    }
    set->entries_.push_back(std::move(entry));
  }
  try {
    cc.finish();
  } catch (const policy::PolicyError& e) {
    return Error{"suppressions: " + e.message};
  }
  set->state_ = std::make_unique<policy::MatchState>(*set->program_);
  return set;
}

uint64_t SuppressionSet::match(const std::string& rule_id, const std::string& sensor_id,
                               const Tags& tags, const policy::FieldSource* event,
                               uint64_t now_ns) {
  if (event) state_->begin(*event);
  for (const Entry& e : entries_) {
    const Suppression& s = e.suppression;
    if (s.expires_ns && now_ns >= s.expires_ns) continue;
    if (!s.rule_id.empty() && s.rule_id != rule_id) continue;
    if (!s.sensor_id.empty() && s.sensor_id != sensor_id) continue;
    bool tags_match = true;
    for (const auto& [k, v] : s.tags) {
      auto it = tags.find(k);
      tags_match &= it != tags.end() && it->second == v;
    }
    if (!tags_match) continue;
    if (e.condition && (!event || !state_->holds(*e.condition))) continue;
    return s.id;
  }
  return 0;
}

}  // namespace yagura::collector
