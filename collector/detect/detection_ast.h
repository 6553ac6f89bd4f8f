// The parsed form of a detections file (docs/detections.md): the policy
// language's lists, macros and conditions (policy/policy_ast.h), and rules
// of three kinds:
//   event     `when` on one event, as in a policy's alert rule;
//   sequence  steps, each a condition on one event, that must happen in
//             order within a time window, each step related to the one
//             before by process (same process, a child, a descendant, or
//             anywhere on the host) and optionally by an equal key value;
//   detector  a built-in analyzer that conditions cannot express (periodic
//             beaconing, fleet-wide rarity, a sensor gone silent), tuned by
//             `params`, with `when` choosing the events it looks at.
//
//   Result<DetectionAst> ast = parse_detections(text, "detections.yaml");
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "policy/fields.h"
#include "policy/policy_ast.h"

namespace yagura::collector {

enum class RuleKind : uint8_t { kEvent, kSequence, kDetector };

// "event", "sequence", "detector".
const char* rule_kind_name(RuleKind kind);

// How a sequence step's process relates to the previous step's.
enum class StepRelation : uint8_t {
  kProcess,     // the same process
  kChild,       // its parent is the previous step's process
  kDescendant,  // the previous step's process is itself or in its lineage
  kHost,        // anywhere on the same host (and boot)
};

struct StepAst {
  policy::Pos pos;
  uint32_t types = policy::kAllTypes;
  std::optional<policy::ConditionAst> when;
  StepRelation by = StepRelation::kProcess;
  // Fields whose first present value is the step's key; when this step and
  // the previous one both have one, they must be equal.
  std::vector<policy::ValueAst> key;
};

struct DetectionRuleAst {
  policy::Pos pos;
  std::string id;
  policy::Pos id_pos;
  std::string title;
  std::string description;
  std::string severity;
  std::vector<std::string> attack;
  RuleKind kind = RuleKind::kEvent;
  uint32_t types = policy::kAllTypes;
  std::optional<policy::ConditionAst> when;  // event and detector rules
  std::vector<policy::ConditionAst> except;  // any of them: no alert
  // Rules of one group raise one alert per process tree between them (two
  // ways of seeing one behaviour); default: the rule's id.
  std::string group;
  std::vector<policy::ValueAst> group_by;  // fields added to the dedup key
  uint64_t within_ns = 0;                    // sequence
  std::vector<StepAst> steps;                // sequence: at least two
  std::string detector;                      // detector
  std::map<std::string, policy::ValueAst> params;
};

struct DetectionAst {
  // Its lists and macros, as a policy would hold them, for the condition
  // compiler; its name and version are the detection file's.
  policy::PolicyAst language;
  // Programs whose children start a separate process tree for
  // deduplication (a login, a cron job, a container).
  std::vector<policy::ValueAst> tree_roots;
  std::vector<DetectionRuleAst> rules;
};

}  // namespace yagura::collector
