// Policy YAML to its parsed form (policy_ast.h), checking its shape: YAML
// syntax, unknown and duplicate keys, missing required keys, value types,
// rule ids, actions, severities, ATT&CK ids, rate limits, kernel paths.
// Names (fields, lists, macros) are resolved by the compiler; most callers
// want compile_policy() (policy_compiler.h), which calls this.
//
// Every error is "file:line:col: message", 1-based, at the offending node.
//
//   Result<PolicyAst> ast = parse_policy("policy: {name: x}\n", "p.yaml");
//   // ast.error().message == "p.yaml:1:9: policy needs 'version'"
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "policy/policy_ast.h"

namespace yagura::policy {

Result<PolicyAst> parse_policy(std::string_view yaml_text, const std::string& file_name);

}  // namespace yagura::policy
