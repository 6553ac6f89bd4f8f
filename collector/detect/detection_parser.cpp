#include "collector/detect/detection_parser.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "collector/detect/detectors.h"
#include "policy/condition_parser.h"
#include "policy/number_values.h"
#include "policy/policy_error.h"
#include "policy/policy_sections.h"
#include "policy/yaml_reader.h"

namespace yagura::collector {

const char* rule_kind_name(RuleKind kind) {
  switch (kind) {
    case RuleKind::kEvent:
      return "event";
    case RuleKind::kSequence:
      return "sequence";
    case RuleKind::kDetector:
      return "detector";
  }
  return "event";
}

namespace {

using namespace yagura::policy;

// A sequence spans at most a month: partial matches are kept that long.
constexpr uint64_t kMaxWithinNs = 720ull * 3'600'000'000'000ull;

std::vector<ConditionAst> read_except(const YamlValue& v) {
  std::vector<ConditionAst> out;
  if (v.node.IsSequence()) {
    for (const YamlValue& item : read_sequence(v, "except"))
      out.push_back(parse_condition(item, ListMeaning::kRefuse, "except"));
    if (out.empty()) fail(v.pos, "except is empty: it needs a condition");
  } else {
    out.push_back(parse_condition(v, ListMeaning::kRefuse, "except"));
  }
  return out;
}

StepAst read_step(const YamlValue& v, bool first) {
  StepAst s;
  s.pos = v.pos;
  for (const YamlEntry& e : read_mapping(v, "step", {"types", "when", "by", "key"})) {
    if (e.key == "types") s.types = read_types(e.value);
    if (e.key == "when") s.when = parse_condition(e.value, ListMeaning::kAll, "when");
    if (e.key == "key") s.key = read_scalars(e.value, "key");
    if (e.key == "by") {
      if (first) fail(e.key_pos, "the first step has no 'by': it starts the sequence");
      s.by = read_choice<StepRelation>(e.value, "by",
                                       {{"process", StepRelation::kProcess},
                                        {"child", StepRelation::kChild},
                                        {"descendant", StepRelation::kDescendant},
                                        {"host", StepRelation::kHost}});
    }
  }
  return s;
}

void read_sequence_rule(const YamlValue& v, DetectionRuleAst& r) {
  auto entries = read_mapping(v, "sequence", {"within", "steps"});
  const YamlValue& within = require_entry(entries, "within", v.pos, "sequence").value;
  auto ns = parse_duration_ns(read_scalar(within, "within"), kMaxWithinNs);
  if (!ns || *ns == 0) fail(within.pos, "bad within: <n>s, <n>m or <n>h, at most 720h");
  r.within_ns = *ns;
  const YamlValue& steps = require_entry(entries, "steps", v.pos, "sequence").value;
  for (const YamlValue& item : read_sequence(steps, "steps"))
    r.steps.push_back(read_step(item, r.steps.empty()));
  if (r.steps.size() < 2) fail(steps.pos, "a sequence needs at least two steps");
}

void read_params(const YamlValue& v, DetectionRuleAst& r, const DetectorSpec& spec) {
  for (const YamlEntry& e : read_mapping(v, "params", {})) {
    if (!spec.params.count(e.key))
      fail(e.key_pos, "detector '" + r.detector + "' has no parameter '" + e.key + "'");
    r.params[e.key] = ValueAst{read_scalar(e.value, e.key), e.value.pos, false};
  }
}

DetectionRuleAst read_rule(const YamlValue& v) {
  DetectionRuleAst r;
  r.pos = v.pos;
  auto entries = read_mapping(v, "rule",
                              {"id", "title", "description", "severity", "attack", "types",
                               "when", "except", "group", "group_by", "sequence", "detector", "params"});
  const YamlValue& id = require_entry(entries, "id", v.pos, "rule").value;
  r.id = check_name(read_scalar(id, "rule id"), id.pos, "rule id");
  r.id_pos = id.pos;
  const std::string what = "rule '" + r.id + "'";
  r.title = read_scalar(require_entry(entries, "title", v.pos, what).value, "title");
  r.severity = read_choice<std::string>(
      require_entry(entries, "severity", v.pos, what).value, "severity",
      {{"low", "low"}, {"medium", "medium"}, {"high", "high"}, {"critical", "critical"}});
  const YamlEntry* sequence = find_entry(entries, "sequence");
  const YamlEntry* detector = find_entry(entries, "detector");
  if (sequence && detector) fail(detector->key_pos, what + ": a sequence or a detector, not both");
  if (sequence) r.kind = RuleKind::kSequence;
  if (detector) r.kind = RuleKind::kDetector;
  for (const YamlEntry& e : entries) {
    if (e.key == "description") r.description = read_scalar(e.value, "description");
    if (e.key == "attack") r.attack = read_attack_ids(e.value);
    if (e.key == "group") r.group = check_name(read_scalar(e.value, "group"), e.value.pos, "group");
    if (e.key == "group_by") r.group_by = read_scalars(e.value, "group_by");
    if (e.key == "except") r.except = read_except(e.value);
    if (sequence && (e.key == "types" || e.key == "when"))
      fail(e.key_pos, what + ": a sequence's conditions go in its steps");
    if (e.key == "types") r.types = read_types(e.value);
    if (e.key == "when") r.when = parse_condition(e.value, ListMeaning::kAll, "when");
    if (e.key == "params" && !detector) fail(e.key_pos, what + ": params are for detectors");
  }
  if (sequence) read_sequence_rule(sequence->value, r);
  if (detector) {
    r.detector = read_scalar(detector->value, "detector");
    const DetectorSpec* spec = find_detector(r.detector);
    if (!spec)
      fail(detector->value.pos,
           "unknown detector '" + r.detector + "' (expected " + detector_names() + ")");
    if (const YamlEntry* p = find_entry(entries, "params")) read_params(p->value, r, *spec);
  }
  return r;
}

void read_header(const YamlValue& v, DetectionAst& ast) {
  auto entries = read_mapping(v, "detections", {"name", "version", "tree_roots"});
  const YamlEntry& name = require_entry(entries, "name", v.pos, "detections");
  ast.language.name = read_scalar(name.value, "detections.name");
  if (ast.language.name.empty()) fail(name.value.pos, "detections.name is empty");
  const YamlEntry& version = require_entry(entries, "version", v.pos, "detections");
  auto n = parse_unsigned(read_scalar(version.value, "detections.version"));
  if (!n || *n == 0) fail(version.value.pos, "detections.version must be an integer >= 1");
  ast.language.version = *n;
  if (const YamlEntry* roots = find_entry(entries, "tree_roots"))
    ast.tree_roots = read_scalars(roots->value, "tree_roots");
}

DetectionAst read_file(const YAML::Node& root, const std::string& file_name) {
  DetectionAst ast;
  ast.language.file_name = file_name;
  YamlValue doc = yaml_document(root);
  if (root.IsNull()) fail(Pos{1, 1}, "empty detections file: it needs 'detections'");
  auto entries = read_mapping(doc, "the detections file", {"detections", "lists", "macros", "rules"});
  read_header(require_entry(entries, "detections", doc.pos, "the detections file").value, ast);
  if (const YamlEntry* e = find_entry(entries, "lists")) read_lists(e->value, ast.language);
  if (const YamlEntry* e = find_entry(entries, "macros")) read_macros(e->value, ast.language);
  if (const YamlEntry* e = find_entry(entries, "rules")) {
    std::set<std::string> ids;
    for (const YamlValue& item : read_sequence(e->value, "rules")) {
      DetectionRuleAst rule = read_rule(item);
      if (!ids.insert(rule.id).second) fail(rule.id_pos, "duplicate rule id '" + rule.id + "'");
      ast.rules.push_back(std::move(rule));
    }
  }
  return ast;
}

}  // namespace

Result<DetectionAst> parse_detections(std::string_view yaml_text, const std::string& file_name) {
  try {
    return read_file(YAML::Load(std::string(yaml_text)), file_name);
  } catch (const PolicyError& e) {
    return to_error(file_name, e);
  } catch (const YAML::Exception& e) {
    Pos pos = e.mark.is_null() ? Pos{1, 1} : Pos{e.mark.line + 1, e.mark.column + 1};
    return Error{location(file_name, pos) + ": " + e.msg};
  }
}

}  // namespace yagura::collector
