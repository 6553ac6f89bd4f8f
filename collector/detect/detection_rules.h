// A detections file ready to run: every condition compiled into one
// MatchProgram (the policy language's, policy/match_program.h), each rule
// with its kind, steps, detector parameters and dedup fields. Immutable:
// the engine swaps the whole set on reload.
//
//   auto rules = compile_detections(text, "detections.yaml");
//   if (!rules) return rules.error();     // "detections.yaml:12:9: unknown field ..."
//   for (const DetectionRule& r : (*rules)->rules) log(r.id, rule_kind_name(r.kind));
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "collector/alerts/alert.h"
#include "collector/detect/detection_ast.h"
#include "collector/detect/detectors.h"
#include "common/result.h"
#include "policy/match_program.h"

namespace yagura::collector {

struct CompiledStep {
  uint32_t types = policy::kAllTypes;  // EventTypeBit mask
  std::optional<uint32_t> when;        // a node of the program; absent: any event of the types
  StepRelation by = StepRelation::kProcess;
  std::vector<uint32_t> key_slots;  // the first with a value is the key
};

struct DetectionRule {
  std::string id;
  std::string title;
  std::string description;
  Severity severity = Severity::kMedium;
  std::vector<std::string> attack;
  RuleKind kind = RuleKind::kEvent;
  std::string location;  // "file:line:col"
  // Event rules, and the events a detector looks at.
  uint32_t types = policy::kAllTypes;
  std::optional<uint32_t> when;
  std::vector<uint32_t> except;      // nodes; any holding on the last event: no alert
  std::string group;                  // the dedup group: the rule's id unless given
  std::vector<uint32_t> group_slots;  // values added to the dedup key
  // Sequences.
  uint64_t within_ns = 0;
  std::vector<CompiledStep> steps;
  // Detectors.
  std::optional<DetectorKind> detector;
  DetectorParams params;
};

struct DetectionRules {
  std::string name;
  uint64_t version = 0;
  std::string sha256;
  std::string file_name;
  std::vector<DetectionRule> rules;
  policy::MatchProgram program;
  std::set<std::string, std::less<>> tree_roots;
  // Lists and macros, for suppressions written in the same language.
  policy::PolicyAst language;

  const DetectionRule* find(std::string_view id) const;
};

Result<std::shared_ptr<const DetectionRules>> compile_detections(std::string_view yaml_text,
                                                                 const std::string& file_name);

// The collector's built-in detections (config/detections.yaml).
std::string_view builtin_detections_text();

}  // namespace yagura::collector
