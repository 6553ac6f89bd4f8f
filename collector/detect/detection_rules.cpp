#include "collector/detect/detection_rules.h"

#include "collector/detect/detection_parser.h"
#include "common/sha256.h"
#include "policy/condition_compiler.h"
#include "policy/condition_types.h"
#include "policy/fields.h"
#include "policy/policy_error.h"

namespace yagura::collector {
namespace {

using namespace yagura::policy;

std::vector<uint32_t> field_slots(const std::vector<ValueAst>& names, ConditionCompiler& cc) {
  std::vector<uint32_t> slots;
  for (const ValueAst& name : names) {
    std::string key;
    const FieldSpec* spec = find_field(name.text, &key);
    if (!spec) fail(name.pos, "unknown field '" + name.text + "'");
    slots.push_back(cc.slot_for(FieldRef{spec->id, key}, name.pos));
  }
  return slots;
}

uint32_t indexed_types(uint32_t types, const std::optional<ConditionAst>& when,
                       const PolicyAst& language) {
  return types & (when ? possible_types(*when, language) : kAllTypes);
}

DetectionRule compile_rule(const DetectionRuleAst& r, const DetectionAst& ast,
                           ConditionCompiler& cc) {
  DetectionRule rule;
  rule.id = r.id;
  rule.title = r.title;
  rule.description = r.description;
  rule.severity = parse_severity(r.severity).value_or(Severity::kMedium);
  rule.attack = r.attack;
  rule.kind = r.kind;
  rule.location = location(ast.language.file_name, r.pos);
  rule.types = indexed_types(r.types, r.when, ast.language);
  if (r.when) rule.when = cc.compile(*r.when);
  for (const ConditionAst& e : r.except) rule.except.push_back(cc.compile(e));
  rule.group = r.group.empty() ? r.id : r.group;
  rule.group_slots = field_slots(r.group_by, cc);
  rule.within_ns = r.within_ns;
  for (const StepAst& s : r.steps) {
    CompiledStep step;
    step.types = indexed_types(s.types, s.when, ast.language);
    if (s.when) step.when = cc.compile(*s.when);
    step.by = s.by;
    step.key_slots = field_slots(s.key, cc);
    rule.steps.push_back(std::move(step));
  }
  if (r.kind == RuleKind::kDetector) {
    rule.detector = find_detector(r.detector)->kind;
    auto params = read_detector_params(r.params, ast.language.file_name);
    if (!params) throw params.error();
    rule.params = *params;
  }
  return rule;
}

}  // namespace

const DetectionRule* DetectionRules::find(std::string_view id) const {
  for (const DetectionRule& r : rules)
    if (r.id == id) return &r;
  return nullptr;
}

Result<std::shared_ptr<const DetectionRules>> compile_detections(std::string_view yaml_text,
                                                                 const std::string& file_name) {
  auto ast = parse_detections(yaml_text, file_name);
  if (!ast) return ast.error();
  auto out = std::make_shared<DetectionRules>();
  try {
    ConditionCompiler cc(ast->language, out->program);
    cc.compile_macros();
    for (const DetectionRuleAst& r : ast->rules) out->rules.push_back(compile_rule(r, *ast, cc));
    cc.finish();
  } catch (const PolicyError& e) {
    return to_error(file_name, e);
  } catch (const Error& e) {
    return e;
  }
  out->name = ast->language.name;
  out->version = ast->language.version;
  out->sha256 = sha256_hex(yaml_text);
  out->file_name = file_name;
  for (const ValueAst& root : ast->tree_roots) out->tree_roots.insert(root.text);
  out->language = std::move(ast->language);
  return std::shared_ptr<const DetectionRules>(std::move(out));
}

}  // namespace yagura::collector
