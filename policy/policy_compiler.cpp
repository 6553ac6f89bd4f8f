#include "policy/policy_compiler.h"

#include "common/sha256.h"
#include "policy/condition_compiler.h"
#include "policy/condition_types.h"
#include "policy/fields.h"
#include "policy/policy_error.h"
#include "policy/policy_parser.h"

namespace yagura::policy {

namespace {

std::vector<std::string> texts(const std::vector<ValueAst>& values) {
  std::vector<std::string> out;
  for (const ValueAst& v : values) out.push_back(v.text);
  return out;
}

KernelRequests kernel_requests(const KernelAst& k) {
  return {texts(k.ignore_executables), texts(k.ignore_users),  texts(k.ignore_cgroups),
          texts(k.watch_writes),       texts(k.watch_exclude), texts(k.watch_reads)};
}

RuleInfo compile_rule(const RuleAst& r, const PolicyAst& ast, ConditionCompiler& cc) {
  RuleInfo info;
  info.id = r.id;
  info.action = r.action;
  info.mode = r.mode;
  info.types = r.types;
  info.indexed_types = r.types & (r.when ? possible_types(*r.when, ast) : kAllTypes);
  info.location = location(ast.file_name, r.pos);
  info.rate_limit = r.rate_limit;
  if (r.when) info.when = cc.compile(*r.when);
  for (const ConditionAst& e : r.except) info.except.push_back(cc.compile(e));
  if (r.action == Action::kAlert)
    info.alert =
        std::make_shared<const AlertRule>(AlertRule{r.id, r.title, r.severity, r.attack, r.tags});
  return info;
}

std::shared_ptr<const CompiledPolicy> compile(std::string_view text, PolicyAst ast) {
  CompiledPolicy::Parts parts;
  ConditionCompiler cc(ast, parts.program);
  cc.compile_macros();
  for (size_t i = 0; i < ast.rules.size(); ++i) {
    const RuleAst& r = ast.rules[i];
    parts.rules.push_back(compile_rule(r, ast, cc));
    for (size_t t = 0; t < CompiledPolicy::kTypeCount; ++t)
      if (parts.rules.back().indexed_types & (1u << t))
        parts.by_type[t].push_back(static_cast<uint32_t>(i));
    if (r.rate_limit && r.rate_limit->by_exe && !parts.exe_slot)
      parts.exe_slot = cc.slot_for(FieldRef{find_field("process.exe")->id, ""}, r.rate_limit->pos);
  }
  cc.finish();
  parts.sha256 = sha256_hex(text);
  parts.kernel = kernel_requests(ast.kernel);
  parts.ast = std::move(ast);
  return std::make_shared<const CompiledPolicy>(std::move(parts));
}

}  // namespace

Result<std::shared_ptr<const CompiledPolicy>> compile_policy(std::string_view yaml_text,
                                                             const std::string& file_name) {
  Result<PolicyAst> ast = parse_policy(yaml_text, file_name);
  if (!ast) return ast.error();
  try {
    return compile(yaml_text, std::move(ast).value());
  } catch (const PolicyError& e) {
    return to_error(file_name, e);
  }
}

}  // namespace yagura::policy
